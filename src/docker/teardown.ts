// Removes what this run created of its project: Compose's `down` first, then
// whatever still carries the project's label (Compose cannot remove what its
// files no longer describe, or anything when the files are gone). What was
// created before the run's `up` began is somebody else's and is kept; then
// only this run's resources are removed, by id. Safe to run twice.
import type { ComposeProject } from '../compose/project.js'
import type { ProjectInventory, ProjectResources } from './argv.js'
import { LIMITS, firstLine, type Docker } from './client.js'
import { countResources, describeResources, minus, notCreatedSince, undatedIn } from './ownership.js'

export interface TeardownReport {
  removed: ProjectResources
  /** What could not be removed; empty when the project is gone. */
  left: ProjectResources
  /** What was there before the run's `up` began, and so was left alone. */
  kept: ProjectResources
  /** Problems worth a warning; teardown never fails the run. */
  problems: string[]
}

export const TEARDOWN_POLICIES = ['always', 'on-success', 'never'] as const
export type TeardownPolicy = (typeof TEARDOWN_POLICIES)[number]

/** Seconds `down` gives each container between SIGTERM and SIGKILL. The
 * stack is thrown away with its volumes once the diagnostics are collected,
 * so a long grace buys nothing: one second lets a process that handles
 * SIGTERM exit cleanly, and costs one second for one that ignores it (a
 * `sleep infinity` PID 1), where Compose's own default costs ten. */
export const DEFAULT_STOP_TIMEOUT_SEC = 1

/** The longest stop grace: the stack is thrown away, so a longer one buys
 * nothing, and teardown's time limit grows with it (downLimitMs). */
export const MAX_STOP_TIMEOUT_SEC = 300

/** Compose's `down --timeout` takes whole seconds; 0 stops with SIGKILL at once. */
export function isStopTimeout(value: string): boolean {
  return /^\d+$/.test(value) && Number(value) <= MAX_STOP_TIMEOUT_SEC
}

export interface TeardownOptions {
  /** Seconds `down` gives each container between SIGTERM and SIGKILL. */
  stopTimeoutSec: number
  /** Engine time when the run's `up` began: only what was created from then on is removed. */
  createdSince?: Date
}

/** Whether a run with this result is torn down under this policy. */
export function shouldTearDown(policy: TeardownPolicy, result: 'passed' | 'failed'): boolean {
  return policy === 'always' || (policy === 'on-success' && result === 'passed')
}

/** What a kept project is, and how to remove it by hand. */
export function keptMessage(projectName: string, policy: TeardownPolicy, result: string): string {
  return `Keeping project ${projectName} (teardown: ${policy}, result: ${result}). Remove it with: docker compose -p ${projectName} down -v --remove-orphans`
}

/** One line on what a teardown removed, and whether anything is left. */
export function removedMessage(report: TeardownReport, projectName: string): string {
  const unremoved = minus(report.left, report.kept)
  const kept = countResources(report.kept)
  const rest = [
    kept === 0 ? '' : `kept ${describeResources(report.kept)} that this run did not create`,
    countResources(unremoved) === 0 ? '' : `${describeResources(unremoved)} could not be removed`
  ].filter(Boolean)
  if (countResources(report.removed) === 0 && rest.length === 0)
    return `Project ${projectName} had nothing on the engine: nothing to remove.`
  return `Removed ${describeResources(report.removed)} of project ${projectName}; ${rest.join('; ') || 'nothing of it is left'}.`
}

/** The time limit of `down`: Compose stops dependants before what they depend
 * on, so at worst each container waits out its whole grace in turn. */
export function downLimitMs(stopTimeoutSec: number, containers: number): number {
  return LIMITS.down + stopTimeoutSec * 1000 * containers
}

/** Tears down the project; with `createdSince`, only what was created from then on. */
export async function teardown(
  docker: Docker,
  project: ComposeProject,
  { stopTimeoutSec, createdSince }: TeardownOptions
): Promise<TeardownReport> {
  const before = await docker.projectResources(project.projectName)
  const none = { containers: [], networks: [], volumes: [] }
  if (countResources(before) === 0) return { removed: before, left: before, kept: none, problems: [] }
  if (createdSince) {
    const inventory = await docker.inventory(before)
    const foreign = notCreatedSince(before, inventory, createdSince)
    if (countResources(foreign) > 0) return removeOurs(docker, project.projectName, before, foreign, inventory)
  }
  const problems: string[] = []
  const down = await docker.composeRun(
    project,
    ['down', '--volumes', '--remove-orphans', '--timeout', String(stopTimeoutSec)],
    downLimitMs(stopTimeoutSec, before.containers.length)
  )
  if (down.exitCode !== 0)
    problems.push(
      `docker compose down failed (${down.killed ? 'timed out' : `exit ${down.exitCode}`}): ${firstLine(down.stderr)}; removing by label instead.`
    )
  let left = await docker.projectResources(project.projectName)
  if (countResources(left) > 0) {
    await removeEach(docker, left, problems)
    left = await docker.projectResources(project.projectName)
  }
  if (countResources(left) > 0)
    problems.push(`Could not remove ${describeResources(left)} of project ${project.projectName}.`)
  return { removed: minus(before, left), left, kept: none, problems }
}

/** The project holds resources from before this run's `up`: Compose would
 * remove them with the rest, so this run's own are removed one by one. */
async function removeOurs(
  docker: Docker,
  projectName: string,
  before: ProjectResources,
  foreign: ProjectResources,
  inventory: ProjectInventory
): Promise<TeardownReport> {
  const problems: string[] = []
  await removeEach(docker, minus(before, foreign), problems)
  const left = await docker.projectResources(projectName)
  // What was removed meanwhile by someone else is not kept.
  const kept = minus(foreign, minus(foreign, left))
  const undated = undatedIn(kept, inventory)
  const older = minus(kept, undated)
  if (countResources(undated) > 0)
    problems.unshift(
      `Not removing ${describeResources(undated)} of project ${projectName}: the engine did not say when they were created (their inspect failed or timed out), so this run cannot tell whether it made them. Once you know, remove them with \`docker compose -p ${projectName} down\`.`
    )
  if (countResources(older) > 0)
    problems.unshift(
      `Not removing ${describeResources(older, inventory)} of project ${projectName}: created before this run's docker compose up began, so another run or a person made them. Find out whose they are before removing them.`
    )
  return { removed: minus(before, left), left, kept, problems }
}

/** Removes by id; each removal that fails is a problem. */
async function removeEach(docker: Docker, resources: ProjectResources, problems: string[]): Promise<void> {
  for (const result of await docker.removeResources(resources)) {
    if (result.exitCode !== 0) problems.push(`${result.argv.slice(0, 3).join(' ')} failed: ${firstLine(result.stderr)}`)
  }
}
