// How a run ends early: on the runner's cancel signals and when it overruns
// its deadline. Either way every command still running is stopped first (they
// live in process groups of their own, so nothing else would stop them), then
// the front has its last word (a report, a teardown), then the process exits.
import type { ProcessRunner } from '../docker/command.js'

type LastWord = (message: string) => void | Promise<void>
type Exit = (code: number) => void

/** The runner cancels a step with SIGINT, then SIGTERM; cron and systemd send SIGTERM. */
const CANCEL_SIGNALS = [
  ['SIGINT', 130],
  ['SIGTERM', 143]
] as const

function stopAndExit(
  runner: Pick<ProcessRunner, 'stopAll'>,
  code: number,
  message: string,
  lastWord: LastWord,
  exit: Exit
): Promise<void> {
  runner.stopAll()
  return Promise.resolve()
    .then(() => lastWord(message))
    .catch((error: unknown) => {
      // The exit must happen whatever the last word did; say what went wrong.
      process.stderr.write(`${message} Then: ${error instanceof Error ? error.message : String(error)}\n`)
    })
    .finally(() => exit(code))
}

export function onCancel(runner: Pick<ProcessRunner, 'stopAll'>, lastWord: LastWord, exit: Exit = process.exit): void {
  for (const [signal, code] of CANCEL_SIGNALS) {
    process.once(signal, () => void stopAndExit(runner, code, `Cancelled (${signal}).`, lastWord, exit))
  }
}

/** The last line of defence: every command has its own time limit, and the
 * run as a whole has this one. */
export function armWatchdog(
  budgetMs: number,
  runner: Pick<ProcessRunner, 'stopAll'>,
  lastWord: LastWord,
  exit: Exit = process.exit
): void {
  const message = `The run exceeded its deadline of ${Math.round(budgetMs / 1000)} s (health-timeout + route-timeout + a margin for builds and checks). Look at the log for the step that hung; raise health-timeout if the stack is just slow.`
  setTimeout(() => void stopAndExit(runner, 1, message, lastWord, exit), budgetMs).unref()
}
