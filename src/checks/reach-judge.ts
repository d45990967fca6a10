// Pure judging of reachability probes: what a probe's facts (the answer, the
// tunnel's transmit counter around it, the kernel's route) prove about a
// target, and which targets cannot prove anything (an address of the vpn's
// own namespace). The probes themselves run in prober.ts and reach.ts.
import type { Verdict } from '../findings.js'
import type { NamespaceSnapshot } from './namespace.js'
import type { Outcome } from './outcome.js'
import { formatRoute, isTunnelInterface, ownsAddress, routeFor, type Route } from './routes.js'

/** Seconds a device has to answer one probe. */
export const PROBE_WAIT_SEC = 2

/** Echo requests each tool sends per probe: the tunnel's transmit counter
 * must move by at least this much during the probe. */
export const ECHO_REQUESTS = 1

export interface ProbeAnswer {
  /** Which container and tool ran the probe. */
  from: string
  tool: string
  answered: boolean
  roundTripMs?: number
  output: string
  /** The interface the probe was bound to: its answer came in by it. */
  boundTo?: string
  /** Docker's word that the container cannot run the probe (it stopped, is
   * restarting, or was removed): asking again is pointless. */
  gone?: string
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
  // Without the namespace's routes no answer can be placed on a path: the
  // route check names why they could not be read.
  if (snapshot.error) {
    return {
      verdict: 'failed',
      summary: `not judged: the routes of ${snapshot.container.name} could not be read`,
      evidence,
      fix: 'See the route check of this container.'
    }
  }
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
  if (answer.boundTo) evidence.bound_to = answer.boundTo
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
