// Judging the stack once it came back (or the deadline passed): the tunnel
// checks again on the stack as it is now, and one recovery verdict per
// worker, with the compose lines behind a worker that did not come back.
import { readNamespace, type NamespaceSnapshot, type WorkerWiring } from '../checks/namespace.js'
import { judgeRecovery, type ResilienceEvent } from '../checks/recovery.js'
import { confirmStability } from '../checks/stability.js'
import { StabilityWatch } from '../checks/stability-watch.js'
import { checkVpnTunnel, type TunnelOptions, type VpnTunnel } from '../checks/tunnel.js'
import { checkTunnelServices, type TunnelReport } from '../checks/tunnel-workers.js'
import type { Container } from '../docker/inspect.js'
import type { CheckResult } from '../findings.js'
import { workerWiring } from './diagnosis.js'
import { currentVpn, recordCheck, workersIn, type RunContext, type StackSnapshot, type Trial } from './trial.js'

/** Records the tunnel checks and a recovery verdict per worker; returns the
 * namespaces read (the vpn's first), or undefined when no vpn container runs
 * any more. */
export async function judgeTrial(
  context: RunContext,
  trial: Trial,
  before: StackSnapshot,
  back: Map<string, number>
): Promise<NamespaceSnapshot[] | undefined> {
  const containers = await context.docker.projectContainers(context.project.projectName)
  const vpn = currentVpn(context.settings, containers)
  if (!vpn) return undefined
  const wiring = workerWiring(context.model, context.settings)
  const options: TunnelOptions = {
    ...context.settings,
    managementSubnets: trial.subnets,
    // What is left of recovery-timeout is the grace for routes and probes.
    routeTimeoutSec: Math.max(0, (trial.deadline - Date.now()) / 1000),
    wiring
  }
  const returned = workersIn(context.settings, containers).filter((worker) => back.has(worker.name))
  const { vpnTunnel, tunnel } = await tunnelChecks(context, trial, vpn, returned, options)
  const after = await snapshotsAfter(context, containers, tunnel.namespaces)
  recordRecoveries(context, trial, before, { vpn: vpnTunnel.snapshot, workers: after }, back, wiring)
  return [vpnTunnel.snapshot, ...after]
}

/** The tunnel checks on the vpn and the workers that came back. The verdict
 * holds only for the containers checked: a change during these checks is
 * the stability check's verdict instead. */
async function tunnelChecks(
  context: RunContext,
  trial: Trial,
  vpn: Container,
  returned: Container[],
  options: TunnelOptions
): Promise<{ vpnTunnel: VpnTunnel; tunnel: TunnelReport }> {
  const { docker, events, settings, record } = context
  const watch = new StabilityWatch(events, new Set([settings.vpnService, ...settings.tunnelServices]), vpn)
  const vpnTunnel = await checkVpnTunnel(docker, vpn, options, watch.signal)
  watch.add(returned)
  const byService = new Map<string, Container[]>()
  for (const worker of returned) byService.set(worker.service, [...(byService.get(worker.service) ?? []), worker])
  const tunnel = await checkTunnelServices(docker, vpnTunnel, byService, options, watch.signal)
  const stability = await confirmStability(docker, watch, settings.vpnService, vpnTunnel.snapshot.id)
  if (stability.every((check) => check.verdict === 'passed'))
    for (const check of tunnel.checks) recordCheck(record, trial, check)
  for (const check of stability) recordCheck(record, trial, check)
  return { vpnTunnel, tunnel }
}

/** Every worker's namespace now: those the tunnel checks read, and the rest. */
function snapshotsAfter(
  context: RunContext,
  containers: Container[],
  read: NamespaceSnapshot[]
): Promise<NamespaceSnapshot[]> {
  return Promise.all(
    workersIn(context.settings, containers).map(
      (worker) => read.find((s) => s.container.id === worker.id) ?? readNamespace(context.docker, worker)
    )
  )
}

function recordRecoveries(
  context: RunContext,
  trial: Trial,
  before: StackSnapshot,
  after: StackSnapshot,
  back: Map<string, number>,
  wiring: ReadonlyMap<string, WorkerWiring>
): void {
  trial.entry.vpn.containerAfter = after.vpn.container.id
  trial.entry.vpn.namespaceAfter = after.vpn.id ?? 'unknown'
  const names = new Set([...before.workers, ...after.workers].map((s) => s.container.name))
  for (const name of names) {
    const previous = before.workers.find((s) => s.container.name === name)
    const now = after.workers.find((s) => s.container.name === name)
    // A worker that first appeared after the event has no "before": it is judged against itself.
    const was = previous ?? now!
    const service = was.container.service
    const outcome = judgeRecovery({
      event: trial.event,
      project: context.project.projectName,
      service,
      name,
      before: was,
      after: now,
      vpnBefore: before.vpn,
      vpnAfter: after.vpn,
      subnets: trial.subnets,
      backAfterMs: back.get(name),
      timeoutSec: context.settings.recoveryTimeoutSec,
      wiring: wiring.get(service)
    })
    recordCheck(context.record, trial, {
      check: 'recovery',
      service,
      container: name,
      ...outcome,
      location: outcome.verdict === 'failed' ? locate(context, trial.event, service) : undefined,
      // The check watched the worker from the start of the event.
      startedAt: trial.startedAt,
      durationMs: Date.now() - trial.startedAt
    })
    trial.entry.workers.push({
      service,
      container: name,
      namespaceBefore: was.id ?? 'unknown',
      ...(now?.id ? { namespaceAfter: now.id } : {}),
      restarts: now?.container.restartCount ?? was.container.restartCount,
      ...(back.has(name) ? { recoveredAfterMs: back.get(name) } : {})
    })
  }
}

/** The compose lines behind a worker that did not come back: its depends_on
 * entry for a restart, its network_mode for a redeploy. */
function locate(context: RunContext, event: ResilienceEvent, service: string): CheckResult['location'] {
  const definition = context.model.services.get(service)
  if (!definition) return undefined
  if (event === 'recreate') return definition.networkMode?.at ?? definition.at
  return definition.dependsOn.find((d) => d.service === context.settings.vpnService)?.at ?? definition.at
}
