// Compose's top-level `include:` (compose-go loader/include.go as of v2.1,
// which Compose 2.27 uses; checked against Compose 2.26's own `config`): each
// entry names another compose project,
// loaded on its own (its project directory, its env files), whose services,
// networks, volumes, secrets and configs join the including file's. Nodes keep
// the file and line they were written at, so a finding on an included service
// points into the included file.
import { existsSync, realpathSync, statSync } from 'node:fs'
import { basename, dirname, join, relative, resolve } from 'node:path'
import { isDeepStrictEqual } from 'node:util'
import { ComposeFileError } from '../errors.js'
import { notAFile } from './source-file.js'
import type { SourceLocation } from '../findings.js'
import { extendEnvironment, type Environment } from './dotenv.js'
import { plain, type MapNode, type TreeNode } from './located-tree.js'

/** The project whose file is being read. */
export interface IncludeScope {
  /** Its directory: relative paths of its include entries start here (not at
   * the including file's directory: for the top-level files it is the project
   * directory, which the action passes to Compose as working-directory). */
  projectDirectory: string
  /** What its files are interpolated with. */
  environment: Environment
  /** The files whose includes are being read, outermost first. */
  chain: string[]
}

/** Reads a project's files, merged in order, with their own includes applied. */
export type ProjectLoader = (files: string[], scope: IncludeScope) => MapNode

interface IncludeEntry {
  /** The first file is the included project's; later ones override it, like further -f files. */
  paths: string[]
  envFiles: string[]
  projectDirectory: string
  at: SourceLocation
}

const IMPORTED = ['services', 'volumes', 'networks', 'secrets', 'configs', 'models']

/** `root` (of `file`) with what its `include` entries define imported, and the `include` key gone. */
export function applyIncludes(root: MapNode, file: string, scope: IncludeScope, loadProject: ProjectLoader): MapNode {
  const include = root.entries.get('include')
  if (include === undefined) return root
  const entries = new Map(root.entries)
  entries.delete('include')
  const chain = [...scope.chain, file]
  return includeEntries(include, scope.projectDirectory).reduce(
    (including: MapNode, entry) => {
      refuseCycle(entry, chain)
      const environment = extendEnvironment(scope.environment, entry.envFiles)
      const imported = loadProject(entry.paths, { projectDirectory: entry.projectDirectory, environment, chain })
      return importResources(imported, including, entry)
    },
    { ...root, entries }
  )
}

function includeEntries(include: TreeNode, base: string): IncludeEntry[] {
  if (include.kind === 'scalar' && include.value === null) return []
  if (include.kind !== 'seq') throw new ComposeFileError('`include` must be a list', include.keyAt ?? include.at)
  return include.items.map((item) => {
    if (item.kind === 'scalar') return entry([item], [], undefined, item.at, base)
    if (item.kind !== 'map')
      throw new ComposeFileError('an `include` entry is a path or a mapping with `path`', item.at)
    const unknown = [...item.entries.keys()].filter((key) => !['path', 'env_file', 'project_directory'].includes(key))
    if (unknown.length > 0)
      throw new ComposeFileError(
        `an \`include\` entry has only path, env_file and project_directory (the Compose specification allows no other key; Compose ignores the others silently), not ${unknown.join(', ')}. Fix the key.`,
        item.entries.get(unknown[0]!)!.keyAt
      )
    const paths = stringOrList(item.entries.get('path'))
    if (paths.length === 0) throw new ComposeFileError('an `include` entry needs a `path`', item.at)
    const projectDirectory = item.entries.get('project_directory')
    return entry(paths, stringOrList(item.entries.get('env_file')), projectDirectory, item.at, base)
  })
}

function stringOrList(node: TreeNode | undefined): TreeNode[] {
  if (node === undefined || (node.kind === 'scalar' && node.value === null)) return []
  return node.kind === 'seq' ? node.items : [node]
}

/** Resolves an entry's paths as compose-go does: `path` and `env_file` from
 * the including project's directory; `project_directory` too, defaulting to
 * the first path's directory; without `env_file`, the `.env` there if any. */
function entry(
  paths: TreeNode[],
  envFiles: TreeNode[],
  projectDirectory: TreeNode | undefined,
  at: SourceLocation,
  base: string
): IncludeEntry {
  const files = paths.map((path) => existingFile(path, base, 'included compose file'))
  const directory = projectDirectory ? resolve(base, text(projectDirectory, 'project_directory')) : dirname(files[0]!)
  const dotEnv = join(directory, '.env')
  const defaultEnv = existsSync(dotEnv) && statSync(dotEnv).isFile() ? [dotEnv] : []
  return {
    paths: files,
    envFiles: envFiles.length > 0 ? envFiles.map((file) => existingFile(file, base, 'env file')) : defaultEnv,
    projectDirectory: directory,
    at
  }
}

function text(node: TreeNode, what: string): string {
  if (node.kind !== 'scalar' || typeof node.value !== 'string')
    throw new ComposeFileError(`${what} of an \`include\` entry must be a string`, node.at)
  return node.value
}

function existingFile(node: TreeNode, base: string, what: string): string {
  const file = resolve(base, text(node, what))
  const problem = notAFile(file)
  if (problem)
    throw new ComposeFileError(
      `${what} ${file} ${problem} (an \`include\` entry's relative paths start at ${base}). Fix the path.`,
      node.at
    )
  return file
}

/** A file that includes itself, directly or not, would be read forever (Compose: "include cycle detected"). */
function refuseCycle(entry: IncludeEntry, chain: string[]): void {
  const identity = (file: string): string => realpathSync(file)
  const ancestors = chain.map(identity)
  const cycle = entry.paths.find((path) => ancestors.includes(identity(path)))
  if (cycle === undefined) return
  const shown = [...chain, cycle].map((file) => shortName(file, chain[0]!))
  throw new ComposeFileError(`include cycle: ${shown.join(' includes ')}. Remove one of these includes.`, entry.at)
}

function shortName(file: string, top: string): string {
  return relative(dirname(top), file) || basename(file)
}

function place(at: SourceLocation, top: string): string {
  return `${shortName(at.file, top)}:${at.line}`
}

/** Adds what `imported` defines to `including`. A name both define is
 * refused unless both definitions are the same, as compose-go before v2.10
 * does (Compose 2.26 here, 2.27 on GitHub's runners); later releases merge
 * the including file's definition over the included one instead. (compose-go
 * compares after resolving relative paths; this compares the values as written.) */
function importResources(imported: MapNode, including: MapNode, entry: IncludeEntry): MapNode {
  const entries = new Map(including.entries)
  for (const key of IMPORTED) {
    const from = imported.entries.get(key)
    if (from?.kind !== 'map') continue
    const to = entries.get(key)
    const target: MapNode =
      to?.kind === 'map' ? { ...to, entries: new Map(to.entries) } : { ...from, entries: new Map() }
    for (const [name, definition] of from.entries) {
      const existing = target.entries.get(name)
      if (existing !== undefined && !isDeepStrictEqual(plain(existing), plain(definition)))
        throw conflict(key, name, existing, definition, entry)
      target.entries.set(name, existing ?? definition)
    }
    entries.set(key, target)
  }
  return { ...including, entries }
}

function conflict(
  key: string,
  name: string,
  existing: TreeNode,
  imported: TreeNode,
  entry: IncludeEntry
): ComposeFileError {
  const at = existing.keyAt ?? existing.at
  const top = entry.at.file
  return new ComposeFileError(
    `${key}.${name} is defined at ${place(at, top)} and also at ${place(imported.keyAt ?? imported.at, top)}, which the \`include\` at ${place(entry.at, top)} reads; Compose refuses that ("${key}.${name} conflicts with imported resource") unless both definitions are the same. Keep one definition; to change an included service, put the change in an override file (a further compose file) instead.`,
    at
  )
}
