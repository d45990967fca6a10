// The engine behind both fronts (the action and the CLI): preflight, boot,
// wait, verify. It reports through the Log it is given and returns the whole
// result as a RunReport; tearing down is the caller's, so that the action can
// leave it to its post step.
import type { HealthOutcome } from '../checks/health.js'
import { loadComposeModel, type ComposeModel } from '../compose/model.js'
import { composeSources, type ComposeProject } from '../compose/project.js'
import type { Docker, EngineReads } from '../docker/client.js'
import { connectAndRead } from '../docker/connect.js'
import type { CommandResult, CommandRunner } from '../docker/command.js'
import { ProjectEvents } from '../docker/events.js'
import { claimProject, declaredVolumeNames, readEngineFacts } from '../docker/ownership.js'
import { compareWithCompose } from '../preflight/compare.js'
import { preflight, serviceAvailability } from '../preflight/rules.js'
import type { PreflightOptions } from '../preflight/wording.js'
import { logBody, logTitle } from '../report/logs.js'
import { Redactor } from '../report/redact.js'
import type { RunReport } from '../report/schema.js'
import type { Settings } from '../settings/settings.js'
import { runBudgetMs } from './budget.js'
import { probeWords } from './diagnosis.js'
import { LivePhases } from './live.js'
import { checkPresence } from './presence.js'
import { RunRecord, secretFree, type Log } from './record.js'
import { ResiliencePhase } from './resilience.js'

export type { Log } from './record.js'

/** A project that full mode is about to start, and what its teardown needs. */
export interface StartedProject {
  project: ComposeProject
  /** How Compose is called on this engine. */
  compose: string[]
  /** The engine's time just before `up`: what the project holds from before
   * then was not created by this run, and its teardown leaves it alone. */
  upStarted: Date
}

/** Called once the project is known to be this run's own and before anything
 * starts, so that a front can arrange its teardown even if the run is cut short. */
export type OnStarting = (started: StartedProject) => void

/** Runs the phases in order; returns when the verdict is known. */
export async function execute(
  settings: Settings,
  runner: CommandRunner,
  frontLog: Log,
  environment: NodeJS.ProcessEnv,
  onStarting?: OnStarting
): Promise<RunReport> {
  const { workingDirectory, composeFiles, envFiles, profiles } = settings
  const sources = composeSources(workingDirectory, composeFiles, envFiles, profiles, environment)
  const model = loadComposeModel(sources, environment)
  const redactor = new Redactor(model.secrets.map((secret) => secret.value))
  const log = secretFree(frontLog, redactor)
  const project = { ...sources, projectName: settings.projectName ?? model.projectName }
  const record = new RunRecord(settings, project.projectName, log, redactor)
  const proceed = await log.group('Preflight: compose model', async () => staticChecks(settings, model, record, log))
  if (!proceed || settings.mode === 'lint') return record.report()
  // Full mode's claim needs the engine's time from before its listings: it is
  // asked while Compose gives its model.
  const askTime = async (engine: EngineReads): Promise<Date | undefined> =>
    settings.mode === 'full' ? engine.engineTime() : undefined
  const connected = await connectAndRead(runner, project, ['config', '--format', 'json'], askTime)
  const { docker, result: config } = connected
  const composeConfig = await log.group('Preflight: Compose effective model', async () =>
    confirmWithCompose(config, model, record, settings)
  )
  if (settings.preflight === 'fail' && record.hasErrors()) return record.report()
  // A project that exists is not this run's: neither started nor torn down.
  const upStarted =
    settings.mode === 'full'
      ? await claimProject(
          docker,
          project.projectName,
          await readEngineFacts(docker, project.projectName, connected.read as Promise<Date>),
          declaredVolumeNames(composeConfig)
        )
      : undefined
  const deadline = record.startedAt + runBudgetMs(settings)
  const events = new ProjectEvents(docker, project.projectName)
  events.start(deadline - Date.now())
  try {
    const live = new LivePhases(settings, model, project, record, docker, events, deadline)
    if (upStarted) onStarting?.({ project, compose: docker.compose, upStarted })
    const health = await log.group(settings.mode === 'full' ? 'Boot and wait for health' : 'Wait for health', () =>
      settings.mode === 'full'
        ? live.bootAndWait()
        : waitIfPresent(live, docker, project, settings.vpnService, record, environment)
    )
    if (health?.state === 'healthy') {
      await log.group('Tunnel checks', () => live.verifyTunnel(health.container))
      if (settings.resilience.length)
        await new ResiliencePhase({ settings, model, project, record, docker, events }, live).run(log)
    } else if (health) record.diagnostics ??= await live.collectDiagnostics()
  } finally {
    await events.stop()
    for (const event of events.recorded) record.mark(event.action, event.service, event.receivedMs)
  }
  const report = record.report()
  await tellDiagnostics(report, settings.vpnService, log)
  return report
}

/** The containers' own words in the log: a failed run's last health probes
 * of the vpn, and one group for each container log the report holds. */
async function tellDiagnostics(report: RunReport, vpnService: string, log: Log): Promise<void> {
  const diagnostics = report.diagnostics
  if (!diagnostics) return
  if (report.result === 'failed')
    await log.group(`Diagnostics: ${vpnService}'s last health probes`, async () =>
      log.info(probeWords(diagnostics.vpnProbes))
    )
  for (const container of diagnostics.logs ?? [])
    await log.group(logTitle(container), async () => log.info(logBody(container)))
}

/** Verify mode waits only when there is a vpn container to wait for: a
 * deployment that is down is reported at once. */
async function waitIfPresent(
  live: LivePhases,
  docker: Docker,
  project: ComposeProject,
  vpnService: string,
  record: RunRecord,
  environment: NodeJS.ProcessEnv
): Promise<HealthOutcome | undefined> {
  const present = await checkPresence(docker, project, vpnService, record, environment)
  return present ? live.waitHealthy(Date.now()) : undefined
}

function preflightOptions({ vpnService, tunnelServices, healthTimeoutSec }: Settings): PreflightOptions {
  return { vpnService, tunnelServices, healthTimeoutSec }
}

/** The static checks; true when the run may go on. A missing vpn or tunnel
 * service stops it whatever `preflight` says: no live check could mean anything. */
function staticChecks(settings: Settings, model: ComposeModel, record: RunRecord, log: Log): boolean {
  const options = preflightOptions(settings)
  record.findings = settings.preflight === 'off' ? serviceAvailability(model, options) : preflight(model, options)
  const count = (level: string): number => record.findings.filter((f) => f.level === level).length
  log.info(
    `${model.services.size} services read; ${count('error')} errors, ${count('warning')} warnings, ${count('notice')} notices (annotated below).`
  )
  record.mark('preflight done')
  const missing = serviceAvailability(model, options).length > 0
  return !missing && !(settings.preflight === 'fail' && record.hasErrors())
}

/** Reports where Compose's effective model (`config --format json`) and ours
 * disagree; returns that model, or undefined when Compose refused the files. */
function confirmWithCompose(
  result: CommandResult,
  model: ComposeModel,
  record: RunRecord,
  settings: Settings
): unknown {
  if (result.exitCode !== 0) {
    const message = `docker compose config failed: ${result.stderr.trim()}`
    const fix = 'Fix the compose files so that Compose accepts them.'
    record.findings.push({ level: 'error', rule: 'compose-config', message, fix })
    return undefined
  }
  const config: unknown = JSON.parse(result.stdout)
  if (settings.preflight !== 'off')
    record.findings.push(...compareWithCompose(model, config, preflightOptions(settings)))
  return config
}
