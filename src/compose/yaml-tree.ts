// A compose file as a tree of located values. The `yaml` Document API gives
// each node's offsets; this module resolves aliases (with yaml-anchors.ts)
// and merge keys (`<<`) itself so that a value that came through one can say
// so, and keeps the Compose tags `!reset` and `!override` for the merge of
// several files.
import { basename } from 'node:path'
import { isAlias, isMap, isScalar, isSeq, LineCounter, type Alias, type Node as YamlNode, type Pair } from 'yaml'
import { ComposeFileError } from '../errors.js'
import type { SourceLocation } from '../findings.js'
import { emptyMap, withVia, type MapNode, type NodeBase, type ScalarValue, type TreeNode } from './located-tree.js'
import { Anchors } from './yaml-anchors.js'
import { parseDocument, syntaxError } from './yaml-document.js'

interface Context {
  lines: LineCounter
  file: string
  anchors: Anchors
}

/** Parses one compose file; a YAML error is reported at its own line and column. */
export function parseYamlTree(text: string, file: string): MapNode {
  const lines = new LineCounter()
  const doc = parseDocument(text, file, lines)
  const context: Context = { lines, file, anchors: new Anchors(doc, file) }
  const root =
    doc.contents === null ? emptyMap({ file, line: 1, column: 1 }) : convert(doc.contents as YamlNode, context, 0)
  if (root.kind !== 'map') throw new ComposeFileError(`${file} is not a mapping at the top level`, root.at)
  return root
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

/** `depth` counts the collections around the node. */
function convert(node: YamlNode, context: Context, depth: number): TreeNode {
  const at = locate(node, context)
  if (isAlias(node))
    return withVia(
      anchored(node, at, context, depth),
      `alias \`*${node.source}\` (${basename(context.file)}:${at.line})`
    )
  const tag = tagOf(node)
  if (isScalar(node)) return { kind: 'scalar', value: scalarValue(node.value), at, tag }
  if (isSeq(node))
    return { kind: 'seq', items: node.items.map((item) => convert(item as YamlNode, context, depth + 1)), at, tag }
  if (isMap(node)) {
    const pairs = node.items as Pair<YamlNode, YamlNode | null>[]
    return { kind: 'map', entries: convertEntries(pairs, context, depth + 1), at, tag }
  }
  throw new ComposeFileError(`unsupported YAML node in ${context.file}:${at.line}`, at)
}

/** The converted node an alias at `depth` points at; its anchor is converted
 * at depth 0, as yaml-anchors.ts counts its nesting into the alias's own. */
function anchored(alias: Alias, at: SourceLocation, context: Context, depth: number): TreeNode {
  return context.anchors.resolve(alias, at, depth, (target) => convert(target, context, 0))
}

function scalarValue(value: unknown): ScalarValue {
  if (value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
    return value
  return String(value)
}

/** A mapping's own keys win over merged ones; among merged mappings the first
 * wins (YAML merge key rules). A key written twice is an error, as in Compose. */
function convertEntries(
  pairs: Pair<YamlNode, YamlNode | null>[],
  context: Context,
  depth: number
): Map<string, TreeNode> {
  const entries = new Map<string, TreeNode>()
  const lines = new Map<string, number>()
  const merged: [string, TreeNode][] = []
  for (const pair of pairs) {
    const keyAt = locate(pair.key, context)
    if (!isScalar(pair.key))
      throw new ComposeFileError(`a mapping key must be a scalar in ${context.file}:${keyAt.line}`, keyAt)
    const key = String(pair.key.value)
    const first = lines.get(key)
    if (first !== undefined) throw syntaxError(keyAt, `the key ${key} is already defined at line ${first}`)
    lines.set(key, keyAt.line)
    if (key === '<<' && pair.key.type === 'PLAIN') {
      for (const entry of mergeSources(pair.value, keyAt, context, depth)) merged.push(entry)
      continue
    }
    const value: TreeNode = pair.value
      ? convert(pair.value, context, depth)
      : { kind: 'scalar', value: null, at: keyAt }
    entries.set(key, { ...value, keyAt })
  }
  for (const [key, value] of merged) if (!entries.has(key)) entries.set(key, value)
  return entries
}

/** The entries of the mappings a merge key refers to, at `depth` (their own mapping's). */
function mergeSources(
  value: YamlNode | null,
  keyAt: SourceLocation,
  context: Context,
  depth: number
): [string, TreeNode][] {
  const sources = isSeq(value) ? (value.items as YamlNode[]) : value ? [value] : []
  return sources.flatMap((source) => {
    const name = isAlias(source) ? ` *${source.source}` : ''
    const via = `merge key \`<<:${name}\` (${basename(context.file)}:${keyAt.line})`
    // The merge key names the alias already; do not mark the values as aliased too.
    const node = isAlias(source) ? anchored(source, keyAt, context, depth - 1) : convert(source, context, depth - 1)
    if (node.kind !== 'map')
      throw new ComposeFileError(`merge key in ${context.file}:${keyAt.line} must refer to a mapping`, keyAt)
    return [...node.entries].map(([key, entry]): [string, TreeNode] => [key, withVia(entry, via)])
  })
}
