// A compose file as a tree of located values. The `yaml` Document API gives
// each node's offsets; this module resolves aliases and merge keys (`<<`)
// itself so that a value that came through one can say so, and keeps the
// Compose tags `!reset` and `!override` for the merge of several files.
import { basename } from 'node:path'
import {
  isAlias,
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  parseDocument,
  visit,
  type Alias,
  type Document,
  type Node as YamlNode,
  type Pair
} from 'yaml'
import { ComposeFileError } from '../errors.js'
import type { SourceLocation } from '../findings.js'
import type { VariableUse } from './interpolate.js'

export type ScalarValue = string | number | boolean | null

interface NodeBase {
  /** Where the value was written. */
  at: SourceLocation
  /** Where its key was written, for a mapping's value. */
  keyAt?: SourceLocation
  /** How it got there (alias, merge key, extends, override file), outermost last. */
  via?: string
  /** Variables interpolated into it. */
  variables?: VariableUse[]
  /** Compose's `!reset` (drop what earlier files set) or `!override` (replace it whole). */
  tag?: 'reset' | 'override'
  /** Not written but implied, like the condition of a list-form `depends_on` entry. */
  implied?: boolean
}

export interface ScalarNode extends NodeBase {
  kind: 'scalar'
  value: ScalarValue
}

export interface SeqNode extends NodeBase {
  kind: 'seq'
  items: TreeNode[]
}

export interface MapNode extends NodeBase {
  kind: 'map'
  entries: Map<string, TreeNode>
}

export type TreeNode = ScalarNode | SeqNode | MapNode

interface Context {
  lines: LineCounter
  file: string
  /** What each alias points at, found in one pass over the document. */
  targets: Map<Alias, YamlNode>
  /** Anchored nodes already converted: trees are never changed in place, so
   * every alias of an anchor can share one conversion. */
  converted: Map<YamlNode, TreeNode>
}

/** `Alias.resolve()` walks the whole document for every alias, which makes a
 * file with many aliases quadratic; one walk finds every alias's anchor (the
 * latest one defined before it, as YAML says). */
function aliasTargets(doc: Document): Map<Alias, YamlNode> {
  const latest = new Map<string, YamlNode>()
  const targets = new Map<Alias, YamlNode>()
  visit(doc, {
    Node: (_key, node) => {
      if (isAlias(node)) {
        const target = latest.get(node.source)
        if (target) targets.set(node, target)
      } else if (node.anchor) latest.set(node.anchor, node)
    }
  })
  return targets
}

/** Parses one compose file; a YAML error is reported at its own line and column. */
export function parseYamlTree(text: string, file: string): MapNode {
  const lines = new LineCounter()
  const doc = parseDocument(text, { lineCounter: lines })
  const error = doc.errors[0]
  if (error) {
    const [start] = error.linePos ?? [{ line: 1, col: 1 }]
    const message = error.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')
    throw new ComposeFileError(`YAML syntax error in ${file}:${start.line}:${start.col}: ${message}`, {
      file,
      line: start.line,
      column: start.col
    })
  }
  const context: Context = { lines, file, targets: aliasTargets(doc), converted: new Map() }
  const root =
    doc.contents === null ? emptyMap({ file, line: 1, column: 1 }) : convert(doc.contents as YamlNode, context)
  if (root.kind !== 'map') throw new ComposeFileError(`${file} is not a mapping at the top level`, root.at)
  return root
}

export function emptyMap(at: SourceLocation): MapNode {
  return { kind: 'map', entries: new Map(), at }
}

function locate(node: YamlNode, context: Context): SourceLocation {
  const [start, end] = node.range ?? [0, 0]
  const from = context.lines.linePos(start)
  const to = context.lines.linePos(end)
  return { file: context.file, line: from.line, column: from.col, endLine: to.line, endColumn: to.col }
}

function tagOf(node: YamlNode): NodeBase['tag'] {
  if (node.tag === '!reset') return 'reset'
  if (node.tag === '!override') return 'override'
  return undefined
}

function convert(node: YamlNode, context: Context): TreeNode {
  const at = locate(node, context)
  if (isAlias(node))
    return withVia(anchored(node, at, context), `alias \`*${node.source}\` (${basename(context.file)}:${at.line})`)
  const tag = tagOf(node)
  if (isScalar(node)) return { kind: 'scalar', value: scalarValue(node.value), at, tag }
  if (isSeq(node)) return { kind: 'seq', items: node.items.map((item) => convert(item as YamlNode, context)), at, tag }
  if (isMap(node))
    return { kind: 'map', entries: convertEntries(node.items as Pair<YamlNode, YamlNode | null>[], context), at, tag }
  throw new ComposeFileError(`unsupported YAML node in ${context.file}:${at.line}`, at)
}

/** The converted node an alias points at. */
function anchored(alias: Alias, at: SourceLocation, context: Context): TreeNode {
  const target = context.targets.get(alias)
  if (!target) throw new ComposeFileError(`unknown anchor *${alias.source} in ${context.file}:${at.line}`, at)
  let tree = context.converted.get(target)
  if (!tree) {
    tree = convert(target, context)
    context.converted.set(target, tree)
  }
  return tree
}

function scalarValue(value: unknown): ScalarValue {
  if (value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
    return value
  return String(value)
}

/** A mapping's own keys win over merged ones; among merged mappings the first wins (YAML merge key rules). */
function convertEntries(pairs: Pair<YamlNode, YamlNode | null>[], context: Context): Map<string, TreeNode> {
  const entries = new Map<string, TreeNode>()
  const merged: [string, TreeNode][] = []
  for (const pair of pairs) {
    const keyAt = locate(pair.key, context)
    if (isScalar(pair.key) && pair.key.value === '<<' && pair.key.type === 'PLAIN') {
      merged.push(...mergeSources(pair.value, keyAt, context))
      continue
    }
    if (!isScalar(pair.key))
      throw new ComposeFileError(`a mapping key must be a scalar in ${context.file}:${keyAt.line}`, keyAt)
    const value: TreeNode = pair.value ? convert(pair.value, context) : { kind: 'scalar', value: null, at: keyAt }
    entries.set(String(pair.key.value), { ...value, keyAt })
  }
  for (const [key, value] of merged) if (!entries.has(key)) entries.set(key, value)
  return entries
}

function mergeSources(value: YamlNode | null, keyAt: SourceLocation, context: Context): [string, TreeNode][] {
  const sources = isSeq(value) ? (value.items as YamlNode[]) : value ? [value] : []
  return sources.flatMap((source) => {
    const name = isAlias(source) ? ` *${source.source}` : ''
    const via = `merge key \`<<:${name}\` (${basename(context.file)}:${keyAt.line})`
    // The merge key names the alias already; do not mark the values as aliased too.
    const node = isAlias(source) ? anchored(source, keyAt, context) : convert(source, context)
    if (node.kind !== 'map')
      throw new ComposeFileError(`merge key in ${context.file}:${keyAt.line} must refer to a mapping`, keyAt)
    return [...node.entries].map(([key, entry]): [string, TreeNode] => [key, withVia(entry, via)])
  })
}

/** The node and everything under it, marked as having come `via` something. */
export function withVia<T extends TreeNode>(node: T, via: string): T {
  const marked = { ...node, via: node.via ? `${node.via}, then ${via}` : via }
  if (marked.kind === 'seq') return { ...marked, items: marked.items.map((item) => withVia(item, via)) }
  if (marked.kind === 'map') return { ...marked, entries: mapEntries(marked.entries, (entry) => withVia(entry, via)) }
  return marked
}

export function mapEntries(
  entries: Map<string, TreeNode>,
  transform: (node: TreeNode, key: string) => TreeNode
): Map<string, TreeNode> {
  return new Map([...entries].map(([key, node]) => [key, transform(node, key)]))
}

/** The plain JavaScript value of a node, for reporting. */
export function plain(node: TreeNode): unknown {
  if (node.kind === 'scalar') return node.value
  if (node.kind === 'seq') return node.items.map(plain)
  return Object.fromEntries([...node.entries].map(([key, entry]) => [key, plain(entry)]))
}
