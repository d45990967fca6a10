// The run's whole result, as the JSON report (docs/report.schema.json), the
// summary, the annotations and the CLI's text are all made from it.
import type { CheckResult, Finding } from '../findings.js'
import type { HealthProbe } from '../docker/inspect.js'
import type { LogTail } from '../docker/logs.js'

export const REPORT_SCHEMA_VERSION = 1

export type Mode = 'full' | 'verify' | 'lint'

export interface TimelineEntry {
  /** Milliseconds since the run started. */
  atMs: number
  label: string
  service?: string
}

/** The end of the log of one container of the vpn or a tunnel service. */
export interface ContainerLog extends LogTail {
  service: string
  container: string
}

export interface Diagnostics {
  vpnProbes: HealthProbe[]
  /** The vpn container's log tail, as in `logs` (kept for readers of schema 1.0). */
  vpnLogTail: string
  routeTables: { container: string; namespace: string; table: string }[]
  composePs: string
  composeOutput: string
  /** The vpn's and the tunnel services' logs, when the `logs` input shows them. */
  logs?: ContainerLog[]
}

export interface RunReport {
  schemaVersion: typeof REPORT_SCHEMA_VERSION
  result: 'passed' | 'failed'
  mode: Mode
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
