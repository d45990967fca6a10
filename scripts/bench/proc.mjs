// Runs programs for the benchmark: always an argument vector, never a shell,
// always with a time limit, timed with the monotonic clock.
import { spawnSync } from 'node:child_process'
import { performance } from 'node:perf_hooks'

/** Runs argv to completion; returns its exit code, output and wall time in ms. */
export function run(argv, { cwd, env, timeoutMs = 120_000 } = {}) {
  const started = performance.now()
  const result = spawnSync(argv[0], argv.slice(1), {
    cwd,
    env,
    encoding: 'utf8',
    timeout: timeoutMs,
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 64 * 1024 * 1024
  })
  const ms = performance.now() - started
  const code = result.error ? -1 : (result.status ?? -1)
  return {
    code,
    stdout: result.stdout ?? '',
    stderr: (result.stderr ?? '') + (result.error ? String(result.error) : ''),
    ms
  }
}

/** Like run, but a failure is an error that says what failed. */
export function must(argv, options) {
  const result = run(argv, options)
  if (result.code !== 0)
    throw new Error(
      `${argv.join(' ')} failed (${result.code}): ${result.stderr.trim().split('\n').slice(-3).join(' | ')}`
    )
  return result
}
