// What of a compose project this run may call its own. Full mode starts only a
// project that does not exist yet, and its teardown removes only what was
// created after its `up` began: a project that is somebody else's (a running
// deployment, another run's stack) keeps its containers and its data volumes.
//
// What remains: two runs given the same project-name at nearly the same moment
// can both find nothing and both run `up`, if neither listing sees what the
// other's `up` has begun to create (its network comes first). Compose then
// shares one project between them: the later `up` adopts or recreates the
// earlier one's containers, and each teardown removes what was created after
// its own `up` began, so the earlier run removes what the later one created,
// and both may report having removed it. The window is the time from one
// run's listing until its `up` has created the network (well under a second:
// the listings are made after `docker compose config`, just before `up`, and
// then Compose starts), and only an explicit, shared
// project-name opens it: the default name is unique to each step run.
// A lock on the engine would close it, but Docker has no lock a project can
// take without creating a resource of its own.
import { InputError } from '../errors.js'
import { RESOURCE_KINDS, type ProjectInventory, type ProjectResources, type ResourceKind } from './argv.js'
import type { EngineReads } from './client.js'

/** Names shown per kind in a message; the count says how many there are. */
const NAMES_SHOWN = 3

/** How precisely the engine reports creation times: containers and networks
 * in nanoseconds (read here to the millisecond), volumes to the second. */
const PRECISION_MS: Record<ResourceKind, number> = { containers: 1, networks: 1, volumes: 1000 }

export function countResources(resources: ProjectResources): number {
  return RESOURCE_KINDS.reduce((sum, kind) => sum + resources[kind].length, 0)
}

/** `5 containers, 1 network`; with `named`, a few names of each kind too. */
export function describeResources(resources: ProjectResources, named?: ProjectInventory): string {
  const parts = RESOURCE_KINDS.filter((kind) => resources[kind].length > 0).map((kind) => {
    const count = resources[kind].length
    const counted = `${count} ${count === 1 ? kind.replace(/s$/, '') : kind}`
    const names = (named?.[kind] ?? []).filter((item) => resources[kind].includes(item.id)).map((item) => item.name)
    if (names.length === 0) return counted
    const more = names.length < count || names.length > NAMES_SHOWN ? ', …' : ''
    return `${counted} (${names.slice(0, NAMES_SHOWN).join(', ')}${more})`
  })
  return parts.length ? parts.join(', ') : 'nothing'
}

export function minus(before: ProjectResources, after: ProjectResources): ProjectResources {
  const keep = (kind: ResourceKind): string[] => before[kind].filter((id) => !after[kind].includes(id))
  return { containers: keep('containers'), networks: keep('networks'), volumes: keep('volumes') }
}

/** What of `found` is not this run's: what was created before `since` (engine
 * time), given the engine's precision, and what cannot be dated at all. */
export function notCreatedSince(found: ProjectResources, inventory: ProjectInventory, since: Date): ProjectResources {
  const foreign = (kind: ResourceKind): string[] =>
    found[kind].filter((id) => {
      const created = inventory[kind].find((item) => item.id === id)?.created.getTime() ?? NaN
      return !(created + PRECISION_MS[kind] > since.getTime())
    })
  return { containers: foreign('containers'), networks: foreign('networks'), volumes: foreign('volumes') }
}

/** What of `resources` the inventory holds no creation time for: its inspect
 * failed or timed out, so nobody can tell whose it is. */
export function undatedIn(resources: ProjectResources, inventory: ProjectInventory): ProjectResources {
  const undated = (kind: ResourceKind): string[] =>
    resources[kind].filter((id) => !inventory[kind].some((item) => item.id === id))
  return { containers: undated('containers'), networks: undated('networks'), volumes: undated('volumes') }
}

/** The project-name input names a project that already exists: full mode
 * would take it over, and its teardown would delete it, data volumes too. */
export function existingProjectError(
  projectName: string,
  found: ProjectResources,
  named: ProjectInventory
): InputError {
  return new InputError(
    'project-name',
    `project '${projectName}' already exists on this Docker engine: ${describeResources(found, named)}. ` +
      'Full mode starts a project of its own and removes it afterwards, so it neither uses nor touches this one. ' +
      'Choose another project-name, or leave it empty for a name unique to this run; ' +
      'to check a deployment that is already running, use mode: verify.'
  )
}

/** The volumes Compose would create (and `down --volumes` delete) for the
 * project, by the names it gives them: `external` ones are never its own. */
export function declaredVolumeNames(composeConfig: unknown): string[] {
  const volumes = (composeConfig as { volumes?: Record<string, { name?: string; external?: unknown }> } | undefined)
    ?.volumes
  return Object.values(volumes ?? {})
    .filter((volume) => !volume.external && typeof volume.name === 'string')
    .map((volume) => volume.name as string)
}

/** A volume the compose files declare exists already without the project's
 * label (restored from a backup, made by hand, or by another tool): Compose
 * would use it, and the teardown's `down --volumes` would delete it. */
function existingVolumeError(projectName: string, volumes: string[]): InputError {
  const names = volumes.map((name) => `'${name}'`).join(', ')
  return new InputError(
    'project-name',
    `the compose files declare volume ${names}, which already exists on this Docker engine and was not made by project '${projectName}': ` +
      'full mode would use it and then delete it with the project. ' +
      'Mark it `external: true` if the stack is meant to share it, choose another project-name (volume names derive from it unless they set `name:`), ' +
      'or, to check a deployment that is already running, use mode: verify.'
  )
}

/** What the claim needs of the engine. */
export interface EngineFacts {
  /** What the project holds. */
  found: ProjectResources
  /** Every volume's name, labelled or not. */
  volumes: string[]
  /** The engine's time, asked before the listings; awaited only by a claim
   * that holds, so that a refusal is never lost to an error of `docker info`. */
  since: Promise<Date>
}

/** Lists what the project holds and every volume, once the engine's time
 * `since` has been asked: what someone else creates after the listings is
 * taken for this run's, so they are made just before `up` (never while
 * `docker compose config` runs, which a slow env_file can stretch to seconds),
 * and what is created between `since` and the listings is seen by them. */
export async function readEngineFacts(
  engine: EngineReads,
  projectName: string,
  since: Promise<Date>
): Promise<EngineFacts> {
  since.catch(() => undefined)
  const [found, volumes] = await Promise.all([engine.projectResources(projectName), engine.volumeNames()])
  return { found, volumes, since }
}

/** Before full mode starts anything: refuses a project that exists, or one
 * whose declared volumes exist already, and returns the engine's time after
 * the check. What the project holds that was created before that moment is
 * not this run's to remove. */
export async function claimProject(
  docker: EngineReads,
  projectName: string,
  { found, volumes, since }: EngineFacts,
  declaredVolumes: string[]
): Promise<Date> {
  if (countResources(found) > 0) throw existingProjectError(projectName, found, await docker.inventory(found))
  const taken = declaredVolumes.filter((name) => volumes.includes(name))
  if (taken.length > 0) throw existingVolumeError(projectName, taken)
  return since
}
