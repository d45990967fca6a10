// How a run ends early: on the runner's cancel signals and when it overruns
// its deadline. Either way every command still running is stopped first (they
// live in process groups of their own, so nothing else would stop them), then
// the front has its last word (a report, a teardown), then the process exits.
// Only the first of these counts: a second Ctrl-C, or `timeout` signalling
// the whole process group, must not kill the process in the middle of its
// teardown, so later signals are answered with a note and otherwise ignored.
import type { ProcessRunner } from '../docker/command.js'
import { runBudgetMs, WATCHDOG_GRACE_MS } from '../engine/budget.js'
import type { Settings } from '../settings/settings.js'

type LastWord = (message: string) => void | Promise<void>
type Exit = (code: number) => void
type Stoppable = Pick<ProcessRunner, 'stopAll'>

/** The runner cancels a step with SIGINT, then SIGTERM; cron and systemd
 * send SIGTERM; a closed terminal or ssh session sends SIGHUP to the CLI. */
const CANCEL_SIGNALS = [
  ['SIGINT', 130],
  ['SIGTERM', 143],
  ['SIGHUP', 129]
] as const

export class Shutdown {
  private begun = false

  constructor(
    private readonly runner: Stoppable,
    private readonly lastWord: LastWord,
    private readonly exit: Exit = process.exit
  ) {}

  /** True once a cancel signal or the deadline has taken over the run's end. */
  get stopping(): boolean {
    return this.begun
  }

  /** Listens for the cancel signals for the rest of the process's life. */
  onCancel(): this {
    for (const [signal, code] of CANCEL_SIGNALS) process.on(signal, () => this.begin(code, `Cancelled (${signal}).`))
    return this
  }

  /** The last line of defence: every command has its own time limit, and the
   * run as a whole has this one. */
  armWatchdog(budgetMs: number): this {
    const seconds = Math.round(budgetMs / 1000)
    const message = `The run exceeded its deadline of ${seconds} s (health-timeout + route-timeout + recovery-timeout for each resilience event + a margin for builds and checks). Look at the log for the step that hung; raise health-timeout if the stack is just slow.`
    setTimeout(() => this.begin(1, message), budgetMs).unref()
    return this
  }

  private begin(code: number, message: string): void {
    if (this.begun) {
      process.stderr.write(`${message} Already stopping: wait for the cleanup to finish.\n`)
      return
    }
    this.begun = true
    void this.stopAndExit(code, message)
  }

  private async stopAndExit(code: number, message: string): Promise<void> {
    try {
      await this.runner.stopAll()
      await this.lastWord(message)
    } catch (error) {
      // The exit must happen whatever the last word did; say what went wrong.
      process.stderr.write(`${message} Then: ${error instanceof Error ? error.message : String(error)}\n`)
    } finally {
      this.exit(code)
    }
  }
}

/** Both guards of a run, with the deadline its settings allow. */
export function guardRun(settings: Settings, runner: Stoppable, lastWord: LastWord): Shutdown {
  return new Shutdown(runner, lastWord).onCancel().armWatchdog(runBudgetMs(settings) + WATCHDOG_GRACE_MS)
}
