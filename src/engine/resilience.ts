// The resilience check (full mode, `resilience` input). Once the tunnel
// checks passed, it does to the vpn service what production does to it
// (disruption.ts), then proves that within recovery-timeout the vpn is
// healthy again and every tunnel service is back in its *current* namespace
// (recovery-wait.ts), routes the management subnets over the tunnel and
// reaches the probe targets (recovery-judge.ts). This phase runs the events
// in order and records each one's result.
import { readNamespace, type NamespaceSnapshot } from '../checks/namespace.js'
import type { ResilienceEvent } from '../checks/recovery.js'
import { parseSubnet } from '../checks/routes.js'
import { firstLine } from '../docker/client.js'
import type { CommandResult } from '../docker/command.js'
import { routeTables } from './diagnosis.js'
import { disrupt, eventAction } from './disruption.js'
import type { LivePhases } from './live.js'
import type { Log } from './record.js'
import { judgeTrial } from './recovery-judge.js'
import { awaitHealth, awaitWorkers } from './recovery-wait.js'
import { currentVpn, recordCheck, workersIn, type RunContext, type StackSnapshot, type Trial } from './trial.js'

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
        action: eventAction(this.context.settings, event, vpn),
        atMs: startedAt - this.context.record.startedAt,
        result: 'failed',
        vpn: { containerBefore: vpn.id, namespaceBefore: before.vpn.id ?? 'unknown' },
        workers: []
      }
    }
    this.context.record.resilience.push(trial.entry)
    this.context.record.mark(`${event} started`, this.context.settings.vpnService, startedAt)
    const done = await disrupt(this.context, event, vpn, trial.deadline)
    this.context.record.mark(
      done.exitCode === 0 ? `${event} done` : `${event} failed`,
      this.context.settings.vpnService
    )
    if (done.exitCode !== 0) return this.eventFailed(trial, done)
    if (!(await awaitHealth(this.context, trial))) return this.failed(trial)
    const back = await awaitWorkers(this.context, trial)
    const snapshots = await judgeTrial(this.context, trial, before, back)
    if (!snapshots) {
      const gone = `No container of ${this.context.settings.vpnService} runs any more after the ${trial.event}.`
      return this.vpnFailed(trial, gone, 'Read its log in the diagnostics.')
    }
    return this.conclude(trial, snapshots)
  }

  /** The vpn container and every tunnel-service container, with their namespaces. */
  private async snapshot(): Promise<StackSnapshot> {
    const { docker, settings } = this.context
    const containers = await docker.projectContainers(this.context.project.projectName)
    const vpn = currentVpn(settings, containers)
    if (!vpn) throw new Error(`no running container of ${settings.vpnService} to perform the event on`)
    const [vpnSnapshot, ...workers] = await Promise.all(
      [vpn, ...workersIn(settings, containers)].map((container) => readNamespace(docker, container))
    )
    return { vpn: vpnSnapshot, workers }
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
    recordCheck(this.context.record, trial, {
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
