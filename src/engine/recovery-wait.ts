// Waiting, after a resilience event, for the stack to come back before the
// recovery-timeout deadline: the vpn healthy again, then every tunnel
// service in the vpn's *current* namespace with the management routes.
import { waitForHealthy } from '../checks/health.js'
import { readNamespace } from '../checks/namespace.js'
import { coversAll } from '../checks/routes.js'
import { EventWaker } from '../docker/events.js'
import { seconds } from '../findings.js'
import { healthEvidence, healthFix, readiness } from './diagnosis.js'
import { currentVpn, recordCheck, workersIn, type RunContext, type Trial } from './trial.js'

/** How often the workers are looked at between events of the project: a
 * route can appear without one. */
const SURVEY_MS = 1000

/** The vpn healthy again (or, without a healthcheck, running) before the deadline. */
export async function awaitHealth(context: RunContext, trial: Trial): Promise<boolean> {
  const { vpnService } = context.settings
  const outcome = await waitForHealthy(context.docker, context.events, {
    project: context.project.projectName,
    service: vpnService,
    deadlineMs: trial.deadline,
    awaitingStart: false
  })
  const timing = { startedAt: trial.startedAt, durationMs: outcome.atMs - trial.startedAt }
  if (outcome.state === 'healthy') {
    trial.entry.vpn.healthyAfterMs = timing.durationMs
    context.record.mark(`vpn ${readiness(outcome.container)} again`, vpnService, outcome.atMs)
    recordCheck(context.record, trial, {
      check: 'health',
      service: vpnService,
      container: outcome.container.name,
      verdict: 'passed',
      summary: `${readiness(outcome.container)} again, ${seconds(timing.durationMs)} after the ${trial.event} began`,
      evidence: healthEvidence(outcome.container),
      ...timing
    })
    return true
  }
  context.record.mark(`vpn ${outcome.reason}`, vpnService, outcome.atMs)
  recordCheck(context.record, trial, {
    check: 'health',
    service: vpnService,
    container: outcome.container?.name,
    verdict: 'failed',
    summary: outcome.reason === 'timeout' ? `Not healthy again within recovery-timeout.` : outcome.message,
    fix: healthFix(outcome),
    evidence: outcome.container ? healthEvidence(outcome.container) : {},
    ...timing
  })
  return false
}

/** Watches until every tunnel-service container is in the vpn's current
 * namespace and that namespace routes the management subnets, or the
 * deadline passes. Returns, by container name, when each was first seen
 * back (milliseconds from the start of the event). */
export async function awaitWorkers(context: RunContext, trial: Trial): Promise<Map<string, number>> {
  const back = new Map<string, number>()
  // A container keeps its namespace while it runs: read it once per start.
  const namespaces = new Map<string, string>()
  const waker = new EventWaker(context.events)
  try {
    while (!(await survey(context, trial, back, namespaces)) && Date.now() < trial.deadline)
      await waker.next(Math.min(SURVEY_MS, trial.deadline - Date.now()))
  } finally {
    waker.stop()
  }
  return back
}

/** One look at the stack; true when every worker is back. */
async function survey(
  context: RunContext,
  trial: Trial,
  back: Map<string, number>,
  namespaces: Map<string, string>
): Promise<boolean> {
  const { docker, settings } = context
  const containers = await docker.projectContainers(context.project.projectName)
  const vpn = currentVpn(settings, containers)
  if (!vpn) return false
  const vpnSnapshot = await readNamespace(docker, vpn)
  const routed = vpnSnapshot.id !== undefined && coversAll(vpnSnapshot, trial.subnets)
  const workers = workersIn(settings, containers)
  const waiting = workers.filter((w) => w.status === 'running' && !back.has(w.name))
  await Promise.all(
    waiting.map(async (worker) => {
      const key = `${worker.id}@${worker.startedAt?.toISOString()}`
      if (!namespaces.has(key)) {
        const id = (await readNamespace(docker, worker)).id
        if (id) namespaces.set(key, id)
      }
      if (!routed || namespaces.get(key) !== vpnSnapshot.id) return
      back.set(worker.name, Date.now() - trial.startedAt)
      context.record.mark(`back after ${trial.event}`, worker.service)
    })
  )
  const everyService = settings.tunnelServices.every((service) => workers.some((w) => w.service === service))
  return everyService && workers.every((worker) => back.has(worker.name))
}
