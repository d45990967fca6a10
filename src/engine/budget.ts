// How long a whole run may take: the sum of the waits the inputs allow, and a
// margin for image builds, checks and reads. The fronts' watchdog enforces it.
import type { Settings } from '../settings.js'

/** Margin beyond the wait and grace periods for image builds, checks and reads. */
const RUN_MARGIN_SEC = 300

/** Time after the run's budget for its last report, before the watchdog ends it. */
export const WATCHDOG_GRACE_MS = 30_000

export function runBudgetMs(settings: Pick<Settings, 'healthTimeoutSec' | 'routeTimeoutSec'>): number {
  return (settings.healthTimeoutSec + settings.routeTimeoutSec + RUN_MARGIN_SEC) * 1000
}
