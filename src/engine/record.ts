// What a run has found so far: findings, check results, the timeline and the
// diagnostics, and the verdict they add up to.
import type { CheckName, CheckResult, Finding } from '../findings.js'
import type { Redactor } from '../report/redact.js'
import {
  REPORT_SCHEMA_VERSION,
  type Diagnostics,
  type ResilienceRecord,
  type RunReport,
  type TimelineEntry
} from '../report/schema.js'
import type { LogsPolicy, Settings } from '../settings/settings.js'

/** How the engine speaks to the front it runs under. */
export interface Log {
  info(message: string): void
  debug(message: string): void
  group<T>(name: string, run: () => Promise<T>): Promise<T>
  /** A value the front must never show; the action has the runner mask it. */
  mask(value: string): void
}

/** The front's log with the secrets masked where the front can (before
 * anything is printed) and removed from every line it is given. */
export function secretFree(log: Log, redactor: Redactor): Log {
  for (const piece of redactor.pieces) log.mask(piece)
  return {
    info: (message) => log.info(redactor.text(message)),
    debug: (message) => log.debug(redactor.text(message)),
    group: (name, run) => log.group(redactor.text(name), run),
    mask: (value) => log.mask(value)
  }
}

type RecordSettings = Pick<Settings, 'mode' | 'vpnService' | 'tunnelServices' | 'managementSubnets' | 'logs'>

/** Whether the `logs` input shows the containers' logs for a run with this result. */
export function showsLogs(policy: LogsPolicy, result: RunReport['result']): boolean {
  return policy === 'always' || (policy === 'on-failure' && result === 'failed')
}

export class RunRecord {
  readonly startedAt = Date.now()
  readonly timeline: TimelineEntry[] = []
  findings: Finding[] = []
  readonly checks: CheckResult[] = []
  healthyAfterSec?: number
  subnets: string[]
  diagnostics?: Diagnostics
  readonly resilience: ResilienceRecord[] = []

  constructor(
    private readonly settings: RecordSettings,
    readonly projectName: string,
    private readonly log: Log,
    private readonly redactor: Redactor
  ) {
    this.subnets = settings.managementSubnets.map((subnet) => subnet.cidr)
  }

  mark(label: string, service?: string, atMs = Date.now()): void {
    this.timeline.push({ atMs: atMs - this.startedAt, label, service })
  }

  hasErrors(): boolean {
    return this.findings.some((finding) => finding.level === 'error')
  }

  record(check: CheckResult): void {
    this.checks.push(check)
    const mark = check.verdict === 'passed' ? '✓' : '✗'
    const after = check.event ? ` (after ${check.event})` : ''
    this.log.info(`${mark} ${check.check}${after} ${check.container ?? check.service}: ${check.summary}`)
  }

  /** A failure of the run itself (not of one container), told as a vpn check. */
  fail(check: CheckName, summary: string, fix: string): void {
    const service = this.settings.vpnService
    this.record({ check, service, verdict: 'failed', summary, fix, evidence: {}, startedAt: Date.now(), durationMs: 0 })
  }

  /** Without the secrets: every output is made from this. */
  report(): RunReport {
    const failed = this.hasErrors() || this.checks.some((c) => c.verdict === 'failed') || !this.proven()
    const result = failed ? 'failed' : 'passed'
    return this.redactor.json({
      schemaVersion: REPORT_SCHEMA_VERSION,
      result,
      mode: this.settings.mode,
      project: this.projectName,
      startedAt: new Date(this.startedAt).toISOString(),
      durationMs: Date.now() - this.startedAt,
      healthyAfterSec: this.healthyAfterSec,
      managementSubnets: this.subnets,
      findings: this.findings,
      checks: this.checks,
      timeline: [...this.timeline].sort((a, b) => a.atMs - b.atMs),
      diagnostics: this.diagnostics && this.shownDiagnostics(this.diagnostics, result),
      ...this.resilienceReport()
    })
  }

  /** The report holds the logs the run shows, and only those. */
  private shownDiagnostics({ logs, ...rest }: Diagnostics, result: RunReport['result']): Diagnostics {
    return showsLogs(this.settings.logs, result) ? { ...rest, logs } : rest
  }

  /** The events and, when every worker came back from each, the slowest return. */
  private resilienceReport(): Pick<RunReport, 'resilience' | 'recoveredAfterSec'> {
    if (this.resilience.length === 0) return {}
    const times = this.resilience.map((event) => event.recoveredAfterMs)
    const all = times.every((ms) => ms !== undefined)
    const slowest = Math.max(...(times as number[]))
    return { resilience: this.resilience, ...(all ? { recoveredAfterSec: Math.round(slowest / 100) / 10 } : {}) }
  }

  /** Every live check so far passed, with proof: the resilience events start only then. */
  livePassed(): boolean {
    return this.checks.every((check) => check.verdict === 'passed') && this.proven()
  }

  /** Live modes pass only on proof: every tunnel service passed its namespace and route checks. */
  private proven(): boolean {
    if (this.settings.mode === 'lint') return true
    const passed = (service: string, check: CheckName): boolean =>
      this.checks.some((c) => c.service === service && c.check === check && c.verdict === 'passed')
    return this.settings.tunnelServices.every((service) => passed(service, 'namespace') && passed(service, 'route'))
  }
}
