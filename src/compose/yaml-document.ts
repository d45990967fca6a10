// Reads a compose file's text into a `yaml` Document within bounds: too many
// values or nesting too deep is refused while the text is read, before the
// `yaml` package's own recursion or memory could fail on hostile input; and
// a YAML error is reported at its own line and column.
import { Composer, CST, Lexer, LineCounter, Parser, type Document } from 'yaml'
import { ComposeFileError } from '../errors.js'
import type { SourceLocation } from '../findings.js'

/** Collections nested deeper are refused. A compose file nests about 6 deep
 * (services.NAME.healthcheck.test[0]); the `yaml` package recurses once per
 * level and overflows the call stack between 1,000 and 1,500 levels, and so
 * would the reader's own walks (yaml-tree.ts,
 * located-tree.ts). */
export const MAX_DEPTH = 100

/** Values (keys and scalars, flow collections) written in one file. The
 * parsed form of a dense value costs up to 1.5 KB (the `yaml` package's
 * token tree, its document, and the located tree), so this bounds the
 * reader to about 150 MB; a real compose file has a few thousand values
 * (OpenWISP's about 300). */
export const MAX_VALUES = 100_000

/** The `yaml` package's parseDocument, in its steps, so that nesting too deep
 * for its parser and composer (both recurse once per level) is refused while
 * it is read. Duplicate keys are left to yaml-tree.ts: the package's own
 * check compares each key with every earlier one, minutes for a mapping of
 * 100,000 keys. */
export function parseDocument(text: string, file: string, lines: LineCounter): Document.Parsed {
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

export function syntaxError(at: SourceLocation, message: string): ComposeFileError {
  return new ComposeFileError(`YAML syntax error in ${at.file}:${at.line}:${at.column}: ${message}`, at)
}

export function tooDeep(at: SourceLocation): ComposeFileError {
  return new ComposeFileError(
    `${at.file}:${at.line}: values are nested more than ${MAX_DEPTH} levels deep here; a compose file needs fewer than 10. Flatten the value.`,
    at
  )
}
