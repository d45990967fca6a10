// The resilience check (full mode, `resilience` input). Once the tunnel
// checks passed, it does to the vpn service what production does to it, then
// proves that within recovery-timeout the vpn is healthy again and every
// tunnel service is back in its *current* namespace, routes the management
// subnets over the tunnel and reaches the probe targets.
//
// The events, as checked on Engine 20.10 with Compose 2.26:
// - `restart`: `docker restart <vpn>`. The container keeps its id and gets a
//   new network namespace, as after a restart by the engine's restart policy.
//   Workers that do not restart stay in the old namespace with only `lo`.
// - `recreate`: a redeploy. The vpn service's configuration changes (a label
//   in an extra compose file, so the user's files stay untouched) and
//   `docker compose up -d` runs with the run's up-flags. Compose recreates the
//   vpn (a new id) and every service that depends on it, `network_mode:
//   service:<vpn>` included, whatever depends_on.restart says. A targeted
//   `up -d <vpn>` or `--no-deps` would leave every worker behind, whatever
//   its compose file says, so a check of it could tell nothing about the file.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { waitForHealthy } from '../checks/health.js'
import { readNamespace, type NamespaceSnapshot, type WorkerWiring } from '../checks/namespace.js'
import { judgeRecovery } from '../checks/recovery.js'
import { coversAll, parseSubnet, type Subnet } from '../checks/routes.js'
import { confirmStability, StabilityWatch } from '../checks/stability.js'
import {
  checkTunnelServices,
  checkVpnTunnel,
  type TunnelOptions,
  type TunnelReport,
  type VpnTunnel
} from '../checks/tunnel.js'
import type { ComposeModel } from '../compose/model.js'
import type { ComposeProject } from '../compose/project.js'
import { firstLine, type Docker } from '../docker/client.js'
import type { CommandResult } from '../docker/command.js'
import { EventWaker, type ProjectEvents } from '../docker/events.js'
import type { Container } from '../docker/inspect.js'
import type { CheckResult } from '../findings.js'
import type { ResilienceRecord } from '../report/schema.js'
import type { ResilienceEvent } from '../checks/recovery.js'
import type { Settings } from '../settings/settings.js'
import { healthEvidence, healthFix, readiness, routeTables, workerWiring } from './diagnosis.js'
import type { LivePhases } from './live.js'
import type { Log, RunRecord } from './record.js'

/** How often the workers are looked at between events of the project: a
 * route can appear without one. */
const SURVEY_MS = 1000

/** The label the redeploy changes on the vpn service. */
const REDEPLOY_LABEL = 'org.openwisp-tunnel-check.redeploy'

/** The vpn and the tunnel services' containers, as their namespaces were read. */
interface StackSnapshot {
  vpn: NamespaceSnapshot
  workers: NamespaceSnapshot[]
}

/** One event under way: when it started, until when the stack may take to come back. */
interface Trial {
  event: ResilienceEvent
  startedAt: number
  deadline: number
  subnets: Subnet[]
  /** What the report will say about it. */
  entry: ResilienceRecord
}

/** The run the events happen in: its settings, compose model and project,
 * its record, the engine and the project's event stream. */
interface RunContext {
  settings: Settings
  model: ComposeModel
  project: ComposeProject
  record: RunRecord
  docker: Docker
  events: ProjectEvents
}

export class ResiliencePhase {
  constructor(
    private readonly context: RunContext,
    private readonly live: LivePhases
  ) {}

  /** Performs the events in order, as long as the stack survives them; none
   * when the tunnel checks failed already. */
  async run(log: Log): Promise<void> {
    if (!this.context.record.livePassed()) {
      this.context.record.mark('resilience skipped')
      return log.info('Resilience events skipped: the tunnel checks did not pass.')
    }
    for (const event of this.context.settings.resilience) {
      const survived = await log.group(`Resilience: ${event} ${this.context.settings.vpnService}`, () =>
        this.prove(event)
      )
      if (!survived) return
    }
  }

  private async prove(event: ResilienceEvent): Promise<boolean> {
    const before = await this.snapshot()
    const vpn = before.vpn.container
    const startedAt = Date.now()
    const trial: Trial = {
      event,
      startedAt,
      deadline: startedAt + this.context.settings.recoveryTimeoutSec * 1000,
      subnets: this.context.record.subnets.map(parseSubnet),
      entry: {
        event,
        action: this.action(event, vpn),
        atMs: startedAt - this.context.record.startedAt,
        result: 'failed',
        vpn: { containerBefore: vpn.id, namespaceBefore: before.vpn.id ?? 'unknown' },
        workers: []
      }
    }
    this.context.record.resilience.push(trial.entry)
    this.context.record.mark(`${event} started`, this.context.settings.vpnService, startedAt)
    const done = await this.perform(event, vpn, trial.deadline)
    this.context.record.mark(
      done.exitCode === 0 ? `${event} done` : `${event} failed`,
      this.context.settings.vpnService
    )
    if (done.exitCode !== 0) return this.eventFailed(trial, done)
    if (!(await this.awaitHealth(trial))) return this.failed(trial)
    const back = await this.awaitWorkers(trial)
    return this.judge(trial, before, back)
  }

  /** The vpn container and every tunnel-service container, with their namespaces. */
  private async snapshot(): Promise<StackSnapshot> {
    const containers = await this.context.docker.projectContainers(this.context.project.projectName)
    const vpn = this.currentVpn(containers)
    if (!vpn) throw new Error(`no running container of ${this.context.settings.vpnService} to perform the event on`)
    const [vpnSnapshot, ...workers] = await Promise.all(
      [vpn, ...this.workersIn(containers)].map((container) => readNamespace(this.context.docker, container))
    )
    return { vpn: vpnSnapshot, workers }
  }

  private currentVpn(containers: Container[]): Container | undefined {
    return containers.find((c) => c.service === this.context.settings.vpnService && c.status === 'running')
  }

  private workersIn(containers: Container[]): Container[] {
    return containers.filter((c) => this.context.settings.tunnelServices.includes(c.service))
  }

  private action(event: ResilienceEvent, vpn: Container): string {
    if (event === 'restart') return `docker restart ${vpn.name}`
    const flags = this.context.settings.upFlags.length ? ` ${this.context.settings.upFlags.join(' ')}` : ''
    return `docker compose up --detach${flags}, after a change to ${this.context.settings.vpnService}'s configuration`
  }

  private perform(event: ResilienceEvent, vpn: Container, deadline: number): Promise<CommandResult> {
    return event === 'restart' ? this.context.docker.restart(vpn.id, deadline - Date.now()) : this.redeploy(deadline)
  }

  /** A redeploy after a change to the vpn service's configuration: an extra
   * compose file gives it a new label, and `up` converges the project. */
  private async redeploy(deadline: number): Promise<CommandResult> {
    const directory = mkdtempSync(join(tmpdir(), 'otc-redeploy-'))
    const override = join(directory, 'redeploy.compose.yml')
    const change = {
      services: { [this.context.settings.vpnService]: { labels: { [REDEPLOY_LABEL]: String(Date.now()) } } }
    }
    // JSON is YAML; the service name passed the input's pattern.
    writeFileSync(override, `${JSON.stringify(change)}\n`)
    try {
      const project = { ...this.context.project, files: [...this.context.project.files, override] }
      return await this.context.docker.composeRun(
        project,
        ['up', '--detach', ...this.context.settings.upFlags],
        deadline - Date.now()
      )
    } finally {
      rmSync(directory, { recursive: true, force: true })
    }
  }

  private eventFailed(trial: Trial, done: CommandResult): Promise<boolean> {
    const why = done.killed ? 'did not finish within recovery-timeout' : `failed (exit ${done.exitCode})`
    const output = firstLine(done.stderr) || firstLine(done.stdout)
    const summary = `${trial.entry.action} ${why}${output ? `: ${output}` : ''}`
    return this.vpnFailed(trial, summary, 'Run it by hand to see why; the vpn service must survive it.')
  }

  /** A failure of the vpn side of an event, told as a recovery check of the vpn service. */
  private vpnFailed(trial: Trial, summary: string, fix: string): Promise<boolean> {
    const { vpnService } = this.context.settings
    const timing = { startedAt: trial.startedAt, durationMs: Date.now() - trial.startedAt }
    this.recordCheck(trial, {
      check: 'recovery',
      service: vpnService,
      verdict: 'failed',
      summary,
      fix,
      evidence: {},
      ...timing
    })
    return this.failed(trial)
  }

  /** The vpn healthy again (or, without a healthcheck, running) before the deadline. */
  private async awaitHealth(trial: Trial): Promise<boolean> {
    const { vpnService } = this.context.settings
    const outcome = await waitForHealthy(this.context.docker, this.context.events, {
      project: this.context.project.projectName,
      service: vpnService,
      deadlineMs: trial.deadline,
      awaitingStart: false
    })
    const timing = { startedAt: trial.startedAt, durationMs: outcome.atMs - trial.startedAt }
    if (outcome.state === 'healthy') {
      trial.entry.vpn.healthyAfterMs = timing.durationMs
      this.context.record.mark(`vpn ${readiness(outcome.container)} again`, vpnService, outcome.atMs)
      this.recordCheck(trial, {
        check: 'health',
        service: vpnService,
        container: outcome.container.name,
        verdict: 'passed',
        summary: `${readiness(outcome.container)} again, ${(timing.durationMs / 1000).toFixed(1)} s after the ${trial.event} began`,
        evidence: healthEvidence(outcome.container),
        ...timing
      })
      return true
    }
    this.context.record.mark(`vpn ${outcome.reason}`, vpnService, outcome.atMs)
    this.recordCheck(trial, {
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
  private async awaitWorkers(trial: Trial): Promise<Map<string, number>> {
    const back = new Map<string, number>()
    // A container keeps its namespace while it runs: read it once per start.
    const namespaces = new Map<string, string>()
    const waker = new EventWaker(this.context.events)
    try {
      while (!(await this.survey(trial, back, namespaces)) && Date.now() < trial.deadline)
        await waker.next(Math.min(SURVEY_MS, trial.deadline - Date.now()))
    } finally {
      waker.stop()
    }
    return back
  }

  /** One look at the stack; true when every worker is back. */
  private async survey(trial: Trial, back: Map<string, number>, namespaces: Map<string, string>): Promise<boolean> {
    const containers = await this.context.docker.projectContainers(this.context.project.projectName)
    const vpn = this.currentVpn(containers)
    if (!vpn) return false
    const vpnSnapshot = await readNamespace(this.context.docker, vpn)
    const routed = vpnSnapshot.id !== undefined && coversAll(vpnSnapshot, trial.subnets)
    const workers = this.workersIn(containers)
    const waiting = workers.filter((w) => w.status === 'running' && !back.has(w.name))
    await Promise.all(
      waiting.map(async (worker) => {
        const key = `${worker.id}@${worker.startedAt?.toISOString()}`
        if (!namespaces.has(key)) {
          const id = (await readNamespace(this.context.docker, worker)).id
          if (id) namespaces.set(key, id)
        }
        if (!routed || namespaces.get(key) !== vpnSnapshot.id) return
        back.set(worker.name, Date.now() - trial.startedAt)
        this.context.record.mark(`back after ${trial.event}`, worker.service)
      })
    )
    const everyService = this.context.settings.tunnelServices.every((service) =>
      workers.some((w) => w.service === service)
    )
    return everyService && workers.every((worker) => back.has(worker.name))
  }

  /** The tunnel checks again, on the stack as it is now, and one recovery
   * verdict per worker; true when the stack survived the event. */
  private async judge(trial: Trial, before: StackSnapshot, back: Map<string, number>): Promise<boolean> {
    const containers = await this.context.docker.projectContainers(this.context.project.projectName)
    const vpn = this.currentVpn(containers)
    if (!vpn) {
      const gone = `No container of ${this.context.settings.vpnService} runs any more after the ${trial.event}.`
      return this.vpnFailed(trial, gone, 'Read its log in the diagnostics.')
    }
    const wiring = workerWiring(this.context.model, this.context.settings)
    const options: TunnelOptions = {
      ...this.context.settings,
      managementSubnets: trial.subnets,
      // What is left of recovery-timeout is the grace for routes and probes.
      routeTimeoutSec: Math.max(0, (trial.deadline - Date.now()) / 1000),
      wiring
    }
    const returned = this.workersIn(containers).filter((worker) => back.has(worker.name))
    const { vpnTunnel, tunnel } = await this.tunnelChecks(trial, vpn, returned, options)
    const after = await this.snapshotsAfter(containers, tunnel.namespaces)
    this.recordRecoveries(trial, before, { vpn: vpnTunnel.snapshot, workers: after }, back, wiring)
    return this.conclude(trial, [vpnTunnel.snapshot, ...after])
  }

  /** The tunnel checks on the vpn and the workers that came back. The verdict
   * holds only for the containers checked: a change during these checks is
   * the stability check's verdict instead. */
  private async tunnelChecks(
    trial: Trial,
    vpn: Container,
    returned: Container[],
    options: TunnelOptions
  ): Promise<{ vpnTunnel: VpnTunnel; tunnel: TunnelReport }> {
    const { docker, events, settings } = this.context
    const watch = new StabilityWatch(events, new Set([settings.vpnService, ...settings.tunnelServices]), vpn)
    const vpnTunnel = await checkVpnTunnel(docker, vpn, options, watch.signal)
    watch.add(returned)
    const byService = new Map<string, Container[]>()
    for (const worker of returned) byService.set(worker.service, [...(byService.get(worker.service) ?? []), worker])
    const tunnel = await checkTunnelServices(docker, vpnTunnel, byService, options, watch.signal)
    const stability = await confirmStability(docker, watch, settings.vpnService, vpnTunnel.snapshot.id)
    if (stability.every((check) => check.verdict === 'passed'))
      for (const check of tunnel.checks) this.recordCheck(trial, check)
    for (const check of stability) this.recordCheck(trial, check)
    return { vpnTunnel, tunnel }
  }

  /** Every worker's namespace now: those the tunnel checks read, and the rest. */
  private snapshotsAfter(containers: Container[], read: NamespaceSnapshot[]): Promise<NamespaceSnapshot[]> {
    return Promise.all(
      this.workersIn(containers).map(
        (worker) => read.find((s) => s.container.id === worker.id) ?? readNamespace(this.context.docker, worker)
      )
    )
  }

  private recordRecoveries(
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
        project: this.context.project.projectName,
        service,
        name,
        before: was,
        after: now,
        vpnBefore: before.vpn,
        vpnAfter: after.vpn,
        subnets: trial.subnets,
        backAfterMs: back.get(name),
        timeoutSec: this.context.settings.recoveryTimeoutSec,
        wiring: wiring.get(service)
      })
      this.recordCheck(trial, {
        check: 'recovery',
        service,
        container: name,
        ...outcome,
        location: outcome.verdict === 'failed' ? this.locate(trial.event, service) : undefined,
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
  private locate(event: ResilienceEvent, service: string): CheckResult['location'] {
    const definition = this.context.model.services.get(service)
    if (!definition) return undefined
    if (event === 'recreate') return definition.networkMode?.at ?? definition.at
    return definition.dependsOn.find((d) => d.service === this.context.settings.vpnService)?.at ?? definition.at
  }

  private recordCheck(trial: Trial, check: CheckResult): void {
    this.context.record.record({ ...check, event: trial.event })
  }

  /** Sets the event's verdict and timing, and keeps what was read for the diagnostics. */
  private async conclude(trial: Trial, snapshots: NamespaceSnapshot[]): Promise<boolean> {
    const failed = this.context.record.checks.some((c) => c.event === trial.event && c.verdict === 'failed')
    const times = trial.entry.workers.map((w) => w.recoveredAfterMs)
    if (times.length && times.every((ms) => ms !== undefined)) trial.entry.recoveredAfterMs = Math.max(...times)
    trial.entry.result = failed ? 'failed' : 'passed'
    this.context.record.mark(`${trial.event} ${failed ? 'not survived' : 'survived'}`)
    const tables = routeTables(snapshots).map((table) => ({ ...table, event: trial.event }))
    const diagnostics = failed ? await this.live.collectDiagnostics() : this.context.record.diagnostics
    if (diagnostics)
      this.context.record.diagnostics = {
        ...diagnostics,
        routeTables: [...(this.context.record.diagnostics?.routeTables ?? []), ...tables]
      }
    return !failed
  }

  private async failed(trial: Trial): Promise<boolean> {
    return this.conclude(trial, [])
  }
}
