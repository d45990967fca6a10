// The action's process as a runner starts it (`node dist/index.js` with INPUT_*
// variables and the GITHUB_* files), in lint mode: no Docker involved, so its
// wall time is the action's own start-up and compose-model work.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseFileCommands, ROOT } from '../run-action.mjs'
import { run } from './proc.mjs'

export const DIST = join(ROOT, 'dist/index.js')

/** An environment like run-action.mjs builds for a step; inputs by action.yml name. */
export function stepEnv(inputs) {
  const dir = mkdtempSync(join(tmpdir(), 'otc-bench-step-'))
  const files = {
    GITHUB_OUTPUT: join(dir, 'output'),
    GITHUB_STATE: join(dir, 'state'),
    GITHUB_STEP_SUMMARY: join(dir, 'summary.md')
  }
  const env = { PATH: process.env.PATH, HOME: process.env.HOME, GITHUB_WORKSPACE: ROOT, RUNNER_TEMP: dir, ...files }
  for (const [name, value] of Object.entries(inputs)) env[`INPUT_${name.toUpperCase()}`] = value
  return env
}

/** Removes the step's files (its RUNNER_TEMP holds them and the report). */
export function disposeStep(env) {
  rmSync(env.RUNNER_TEMP, { recursive: true, force: true })
}

/** Empties the step files, as a runner gives each step fresh ones. */
function freshFiles(env) {
  for (const name of ['GITHUB_OUTPUT', 'GITHUB_STATE', 'GITHUB_STEP_SUMMARY']) writeFileSync(env[name], '')
}

/** One lint run; fails loudly unless the action ran and passed, so that a
 * fast error exit can never pass for a fast lint. */
export function lintRun(env) {
  freshFiles(env)
  const result = run([process.execPath, DIST], { env, cwd: ROOT, timeoutMs: 300_000 })
  const outputs = parseFileCommands(readFileSync(env.GITHUB_OUTPUT, 'utf8'))
  if (result.code !== 0 || outputs.get('result') !== 'passed') {
    const errors = result.stdout
      .split('\n')
      .filter((line) => line.startsWith('::error'))
      .join(' ')
    throw new Error(
      `lint run failed (exit ${result.code}, result ${outputs.get('result')}): ${errors || result.stderr.trim()}`
    )
  }
  return result.ms
}

/** `node -e 0` with the same environment: the floor of any node step. */
export function nodeFloorRun(env) {
  freshFiles(env)
  return run([process.execPath, '-e', '0'], { env, cwd: ROOT, timeoutMs: 60_000 }).ms
}
