// The compose project as Compose reads it (files merged, anchors, `extends`,
// profiles and `${VAR}` interpolation resolved), reduced to what the tunnel
// depends on, with every value traced back to the line that set it.
import { existsSync, readFileSync } from 'node:fs'
import { basename, join } from 'node:path'
import { ComposeFileError } from '../errors.js'
import { applyExtends, mergeNode, normalizeServices } from './merge.js'
import { buildService } from './service.js'
import { loadEnvironment, type Environment } from './dotenv.js'
import type { SourceLocation } from '../findings.js'
import { interpolate, InterpolationError, type Lookup, type VariableUse } from './interpolate.js'
import { mapEntries, parseYamlTree, type MapNode, type TreeNode } from './yaml-tree.js'

export { ComposeFileError } from '../errors.js'
export type { VariableUse } from './interpolate.js'

export interface Traced<T> {
  value: T
  /** Node where the effective value was written (for a default, the entry it belongs to). */
  at?: SourceLocation
  /** How it got there, e.g. "merge key `<<: *celery-depends-on` (docker-compose.yml:88)", "extends: service base (…)", "override file docker-compose.override.yml". */
  via?: string
  /** Interpolated variables that shaped this value. */
  variables?: VariableUse[]
}

export interface DependsOn {
  service: string
  condition: Traced<string>
  required: Traced<boolean>
  restart: Traced<boolean>
  /** Written in list form, so the condition is the implied `service_started`. */
  listForm: boolean
  /** The entry: the service's key in map form, the list item in list form. */
  at: SourceLocation
}

/** Durations are in seconds. */
export interface Healthcheck {
  test?: Traced<string[]>
  disable: boolean
  interval?: Traced<number>
  timeout?: Traced<number>
  retries?: Traced<number>
  startPeriod?: Traced<number>
  startInterval?: Traced<number>
  at: SourceLocation
}

export interface ServiceModel {
  name: string
  /** The service's key. */
  at: SourceLocation
  image?: string
  networkMode?: Traced<string>
  dependsOn: DependsOn[]
  healthcheck?: Healthcheck
  restart?: Traced<string>
  privileged?: Traced<boolean>
  capAdd: Traced<string>[]
  devices: Traced<string>[]
  /** Options present that conflict with `network_mode: service:X` (networks, ports, hostname, dns, mac_address, extra_hosts), located at their key. */
  options: Map<string, Traced<unknown>>
  profiles: string[]
}

export interface ComposeModel {
  /** As Compose derives it: COMPOSE_PROJECT_NAME (environment or env files), else the top-level `name`, else the project directory's name; normalised. */
  projectName: string
  /** Absolute. */
  files: string[]
  /** Services enabled by the active profiles. */
  services: Map<string, ServiceModel>
  /** Services that exist but whose profiles are all inactive. */
  disabledServices: Map<string, ServiceModel>
  /** Every service name, before profile filtering. */
  allServices: Set<string>
}

export interface LoadOptions {
  /** Absolute project directory. */
  workingDirectory: string
  /** Absolute compose files, in order. */
  files: string[]
  /** Absolute extra env files, read after the project's `.env`, in order. */
  envFiles: string[]
  /** Active profiles; when empty, COMPOSE_PROFILES applies as in Compose. */
  profiles: string[]
  /** Process environment. */
  environment: Record<string, string | undefined>
}

export function loadComposeModel(options: LoadOptions): ComposeModel {
  const dotEnv = join(options.workingDirectory, '.env')
  const environment = loadEnvironment(options.environment, [
    ...(existsSync(dotEnv) ? [dotEnv] : []),
    ...options.envFiles
  ])
  const lookup: Lookup = (name) => environment.get(name)
  const root = mergeFiles(options.files, lookup)
  const active = activeProfiles(options.profiles, environment)
  const services = new Map<string, ServiceModel>()
  const disabledServices = new Map<string, ServiceModel>()
  for (const [name, node] of serviceNodes(root)) {
    const service = buildService(name, node)
    ;(enabled(service, active) ? services : disabledServices).set(name, service)
  }
  return {
    projectName: projectName(root, environment, options.workingDirectory),
    files: options.files,
    services,
    disabledServices,
    allServices: new Set([...services.keys(), ...disabledServices.keys()])
  }
}

/** Each file is interpolated and its `extends` resolved on its own, then merged over the ones before it (as compose-go loads). */
function mergeFiles(files: string[], lookup: Lookup): MapNode {
  const cache = new Map<string, MapNode>()
  // A file that several services extend is read once.
  const load = (file: string): MapNode => {
    const root =
      cache.get(file) ??
      normalizeServices(interpolateTree(parseYamlTree(readComposeFile(file), file), lookup) as MapNode)
    cache.set(file, root)
    return root
  }
  if (files.length === 0) throw new ComposeFileError('no compose file given')
  return files
    .map((file) => applyExtends(load(file), file, load))
    .reduce((merged, root, i) => mergeNode(merged, root, [], `override file ${basename(files[i]!)}`) as MapNode)
}

function readComposeFile(file: string): string {
  try {
    return readFileSync(file, 'utf8')
  } catch (error) {
    throw new ComposeFileError(`cannot read compose file ${file}: ${(error as Error).message}`)
  }
}

/** Values are interpolated, keys are not (as Compose). */
function interpolateTree(node: TreeNode, lookup: Lookup): TreeNode {
  if (node.kind === 'map')
    return { ...node, entries: mapEntries(node.entries, (entry) => interpolateTree(entry, lookup)) }
  if (node.kind === 'seq') return { ...node, items: node.items.map((item) => interpolateTree(item, lookup)) }
  if (typeof node.value !== 'string' || !node.value.includes('$')) return node
  try {
    const { value, variables } = interpolate(node.value, lookup)
    return { ...node, value, variables: variables.length > 0 ? variables : undefined }
  } catch (error) {
    if (!(error instanceof InterpolationError)) throw error
    throw new ComposeFileError(`${node.at.file}:${node.at.line}: ${error.message}`, node.at)
  }
}

function serviceNodes(root: MapNode): [string, MapNode][] {
  const services = root.entries.get('services')
  return services?.kind === 'map' ? ([...services.entries] as [string, MapNode][]) : []
}

function activeProfiles(profiles: string[], environment: Environment): string[] {
  const listed = profiles.length > 0 ? profiles : (environment.get('COMPOSE_PROFILES')?.value ?? '').split(',')
  return listed.map((profile) => profile.trim()).filter((profile) => profile !== '')
}

/** A service without profiles is always enabled; `*` enables all. */
function enabled(service: ServiceModel, active: string[]): boolean {
  return (
    service.profiles.length === 0 ||
    active.includes('*') ||
    service.profiles.some((profile) => active.includes(profile))
  )
}

function projectName(root: MapNode, environment: Environment, workingDirectory: string): string {
  const name = root.entries.get('name')
  const candidates = [
    environment.get('COMPOSE_PROJECT_NAME')?.value,
    name?.kind === 'scalar' ? String(name.value ?? '') : undefined,
    basename(workingDirectory)
  ]
  return (
    candidates.map((candidate) => normalizeProjectName(candidate ?? '')).find((candidate) => candidate !== '') ?? ''
  )
}

/** compose-go's NormalizeProjectName: lower case, only [a-z0-9_-], not starting with `_` or `-`. */
function normalizeProjectName(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9_-]/g, '')
    .replace(/^[_-]+/, '')
}
