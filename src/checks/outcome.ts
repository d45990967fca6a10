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

/** Waits `ms`, or less when `stop` aborts: a wait between retries must not
 * hold up a run that is ending. */
export function delay(ms: number, stop?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer)
      stop?.removeEventListener('abort', done)
      resolve()
    }
    const timer = setTimeout(done, ms)
    if (stop?.aborted) done()
    else stop?.addEventListener('abort', done, { once: true })
  })
}
