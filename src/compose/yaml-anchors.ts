// Anchors and aliases of one compose file: which anchor each alias names,
// each anchored node converted once and shared by its aliases, and what every
// alias copies counted, so that a file of a few hundred bytes cannot expand
// into billions of values ("billion laughs").
import { isAlias, visit, type Alias, type Document, type Node as YamlNode } from 'yaml'
import { ComposeFileError } from '../errors.js'
import type { SourceLocation } from '../findings.js'
import { treeSize, type TreeNode } from './located-tree.js'
import { MAX_DEPTH, tooDeep } from './yaml-document.js'

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

/** Converts an anchored node into a tree, as the reader does any node. */
type ConvertAnchored = (node: YamlNode) => TreeNode

export class Anchors {
  /** What each alias points at, found in one pass over the document. */
  private readonly targets: Map<Alias, YamlNode>
  /** Anchored nodes already converted: trees are never changed in place, so
   * every alias of an anchor can share one conversion. */
  private readonly converted = new Map<YamlNode, Anchored>()
  /** Values copied by aliases so far. */
  private aliasedValues = 0
  /** Anchored nodes being converted, to refuse an alias inside its own anchor. */
  private readonly converting = new Set<YamlNode>()

  constructor(
    doc: Document,
    private readonly file: string
  ) {
    this.targets = aliasTargets(doc)
  }

  /** The converted node an alias at `depth` points at. Each alias copies it
   * (withVia), so what it holds is counted against MAX_COPIED_VALUES, and its
   * nesting added to the alias's own: the file's nesting was checked without
   * aliases resolved. */
  resolve(alias: Alias, at: SourceLocation, depth: number, convert: ConvertAnchored): TreeNode {
    const target = this.targets.get(alias)
    if (!target) throw new ComposeFileError(`unknown anchor *${alias.source} in ${this.file}:${at.line}`, at)
    let anchor = this.converted.get(target)
    if (!anchor) {
      if (this.converting.has(target))
        throw new ComposeFileError(`${this.file}:${at.line}: alias *${alias.source} is inside its own anchor`, at)
      this.converting.add(target)
      const tree = convert(target)
      anchor = { tree, ...treeSize(tree) }
      this.converted.set(target, anchor)
    }
    this.aliasedValues += anchor.values
    if (this.aliasedValues > MAX_COPIED_VALUES) {
      throw new ComposeFileError(
        `${this.file}:${at.line}: aliases expand this file to more than ${MAX_COPIED_VALUES.toLocaleString('en')} values (at *${alias.source}); ` +
          'a compose file needs a few thousand at most. Use fewer aliases, or aliases of smaller values.',
        at
      )
    }
    if (depth + anchor.depth > MAX_DEPTH) throw tooDeep(at)
    return anchor.tree
  }
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
