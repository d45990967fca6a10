// The compose project as Compose reads it (files merged, anchors, `extends`,
// profiles and `${VAR}` interpolation resolved), reduced to what the tunnel
// depends on, with every value traced back to the line that set it.
import { basename } from 'node:path'
import { ComposeFileError } from '../errors.js'
import { applyExtends, isReset, mergeNode, normalizeServices } from './merge.js'
import { buildService, type ServiceModel } from './service.js'
import { readSourceFile, utf8Text } from './source-file.js'
import { loadEnvironment, type Environment } from './dotenv.js'
import type { SourceLocation } from '../findings.js'
import { applyIncludes, type IncludeScope } from './include.js'
import type { ComposeSources } from './project.js'
import { interpolate, InterpolationError, type Interpolated, type Lookup } from './interpolate.js'
import { findSecrets, passedThrough, type Secret } from './secrets.js'
import { mapEntries, type MapNode, type TreeNode } from './located-tree.js'
import { parseYamlTree } from './yaml-tree.js'

export interface ComposeModel {
  /** As Compose derives it: COMPOSE_PROJECT_NAME (environment or env files), else the top-level `name`, else the project directory's name; normalised. */
  projectName: string
  /** Absolute. */
  files: string[]
  /** Services enabled by the active profiles. */
  services: Map<string, ServiceModel>
  /** Services that exist but whose profiles are all inactive. */
  disabledServices: Map<string, ServiceModel>
  /** The `services` key of the last file that has one (or includes one), where a missing service belongs. */
  servicesAt?: SourceLocation
  /** Files Compose's default lookup passed over for a name it prefers. */
  passedOver: string[]
  /** Values that must never be printed (see secrets.ts). */
  secrets: Secret[]
}

/** Reads the project as Compose would, with the given process environment. */
export function loadComposeModel(
  sources: ComposeSources,
  processEnvironment: Record<string, string | undefined>
): ComposeModel {
  const environment = loadEnvironment(processEnvironment, sources.envFiles)
  if (sources.files.length === 0) throw new ComposeFileError('no compose file given')
  const reading: Reading = { environments: [], used: new Set(), reads: 0 }
  const scope = { projectDirectory: sources.workingDirectory, environment, chain: [] }
  const root = loadFiles(sources.files, scope, reading)
  // As Compose: a project whose files hold nothing at all is refused, where
  // one empty file beside others is not.
  if (root.entries.size === 0)
    throw new ComposeFileError(
      `empty compose file: ${sources.files.join(', ')} ${sources.files.length === 1 ? 'holds' : 'hold'} nothing, and Compose refuses a project with no content. Define the services in it, or name the right file.`
    )
  const active = activeProfiles(sources.profiles, environment)
  const services = new Map<string, ServiceModel>()
  const disabledServices = new Map<string, ServiceModel>()
  for (const [name, node] of serviceNodes(root)) {
    for (const variable of passedThrough(node)) reading.used.add(variable)
    const service = buildService(name, node)
    ;(enabled(service, active) ? services : disabledServices).set(name, service)
  }
  return {
    projectName: projectName(root, environment, sources.workingDirectory),
    files: sources.files,
    services,
    disabledServices,
    servicesAt: root.entries.get('services')?.keyAt,
    passedOver: sources.passedOver ?? [],
    secrets: findSecrets(reading.environments, reading.used)
  }
}

/** What reading the files met, for the secrets among the variables: the
 * environment of each project (the top-level one and each included one), and
 * the variables the files use. */
interface Reading {
  environments: Environment[]
  used: Set<string>
  /** Compose files read so far: a file that several include entries name is
   * read once for each, so nested includes that name a file twice would read
   * 2^depth files. */
  reads: number
}

/** More compose file reads for one project are refused: a real project reads
 * a handful (OpenWISP's one). */
export const MAX_FILE_READS = 100

/** The files of one project (the top-level one, or one that an `include`
 * entry names): each is interpolated, its includes imported and its `extends`
 * resolved on its own, then merged over the ones before it (as compose-go
 * loads). Includes come first, so that a service may extend an included one,
 * as compose-go does since v2.11; before, extending one failed, and every
 * other file reads the same either way. */
function loadFiles(files: string[], scope: IncludeScope, reading: Reading): MapNode {
  reading.environments.push(scope.environment)
  const lookup: Lookup = (name) => {
    reading.used.add(name)
    return scope.environment.get(name)
  }
  const cache = new Map<string, MapNode>()
  const interpolated = new Map<string, Interpolated>()
  // A file that several services extend is read once.
  const load = (file: string): MapNode => {
    const root =
      cache.get(file) ?? normalizeServices(interpolateTree(readTree(file, reading), lookup, interpolated) as MapNode)
    cache.set(file, root)
    return root
  }
  return files
    .map((file) => {
      const included = applyIncludes(load(file), file, scope, (paths, inner) => loadFiles(paths, inner, reading))
      return applyExtends(included, file, load)
    })
    .reduce((merged, root, i) => mergeNode(merged, root, [], `override file ${basename(files[i]!)}`) as MapNode)
}

function readTree(file: string, reading: Reading): MapNode {
  if (++reading.reads > MAX_FILE_READS) {
    throw new ComposeFileError(
      `more than ${MAX_FILE_READS} compose files read for one project (${file} is one; a file that several include entries name counts once for each). Include each file once.`
    )
  }
  return parseYamlTree(utf8Text(readSourceFile(file, 'compose file'), file), file)
}

/** Values are interpolated, keys are not (as Compose). Each distinct text is
 * interpolated once (`done`): what aliases and merge keys copy into every
 * service repeats the same few texts thousands of times in a large file. */
function interpolateTree(node: TreeNode, lookup: Lookup, done: Map<string, Interpolated>): TreeNode {
  if (node.kind === 'map')
    return { ...node, entries: mapEntries(node.entries, (entry) => interpolateTree(entry, lookup, done)) }
  if (node.kind === 'seq') return { ...node, items: node.items.map((item) => interpolateTree(item, lookup, done)) }
  if (typeof node.value !== 'string' || !node.value.includes('$')) return node
  let result = done.get(node.value)
  if (!result) {
    try {
      result = interpolate(node.value, lookup)
    } catch (error) {
      if (!(error instanceof InterpolationError)) throw error
      throw new ComposeFileError(`${node.at.file}:${node.at.line}: ${error.message}`, node.at)
    }
    done.set(node.value, result)
  }
  return { ...node, value: result.value, variables: result.variables.length > 0 ? result.variables : undefined }
}

/** The services, as mappings: one still tagged `!reset` after the merge (in
 * the first file, or with nothing before it to reset) is dropped, as Compose drops it. */
function serviceNodes(root: MapNode): [string, MapNode][] {
  const services = root.entries.get('services')
  if (services?.kind !== 'map') return []
  return [...services.entries].filter((entry): entry is [string, MapNode] => !isReset(entry[1]))
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
