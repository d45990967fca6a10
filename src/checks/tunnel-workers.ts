// The live checks of the tunnel services: every container of every tunnel
// service shares the vpn container's current namespace, has the management
// routes, and reaches the device addresses through them. A verdict holds for
// the containers as they are when it is given, so a worker's reach rests only
// on a probe started after its namespace and routes were read.
import type { Docker } from '../docker/client.js'
import type { Container } from '../docker/inspect.js'
import type { CheckResult } from '../findings.js'
import { judgeNamespace, readNamespace, type NamespaceSnapshot, type WorkerWiring } from './namespace.js'
import { delay, RETRY_MS, timed } from './outcome.js'
import { probeNamespace } from './reach.js'
import { judgeReach, refuseOwnAddress, type ReachProbe } from './reach-judge.js'
import { coversAll, judgeRoutes } from './routes.js'
import type { TunnelOptions, VpnTunnel } from './tunnel.js'

export interface TunnelReport {
  checks: CheckResult[]
  subnets: string[]
  namespaces: NamespaceSnapshot[]
}

/** A worker once its namespace and routes are read. */
interface ReadWorker {
  service: string
  /** As first read, for the diagnostics. */
  first: NamespaceSnapshot
  /** As last read, after waiting for the routes. */
  snapshot: NamespaceSnapshot
  /** The namespace check passed: it is in the vpn container's namespace. */
  shared: boolean
  /** A container that does not run has no namespace to probe from. */
  running: boolean
  checks: CheckResult[]
}

/** Every container of every tunnel service: all are read first, then probed. */
export async function checkTunnelServices(
  docker: Docker,
  vpn: VpnTunnel,
  workers: Map<string, Container[]>,
  settings: TunnelOptions,
  stop?: AbortSignal
): Promise<TunnelReport> {
  // The grace for a missing route or an unanswered probe counts from here:
  // Compose may start the workers long after the vpn turned healthy.
  const deadline = Date.now() + settings.routeTimeoutSec * 1000
  const read = await Promise.all(
    [...workers].flatMap(([service, containers]): Promise<ReadWorker | CheckResult>[] =>
      containers.length === 0
        ? [Promise.resolve(missingService(service))]
        : containers.map((worker) =>
            readWorker(docker, vpn, { service, worker, deadline, stop, wiring: settings.wiring?.get(service) })
          )
    )
  )
  // Every worker is read: the probes that decide start only now.
  vpn.endWarmUp()
  const probes = new Map<string, Promise<ReachProbe>>()
  // One probe per namespace and target serves every worker in it; a namespace
  // proven shared is probed from the vpn container (its image has the tools a
  // VPN needs), else from the worker.
  const probeOf = (entry: ReadWorker, target: string): Promise<ReachProbe> => {
    const worker = entry.snapshot.container
    const key = `${entry.shared ? vpn.snapshot.id : worker.id}|${target}`
    const candidates = entry.shared ? [vpn.snapshot.container, worker] : [worker]
    if (!probes.has(key))
      probes.set(key, probeNamespace(docker, vpn.prober, entry.snapshot, candidates, target, deadline, stop))
    return probes.get(key)!
  }
  const perWorker = await Promise.all(
    read.map(async (entry) => {
      if (!('checks' in entry)) return [entry]
      if (!entry.running) return entry.checks
      const reach = settings.probeTargets.map((target) =>
        timed('reach', entry.service, entry.snapshot.container, async () => {
          const refused = refuseOwnAddress(vpn.snapshot, target)
          return refused ?? judgeReach(entry.snapshot, target, await probeOf(entry, target))
        })
      )
      return [...entry.checks, ...(await Promise.all(reach))]
    })
  )
  return {
    checks: [vpn.check, ...perWorker.flat()],
    subnets: vpn.subnets.map((subnet) => subnet.cidr),
    namespaces: [vpn.snapshot, ...read.flatMap((entry) => ('first' in entry ? [entry.first] : []))]
  }
}

interface WorkerToRead {
  service: string
  worker: Container
  deadline: number
  stop?: AbortSignal
  wiring?: WorkerWiring
}

/** The namespace and route checks of one worker. */
async function readWorker(docker: Docker, vpn: VpnTunnel, to: WorkerToRead): Promise<ReadWorker> {
  const { service, worker } = to
  const first = await readNamespace(docker, worker)
  const namespace = await timed('namespace', service, worker, async () =>
    judgeNamespace(first, vpn.snapshot, to.wiring)
  )
  const shared = namespace.verdict === 'passed'
  // The namespace check named a container that does not run with its state.
  if (worker.status !== 'running')
    return { service, first, snapshot: first, shared, running: false, checks: [namespace] }
  // A shared namespace can lose its route for a moment when OpenVPN restarts:
  // wait out the grace period. A foreign one will not get it back by waiting.
  let snapshot = first
  const route = await timed('route', service, worker, async () => {
    const waiting = (): boolean => Date.now() < to.deadline && !to.stop?.aborted
    while (shared && !coversAll(snapshot, vpn.subnets) && waiting()) {
      await delay(RETRY_MS, to.stop)
      snapshot = await readNamespace(docker, worker)
    }
    return judgeRoutes(snapshot, vpn.subnets)
  })
  return { service, first, snapshot, shared, running: true, checks: [namespace, route] }
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
