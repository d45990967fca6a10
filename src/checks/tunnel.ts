// The live checks of the tunnel: the vpn service routes the management
// subnets over tun/tap; every container of every tunnel service shares the
// vpn container's current namespace, has those routes, and reaches the
// device addresses through them.
import type { Docker } from '../docker/client.js'
import type { Container } from '../docker/inspect.js'
import type { CheckResult } from '../findings.js'
import { judgeNamespace, readNamespace, type NamespaceSnapshot, type WorkerWiring } from './namespace.js'
import { checkResult, delay, RETRY_MS, timed, type Outcome } from './outcome.js'
import { Prober } from './prober.js'
import { probeNamespace } from './reach.js'
import { judgeReach, refuseOwnAddress, type ReachProbe } from './reach-judge.js'
import {
  coversAll,
  formatRoute,
  judgeRoutes,
  managementRoutes,
  parseSubnet,
  tunnelRouteCovering,
  tunnelSubnets,
  type Subnet
} from './routes.js'

/** What the tunnel checks need to know of the run's settings. */
export interface TunnelOptions {
  vpnService: string
  /** Empty: the subnets the vpn routes over tun/tap. */
  managementSubnets: Subnet[]
  probeTargets: string[]
  routeTimeoutSec: number
  /** What each tunnel service's compose definition already does, for advice. */
  wiring?: ReadonlyMap<string, WorkerWiring>
}

/** The vpn side, which can start as soon as the vpn container is healthy. */
export interface VpnTunnel {
  check: CheckResult
  snapshot: NamespaceSnapshot
  subnets: Subnet[]
  /** End of the grace period, shared by the tunnel services' checks. */
  routeDeadline: number
  prober: Prober
  /** The vpn container's probe of each target (not its own addresses), under
   * way from the moment its routes are read: a worker proven to share its
   * namespace shares the answer. */
  probes: Map<string, Promise<ReachProbe>>
  /** Stops asking again in the probes no worker took (every worker is in a
   * namespace of its own), so that they cannot outlive the checks. */
  endProbes: () => void
}

export interface TunnelReport {
  checks: CheckResult[]
  subnets: string[]
  namespaces: NamespaceSnapshot[]
}

/** The vpn container routes the management subnets (or, when none are given,
 * some subnet) over tun/tap, within the grace period. Every wait of the
 * checks ends early once `stop` aborts: a container they look at has ended,
 * and the stability check will say so. */
export async function checkVpnTunnel(
  docker: Docker,
  vpn: Container,
  settings: TunnelOptions,
  stop?: AbortSignal
): Promise<VpnTunnel> {
  const startedAt = Date.now()
  const routeDeadline = startedAt + settings.routeTimeoutSec * 1000
  const wanted = settings.managementSubnets
  const { snapshot, ...outcome } = await waitForVpnRoutes(docker, vpn, wanted, routeDeadline, stop)
  const check = checkResult('tunnel', settings.vpnService, vpn, outcome, startedAt)
  const subnets = wanted.length ? wanted : tunnelSubnets(snapshot.routes).map(parseSubnet)
  const prober = new Prober(docker)
  const unused = new AbortController()
  const probeStop = stop ? AbortSignal.any([stop, unused.signal]) : unused.signal
  // The probes run while Compose still starts the workers. Their answers hold
  // for a worker whose namespace is found to be this one: the stability check
  // proves the vpn container kept its process, so its namespace, from before
  // this point to the verdict.
  const probes = new Map(
    settings.probeTargets
      .filter((target) => !refuseOwnAddress(snapshot, target))
      .map((target) => {
        const probe = probeNamespace(docker, prober, snapshot, [vpn], target, routeDeadline, probeStop)
        // Not awaited when no worker shares the namespace; a rejection then must not crash the run.
        probe.catch(() => undefined)
        return [target, probe] as const
      })
  )
  return { check, snapshot, subnets, routeDeadline, prober, probes, endProbes: () => unused.abort() }
}

/** Every container of every tunnel service, all at once. */
export async function checkTunnelServices(
  docker: Docker,
  vpn: VpnTunnel,
  workers: Map<string, Container[]>,
  settings: TunnelOptions,
  stop?: AbortSignal
): Promise<TunnelReport> {
  const namespaces = [vpn.snapshot]
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
              vpnProbes: vpn.probes,
              probes,
              stop,
              wiring: settings.wiring?.get(service)
            }
            return checkWorker(docker, vpn.prober, context)
          })
    )
  )
  vpn.endProbes()
  return { checks: [vpn.check, ...perWorker.flat()], subnets: vpn.subnets.map((subnet) => subnet.cidr), namespaces }
}

async function waitForVpnRoutes(
  docker: Docker,
  vpn: Container,
  wanted: Subnet[],
  deadline: number,
  stop?: AbortSignal
): Promise<Outcome & { snapshot: NamespaceSnapshot }> {
  for (;;) {
    const snapshot = await readNamespace(docker, vpn)
    const routed = wanted.length
      ? wanted.map((subnet) => tunnelRouteCovering(snapshot.routes, subnet))
      : // The tunnel's own link-local and multicast routes come with tun0 before
        // OpenVPN routes its subnet: they do not make the tunnel up.
        managementRoutes(snapshot.routes)
    const complete = routed.length > 0 && routed.every(Boolean)
    if (complete || snapshot.error || Date.now() >= deadline || stop?.aborted) {
      const found = routed.filter((route) => route !== undefined).map(formatRoute)
      return { snapshot, ...vpnRouteOutcome(snapshot, complete, found, wanted) }
    }
    await delay(RETRY_MS)
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
  /** The vpn container's probes, by target. */
  vpnProbes: Map<string, Promise<ReachProbe>>
  /** The workers' own probes under way or done, by namespace and target, shared by the workers. */
  probes: Map<string, Promise<ReachProbe>>
  service: string
  snapshot: NamespaceSnapshot
  vpnSnapshot: NamespaceSnapshot
  subnets: Subnet[]
  targets: string[]
  routeDeadline: number
  stop?: AbortSignal
  wiring?: WorkerWiring
}

async function checkWorker(docker: Docker, prober: Prober, context: WorkerContext): Promise<CheckResult[]> {
  const { service, vpnSnapshot } = context
  const worker = context.snapshot.container
  const namespace = await timed('namespace', service, worker, async () =>
    judgeNamespace(context.snapshot, vpnSnapshot, context.wiring)
  )
  // A container that does not run has no namespace to read routes in or probe
  // from: the namespace check named it with its state.
  if (worker.status !== 'running') return [namespace]
  const shared = namespace.verdict === 'passed'
  // A shared namespace can lose its route for a moment when OpenVPN restarts:
  // wait out the grace period. A foreign one will not get it back by waiting.
  const route = await timed('route', service, worker, async () => {
    let snapshot = context.snapshot
    const waiting = (): boolean => Date.now() < context.routeDeadline && !context.stop?.aborted
    while (shared && !coversAll(snapshot, context.subnets) && waiting()) {
      await delay(RETRY_MS)
      snapshot = await readNamespace(docker, worker)
    }
    context.snapshot = snapshot
    return judgeRoutes(snapshot, context.subnets)
  })
  // In a namespace proven shared, the vpn container's probe (its image has the
  // tools a VPN needs) answers for all its members; when the vpn container has
  // no probe tool, a member probes, once per target.
  const reach = await Promise.all(
    context.targets.map((target) =>
      timed('reach', service, worker, async () => {
        const refused = refuseOwnAddress(vpnSnapshot, target)
        if (refused) return refused
        const fromVpn = shared ? await context.vpnProbes.get(target) : undefined
        if (fromVpn?.answer) return judgeReach(context.snapshot, target, fromVpn)
        const key = shared ? `${vpnSnapshot.id}|${target}` : `${worker.id}|${target}`
        if (!context.probes.has(key))
          context.probes.set(
            key,
            probeNamespace(docker, prober, context.snapshot, [worker], target, context.routeDeadline, context.stop)
          )
        return judgeReach(context.snapshot, target, await context.probes.get(key)!)
      })
    )
  )
  return [namespace, route, ...reach]
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
