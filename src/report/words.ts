// Short wordings shared by the summary, the annotations and the CLI's text.
import { seconds, type CheckResult } from '../findings.js'
import type { RunReport } from './schema.js'

/** A check's kind, with the resilience event it followed. */
export function checkLabel(check: CheckResult): string {
  return check.event ? `${check.check} (after ${check.event})` : check.check
}

/** What became of each resilience event, in a few words. */
export function resilienceWords(report: RunReport): string[] {
  return (report.resilience ?? []).map((event) =>
    event.recoveredAfterMs !== undefined && event.result === 'passed'
      ? `survived ${event.event} (workers back after ${seconds(event.recoveredAfterMs)})`
      : `did not survive ${event.event}`
  )
}
