// The environment that Compose interpolates with: env files parsed like
// compose-go's dotenv, then the process environment on top. Every binding
// keeps the file and line that set it.
import { LineCounter } from 'yaml'
import { ComposeFileError } from '../errors.js'
import type { SourceLocation } from '../findings.js'
import { interpolate, InterpolationError, type Binding, type Lookup } from './interpolate.js'
import { readSourceFile } from './source-file.js'

export type Environment = Map<string, Binding>

export interface EnvEntry {
  name: string
  value: string
  at: SourceLocation
}

/** Env files in order (later ones win), then the process environment, which wins over all. */
export function loadEnvironment(processEnv: Record<string, string | undefined>, files: string[]): Environment {
  const fromProcess: Environment = new Map()
  for (const [name, value] of Object.entries(processEnv))
    if (value !== undefined) fromProcess.set(name, { value, source: 'environment' })
  return extendEnvironment(fromProcess, files)
}

/** `base` plus the variables of env files that it does not set; among the
 * files, later ones win. A value may refer to `base` and to earlier files.
 * (compose-go's dotenv.GetEnvFromFile, then Mapping.Merge, which keeps what is set.) */
export function extendEnvironment(base: Environment, files: string[]): Environment {
  const added: Environment = new Map()
  for (const file of files) {
    const lookup: Lookup = (name) => base.get(name) ?? added.get(name)
    for (const entry of parseEnvFile(readEnvFile(file), file, lookup)) {
      added.set(entry.name, { value: entry.value, source: 'env-file', at: entry.at })
    }
  }
  return new Map([...added, ...base])
}

/** Compose's dotenv reader takes any bytes; so does this one. */
function readEnvFile(file: string): string {
  return readSourceFile(file, 'env file').toString('utf8')
}

const KEY_CHAR = /[\p{L}\p{N}_.\-[\]]/u

/** Parses one env file. `lookup` resolves `${VAR}` in unquoted and double-quoted values after the file's own earlier entries. */
export function parseEnvFile(text: string, file: string, lookup: Lookup): EnvEntry[] {
  const lines = new LineCounter()
  lines.addNewLine(0)
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) lines.addNewLine(i + 1)
  const locate = (offset: number): SourceLocation => {
    const { line, col } = lines.linePos(offset)
    return { file, line, column: col }
  }
  const entries = new Map<string, EnvEntry>()
  const inFile: Lookup = (name) => {
    const entry = entries.get(name)
    return entry ? { value: entry.value, source: 'env-file', at: entry.at } : lookup(name)
  }
  let pos = 0
  while ((pos = statementStart(text, pos)) < text.length) {
    const at = locate(pos)
    const key = readKey(text, pos, at)
    pos = key.end
    if (key.inherited) continue // a bare `NAME` takes the value from the environment, which is already there
    const value = readValue(text, pos, at, inFile)
    pos = value.end
    entries.set(key.name, { name: key.name, value: value.text, at })
  }
  return [...entries.values()]
}

/** Skips blank space and comment lines. */
function statementStart(text: string, from: number): number {
  let pos = from
  for (;;) {
    while (pos < text.length && /\s/.test(text[pos]!)) pos++
    if (text[pos] !== '#') return pos
    const newline = text.indexOf('\n', pos)
    pos = newline === -1 ? text.length : newline
  }
}

interface Key {
  name: string
  end: number
  inherited: boolean
}

function readKey(text: string, start: number, at: SourceLocation): Key {
  const nameStart = afterExport(text, start)
  let pos = nameStart
  for (; pos < text.length; pos++) {
    const char = text[pos]!
    if (char === '=' || char === ':' || char === '\n') break
    if (!KEY_CHAR.test(char) && !/[ \t\r]/.test(char)) {
      throw new ComposeFileError(`${at.file}:${at.line}: unexpected character "${char}" in variable name`, at)
    }
  }
  const name = text.slice(nameStart, pos).trim()
  if (/\s/.test(name)) throw new ComposeFileError(`${at.file}:${at.line}: variable name "${name}" contains a space`, at)
  const inherited = pos >= text.length || text[pos] === '\n'
  return { name, end: inherited ? pos : pos + 1, inherited }
}

/** Where the name starts, after an `export ` prefix. */
function afterExport(text: string, start: number): number {
  if (!text.startsWith('export', start) || !/[ \t]/.test(text[start + 6] ?? '')) return start
  let pos = start + 6
  while (text[pos] === ' ' || text[pos] === '\t') pos++
  return pos
}

interface Value {
  text: string
  end: number
}

function readValue(text: string, start: number, at: SourceLocation, lookup: Lookup): Value {
  let pos = start
  while (text[pos] === ' ' || text[pos] === '\t') pos++
  const quote = text[pos]
  if (quote === '"' || quote === "'") return readQuoted(text, pos, at, lookup)
  const newline = text.indexOf('\n', pos)
  const end = newline === -1 ? text.length : newline
  // An unquoted value ends at ` #`, which starts a comment.
  const raw = text.slice(pos, end).split(' #')[0]!.trimEnd()
  return { text: expand(raw, at, lookup), end }
}

/** A quoted value may span lines; `\` escapes the quote. Single quotes are literal; double quotes expand escapes and variables. */
function readQuoted(text: string, open: number, at: SourceLocation, lookup: Lookup): Value {
  const quote = text[open]
  for (let pos = open + 1; pos < text.length; pos++) {
    if (text[pos] === '\\') pos++
    else if (text[pos] === quote) {
      const raw = text.slice(open + 1, pos)
      return { text: quote === "'" ? raw : expand(unescape(raw), at, lookup), end: pos + 1 }
    }
  }
  throw new ComposeFileError(`${at.file}:${at.line}: unterminated quoted value`, at)
}

/** `\n`, `\r`, `\t` become the characters; `\$` stays a literal dollar (as `$$`); any other `\x` is `x`. */
function unescape(raw: string): string {
  const named: Record<string, string> = { n: '\n', r: '\r', t: '\t', $: '$$' }
  return raw.replace(/\\([\s\S])/g, (_, char: string) => named[char] ?? char)
}

function expand(raw: string, at: SourceLocation, lookup: Lookup): string {
  try {
    return interpolate(raw, lookup).value
  } catch (error) {
    if (error instanceof InterpolationError) throw new ComposeFileError(`${at.file}:${at.line}: ${error.message}`, at)
    throw error
  }
}
