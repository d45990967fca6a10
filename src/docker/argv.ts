// The argument vectors of the Docker and Compose CLIs, and readers of what
// they print: pure, so that what is asked of Docker is tested without it.
// client.ts runs them.
import type { ComposeProject } from '../compose/project.js'

/** One line of `docker events --format '{{json .}}'`. */
export interface DockerEvent {
  action: string
  containerId: string
  service: string
  /** Engine time of the event, in milliseconds since the epoch. */
  timeMs: number
}

/** The Compose plugin, by far the usual Compose v2. */
export const COMPOSE_PLUGIN = ['docker', 'compose']
/** A standalone Compose v2, where the plugin is missing. */
export const COMPOSE_STANDALONE = ['docker-compose']
/** The only ways the action calls Compose. */
export const COMPOSE_COMMANDS = [COMPOSE_PLUGIN, COMPOSE_STANDALONE]

const PROJECT_LABEL = 'com.docker.compose.project'
const SERVICE_LABEL = 'com.docker.compose.service'

export function composeArgv(compose: string[], project: ComposeProject, subcommand: string[]): string[] {
  return [
    ...compose,
    '--project-directory',
    project.workingDirectory,
    '--project-name',
    project.projectName,
    ...project.files.flatMap((file) => ['--file', file]),
    ...project.envFiles.flatMap((file) => ['--env-file', file]),
    ...project.profiles.flatMap((profile) => ['--profile', profile]),
    ...subcommand
  ]
}

export function projectFilter(project: string): string[] {
  return ['--filter', `label=${PROJECT_LABEL}=${project}`]
}

export function eventsArgv(project: string, since: string): string[] {
  return [
    'docker',
    'events',
    '--since',
    since,
    '--filter',
    'type=container',
    ...projectFilter(project),
    '--format',
    '{{json .}}'
  ]
}

export function parseEvent(line: string): DockerEvent | undefined {
  try {
    const raw = JSON.parse(line) as {
      Action?: string
      Actor?: { ID?: string; Attributes?: Record<string, string> }
      timeNano?: number
    }
    if (!raw.Action || !raw.Actor?.ID) return undefined
    return {
      action: raw.Action,
      containerId: raw.Actor.ID,
      service: raw.Actor.Attributes?.[SERVICE_LABEL] ?? '',
      timeMs: raw.timeNano ? raw.timeNano / 1e6 : Date.now()
    }
  } catch {
    return undefined
  }
}

/** The resources a project leaves on the engine, by kind, as ids or names. */
export interface ProjectResources {
  containers: string[]
  networks: string[]
  volumes: string[]
}

export type ResourceKind = keyof ProjectResources

/** Every kind, in the order of removal: containers hold the networks and volumes. */
export const RESOURCE_KINDS: ResourceKind[] = ['containers', 'networks', 'volumes']

/** One resource of a project, as `docker <kind> inspect` describes it. */
export interface DatedResource {
  id: string
  name: string
  /** When the engine created it, on the engine's clock. */
  created: Date
}

export type ProjectInventory = Record<ResourceKind, DatedResource[]>

/** How each kind is listed: ids (names for volumes), one a line. */
export const LIST: Record<ResourceKind, string[]> = {
  containers: ['docker', 'ps', '--all', '--quiet', '--no-trunc'],
  networks: ['docker', 'network', 'ls', '--quiet', '--no-trunc'],
  volumes: ['docker', 'volume', 'ls', '--quiet']
}

/** The calls that remove the given resources by id, in RESOURCE_KINDS order. */
export function removalArgvs(resources: ProjectResources): string[][] {
  const remove: Record<ResourceKind, string[]> = {
    containers: ['docker', 'rm', '--force', '--volumes'],
    networks: ['docker', 'network', 'rm'],
    volumes: ['docker', 'volume', 'rm', '--force']
  }
  return RESOURCE_KINDS.filter((kind) => resources[kind].length > 0).map((kind) => [
    ...remove[kind],
    ...resources[kind]
  ])
}

/** How each kind is inspected: id, name and creation time, one line each. */
export const INSPECT: Record<ResourceKind, string[]> = {
  containers: ['docker', 'container', 'inspect', '--format', '{{.Id}}\t{{.Name}}\t{{.Created}}'],
  networks: ['docker', 'network', 'inspect', '--format', '{{.Id}}\t{{.Name}}\t{{.Created}}'],
  volumes: ['docker', 'volume', 'inspect', '--format', '{{.Name}}\t{{.Name}}\t{{.CreatedAt}}']
}

/** Reads the lines printed by an INSPECT template. */
export function parseInventoryLines(text: string): DatedResource[] {
  return text
    .split('\n')
    .map((line) => line.trim().split('\t'))
    .filter((fields) => fields.length === 3)
    .map(([id, name, created]) => ({ id, name: name.replace(/^\//, ''), created: new Date(created) }))
}
