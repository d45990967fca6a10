// Runs external programs as argument vectors, never through a shell, each with
// a time limit. @actions/exec has neither a time limit nor a way to kill the
// process, and the Docker CLI starts the Compose plugin as a child of its own,
// so we use node:child_process directly and kill the whole process group.
import { spawn } from 'node:child_process'
import { constants } from 'node:os'
import { performance } from 'node:perf_hooks'
import { createInterface } from 'node:readline'
import { display } from './display.js'

export interface CommandResult {
  argv: string[]
  exitCode: number
  stdout: string
  stderr: string
  /** True when the time limit or the abort signal ended the command. */
  killed: boolean
  durationMs: number
}

export interface RunOptions {
  timeoutMs: number
  signal?: AbortSignal
  /** Called with each line of output as it arrives (for long-running commands). */
  onLine?: (line: string, stream: 'stdout' | 'stderr') => void
}

/** What the rest of the code needs from a process runner; tests inject a fake. */
export interface CommandRunner {
  run(argv: string[], options: RunOptions): Promise<CommandResult>
}

/** Output kept per stream, so that a chatty command cannot exhaust memory. */
const MAX_CAPTURE_BYTES = 8 * 1024 * 1024
/** Grace between SIGTERM and SIGKILL when a command overruns its limit. */
const KILL_GRACE_MS = 3000

export class ProcessRunner implements CommandRunner {
  /** The commands still running: how to stop each, and when it has ended. */
  private readonly running = new Map<() => void, Promise<CommandResult>>()
  /** Set by stopAll: a stopped run starts nothing more. */
  private stopped = false

  constructor(private readonly log: (line: string) => void = () => {}) {}

  /** Stops every command still running (on cancellation): they run in
   * process groups of their own, so a signal to this process misses them.
   * Resolves once they have all ended, so that a teardown after it sees
   * everything they created. From then on this runner starts nothing: the
   * code whose commands were stopped goes on for a moment, and a `docker
   * compose up` it started then would outlive the process. */
  async stopAll(): Promise<void> {
    this.stopped = true
    const ended = [...this.running].map(([stop, done]) => (stop(), done))
    await Promise.all(ended)
  }

  run(argv: string[], options: RunOptions): Promise<CommandResult> {
    this.log(`$ ${display(argv)}`)
    if (this.stopped) return Promise.resolve(notStarted(argv))
    const started = Date.now()
    const startedMs = performance.now()
    let registered: () => void = () => {}
    const done = new Promise<CommandResult>((resolve) => {
      const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], detached: true })
      const output = { stdout: '', stderr: '' }
      let killed = false
      const stopGroup = (): void => {
        killed = true
        signalGroup(child.pid, 'SIGTERM')
        setTimeout(() => signalGroup(child.pid, 'SIGKILL'), KILL_GRACE_MS).unref()
      }
      const timer = setTimeout(stopGroup, options.timeoutMs)
      registered = stopGroup
      options.signal?.addEventListener('abort', stopGroup, { once: true })
      for (const stream of ['stdout', 'stderr'] as const) {
        const source = child[stream]
        source.setEncoding('utf8')
        if (options.onLine) {
          createInterface({ input: source }).on('line', (line) => options.onLine?.(line, stream))
        }
        source.on('data', (chunk: string) => {
          if (output[stream].length < MAX_CAPTURE_BYTES) output[stream] += chunk
        })
      }
      const finish = (exitCode: number, error = ''): void => {
        clearTimeout(timer)
        this.running.delete(stopGroup)
        options.signal?.removeEventListener('abort', stopGroup)
        this.log(endLine(argv, exitCode, startedMs, performance.now() - startedMs))
        resolve({
          argv,
          // A command stopped at its limit never succeeded, whatever it
          // exits with: the docker CLI exits 0 on SIGTERM during `exec`.
          exitCode: killed && exitCode === 0 ? KILLED_EXIT_CODE : exitCode,
          stdout: output.stdout,
          stderr: output.stderr + error,
          killed,
          durationMs: Date.now() - started
        })
      }
      child.on('error', (error: NodeJS.ErrnoException) => finish(error.code === 'ENOENT' ? 127 : 1, error.message))
      child.on('close', (code, signal) => finish(code ?? (signal ? 128 + constants.signals[signal] : 1)))
    })
    this.running.set(registered, done)
    return done
  }
}

/** The debug line of a command's end: how it ended, and when it ran by the
 * process's own clock (ms since it started), so that a run's time can be laid
 * out command by command (`npm run bench` does). */
export function endLine(argv: string[], exitCode: number, startedMs: number, durationMs: number): string {
  return `↳ exit ${exitCode} after ${Math.round(durationMs)} ms (from +${Math.round(startedMs)} ms): ${display(argv)}`
}

/** The exit code of a command stopped at its time limit (or cancelled) that
 * exited 0 all the same; as GNU timeout reports one it stopped. */
export const KILLED_EXIT_CODE = 124

function notStarted(argv: string[]): CommandResult {
  const stderr = 'not started: the run is being stopped'
  return { argv, exitCode: 1, stdout: '', stderr, killed: true, durationMs: 0 }
}

function signalGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return
  try {
    process.kill(-pid, signal)
  } catch {
    // The group is already gone: nothing left to stop.
  }
}
