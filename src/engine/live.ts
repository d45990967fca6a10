// The live phases of a run: boot the stack (full mode), wait for the vpn to
// be healthy, check the tunnel, and collect the diagnostics of a failure.
import { waitForHealthy, type HealthOutcome } from '../checks/health.js'
import { confirmStability } from '../checks/stability.js'
import { StabilityWatch } from '../checks/stability-watch.js'
import { checkVpnTunnel, type VpnTunnel } from '../checks/tunnel.js'
import { checkTunnelServices } from '../checks/tunnel-workers.js'
import type { ComposeModel } from '../compose/model.js'
import type { ComposeProject } from '../compose/project.js'
import { LIMITS, type Docker } from '../docker/client.js'
import type { ProjectEvents } from '../docker/events.js'
import type { Container } from '../docker/inspect.js'
import type { CheckResult } from '../findings.js'
import type { ContainerLog, Diagnostics } from '../report/schema.js'
import type { Settings } from '../settings/settings.js'
import {
  composeMessage,
  describeVpnState,
  healthEvidence,
  healthFix,
  readiness,
  routeTables,
  workerWiring
} from './diagnosis.js'
import type { RunRecord } from './record.js'

/** Lines of each container's log kept for the diagnostics. */
const LOG_TAIL_LINES = 100

export class LivePhases {
  private composeOutput = ''
  /** The vpn side of the tunnel check, started the moment the vpn is healthy. */
  private vpnTunnel?: Promise<VpnTunnel>
  /** The containers checked, watched from the moment the vpn is healthy to the verdict. */
  private watch?: StabilityWatch

  constructor(
    private readonly settings: Settings,
    private readonly model: ComposeModel,
    private readonly project: ComposeProject,
    private readonly record: RunRecord,
    private readonly docker: Docker,
    private readonly events: ProjectEvents,
    private readonly deadline: number
  ) {}

  /** Full mode: `up` and the health wait run together; whichever fails first ends both. */
  async bootAndWait(): Promise<HealthOutcome> {
    const upStarted = Date.now()
    this.record.mark('compose up started')
    const stopUp = new AbortController()
    const stopWait = new AbortController()
    const upArgs = ['up', '--detach', ...this.settings.upFlags]
    const up = this.docker
      .composeRun(this.project, upArgs, this.deadline - Date.now(), stopUp.signal)
      .then((result) => {
        this.composeOutput = (result.stdout + result.stderr).trim()
        this.record.mark(result.exitCode === 0 ? 'compose up done' : 'compose up failed')
        if (result.exitCode !== 0) stopWait.abort()
        return result
      })
    const health = await this.waitHealthy(upStarted, stopWait.signal, true)
    if (health.state === 'failed' && health.reason !== 'aborted') stopUp.abort()
    // While Compose still starts the workers, the vpn's routes can be read and
    // the devices probed from its namespace.
    if (health.state === 'healthy' && this.watch) {
      // Compose failing after all ends them too: the run reports that failure.
      const stop = AbortSignal.any([this.watch.signal, stopWait.signal])
      this.vpnTunnel = checkVpnTunnel(this.docker, health.container, this.settings, stop)
      // Not awaited when `up` fails after all; a rejection then must not crash the run.
      this.vpnTunnel.catch(() => undefined)
    }
    const upResult = await up
    if (upResult.exitCode === 0 || stopUp.signal.aborted) return health
    await this.upFailed()
    return { state: 'failed', reason: 'aborted', message: 'compose up failed', atMs: Date.now() }
  }

  private async upFailed(): Promise<void> {
    const containers = await this.docker.projectContainers(this.project.projectName)
    const vpn = containers.find((c) => c.service === this.settings.vpnService)
    const state = vpn ? `\n${describeVpnState(vpn)}` : ''
    const fix = "Read Compose's message and the vpn container's log in the diagnostics; fix the stack."
    this.record.fail('compose-up', `docker compose up failed: ${composeMessage(this.composeOutput)}${state}`, fix)
    this.record.diagnostics = await this.collectDiagnostics(containers)
  }

  /** `awaitingStart`: Compose is booting the project, so a vpn container that
   * does not exist yet or was only created is worth waiting for. */
  async waitHealthy(since: number, signal?: AbortSignal, awaitingStart = false): Promise<HealthOutcome> {
    const { vpnService } = this.settings
    const deadlineMs = since + this.settings.healthTimeoutSec * 1000
    const options = { project: this.project.projectName, service: vpnService, deadlineMs, awaitingStart, signal }
    const outcome = await waitForHealthy(this.docker, this.events, options)
    const timing = { startedAt: since, durationMs: outcome.atMs - since }
    if (outcome.state === 'healthy') {
      const watched = new Set([vpnService, ...this.settings.tunnelServices])
      this.watch = new StabilityWatch(this.events, watched, outcome.container)
      this.record.healthyAfterSec = Math.round((outcome.atMs - since) / 100) / 10
      this.record.mark(`vpn ${readiness(outcome.container)}`, vpnService, outcome.atMs)
      this.record.record({
        check: 'health',
        service: vpnService,
        container: outcome.container.name,
        verdict: 'passed',
        summary: `${readiness(outcome.container)} after ${this.record.healthyAfterSec} s`,
        evidence: healthEvidence(outcome.container),
        ...timing
      })
    } else if (outcome.reason !== 'aborted') {
      this.record.mark(`vpn ${outcome.reason}`, vpnService, outcome.atMs)
      this.record.record({
        check: 'health',
        service: vpnService,
        container: outcome.container?.name,
        verdict: 'failed',
        summary: outcome.message,
        fix: healthFix(outcome),
        evidence: outcome.container ? healthEvidence(outcome.container) : {},
        location: this.model.services.get(vpnService)?.healthcheck?.at,
        ...timing
      })
    }
    return outcome
  }

  /** The tunnel checks, then whether the containers they looked at are still
   * those containers: if one restarted, stopped or was removed meanwhile, the
   * results describe containers that are gone, and that change is the verdict. */
  async verifyTunnel(vpn: Container): Promise<void> {
    const { tunnelServices, vpnService } = this.settings
    const watch = this.watch ?? new StabilityWatch(this.events, new Set([vpnService, ...tunnelServices]), vpn)
    const [containers, vpnTunnel] = await Promise.all([
      this.docker.projectContainers(this.project.projectName),
      this.vpnTunnel ?? checkVpnTunnel(this.docker, vpn, this.settings, watch.signal)
    ])
    const workers = new Map(tunnelServices.map((service) => [service, containers.filter((c) => c.service === service)]))
    watch.add([...workers.values()].flat())
    const [report, diagnostics] = await Promise.all([
      checkTunnelServices(
        this.docker,
        vpnTunnel,
        workers,
        { ...this.settings, wiring: workerWiring(this.model, this.settings) },
        watch.signal
      ),
      this.collectDiagnostics(containers)
    ])
    const stability = await confirmStability(this.docker, watch, vpnService, vpnTunnel.snapshot.id)
    const stable = stability.every((check) => check.verdict === 'passed')
    this.record.subnets = report.subnets
    if (stable) for (const check of report.checks) this.record.record(this.locate(check))
    for (const check of stability)
      this.record.record(
        stable ? check : { ...check, evidence: { ...check.evidence, checks_discarded: report.checks.length } }
      )
    this.record.mark('tunnel checks done')
    // After a failure, the logs up to the verdict tell what happened (a line a
    // worker wrote after the checks began is in them); after a change, so
    // does Compose's view from now.
    const failed = !stable || report.checks.some((check) => check.verdict === 'failed')
    const latest = failed ? await this.collectDiagnostics(stable ? containers : undefined) : diagnostics
    this.record.diagnostics = { ...latest, routeTables: routeTables(report.namespaces) }
  }

  /** Points a failed live check at the compose lines that explain it. */
  private locate(check: CheckResult): CheckResult {
    if (check.verdict !== 'failed') return check
    const service = this.model.services.get(check.service)
    const vpnDependency = service?.dependsOn.find((d) => d.service === this.settings.vpnService)
    const location =
      check.check === 'tunnel'
        ? (service?.healthcheck?.test?.at ?? service?.at)
        : check.check === 'namespace'
          ? (vpnDependency?.at ?? service?.networkMode?.at ?? service?.at)
          : undefined
    return { ...check, location }
  }

  async collectDiagnostics(known?: Container[]): Promise<Diagnostics> {
    const containers = known ?? (await this.docker.projectContainers(this.project.projectName))
    const vpn = containers.find((c) => c.service === this.settings.vpnService)
    const [logs, ps] = await Promise.all([
      this.readLogs(containers),
      this.docker.composeRun(this.project, ['ps', '--all'], LIMITS.query)
    ])
    return {
      vpnProbes: vpn?.healthLog ?? [],
      vpnLogTail: logs.find((log) => log.container === vpn?.name)?.text ?? '',
      routeTables: [],
      composePs: ps.stdout.trim(),
      composeOutput: this.composeOutput,
      logs
    }
  }

  /** The log tails of the vpn's and the tunnel services' containers, in the
   * order of the settings, all read at once; none under `logs: never`. */
  private readLogs(containers: Container[]): Promise<ContainerLog[]> {
    if (this.settings.logs === 'never') return Promise.resolve([])
    const services = [this.settings.vpnService, ...this.settings.tunnelServices]
    const logged = containers
      .filter((c) => services.includes(c.service))
      .sort((a, b) => services.indexOf(a.service) - services.indexOf(b.service) || a.name.localeCompare(b.name))
    return Promise.all(
      logged.map(async (c) => ({
        service: c.service,
        container: c.name,
        ...(await this.docker.logTail(c.id, LOG_TAIL_LINES))
      }))
    )
  }
}
