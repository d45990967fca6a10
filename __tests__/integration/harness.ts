// What the integration tests share: running the action as the runner does
// (scripts/run-action.mjs, also behind `npm run demo`), and asking the real
// engine what a project left behind.
import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import { afterEach, expect } from '@jest/globals'
import { validateReport } from '../helpers/report-schema.js'
import {
  ROOT,
  runAction as runActionIn,
  runActionWatched as runActionWatchedIn,
  runPost as runPostIn,
  type ActionRun,
  type StepRun
} from '../../scripts/run-action.mjs'

export const STACKS = join(ROOT, 'fixtures/stacks')
export type { ActionRun, StepRun }

/** Runs main and post with the fixture stacks as the workspace; every report
 * a run writes must match the published schema. */
export function runAction(
  inputs: Record<string, string>,
  options: { env?: Record<string, string>; post?: boolean } = {}
): ActionRun {
  const run = runActionIn(inputs, { workspace: STACKS, ...options })
  if (run.report) expect(validateReport(run.report)).toEqual([])
  return run
}

/** The post step alone, with the state of a main step, as the runner runs
 * it at the end of the job. */
export function runPost(
  inputs: Record<string, string>,
  state: Map<string, string>,
  options: { env?: Record<string, string>; workspace?: string } = {}
): StepRun {
  return runPostIn(inputs, state, { workspace: STACKS, ...options })
}

/** Workflow commands of one kind printed by a step (e.g. `error`), unescaped. */
export function annotations(run: StepRun, level: 'error' | 'warning' | 'notice'): string[] {
  return run.stdout
    .split('\n')
    .filter((line) => line.startsWith(`::${level}`))
    .map((line) =>
      line.replace(/%3A/g, ':').replace(/%2C/g, ',').replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%')
    )
}

export function docker(...args: string[]): string {
  return execFileSync('docker', args, { encoding: 'utf8', timeout: 120_000 }).trim()
}

/** Containers, networks and volumes the engine still holds for a project. */
export function leftovers(project: string): string[] {
  const filter = `label=com.docker.compose.project=${project}`
  return [
    docker('ps', '--all', '--quiet', '--filter', filter),
    docker('network', 'ls', '--quiet', '--filter', filter),
    docker('volume', 'ls', '--quiet', '--filter', filter)
  ].flatMap((out) => out.split('\n').filter(Boolean))
}

/** Brings a fixture stack up with plain Compose (for verify-mode tests). */
export function composeUp(stack: string, project: string): void {
  execFileSync('docker', ['compose', '-p', project, 'up', '--detach', '--wait'], {
    cwd: join(STACKS, stack),
    encoding: 'utf8',
    timeout: 300_000,
    stdio: 'pipe'
  })
}

export function composeDown(project: string): void {
  const ids = docker('ps', '--all', '--quiet', '--filter', `label=com.docker.compose.project=${project}`)
  if (ids) docker('rm', '--force', '--volumes', ...ids.split('\n'))
  for (const kind of ['network', 'volume']) {
    const found = docker(kind, 'ls', '--quiet', '--filter', `label=com.docker.compose.project=${project}`)
    if (found) docker(kind, 'rm', ...found.split('\n'))
  }
}

/** Several people may run tests on one engine at once, each with a prefix of their own. */
export const PROJECT_PREFIX = process.env.OTC_TEST_PROJECT_PREFIX || 'otc-it'

export function uniqueProject(name: string, prefix = PROJECT_PREFIX): string {
  return `${prefix}-${name}-${process.pid}-${Date.now().toString(36)}`
}

/** Unique project names for a test file's tests; after each test, none of
 * the projects it named may have left anything behind. */
export function trackProjects(prefix?: string): (name: string) => string {
  let names: string[] = []
  afterEach(() => {
    const named = names
    names = []
    for (const name of named) expect(leftovers(name)).toEqual([])
  })
  return (name) => {
    const unique = uniqueProject(name, prefix)
    names.push(unique)
    return unique
  }
}

/** As runAction, while `onMainLine` sees each line main prints as it prints
 * it, so that a test can act (or cancel main) at a known moment of the run. */
export async function runActionWatched(
  inputs: Record<string, string>,
  onMainLine: (line: string, cancel: () => void) => void
): Promise<ActionRun> {
  const run = await runActionWatchedIn(inputs, { workspace: STACKS, onMainLine })
  if (run.report) expect(validateReport(run.report)).toEqual([])
  return run
}
