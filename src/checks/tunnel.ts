// The live checks of the tunnel: the vpn service routes the management
// subnets over tun/tap; every container of every tunnel service shares the
// vpn container's current namespace, has those routes, and reaches the
// device addresses through them.
import type { Docker } from '../docker/client.js'
import type { CheckResult, Verdict } from '../findings.js'
import { joinedContainerId, type Container } from '../docker/inspect.js'
import { readCounters, readNamespace, type NamespaceSnapshot } from './namespace.js'
import { PROBE_WAIT_SEC, Prober, type ProbeAnswer } from './reach.js'
import { formatRoute, isTunnelInterface, routeFor, tunnelRouteCovering, tunnelSubnets } from './routes.js'
import { parseSubnet, type Settings, type Subnet } from '../settings.js'

type TunnelSettings = Pick<Settings, 'vpnService' | 'managementSubnets' | 'probeTargets' | 'routeTimeoutSec'>

/** The vpn side, which can start as soon as the vpn container is healthy. */
export interface VpnTunnel {
  check: CheckResult
  snapshot: NamespaceSnapshot
  subnets: Subnet[]
  /** End of the grace period, shared by the tunnel services' checks. */
  routeDeadline: number
}

export interface TunnelReport {
  checks: CheckResult[]
  subnets: string[]
  namespaces: NamespaceSnapshot[]
}

/** How often a missing route is looked for again during the grace period. */
const ROUTE_RETRY_MS = 250

type Outcome = Pick<CheckResult, 'verdict' | 'summary' | 'evidence'> & { fix?: string }

/** The vpn container routes the management subnets (or, when none are given,
 * some subnet) over tun/tap, within the grace period. */
export async function checkVpnTunnel(docker: Docker, vpn: Container, settings: TunnelSettings): Promise<VpnTunnel> {
  const startedAt = Date.now()
  const routeDeadline = startedAt + settings.routeTimeoutSec * 1000
  const { snapshot, ...outcome } = await waitForVpnRoutes(docker, vpn, settings.managementSubnets, routeDeadline)
  const check = checkResult('tunnel', settings.vpnService, vpn, outcome, startedAt)
  const subnets = settings.managementSubnets.length
    ? settings.managementSubnets
    : tunnelSubnets(snapshot.routes).map(parseSubnet)
  return { check, snapshot, subnets, routeDeadline }
}

/** Every container of every tunnel service, all at once. */
export async function checkTunnelServices(
  docker: Docker,
  vpn: VpnTunnel,
  workers: Map<string, Container[]>,
  settings: TunnelSettings
): Promise<TunnelReport> {
  const namespaces = [vpn.snapshot]
  const prober = new Prober(docker)
  const probes = new Map<string, Promise<ReachProbe>>()
  const perWorker = await Promise.all(
    [...workers].flatMap(([service, containers]) =>
      containers.length === 0
        ? [Promise.resolve([missingService(service)])]
        : containers.map(async (worker) => {
            const snapshot = await readNamespace(docker, worker)
            namespaces.push(snapshot)
            const context = {
              service,
              snapshot,
              vpnSnapshot: vpn.snapshot,
              subnets: vpn.subnets,
              targets: settings.probeTargets,
              routeDeadline: vpn.routeDeadline,
              probes
            }
            return checkWorker(docker, prober, context)
          })
    )
  )
  return { checks: [vpn.check, ...perWorker.flat()], subnets: vpn.subnets.map((subnet) => subnet.cidr), namespaces }
}

async function waitForVpnRoutes(
  docker: Docker,
  vpn: Container,
  wanted: Subnet[],
  deadline: number
): Promise<Outcome & { snapshot: NamespaceSnapshot }> {
  for (;;) {
    const snapshot = await readNamespace(docker, vpn)
    const routed = wanted.length
      ? wanted.map((subnet) => tunnelRouteCovering(snapshot.routes, subnet))
      : snapshot.routes.filter((route) => isTunnelInterface(route.iface))
    const complete = routed.length > 0 && routed.every(Boolean)
    if (complete || snapshot.error || Date.now() >= deadline) {
      const found = routed.filter((route) => route !== undefined).map(formatRoute)
      return { snapshot, ...vpnRouteOutcome(snapshot, complete, found, wanted) }
    }
    await delay(ROUTE_RETRY_MS)
  }
}

function vpnRouteOutcome(snapshot: NamespaceSnapshot, complete: boolean, found: string[], wanted: Subnet[]): Outcome {
  const evidence = { namespace: snapshot.id ?? 'unknown', routes: found.join('; ') || 'none over tun/tap' }
  if (snapshot.error)
    return {
      verdict: 'failed',
      summary: snapshot.error,
      evidence,
      fix: 'The vpn container must have readlink and cat (coreutils or busybox).'
    }
  if (complete) return { verdict: 'passed', summary: `routes ${found.join(', ')}`, evidence }
  const subject = wanted.length
    ? `no tun/tap route covers ${wanted.map((subnet) => subnet.cidr).join(', ')}`
    : 'no route over a tun/tap interface exists'
  return {
    verdict: 'failed',
    summary: `${snapshot.container.name} is ${snapshot.container.health ?? snapshot.container.status}, but ${subject}: the tunnel is not up.`,
    evidence,
    fix: 'Make the vpn healthcheck prove the tunnel (e.g. ["CMD", "grep", "-q", "tun0", "/proc/net/route"]) and look at the vpn container log for why OpenVPN did not bring up tun0.'
  }
}

interface WorkerContext {
  /** Probes under way or done, by namespace and target, shared by the workers. */
  probes: Map<string, Promise<ReachProbe>>
  service: string
  snapshot: NamespaceSnapshot
  vpnSnapshot: NamespaceSnapshot
  subnets: Subnet[]
  targets: string[]
  routeDeadline: number
}

async function checkWorker(docker: Docker, prober: Prober, context: WorkerContext): Promise<CheckResult[]> {
  const { service, vpnSnapshot } = context
  const worker = context.snapshot.container
  const namespace = await timed('namespace', service, worker, async () => judgeNamespace(context.snapshot, vpnSnapshot))
  const shared = namespace.verdict === 'passed'
  // A shared namespace can lose its route for a moment when OpenVPN restarts:
  // wait out the grace period. A foreign one will not get it back by waiting.
  const route = await timed('route', service, worker, async () => {
    let snapshot = context.snapshot
    while (shared && !coversAll(snapshot, context.subnets) && Date.now() < context.routeDeadline) {
      await delay(ROUTE_RETRY_MS)
      snapshot = await readNamespace(docker, worker)
    }
    context.snapshot = snapshot
    return judgeRoutes(snapshot, context.subnets)
  })
  // In a namespace proven shared, the vpn container (whose image has the
  // tools a VPN needs) probes for all its members, once per target.
  const candidates = shared ? [vpnSnapshot.container, worker] : [worker]
  const reach = await Promise.all(
    context.targets.map((target) =>
      timed('reach', service, worker, async () => {
        const key = shared ? `${vpnSnapshot.id}|${target}` : `${worker.id}|${target}`
        if (!context.probes.has(key))
          context.probes.set(key, probeNamespace(docker, prober, context, candidates, target))
        return judgeReach(context.snapshot, target, await context.probes.get(key)!)
      })
    )
  )
  return [namespace, route, ...reach]
}

/** Pure: does the worker share the vpn container's current namespace? */
export function judgeNamespace(worker: NamespaceSnapshot, vpn: NamespaceSnapshot): Outcome {
  const w = worker.container
  const v = vpn.container
  const joined = joinedContainerId(w)
  const evidence = {
    worker_namespace: worker.id ?? 'unknown',
    vpn_namespace: vpn.id ?? 'unknown',
    network_mode: w.networkMode,
    vpn_restarts: v.restartCount
  }
  if (w.status !== 'running') {
    return {
      verdict: 'failed',
      summary: `${w.name} is ${w.status} (exit code ${w.exitCode}).`,
      evidence,
      fix: `Look at \`docker logs ${w.name}\`.`
    }
  }
  if (joined && joined !== v.id) {
    return {
      verdict: 'failed',
      summary: `Stale namespace: ${w.name} joined container ${joined.slice(0, 12)}, which is no longer ${v.name} (${v.id.slice(0, 12)}): ${v.service} was recreated after ${w.name} started, and ${w.name} has no tunnel.`,
      evidence,
      fix: `Recreate it: \`docker compose up -d --force-recreate --no-deps ${w.service}\` (Compose recreates dependants only when it recreates ${v.service} itself).`
    }
  }
  if (!joined) {
    return {
      verdict: 'failed',
      summary: `${w.name} does not share ${v.name}'s network namespace (network_mode ${w.networkMode}): it cannot use the tunnel.`,
      evidence,
      fix: `Set network_mode: "service:${v.service}" on ${w.service}.`
    }
  }
  if (!worker.id || !vpn.id) return { verdict: 'failed', summary: (worker.error ?? vpn.error) as string, evidence }
  if (worker.id === vpn.id) return { verdict: 'passed', summary: `shares ${v.name}'s namespace ${vpn.id}`, evidence }
  return { verdict: 'failed', ...staleNamespace(w, v, evidence) }
}

function staleNamespace(w: Container, v: Container, evidence: Outcome['evidence']): Omit<Outcome, 'verdict'> {
  const restartedAfter = v.startedAt && w.startedAt && v.startedAt > w.startedAt
  const timing = restartedAfter
    ? `${v.name} (re)started at ${v.startedAt?.toISOString()}, after ${w.name} started at ${w.startedAt?.toISOString()}`
    : `${v.name} has a new namespace`
  return {
    summary: `Stale namespace: ${w.name} is still in the namespace ${v.name} had before the engine restarted it (restart count ${v.restartCount}; ${timing}). ${w.name} has no tunnel.`,
    evidence: {
      ...evidence,
      vpn_started: v.startedAt?.toISOString() ?? '',
      worker_started: w.startedAt?.toISOString() ?? ''
    },
    fix: `Recreate it: \`docker compose up -d --force-recreate --no-deps ${w.service}\` (a restart also rejoins while ${v.service} keeps its container); and make ${w.service} depend on ${v.service} with condition: service_healthy so it starts only once the tunnel is up.`
  }
}

function coversAll(snapshot: NamespaceSnapshot, subnets: Subnet[]): boolean {
  return subnets.length > 0 && subnets.every((subnet) => tunnelRouteCovering(snapshot.routes, subnet))
}

/** Pure: does the namespace route every management subnet over the tunnel? */
export function judgeRoutes(snapshot: NamespaceSnapshot, subnets: Subnet[]): Outcome {
  const covering = subnets.map((subnet) => ({
    subnet: subnet.cidr,
    route: tunnelRouteCovering(snapshot.routes, subnet)
  }))
  const missing = covering.filter((entry) => !entry.route).map((entry) => entry.subnet)
  const evidence = {
    routes: covering.map((entry) => `${entry.subnet}: ${entry.route ? formatRoute(entry.route) : 'none'}`).join('; '),
    interfaces: [...snapshot.counters.keys()].join(', ')
  }
  if (snapshot.error) return { verdict: 'failed', summary: snapshot.error, evidence }
  if (subnets.length === 0)
    return {
      verdict: 'failed',
      summary: 'there is no management subnet to check: the vpn service routes none over tun/tap',
      evidence
    }
  if (missing.length === 0)
    return { verdict: 'passed', summary: covering.map((entry) => formatRoute(entry.route!)).join(', '), evidence }
  const only = snapshot.routes.length === 0 ? ' (the namespace has no routes at all, only lo)' : ''
  return {
    verdict: 'failed',
    summary: `no route over tun/tap covers ${missing.join(', ')}${only}`,
    evidence,
    fix: 'The service must share the vpn service namespace after the tunnel is up; see the namespace check.'
  }
}

interface ReachProbe {
  answer?: ProbeAnswer
  /** Packets the tunnel interface sent while probing: proof of the path taken. */
  tunnelPacketsSent?: number
}

/** Probes a target from a namespace, asking again within the grace period: a
 * device (re)connects to the VPN a moment after the server is up. */
async function probeNamespace(
  docker: Docker,
  prober: Prober,
  context: WorkerContext,
  candidates: Container[],
  target: string
): Promise<ReachProbe> {
  const route = routeFor(context.snapshot.routes, target)
  const viaTunnel = route !== undefined && isTunnelInterface(route.iface)
  const before = route ? context.snapshot.counters.get(route.iface) : undefined
  let answer = await prober.probe(candidates, target)
  while (answer && !answer.answered && viaTunnel && Date.now() < context.routeDeadline) {
    await delay(ROUTE_RETRY_MS)
    answer = await prober.probe(candidates, target)
  }
  if (!answer || !route || !before) return { answer }
  const after = (await readCounters(docker, candidates[0])).get(route.iface)
  return { answer, tunnelPacketsSent: after ? after.txPackets - before.txPackets : undefined }
}

/** Pure: did the target answer, and through the tunnel? */
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
  Object.assign(evidence, { probed_from: answer.from, tool: answer.tool })
  if (answer.roundTripMs !== undefined) evidence.round_trip_ms = answer.roundTripMs
  if (route && probe.tunnelPacketsSent !== undefined)
    evidence[`${route.iface}_tx_packets_sent`] = probe.tunnelPacketsSent
  const verdict: Verdict = answer.answered && viaTunnel ? 'passed' : 'failed'
  if (verdict === 'passed')
    return {
      verdict,
      summary: `${target} answered in ${answer.roundTripMs ?? '?'} ms via ${formatRoute(route!)}`,
      evidence
    }
  if (answer.answered)
    return {
      verdict,
      summary: `${target} answered, but not through the tunnel (route: ${evidence.route}).`,
      evidence,
      fix: 'Route the management subnet over the tunnel.'
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

function missingService(service: string): CheckResult {
  return {
    check: 'namespace',
    service,
    verdict: 'failed',
    summary: `no container of ${service} exists in the project`,
    fix: 'Start the service, or remove it from tunnel-services.',
    evidence: {},
    startedAt: Date.now(),
    durationMs: 0
  }
}

function checkResult(
  check: string,
  service: string,
  container: Container,
  outcome: Outcome,
  startedAt: number
): CheckResult {
  const { verdict, summary, fix, evidence } = outcome
  return {
    check,
    service,
    container: container.name,
    verdict,
    summary,
    fix,
    evidence,
    startedAt,
    durationMs: Date.now() - startedAt
  }
}

async function timed(
  check: string,
  service: string,
  container: Container,
  run: () => Promise<Outcome>
): Promise<CheckResult> {
  const startedAt = Date.now()
  return checkResult(check, service, container, await run(), startedAt)
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}
