// The located tree a compose file is read into: each value with where it was
// written and how it got there, and the walks over it that the reader, the
// merge and the model share. Pure: no YAML here, only the tree.
import type { SourceLocation } from '../findings.js'
import type { VariableUse } from './interpolate.js'

export type ScalarValue = string | number | boolean | null

export interface NodeBase {
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

export function emptyMap(at: SourceLocation): MapNode {
  return { kind: 'map', entries: new Map(), at }
}

/** How many values a tree holds, itself included, and how many collections
 * deep it nests. Its depth is bounded by MAX_DEPTH
 * (yaml-document.ts), so recursion is safe. */
export function treeSize(node: TreeNode): { values: number; depth: number } {
  if (node.kind === 'scalar') return { values: 1, depth: 0 }
  const children = node.kind === 'seq' ? node.items : [...node.entries.values()]
  const sizes = children.map(treeSize)
  return {
    values: sizes.reduce((sum, size) => sum + size.values, 1),
    depth: 1 + Math.max(0, ...sizes.map((size) => size.depth))
  }
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
