// The shape every live check fills in, and the small helpers they share.
import type { Container } from '../docker/inspect.js'
import type { CheckName, CheckResult } from '../findings.js'

/** What a judge concludes; the caller adds who, when and how long. */
export type Outcome = Pick<CheckResult, 'verdict' | 'summary' | 'evidence'> & { fix?: string }

/** How often a missing route or a silent device is looked for again during the grace period. */
export const RETRY_MS = 250

export function checkResult(
  check: CheckName,
  service: string,
  container: Container,
  outcome: Outcome,
  startedAt: number
): CheckResult {
  const { verdict, summary, fix, evidence } = outcome
  return {
    check,
    service,
    container: container.name,
    verdict,
    summary,
    fix,
    evidence,
    startedAt,
    durationMs: Date.now() - startedAt
  }
}

export async function timed(
  check: CheckName,
  service: string,
  container: Container,
  run: () => Promise<Outcome>
): Promise<CheckResult> {
  const startedAt = Date.now()
  return checkResult(check, service, container, await run(), startedAt)
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}
