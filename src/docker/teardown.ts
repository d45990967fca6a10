// Removes everything of the project: Compose's `down` first, then whatever
// still carries the project's label (Compose cannot remove what its files no
// longer describe, or anything when the files are gone). Safe to run twice.
import type { ComposeProject } from '../compose/project.js'
import { LIMITS, firstLine, type Docker, type ProjectResources } from './client.js'

export interface TeardownReport {
  removed: ProjectResources
  /** What could not be removed; empty when the project is gone. */
  left: ProjectResources
  /** Problems worth a warning; teardown never fails the run. */
  problems: string[]
}

export function countResources(resources: ProjectResources): number {
  return resources.containers.length + resources.networks.length + resources.volumes.length
}

export function describeResources(resources: ProjectResources): string {
  const parts = Object.entries(resources)
    .filter(([, ids]) => ids.length > 0)
    .map(([kind, ids]) => `${ids.length} ${ids.length === 1 ? kind.replace(/s$/, '') : kind}`)
  return parts.length ? parts.join(', ') : 'nothing'
}

export type TeardownPolicy = 'always' | 'on-success' | 'never'

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
  const left = countResources(report.left)
  const rest = left === 0 ? 'nothing of it is left' : `${describeResources(report.left)} could not be removed`
  return `Removed ${describeResources(report.removed)} of project ${projectName}; ${rest}.`
}

function minus(before: ProjectResources, after: ProjectResources): ProjectResources {
  const keep = (kind: keyof ProjectResources): string[] => before[kind].filter((id) => !after[kind].includes(id))
  return { containers: keep('containers'), networks: keep('networks'), volumes: keep('volumes') }
}

export async function teardown(docker: Docker, project: ComposeProject): Promise<TeardownReport> {
  const problems: string[] = []
  const before = await docker.projectResources(project.projectName)
  if (countResources(before) === 0) return { removed: before, left: before, problems }
  const down = await docker.composeRun(
    project,
    ['down', '--volumes', '--remove-orphans', '--timeout', '10'],
    LIMITS.down
  )
  if (down.exitCode !== 0)
    problems.push(
      `docker compose down failed (${down.killed ? 'timed out' : `exit ${down.exitCode}`}): ${firstLine(down.stderr)}; removing by label instead.`
    )
  let left = await docker.projectResources(project.projectName)
  if (countResources(left) > 0) {
    for (const result of await docker.removeResources(left)) {
      if (result.exitCode !== 0)
        problems.push(`${result.argv.slice(0, 3).join(' ')} failed: ${firstLine(result.stderr)}`)
    }
    left = await docker.projectResources(project.projectName)
  }
  if (countResources(left) > 0)
    problems.push(`Could not remove ${describeResources(left)} of project ${project.projectName}.`)
  return { removed: minus(before, left), left, problems }
}
