// Compose's rules for combining definitions (compose-go `override`): later
// files over earlier ones, and a service over the one it `extends`. Mappings
// merge key by key, sequences append without duplicates, scalars replace;
// `command`, `entrypoint`, `healthcheck.test` and `x-` extensions replace whole.
import { basename, dirname, resolve } from 'node:path'
import { ComposeFileError } from '../errors.js'
import { emptyMap, mapEntries, plain, treeSize, withVia, type MapNode, type TreeNode } from './located-tree.js'
import { MAX_COPIED_VALUES } from './yaml-anchors.js'

const REPLACED_WHOLE = [
  ['services', '*', 'command'],
  ['services', '*', 'entrypoint'],
  ['services', '*', 'healthcheck', 'test']
]

/** `over` merged onto `base`; undefined when `over` is tagged `!reset`. A value of `over` that replaces one of `base` is marked `via` (the override file), when given. */
export function mergeNode(
  base: TreeNode | undefined,
  over: TreeNode,
  path: string[],
  via?: string
): TreeNode | undefined {
  if (over.tag === 'reset') return undefined
  if (base === undefined) return over
  const replaced = via ? withVia(over, via) : over
  if (over.tag === 'override' || replacedWhole(path)) return replaced
  // A merged collection stays located where it was first written: a service is where it is defined.
  if (base.kind === 'map' && over.kind === 'map')
    return { ...base, entries: mergeEntries(base.entries, over.entries, path, via) }
  if (base.kind === 'seq' && over.kind === 'seq') return { ...base, items: appendUnique(base.items, over.items) }
  return replaced
}

function replacedWhole(path: string[]): boolean {
  if (path.at(-1)?.startsWith('x-')) return true
  return REPLACED_WHOLE.some(
    (pattern) => pattern.length === path.length && pattern.every((part, i) => part === '*' || part === path[i])
  )
}

function mergeEntries(
  base: Map<string, TreeNode>,
  over: Map<string, TreeNode>,
  path: string[],
  via: string | undefined
): Map<string, TreeNode> {
  const merged = new Map(base)
  for (const [key, node] of over) {
    const value = mergeNode(base.get(key), node, [...path, key], via)
    if (value === undefined) merged.delete(key)
    else merged.set(key, value)
  }
  return merged
}

/** An item written again by a later file keeps its place and takes the later location. */
function appendUnique(base: TreeNode[], over: TreeNode[]): TreeNode[] {
  const items = new Map<string, TreeNode>()
  for (const item of [...base, ...over]) items.set(JSON.stringify(plain(item)), item)
  return [...items.values()]
}

/** The `services` mapping of a file, each service a mapping (`name:` alone is an empty one) with `depends_on` in map form. */
export function normalizeServices(root: MapNode): MapNode {
  const services = root.entries.get('services')
  if (services === undefined) return root
  // `services:` with nothing after it too, as Compose refuses it.
  if (services.kind !== 'map') throw new ComposeFileError('`services` must be a mapping', services.at)
  const normalized = mapEntries(services.entries, (service, name) => normalizeService(service, name))
  return { ...root, entries: new Map(root.entries).set('services', { ...services, entries: normalized }) }
}

function normalizeService(service: TreeNode, name: string): TreeNode {
  // `name: !reset null` drops the service when the files are merged; left
  // as written, whatever its value, for the merge to see the tag.
  if (isReset(service)) return service
  if (service.kind === 'scalar' && service.value === null) return { ...emptyMap(service.at), keyAt: service.keyAt }
  if (service.kind !== 'map')
    throw new ComposeFileError(`service ${name} must be a mapping`, service.keyAt ?? service.at)
  const dependsOn = service.entries.get('depends_on')
  if (dependsOn?.kind !== 'seq') return service
  return { ...service, entries: new Map(service.entries).set('depends_on', dependsOnMap(dependsOn.items, dependsOn)) }
}

/** List form means `condition: service_started, required: true`, as Compose reads it; those values are marked implied. */
function dependsOnMap(items: TreeNode[], list: TreeNode): MapNode {
  const entries = new Map<string, TreeNode>()
  for (const item of items) {
    if (item.kind !== 'scalar' || typeof item.value !== 'string')
      throw new ComposeFileError('a `depends_on` list holds service names', item.at)
    const implied = (value: string | boolean): TreeNode => ({
      kind: 'scalar',
      value,
      at: item.at,
      via: item.via,
      implied: true
    })
    const condition = new Map([
      ['condition', implied('service_started')],
      ['required', implied(true)]
    ])
    entries.set(item.value, { kind: 'map', entries: condition, at: item.at, keyAt: item.at, via: item.via })
  }
  return { kind: 'map', entries, at: list.at, keyAt: list.keyAt, via: list.via }
}

/** Loads another file for `extends: {file: ...}`, interpolated and normalized like the main ones. */
export type FileLoader = (file: string) => MapNode

/** A service written `!reset`: the merge drops it, and nothing can extend it. */
export function isReset(service: TreeNode): boolean {
  return service.tag === 'reset'
}

/** Longer `extends` chains are refused: a real one is two or three long, and
 * each link costs a merge and a level of recursion. */
export const MAX_EXTENDS_CHAIN = 50

/** Every service of the file with its `extends` chain merged in. */
export function applyExtends(root: MapNode, file: string, load: FileLoader): MapNode {
  const services = root.entries.get('services')
  if (services?.kind !== 'map') return root
  const context: ExtendsContext = { load, resolved: new Map(), copied: 0 }
  const entries = mapEntries(services.entries, (node, name) =>
    isReset(node) ? node : extendedService({ file, services, name }, [], context).service
  )
  return { ...root, entries: new Map(root.entries).set('services', { ...services, entries }) }
}

interface ServiceRef {
  file: string
  services: MapNode
  name: string
}

/** A service with its `extends` chain merged in, and the chain's length. */
interface Extended {
  service: MapNode
  links: number
}

interface ExtendsContext {
  load: FileLoader
  /** Each service is resolved once, however many extend it. */
  resolved: Map<string, Extended>
  /** Values copied from base services so far: each service that extends
   * another copies all of it, as an alias does. */
  copied: number
}

function extendedService(ref: ServiceRef, chain: string[], context: ExtendsContext): Extended {
  const id = `${ref.file}#${ref.name}`
  const known = context.resolved.get(id)
  if (known) return known
  const service = ref.services.entries.get(ref.name) as MapNode
  const spec = service.entries.get('extends')
  const extended = spec === undefined ? { service, links: 0 } : extend(ref, service, spec, chain, context)
  context.resolved.set(id, extended)
  return extended
}

function extend(ref: ServiceRef, service: MapNode, spec: TreeNode, chain: string[], context: ExtendsContext): Extended {
  const base = baseRef(spec, ref, context.load)
  const baseId = `${base.file}#${base.name}`
  if (chain.includes(baseId))
    throw new ComposeFileError(`circular extends: ${[...chain, baseId].join(' -> ')}`, spec.at)
  // The chain so far bounds the recursion; the base's own chain, resolved
  // before, bounds the whole.
  if (chain.length === MAX_EXTENDS_CHAIN) throw chainTooLong(ref.name, spec)
  const inherited = extendedService(base, [...chain, baseId], context)
  if (inherited.links === MAX_EXTENDS_CHAIN) throw chainTooLong(ref.name, spec)
  context.copied += treeSize(inherited.service).values
  if (context.copied > MAX_COPIED_VALUES) {
    throw new ComposeFileError(
      `${spec.at.file}:${spec.at.line}: services that extend others copy more than ${MAX_COPIED_VALUES.toLocaleString('en')} values ` +
        `(at service ${ref.name}); a compose file copies a few thousand at most. Extend smaller services, or fewer.`,
      spec.at
    )
  }
  const where = base.file === ref.file ? '' : ` of ${basename(base.file)}`
  const via = `extends: service ${base.name}${where} (${basename(ref.file)}:${(spec.keyAt ?? spec.at).line})`
  const own: MapNode = { ...service, entries: new Map(service.entries) }
  own.entries.delete('extends')
  const merged = mergeNode(withVia(inherited.service, via), own, ['services', ref.name]) as MapNode
  return { service: { ...merged, at: service.at, keyAt: service.keyAt, via: service.via }, links: inherited.links + 1 }
}

function chainTooLong(name: string, spec: TreeNode): ComposeFileError {
  return new ComposeFileError(
    `service ${name} extends a chain of more than ${MAX_EXTENDS_CHAIN} services; real chains are two or three long. Shorten it.`,
    spec.at
  )
}

function baseRef(spec: TreeNode, ref: ServiceRef, load: FileLoader): ServiceRef {
  const name = spec.kind === 'scalar' ? spec.value : spec.kind === 'map' ? scalarAt(spec, 'service') : undefined
  if (typeof name !== 'string')
    throw new ComposeFileError(`extends of service ${ref.name} must name a service`, spec.at)
  const fileName = spec.kind === 'map' ? scalarAt(spec, 'file') : undefined
  const file = typeof fileName === 'string' ? resolve(dirname(ref.file), fileName) : ref.file
  const services = file === ref.file ? ref.services : load(file).entries.get('services')
  if (services?.kind !== 'map' || !services.entries.has(name) || isReset(services.entries.get(name)!)) {
    throw new ComposeFileError(
      `service ${ref.name} extends ${name}, which is not a service of ${basename(file)}`,
      spec.at
    )
  }
  return { file, services, name }
}

function scalarAt(node: MapNode, key: string): unknown {
  const value = node.entries.get(key)
  return value?.kind === 'scalar' ? value.value : undefined
}
