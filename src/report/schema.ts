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

interface RouteTableDump {
  container: string
  namespace: string
  table: string
  /** The resilience event after which the table was read; absent before any. */
  event?: string
}

/** A tunnel service container's return after a resilience event. */
interface WorkerRecovery {
  service: string
  container: string
  /** Its namespace before the event (the vpn's namespace then). */
  namespaceBefore: string
  /** Its namespace at the end of the recovery; absent when it did not run. */
  namespaceAfter?: string
  restarts: number
  /** Milliseconds from the start of the event until it was in the vpn's
   * current namespace with the management routes; absent when it was not. */
  recoveredAfterMs?: number
}

/** One resilience event and what came of it. */
export interface ResilienceRecord {
  event: string
  /** What was done, as a command line. */
  action: string
  /** Milliseconds since the run started, when the event began. */
  atMs: number
  result: 'passed' | 'failed'
  vpn: {
    containerBefore: string
    containerAfter?: string
    namespaceBefore: string
    namespaceAfter?: string
    /** Milliseconds from the start of the event until it was healthy again. */
    healthyAfterMs?: number
  }
  workers: WorkerRecovery[]
  /** Milliseconds from the start of the event until every worker was back; absent when one was not. */
  recoveredAfterMs?: number
}

export interface Diagnostics {
  vpnProbes: HealthProbe[]
  /** The vpn container's log tail, as in `logs` (kept for readers of schema 1.0). */
  vpnLogTail: string
  routeTables: RouteTableDump[]
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
  /** The resilience events performed (full mode, `resilience` input), in order. */
  resilience?: ResilienceRecord[]
  /** Seconds from the start of a resilience event until every worker was back, the slowest event; absent unless all came back. */
  recoveredAfterSec?: number
}
