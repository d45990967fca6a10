// Asks a device address for an answer from inside a namespace, with the first
// tool the container has. OpenWISP's celery image has no ping but fping and
// python3; images with none of them are probed from the vpn container when
// the namespace check proved that both share one namespace.
import type { CommandResult } from '../docker/command.js'
import { firstLine, programMissing, type Docker } from '../docker/client.js'
import type { Container } from '../docker/inspect.js'
import type { Verdict } from '../findings.js'
import { readCounters, type NamespaceSnapshot } from './namespace.js'
import { delay, RETRY_MS, type Outcome } from './outcome.js'
import { formatRoute, isTunnelInterface, ownsAddress, routeFor, type Route } from './routes.js'

/** Seconds a device has to answer one probe. */
export const PROBE_WAIT_SEC = 2

/** Echo requests each tool sends per probe: the tunnel's transmit counter
 * must move by at least this much during the probe. */
export const ECHO_REQUESTS = 1

/** An ICMP echo over an unprivileged datagram socket: Docker sets
 * net.ipv4.ping_group_range for every group, so a non-root user may send it. */
const PYTHON_ICMP = [
  'import socket,sys,time',
  's=socket.socket(socket.AF_INET,socket.SOCK_DGRAM,socket.IPPROTO_ICMP)',
  `s.settimeout(${PROBE_WAIT_SEC})`,
  't=time.monotonic()',
  "s.sendto(bytes([8,0,0,0,0,0,0,1])+b'openwisp-tunnel-check',(sys.argv[1],0))",
  'while s.recvfrom(2048)[0][0]!=0: pass',
  "print('rtt_ms=%.3f'%((time.monotonic()-t)*1000))"
].join('\n')

interface ProbeTool {
  name: string
  argv(target: string): string[]
  /** Extracts the round trip in milliseconds from the tool's output. */
  roundTrip: RegExp
}

const PROBE_TOOLS: ProbeTool[] = [
  {
    name: 'ping',
    argv: (target) => ['ping', '-c', String(ECHO_REQUESTS), '-W', String(PROBE_WAIT_SEC), target],
    roundTrip: /time[=<]\s*([\d.]+)\s*ms/
  },
  {
    name: 'fping',
    argv: (target) => ['fping', '-c', String(ECHO_REQUESTS), '-t', String(PROBE_WAIT_SEC * 1000), target],
    roundTrip: /([\d.]+) ms/
  },
  { name: 'python3', argv: (target) => ['python3', '-c', PYTHON_ICMP, target], roundTrip: /rtt_ms=([\d.]+)/ }
]

export interface ProbeAnswer {
  /** Which container and tool ran the probe. */
  from: string
  tool: string
  answered: boolean
  roundTripMs?: number
  output: string
  /** Docker's word that the container cannot run the probe (it stopped, is
   * restarting, or was removed): asking again is pointless. */
  gone?: string
}

/** What `docker exec` says when the container is not there to run anything. */
const CONTAINER_GONE = /No such container|is not running|is restarting|is paused/i

function containerGone(result: CommandResult): string | undefined {
  return result.exitCode !== 0 && CONTAINER_GONE.test(result.stderr) ? firstLine(result.stderr) : undefined
}

/** The kernel's own answer to "which way to this target", policy rules
 * included; undefined `device` when it has no route at all. */
export interface KernelRoute {
  device?: string
  /** The first line of `ip route get`, for the evidence. */
  text: string
}

/** Pure: the device of `ip route get` output (iproute2 and busybox alike:
 * `10.8.0.77 via 172.18.0.5 dev eth0 table 100 src 172.18.0.3 uid 0`). */
export function parseRouteGet(output: string): string | undefined {
  return /\bdev\s+(\S+)/.exec(output)?.[1]
}

export class Prober {
  /** The tool that worked in each container, so each is found only once. */
  private readonly toolOf = new Map<string, ProbeTool | null>()
  /** Containers without `ip`: their policy routing cannot be asked about. */
  private readonly noIp = new Set<string>()
  /** The last probe queued in each namespace: probes of one namespace run one
   * after another, so the tunnel counters read around one are its own. */
  private readonly lanes = new Map<string, Promise<unknown>>()

  constructor(private readonly docker: Docker) {}

  /** Runs `work` once the namespace's earlier probes are done. */
  exclusive<T>(namespace: string, work: () => Promise<T>): Promise<T> {
    const previous = this.lanes.get(namespace) ?? Promise.resolve()
    const next = previous.then(work, work)
    this.lanes.set(
      namespace,
      next.catch(() => undefined)
    )
    return next
  }

  /** Asks the kernel which route it uses for the target (`ip route get`
   * honours `ip rule`, which /proc/net/route does not show); undefined when
   * the container has no `ip`. */
  async kernelRoute(container: Container, target: string): Promise<KernelRoute | undefined> {
    if (this.noIp.has(container.id)) return undefined
    const result = await this.docker.exec(container.id, ['ip', 'route', 'get', target])
    if (programMissing(result)) {
      this.noIp.add(container.id)
      return undefined
    }
    const text = firstLine(result.exitCode === 0 ? result.stdout : result.stderr || result.stdout).trim()
    return { device: result.exitCode === 0 ? parseRouteGet(result.stdout) : undefined, text }
  }

  /** Probes from the first container of the list that has a tool. */
  async probe(candidates: Container[], target: string): Promise<ProbeAnswer | undefined> {
    for (const container of candidates) {
      const answer = await this.probeFrom(container, target)
      if (answer) return answer
    }
    return undefined
  }

  private async probeFrom(container: Container, target: string): Promise<ProbeAnswer | undefined> {
    const known = this.toolOf.get(container.id)
    if (known === null) return undefined
    // The first time, every tool is tried at once (a miss costs a whole exec);
    // the preferred one of those present answers.
    const tools = known ? [known] : PROBE_TOOLS
    const results = await Promise.all(
      tools.map((tool) => this.docker.exec(container.id, tool.argv(target), (PROBE_WAIT_SEC + 5) * 1000))
    )
    const gone = containerGone(results[0])
    if (gone) return { from: container.name, tool: '', answered: false, output: '', gone }
    const found = results.findIndex((result) => !programMissing(result))
    this.toolOf.set(container.id, found < 0 ? null : tools[found])
    if (found < 0) return undefined
    const tool = tools[found]
    const output = `${results[found].stdout}\n${results[found].stderr}`.trim()
    const roundTrip = tool.roundTrip.exec(output)
    return {
      from: container.name,
      tool: tool.name,
      answered: results[found].exitCode === 0,
      roundTripMs: roundTrip ? Number(roundTrip[1]) : undefined,
      output
    }
  }
}

export interface ReachProbe {
  answer?: ProbeAnswer
  /** Packets the tunnel interface sent during this probe alone: proof of the path taken. */
  tunnelPacketsSent?: number
  /** `ip route get` in the probing namespace; undefined where there is no `ip`. */
  kernelRoute?: KernelRoute
  /** Interfaces of the namespace after the probe (from /proc/net/dev). */
  interfacesAfter?: string[]
}

/** Pure: interfaces the namespace had when the checks read it and lost by
 * the probe, e.g. eth0 after `docker network disconnect`: OpenVPN keeps tun0
 * and its route, but the devices' tunnels ran over the lost network. */
export function lostInterfaces(snapshot: NamespaceSnapshot, probe: ReachProbe): string[] {
  const after = probe.interfacesAfter
  return after ? [...snapshot.counters.keys()].filter((name) => !after.includes(name)) : []
}

/** Probes a target from a namespace, asking again within the grace period: a
 * device (re)connects to the VPN a moment after the server is up. Asking
 * stops early when a container of the checks ends (`stop`) or the one asked
 * is gone. */
export async function probeNamespace(
  docker: Docker,
  prober: Prober,
  snapshot: NamespaceSnapshot,
  candidates: Container[],
  target: string,
  deadline: number,
  stop?: AbortSignal
): Promise<ReachProbe> {
  const route = routeFor(snapshot.routes, target)
  const viaTunnel = route !== undefined && isTunnelInterface(route.iface)
  const once = (): Promise<ReachProbe> =>
    prober.exclusive(snapshot.id ?? candidates[0].id, () => probeOnce(docker, prober, candidates, target, route?.iface))
  let probe = await once()
  while (
    lostInterfaces(snapshot, probe).length === 0 &&
    probe.answer &&
    !probe.answer.answered &&
    !probe.answer.gone &&
    viaTunnel &&
    Date.now() < deadline &&
    !stop?.aborted
  ) {
    await delay(RETRY_MS)
    probe = await once()
  }
  return probe
}

/** One probe, with the tunnel interface's counters read right before and
 * right after it. What this cannot rule out: other traffic on the interface
 * during this very window (celery_monitoring pinging a device at the same
 * moment) also moves the counter. */
async function probeOnce(
  docker: Docker,
  prober: Prober,
  candidates: Container[],
  target: string,
  iface: string | undefined
): Promise<ReachProbe> {
  const [before, kernelRoute] = await Promise.all([
    iface ? readCounters(docker, candidates[0]) : undefined,
    prober.kernelRoute(candidates[0], target)
  ])
  const answer = await prober.probe(candidates, target)
  const start = iface ? before?.get(iface) : undefined
  if (!answer || answer.gone || !iface || !start) return { answer, kernelRoute }
  const counters = await readCounters(docker, candidates[0])
  const after = counters.get(iface)
  const interfacesAfter = counters.size ? [...counters.keys()] : undefined
  return {
    answer,
    kernelRoute,
    interfacesAfter,
    tunnelPacketsSent: after ? after.txPackets - start.txPackets : undefined
  }
}

/** Pure: refuses a target that the vpn's namespace itself owns (the
 * server's tun0 address, loopback): it answers without crossing the tunnel. */
export function refuseOwnAddress(vpn: NamespaceSnapshot, target: string): Outcome | undefined {
  if (!ownsAddress(vpn.localAddresses, target)) return undefined
  return {
    verdict: 'failed',
    summary: `${target} is the vpn server's own address (an address of ${vpn.container.name}'s network namespace): a probe of it is answered there and never crosses the tunnel.`,
    evidence: { target, vpn_addresses: vpn.localAddresses.join(', ') },
    fix: 'List device management IPs in probe-targets (the addresses devices get on the VPN), not an address of the server.'
  }
}

/** Pure: did the target answer, and through the tunnel? The tunnel
 * interface's transmit counter must have moved: an answer from something
 * on this side of the tunnel proves nothing about devices. */
export function judgeReach(snapshot: NamespaceSnapshot, target: string, probe: ReachProbe): Outcome {
  const route = routeFor(snapshot.routes, target)
  const viaTunnel = route !== undefined && isTunnelInterface(route.iface)
  const evidence: Outcome['evidence'] = { target, route: route ? formatRoute(route) : 'none' }
  const { answer } = probe
  if (!answer && !viaTunnel) {
    return {
      verdict: 'failed',
      summary: `${target} is unreachable from here: no route over the tunnel leads to it (route: ${evidence.route}).`,
      evidence,
      fix: 'See the namespace and route checks.'
    }
  }
  if (!answer) {
    return {
      verdict: 'failed',
      summary: `cannot probe ${target}: no container in this namespace has ping, fping or python3`,
      evidence,
      fix: 'Add one of them to the image, or probe from the vpn service.'
    }
  }
  if (answer.gone) {
    return {
      verdict: 'failed',
      summary: `${answer.from} could not probe ${target}: ${answer.gone}`,
      evidence: { ...evidence, probed_from: answer.from },
      fix: 'See the stability check: a container of the checks stopped while they ran.'
    }
  }
  Object.assign(evidence, { probed_from: answer.from, tool: answer.tool })
  if (answer.roundTripMs !== undefined) evidence.round_trip_ms = answer.roundTripMs
  if (route && probe.tunnelPacketsSent !== undefined)
    evidence[`${route.iface}_tx_packets_sent`] = probe.tunnelPacketsSent
  const { kernelRoute } = probe
  if (kernelRoute) evidence.kernel_route = kernelRoute.text
  else evidence.policy_routing = 'not checked: no `ip` in the probing container, only the main table was read'
  if (viaTunnel && kernelRoute && kernelRoute.device !== route!.iface)
    return aroundTunnel(target, route!, kernelRoute, evidence)
  const sent = probe.tunnelPacketsSent ?? 0
  const verdict: Verdict = answer.answered && viaTunnel && sent >= ECHO_REQUESTS ? 'passed' : 'failed'
  if (verdict === 'passed')
    return {
      verdict,
      summary: `${target} answered in ${answer.roundTripMs ?? '?'} ms via ${formatRoute(route!)}`,
      evidence
    }
  if (answer.answered && viaTunnel)
    return {
      verdict,
      summary:
        probe.tunnelPacketsSent === undefined
          ? `${target} answered, but ${route!.iface}'s transmit counter could not be read again: nothing shows that the probe crossed the tunnel.`
          : `${target} answered in ${answer.roundTripMs ?? '?'} ms, but ${route!.iface} sent ${sent > 0 ? `only ${sent} packets` : 'no packet'} during this probe: the answer did not come through the tunnel.`,
      evidence,
      fix: 'List device management IPs in probe-targets: only an answer through the tunnel proves that devices are reachable.'
    }
  if (answer.answered)
    return {
      verdict,
      summary: `${target} answered, but not through the tunnel (route: ${evidence.route}).`,
      evidence,
      fix: 'Route the management subnet over the tunnel.'
    }
  const lost = lostInterfaces(snapshot, probe)
  if (lost.length)
    return {
      verdict,
      summary: `${target} did not answer, and the namespace of ${answer.from} lost ${lost.join(', ')} during the checks (its network was disconnected or removed): the tunnel keeps ${route ? route.iface : 'its interface'}, but the devices' VPN connections ran over the lost network.`,
      evidence: { ...evidence, lost_interfaces: lost.join(', '), output: answer.output.slice(0, 300) },
      fix: `See \`docker inspect ${answer.from}\` (NetworkSettings.Networks) and reconnect its network, or recreate the stack; the device is not to blame.`
    }
  return {
    verdict,
    summary: `${target} did not answer within ${PROBE_WAIT_SEC} s (route: ${evidence.route}).`,
    evidence: { ...evidence, output: answer.output.slice(0, 300) },
    fix: viaTunnel
      ? 'Check that the device is connected to the VPN and has this management IP.'
      : 'There is no route over the tunnel to this address.'
  }
}

/** Pure: the main table says tun/tap, but the kernel (a policy rule, `ip
 * rule`) sends the target another way. */
function aroundTunnel(target: string, route: Route, kernel: KernelRoute, evidence: Outcome['evidence']): Outcome {
  const way = kernel.device ? `through ${kernel.device}` : 'nowhere'
  return {
    verdict: 'failed',
    summary: `${target} is routed ${way}, not ${route.iface}: \`ip route get ${target}\` says "${kernel.text}" though the main table has ${formatRoute(route)} (a policy rule, \`ip rule\`, takes precedence).`,
    evidence,
    fix: `Remove the policy rule or route that sends ${target} around the tunnel (see \`ip rule\` and \`ip route show table all\` in the vpn container).`
  }
}
