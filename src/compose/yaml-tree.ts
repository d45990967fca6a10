// A compose file as a tree of located values. The `yaml` Document API gives
// each node's offsets; this module resolves aliases and merge keys (`<<`)
// itself so that a value that came through one can say so, and keeps the
// Compose tags `!reset` and `!override` for the merge of several files.
import { basename } from 'node:path'
import {
  Composer,
  isAlias,
  isMap,
  isScalar,
  isSeq,
  Lexer,
  LineCounter,
  Parser,
  visit,
  type Alias,
  CST,
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

/** Collections nested deeper are refused. A compose file nests about 6 deep
 * (services.NAME.healthcheck.test[0]); the `yaml` package recurses once per
 * level and overflows the call stack between 1,000 and 1,500 levels, and so
 * would this module's own walks. */
export const MAX_DEPTH = 100

/** Values (keys and scalars, flow collections) written in one file. The
 * parsed form of a dense value costs up to 1.5 KB (the `yaml` package's
 * token tree, its document, and this module's tree), so this bounds the
 * reader to about 150 MB; a real compose file has a few thousand values
 * (OpenWISP's about 300). */
export const MAX_VALUES = 100_000

/** Values that aliases and merge keys (and, in merge.ts, `extends`) may copy
 * into one file's tree, every copy counted, so that a file of a few hundred
 * bytes cannot expand into billions ("billion laughs"). Compose's YAML decoder
 * (go-yaml v3) allows about as many alias-driven values before it calls a
 * document "excessive aliasing"; a real compose file copies a few thousand at
 * most. At this bound the reader holds some 150 MB. */
export const MAX_COPIED_VALUES = 400_000

/** A converted anchored node, with what each alias of it copies. */
interface Anchored {
  tree: TreeNode
  /** Values in the tree, itself included. */
  values: number
  /** Collections it nests. */
  depth: number
}

interface Context {
  lines: LineCounter
  file: string
  /** What each alias points at, found in one pass over the document. */
  targets: Map<Alias, YamlNode>
  /** Anchored nodes already converted: trees are never changed in place, so
   * every alias of an anchor can share one conversion. */
  converted: Map<YamlNode, Anchored>
  /** Values copied by aliases so far. */
  aliasedValues: number
  /** Anchored nodes being converted, to refuse an alias inside its own anchor. */
  converting: Set<YamlNode>
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
  const doc = parseDocument(text, file, lines)
  const context: Context = {
    lines,
    file,
    targets: aliasTargets(doc),
    converted: new Map(),
    aliasedValues: 0,
    converting: new Set()
  }
  const root =
    doc.contents === null ? emptyMap({ file, line: 1, column: 1 }) : convert(doc.contents as YamlNode, context, 0)
  if (root.kind !== 'map') throw new ComposeFileError(`${file} is not a mapping at the top level`, root.at)
  return root
}

/** The `yaml` package's parseDocument, in its steps, so that nesting too deep
 * for its parser and composer (both recurse once per level) is refused while
 * it is read. Duplicate keys are left to convertEntries: the package's own
 * check compares each key with every earlier one, minutes for a mapping of
 * 100,000 keys. */
function parseDocument(text: string, file: string, lines: LineCounter): Document.Parsed {
  const parser = new Parser(lines.addNewLine)
  const tokens: CST.Token[] = []
  lines.addNewLine(0)
  let values = 0
  for (const lexeme of new Lexer().lex(text)) {
    if (startsValue(lexeme) && ++values > MAX_VALUES) throw tooMany(located(file, lines, parser.offset))
    for (const token of parser.next(lexeme)) tokens.push(token)
    if (nesting(parser.stack) > MAX_DEPTH) throw tooDeep(located(file, lines, parser.offset))
  }
  for (const token of parser.end()) tokens.push(token)
  const [doc, another] = new Composer({ uniqueKeys: false }).compose(tokens, true, text.length)
  // `doc` is always there: compose() ends with a document when forced to.
  const error = doc!.errors[0]
  if (error) throw syntaxError(located(file, lines, error.pos[0]), error.message.split('\n')[0]!)
  if (another)
    throw syntaxError(
      located(file, lines, another.range[0]),
      'a compose file holds one YAML document, this one several'
    )
  return doc!
}

/** A lexeme that starts a scalar (a key or a value) or a flow collection:
 * plain and block scalars come after a SCALAR mark, quoted ones start with
 * their quote. */
function startsValue(lexeme: string): boolean {
  return lexeme === CST.SCALAR || lexeme === '[' || lexeme === '{' || lexeme[0] === '"' || lexeme[0] === "'"
}

function tooMany(at: SourceLocation): ComposeFileError {
  return new ComposeFileError(
    `${at.file}:${at.line}: more than ${MAX_VALUES.toLocaleString('en')} values (keys included) in one file; a compose file has a few thousand. Check that it is the right file.`,
    at
  )
}

/** How many collections the parser is inside: its stack holds the document,
 * the open collections and the value being read. */
function nesting(stack: CST.Token[]): number {
  if (stack.length <= MAX_DEPTH) return stack.length
  return stack.filter((token) => ['block-map', 'block-seq', 'flow-collection'].includes(token.type)).length
}

function located(file: string, lines: LineCounter, offset: number): SourceLocation {
  const { line, col } = lines.linePos(offset)
  return { file, line, column: col }
}

function syntaxError(at: SourceLocation, message: string): ComposeFileError {
  return new ComposeFileError(`YAML syntax error in ${at.file}:${at.line}:${at.column}: ${message}`, at)
}

function tooDeep(at: SourceLocation): ComposeFileError {
  return new ComposeFileError(
    `${at.file}:${at.line}: values are nested more than ${MAX_DEPTH} levels deep here; a compose file needs fewer than 10. Flatten the value.`,
    at
  )
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

/** The converted node an alias at `depth` points at. Each alias copies it
 * (withVia), so what it holds is counted against MAX_COPIED_VALUES, and its
 * nesting added to the alias's own: the file's nesting was checked without
 * aliases resolved. */
function anchored(alias: Alias, at: SourceLocation, context: Context, depth: number): TreeNode {
  const target = context.targets.get(alias)
  if (!target) throw new ComposeFileError(`unknown anchor *${alias.source} in ${context.file}:${at.line}`, at)
  let anchor = context.converted.get(target)
  if (!anchor) {
    if (context.converting.has(target))
      throw new ComposeFileError(`${context.file}:${at.line}: alias *${alias.source} is inside its own anchor`, at)
    context.converting.add(target)
    const tree = convert(target, context, 0)
    anchor = { tree, ...treeSize(tree) }
    context.converted.set(target, anchor)
  }
  context.aliasedValues += anchor.values
  if (context.aliasedValues > MAX_COPIED_VALUES) {
    throw new ComposeFileError(
      `${context.file}:${at.line}: aliases expand this file to more than ${MAX_COPIED_VALUES.toLocaleString('en')} values (at *${alias.source}); ` +
        'a compose file needs a few thousand at most. Use fewer aliases, or aliases of smaller values.',
      at
    )
  }
  if (depth + anchor.depth > MAX_DEPTH) throw tooDeep(at)
  return anchor.tree
}

/** How many values a tree holds, itself included, and how many collections
 * deep it nests. Its depth is bounded by MAX_DEPTH, so recursion is safe. */
export function treeSize(node: TreeNode): { values: number; depth: number } {
  if (node.kind === 'scalar') return { values: 1, depth: 0 }
  const children = node.kind === 'seq' ? node.items : [...node.entries.values()]
  const sizes = children.map(treeSize)
  return {
    values: sizes.reduce((sum, size) => sum + size.values, 1),
    depth: 1 + Math.max(0, ...sizes.map((size) => size.depth))
  }
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
