// Probes each target from a namespace, asking again while a device may still
// be connecting, with the tunnel interface's counters read around each probe
// so that an answer can prove the path it took (judged in reach-judge.ts).
import type { Docker } from '../docker/client.js'
import type { Container } from '../docker/inspect.js'
import { readCounters, type NamespaceSnapshot } from './namespace.js'
import { delay, RETRY_MS } from './outcome.js'
import type { Prober } from './prober.js'
import { lostInterfaces, type ReachProbe } from './reach-judge.js'
import { isTunnelInterface, routeFor } from './routes.js'

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
    // Ended while waiting: a warm-up must not queue one more probe ahead of the confirming one.
    if (stop?.aborted) break
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
