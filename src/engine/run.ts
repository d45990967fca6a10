// The engine behind both fronts (the action and the CLI): preflight, boot,
// wait, verify. It reports through the Log it is given and returns the whole
// result as a RunReport; tearing down is the caller's, so that the action can
// leave it to its post step.
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import type { CommandRunner } from '../docker/command.js'
import { loadComposeModel, type ComposeModel } from '../compose/model.js'
import { composeMessage, describeVpnState, healthEvidence, healthFix, routeTables, vpnWords } from './diagnosis.js'
import { Docker, LIMITS, type ComposeTarget } from '../docker/client.js'
import { ProjectEvents } from '../docker/events.js'
import type { CheckResult, Finding } from '../findings.js'
import { waitForHealthy, type HealthOutcome } from '../checks/health.js'
import type { Container, HealthProbe } from '../docker/inspect.js'
import { compareWithCompose, preflight, type PreflightOptions } from '../preflight/rules.js'
import { InputError, type Settings } from '../settings.js'
import { checkTunnelServices, checkVpnTunnel, type VpnTunnel } from '../checks/tunnel.js'

export interface Log {
  info(message: string): void
  debug(message: string): void
  group<T>(name: string, run: () => Promise<T>): Promise<T>
}

export interface TimelineEntry {
  /** Milliseconds since the run started. */
  atMs: number
  label: string
  service?: string
}

export interface Diagnostics {
  vpnProbes: HealthProbe[]
  vpnLogTail: string
  routeTables: { container: string; namespace: string; table: string }[]
  composePs: string
  composeOutput: string
}

export const REPORT_SCHEMA_VERSION = 1

export interface RunReport {
  schemaVersion: typeof REPORT_SCHEMA_VERSION
  result: 'passed' | 'failed'
  mode: Settings['mode']
  project: string
  startedAt: string
  durationMs: number
  /** Seconds from the start of `up` (verify: of the wait) until the vpn service was healthy. */
  healthyAfterSec?: number
  managementSubnets: string[]
  findings: Finding[]
  checks: CheckResult[]
  timeline: TimelineEntry[]
  diagnostics?: Diagnostics
}

/** Lines of the vpn container's log kept for the diagnostics. */
const LOG_TAIL_LINES = 60
/** Margin beyond the wait and grace periods for image builds, checks and reads. */
const RUN_MARGIN_SEC = 300

/** Time after the run's budget for its last report, before the watchdog ends it. */
export const WATCHDOG_GRACE_MS = 30_000

/** The whole run's time budget, derived from the inputs. */
export function runBudgetMs(settings: Pick<Settings, 'healthTimeoutSec' | 'routeTimeoutSec'>): number {
  return (settings.healthTimeoutSec + settings.routeTimeoutSec + RUN_MARGIN_SEC) * 1000
}

export function composeTarget(settings: Settings, model: ComposeModel): ComposeTarget {
  // Compose reads .env only when no --env-file is given: name it explicitly
  // so that the env-file input adds to it rather than replacing it.
  const dotEnv = join(settings.workingDirectory, '.env')
  const envFiles = settings.envFiles.length && existsSync(dotEnv) ? [dotEnv, ...settings.envFiles] : settings.envFiles
  return {
    workingDirectory: settings.workingDirectory,
    files: settings.composeFiles,
    envFiles,
    profiles: settings.profiles,
    projectName: settings.projectName ?? model.projectName
  }
}

/** Reads the compose model; a file that cannot be read is bad input. */
function readModel(settings: Settings, environment: NodeJS.ProcessEnv): ComposeModel {
  const model = loadComposeModel({
    workingDirectory: settings.workingDirectory,
    files: settings.composeFiles,
    envFiles: settings.envFiles,
    profiles: settings.profiles,
    environment
  })
  for (const [input, service] of [
    ['vpn-service', settings.vpnService],
    ...settings.tunnelServices.map((s) => ['tunnel-services', s])
  ]) {
    if (!model.allServices.has(service)) {
      throw new InputError(
        input,
        `'${service}' is not a service of the compose project (it has: ${[...model.allServices].join(', ')}). Fix the name.`
      )
    }
  }
  return model
}

export class Run {
  readonly startedAt = Date.now()
  readonly timeline: TimelineEntry[] = []
  findings: Finding[] = []
  checks: CheckResult[] = []
  healthyAfterSec?: number
  subnets: string[] = []
  diagnostics?: Diagnostics
  private composeOutput = ''
  /** The vpn side of the tunnel check, started the moment the vpn is healthy. */
  private vpnTunnel?: Promise<VpnTunnel>

  constructor(
    readonly settings: Settings,
    readonly model: ComposeModel,
    readonly target: ComposeTarget,
    private readonly log: Log
  ) {
    this.subnets = settings.managementSubnets.map((subnet) => subnet.cidr)
  }

  get deadline(): number {
    return this.startedAt + runBudgetMs(this.settings)
  }

  private get preflightOptions(): PreflightOptions {
    const { vpnService, tunnelServices, healthTimeoutSec } = this.settings
    return { vpnService, tunnelServices, healthTimeoutSec }
  }

  mark(label: string, service?: string, atMs = Date.now()): void {
    this.timeline.push({ atMs: atMs - this.startedAt, label, service })
  }

  /** Static checks; true when the run may go on. */
  preflight(): boolean {
    if (this.settings.preflight === 'off') return true
    this.findings = preflight(this.model, this.preflightOptions)
    const count = (level: string): number => this.findings.filter((f) => f.level === level).length
    this.log.info(
      `${this.model.services.size} services read; ${count('error')} errors, ${count('warning')} warnings, ${count('notice')} notices (annotated below).`
    )
    this.mark('preflight done')
    return !(this.settings.preflight === 'fail' && this.findings.some((finding) => finding.level === 'error'))
  }

  /** Asks Compose for its effective model and reports where ours disagrees. */
  async confirmWithCompose(docker: Docker): Promise<void> {
    const result = await docker.composeRun(this.target, ['config', '--format', 'json'], LIMITS.query)
    if (result.exitCode !== 0) {
      this.findings.push({
        level: 'error',
        rule: 'compose-config',
        message: `docker compose config failed: ${result.stderr.trim()}`,
        fix: 'Fix the compose files so that Compose accepts them.'
      })
      return
    }
    if (this.settings.preflight === 'off') return
    this.findings.push(...compareWithCompose(this.model, JSON.parse(result.stdout), this.preflightOptions))
  }

  /** Full mode: `up` and the health wait run together; whichever fails first ends both. */
  async bootAndWait(docker: Docker, events: ProjectEvents): Promise<HealthOutcome> {
    const upStarted = Date.now()
    this.mark('compose up started')
    const stopUp = new AbortController()
    const stopWait = new AbortController()
    const up = docker
      .composeRun(this.target, ['up', '--detach', ...this.settings.upFlags], this.deadline - Date.now(), stopUp.signal)
      .then((result) => {
        this.composeOutput = (result.stdout + result.stderr).trim()
        this.mark(result.exitCode === 0 ? 'compose up done' : 'compose up failed')
        if (result.exitCode !== 0) stopWait.abort()
        return result
      })
    const health = await this.waitHealthy(docker, events, upStarted, stopWait.signal)
    if (health.state === 'failed' && health.reason !== 'aborted') stopUp.abort()
    // While Compose still starts the workers, the vpn's routes can be read.
    if (health.state === 'healthy') {
      this.vpnTunnel = checkVpnTunnel(docker, health.container, this.settings)
      // Not awaited when `up` fails after all; a rejection then must not crash the run.
      this.vpnTunnel.catch(() => undefined)
    }
    const upResult = await up
    if (upResult.exitCode !== 0 && !stopUp.signal.aborted) {
      const containers = await docker.projectContainers(this.target.projectName)
      const vpn = containers.find((c) => c.service === this.settings.vpnService)
      const summary = `docker compose up failed: ${composeMessage(this.composeOutput)}${vpn ? `\n${describeVpnState(vpn)}` : ''}`
      this.fail(
        'compose-up',
        summary,
        "Read Compose's message and the vpn container's log in the diagnostics; fix the stack."
      )
      this.diagnostics = await this.collectDiagnostics(docker, containers)
      return { state: 'failed', reason: 'aborted', message: 'compose up failed', atMs: Date.now() }
    }
    return health
  }

  async waitHealthy(
    docker: Docker,
    events: ProjectEvents,
    since: number,
    signal?: AbortSignal
  ): Promise<HealthOutcome> {
    const deadlineMs = since + this.settings.healthTimeoutSec * 1000
    const outcome = await waitForHealthy(docker, events, {
      project: this.target.projectName,
      service: this.settings.vpnService,
      deadlineMs,
      signal
    })
    if (outcome.state === 'healthy') {
      this.healthyAfterSec = Math.round((outcome.atMs - since) / 100) / 10
      this.mark('vpn healthy', this.settings.vpnService, outcome.atMs)
      this.record({
        check: 'health',
        service: this.settings.vpnService,
        container: outcome.container.name,
        verdict: 'passed',
        summary: `healthy after ${this.healthyAfterSec} s`,
        evidence: healthEvidence(outcome.container),
        startedAt: since,
        durationMs: outcome.atMs - since
      })
    } else if (outcome.reason !== 'aborted') {
      this.mark(`vpn ${outcome.reason}`, this.settings.vpnService, outcome.atMs)
      const location = this.model.services.get(this.settings.vpnService)?.healthcheck?.at
      this.record({
        check: 'health',
        service: this.settings.vpnService,
        container: outcome.container?.name,
        verdict: 'failed',
        summary: outcome.message,
        fix: healthFix(outcome),
        evidence: outcome.container ? healthEvidence(outcome.container) : {},
        location,
        startedAt: since,
        durationMs: outcome.atMs - since
      })
    }
    return outcome
  }

  async verifyTunnel(docker: Docker, vpn: Container): Promise<void> {
    const [containers, vpnTunnel] = await Promise.all([
      docker.projectContainers(this.target.projectName),
      this.vpnTunnel ?? checkVpnTunnel(docker, vpn, this.settings)
    ])
    const workers = new Map(
      this.settings.tunnelServices.map((service) => [service, containers.filter((c) => c.service === service)])
    )
    const [report, diagnostics] = await Promise.all([
      checkTunnelServices(docker, vpnTunnel, workers, this.settings),
      this.collectDiagnostics(docker, containers)
    ])
    this.subnets = report.subnets
    for (const check of report.checks) this.record(this.locate(check))
    this.mark('tunnel checks done')
    this.diagnostics = { ...diagnostics, routeTables: routeTables(report.namespaces) }
  }

  /** Points a failed live check at the compose lines that explain it. */
  private locate(check: CheckResult): CheckResult {
    if (check.verdict !== 'failed') return check
    const service = this.model.services.get(check.service)
    const location =
      check.check === 'tunnel'
        ? (service?.healthcheck?.test?.at ?? service?.at)
        : check.check === 'namespace'
          ? (service?.dependsOn.find((d) => d.service === this.settings.vpnService)?.at ??
            service?.networkMode?.at ??
            service?.at)
          : undefined
    return { ...check, location }
  }

  async collectDiagnostics(docker: Docker, known?: Container[]): Promise<Diagnostics> {
    const containers = known ?? (await docker.projectContainers(this.target.projectName))
    const vpn = containers.find((c) => c.service === this.settings.vpnService)
    const [logTail, ps] = await Promise.all([
      vpn ? docker.logsTail(vpn.id, LOG_TAIL_LINES) : Promise.resolve(''),
      docker.composeRun(this.target, ['ps', '--all'], LIMITS.query)
    ])
    return {
      vpnProbes: vpn?.healthLog ?? [],
      vpnLogTail: logTail,
      routeTables: [],
      composePs: ps.stdout.trim(),
      composeOutput: this.composeOutput
    }
  }

  fail(check: string, summary: string, fix: string): void {
    this.record({
      check,
      service: this.settings.vpnService,
      verdict: 'failed',
      summary,
      fix,
      evidence: {},
      startedAt: Date.now(),
      durationMs: 0
    })
  }

  private record(check: CheckResult): void {
    this.checks.push(check)
    this.log.info(
      `${check.verdict === 'passed' ? '✓' : '✗'} ${check.check} ${check.container ?? check.service}: ${check.summary}`
    )
  }

  /** Live modes pass only on proof: every tunnel service passed its namespace and route checks. */
  private proven(): boolean {
    if (this.settings.mode === 'lint') return true
    const passed = (service: string, check: string): boolean =>
      this.checks.some((c) => c.service === service && c.check === check && c.verdict === 'passed')
    return this.settings.tunnelServices.every((service) => passed(service, 'namespace') && passed(service, 'route'))
  }

  report(): RunReport {
    const failed =
      this.findings.some((f) => f.level === 'error') ||
      this.checks.some((c) => c.verdict === 'failed') ||
      !this.proven()
    return {
      schemaVersion: REPORT_SCHEMA_VERSION,
      result: failed ? 'failed' : 'passed',
      mode: this.settings.mode,
      project: this.target.projectName,
      startedAt: new Date(this.startedAt).toISOString(),
      durationMs: Date.now() - this.startedAt,
      healthyAfterSec: this.healthyAfterSec,
      managementSubnets: this.subnets,
      findings: this.findings,
      checks: this.checks,
      timeline: [...this.timeline].sort((a, b) => a.atMs - b.atMs),
      diagnostics: this.diagnostics
    }
  }
}

/** Runs the phases in order; returns when the verdict is known. */
export async function execute(
  settings: Settings,
  runner: CommandRunner,
  log: Log,
  environment: NodeJS.ProcessEnv,
  onStarting?: (target: ComposeTarget, compose: string[]) => void
): Promise<RunReport> {
  const model = readModel(settings, environment)
  const run = new Run(settings, model, composeTarget(settings, model), log)
  const proceed = await log.group('Preflight: compose model', async () => run.preflight())
  if (!proceed || settings.mode === 'lint') return run.report()
  const docker = await Docker.connect(runner)
  await log.group('Preflight: Compose effective model', () => run.confirmWithCompose(docker))
  if (settings.preflight === 'fail' && run.findings.some((f) => f.level === 'error')) return run.report()
  const events = new ProjectEvents(docker, run.target.projectName)
  events.start(run.deadline - Date.now())
  try {
    if (settings.mode === 'full') onStarting?.(run.target, docker.compose)
    const health = await log.group(settings.mode === 'full' ? 'Boot and wait for health' : 'Wait for health', () =>
      settings.mode === 'full' ? run.bootAndWait(docker, events) : run.waitHealthy(docker, events, Date.now())
    )
    if (health.state === 'healthy') await log.group('Tunnel checks', () => run.verifyTunnel(docker, health.container))
    else run.diagnostics ??= await run.collectDiagnostics(docker)
  } finally {
    await events.stop()
    for (const event of events.recorded) run.mark(event.action, event.service, event.receivedMs)
  }
  const report = run.report()
  const diagnostics = report.diagnostics
  if (report.result === 'failed' && diagnostics)
    await log.group(`Diagnostics: ${settings.vpnService} in its own words`, async () => log.info(vpnWords(diagnostics)))
  return report
}
