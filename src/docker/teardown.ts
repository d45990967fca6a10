// Removes everything of the project: Compose's `down` first, then whatever
// still carries the project's label (Compose cannot remove what its files no
// longer describe, or anything when the files are gone). Safe to run twice.
import { LIMITS, firstLine, type ComposeTarget, type Docker, type ProjectResources } from './client.js'

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

function minus(before: ProjectResources, after: ProjectResources): ProjectResources {
  const keep = (kind: keyof ProjectResources): string[] => before[kind].filter((id) => !after[kind].includes(id))
  return { containers: keep('containers'), networks: keep('networks'), volumes: keep('volumes') }
}

export async function teardown(docker: Docker, target: ComposeTarget): Promise<TeardownReport> {
  const problems: string[] = []
  const before = await docker.projectResources(target.projectName)
  if (countResources(before) === 0) return { removed: before, left: before, problems }
  const down = await docker.composeRun(
    target,
    ['down', '--volumes', '--remove-orphans', '--timeout', '10'],
    LIMITS.down
  )
  if (down.exitCode !== 0)
    problems.push(
      `docker compose down failed (${down.killed ? 'timed out' : `exit ${down.exitCode}`}): ${firstLine(down.stderr)}; removing by label instead.`
    )
  let left = await docker.projectResources(target.projectName)
  if (countResources(left) > 0) {
    for (const result of await docker.removeResources(left)) {
      if (result.exitCode !== 0)
        problems.push(`${result.argv.slice(0, 3).join(' ')} failed: ${firstLine(result.stderr)}`)
    }
    left = await docker.projectResources(target.projectName)
  }
  if (countResources(left) > 0)
    problems.push(`Could not remove ${describeResources(left)} of project ${target.projectName}.`)
  return { removed: minus(before, left), left, problems }
}
