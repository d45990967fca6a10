// The live checks of the tunnel, the vpn side: the vpn service routes the
// management subnets over tun/tap. The tunnel services' side (shared
// namespace, routes, reach) is tunnel-workers.ts.
import type { Docker } from '../docker/client.js'
import type { Container } from '../docker/inspect.js'
import type { CheckResult } from '../findings.js'
import { readNamespace, type NamespaceSnapshot, type WorkerWiring } from './namespace.js'
import { checkResult, delay, RETRY_MS, type Outcome } from './outcome.js'
import { Prober } from './prober.js'
import { probeNamespace } from './reach.js'
import { refuseOwnAddress, type ReachProbe } from './reach-judge.js'
import {
  formatRoute,
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
  prober: Prober
  /** The vpn container's warm-up probe of each target (not its own
   * addresses), under way from the moment its routes are read, while Compose
   * still starts the workers: it finds the probe tool and asks until the
   * devices have connected. Its answer decides nothing: it predates the
   * workers (tunnel-workers.ts probes again once they are read). */
  warmUp: Map<string, Promise<ReachProbe>>
  /** Stops the warm-up asking again, so that it neither delays the
   * confirming probes nor outlives the checks. */
  endWarmUp: () => void
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
  const ended = new AbortController()
  const warmUpStop = stop ? AbortSignal.any([stop, ended.signal]) : ended.signal
  const warmUp = new Map(
    settings.probeTargets
      .filter((target) => !refuseOwnAddress(snapshot, target))
      .map((target) => {
        const probe = probeNamespace(docker, prober, snapshot, [vpn], target, routeDeadline, warmUpStop)
        // Never awaited by the checks; a rejection must not crash the run.
        probe.catch(() => undefined)
        return [target, probe] as const
      })
  )
  return { check, snapshot, subnets, prober, warmUp, endWarmUp: () => ended.abort() }
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
    await delay(RETRY_MS, stop)
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
