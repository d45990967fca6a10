// How long a whole run may take: the sum of the waits the inputs allow, and a
// margin for image builds, checks and reads. The fronts' watchdog enforces it.
import type { Settings } from '../settings/settings.js'

/** Margin beyond the wait and grace periods for image builds, checks and reads. */
const RUN_MARGIN_SEC = 300

/** Time after the run's budget for its last report, before the watchdog ends it. */
export const WATCHDOG_GRACE_MS = 30_000

type BudgetSettings = Pick<Settings, 'healthTimeoutSec' | 'routeTimeoutSec' | 'resilience' | 'recoveryTimeoutSec'>

/** Each resilience event may take its recovery-timeout: the event itself,
 * the vpn's health, the workers' return and the probes all fit in it. */
export function runBudgetMs(settings: BudgetSettings): number {
  const recovery = settings.resilience.length * settings.recoveryTimeoutSec
  return (settings.healthTimeoutSec + settings.routeTimeoutSec + recovery + RUN_MARGIN_SEC) * 1000
}
