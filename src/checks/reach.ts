// Probes each target from a namespace, asking again while a device may still
// be connecting, with the tunnel interface's counters read around each probe
// so that an answer can prove the path it took (judged in reach-judge.ts).
import type { Docker } from '../docker/client.js'
import type { Container } from '../docker/inspect.js'
import { readCounters, type NamespaceSnapshot } from './namespace.js'
import { delay, RETRY_MS } from './outcome.js'
import type { Prober } from './prober.js'
import { lostInterfaces, type KernelRoute, type ProbeAnswer, type ReachProbe } from './reach-judge.js'
import { isTunnelInterface, routeFor, type InterfaceCounters } from './routes.js'

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
    await delay(RETRY_MS, stop)
    // Ended while waiting: a warm-up must not queue one more probe ahead of the confirming one.
    if (stop?.aborted) break
    probe = await once()
  }
  return probe
}

/** One probe, with the tunnel interface's counters read right before and
 * right after it: in one exec where the probing container has a shell and
 * its tool is known, else one exec each. What this cannot rule out: other
 * traffic on the interface during this very window (celery_monitoring
 * pinging a device at the same moment) also moves the counter. */
async function probeOnce(
  docker: Docker,
  prober: Prober,
  candidates: Container[],
  target: string,
  iface: string | undefined
): Promise<ReachProbe> {
  const kernelRoute = prober.kernelRoute(candidates[0], target)
  // Bound to the tunnel, the probe can neither leave nor be answered by
  // another way: no policy rule or other path can pass for the tunnel.
  const bindTo = iface && isTunnelInterface(iface) ? iface : undefined
  const around = iface ? await prober.probeAround(candidates, target, bindTo) : undefined
  if (around) return withCounters(around.answer, await kernelRoute, iface, around.before, async () => around.after)
  const before = iface ? await readCounters(docker, candidates[0]) : undefined
  const answer = await prober.probe(candidates, target, bindTo)
  return withCounters(answer, await kernelRoute, iface, before, () => readCounters(docker, candidates[0]))
}

/** The probe with the packets the tunnel interface sent meanwhile. */
async function withCounters(
  answer: ProbeAnswer | undefined,
  kernelRoute: KernelRoute | undefined,
  iface: string | undefined,
  before: Map<string, InterfaceCounters> | undefined,
  readAfter: () => Promise<Map<string, InterfaceCounters>>
): Promise<ReachProbe> {
  const start = iface ? before?.get(iface) : undefined
  if (!answer || answer.gone || !iface || !start) return { answer, kernelRoute }
  const counters = await readAfter()
  const after = counters.get(iface)
  const interfacesAfter = counters.size ? [...counters.keys()] : undefined
  return {
    answer,
    kernelRoute,
    interfacesAfter,
    tunnelPacketsSent: after ? after.txPackets - start.txPackets : undefined
  }
}
