// How the GitHub runner reads a step's output for workflow commands
// (actions/runner: ActionCommandManager.TryProcessCommand, ActionCommand.
// TryParseV2 and TryParse), to see which commands a step really issued:
// - each line (split at \r\n, \r or \n) is tried as `::name props::data` after
//   its leading white space is trimmed, then as the legacy `##[name props]data`
//   anywhere in the line; only known command names count;
// - after `::stop-commands::TOKEN` nothing is acted on until a `TOKEN` command
//   (`::TOKEN::`), which resumes.

export interface WorkflowCommand {
  name: string
  properties: Record<string, string>
  data: string
}

const KNOWN = new Set([
  'add-mask',
  'add-matcher',
  'add-path',
  'debug',
  'echo',
  'endgroup',
  'error',
  'group',
  'notice',
  'remove-matcher',
  'save-state',
  'set-env',
  'set-output',
  'stop-commands',
  'warning'
])

type Escapes = [string, string][]
const unescape = (text: string, escapes: Escapes): string =>
  escapes.reduce((out, [escaped, char]) => out.split(escaped).join(char), text)
const DATA: Escapes = [
  ['%0D', '\r'],
  ['%0A', '\n'],
  ['%25', '%']
]
const PROPERTY: Escapes = [['%3A', ':'], ['%2C', ','], ...DATA]
const LEGACY: Escapes = [['%3B', ';'], ['%5D', ']'], ...DATA]

interface Syntax {
  separator: string
  property: Escapes
  data: Escapes
}
const V2: Syntax = { separator: ',', property: PROPERTY, data: DATA }
const V1: Syntax = { separator: ';', property: LEGACY, data: LEGACY }

function command(info: string, data: string, known: Set<string>, syntax: Syntax): WorkflowCommand | undefined {
  const space = info.indexOf(' ')
  const name = space < 0 ? info : info.slice(0, space)
  if (!known.has(name.toLowerCase())) return undefined
  const properties: Record<string, string> = {}
  for (const pair of space < 0
    ? []
    : info
        .slice(space + 1)
        .trim()
        .split(syntax.separator)) {
    const at = pair.indexOf('=')
    if (at > 0) properties[pair.slice(0, at)] = unescape(pair.slice(at + 1), syntax.property)
  }
  return { name, properties, data: unescape(data, syntax.data) }
}

function parseLine(line: string, known: Set<string>): WorkflowCommand | undefined {
  // .NET's TrimStart: white space in the Unicode sense, NEL included.
  const trimmed = line.replace(/^[\s\u0085]+/, '')
  const end = trimmed.startsWith('::') ? trimmed.indexOf('::', 2) : -1
  const v2 = end < 0 ? undefined : command(trimmed.slice(2, end), trimmed.slice(end + 2), known, V2)
  if (v2) return v2
  const prefix = line.indexOf('##[')
  const close = prefix < 0 ? -1 : line.indexOf(']', prefix)
  return close < 0 ? undefined : command(line.slice(prefix + 3, close), line.slice(close + 1), known, V1)
}

/** The commands the runner acts on, in order; stop-commands and its resume are consumed. */
export function workflowCommands(output: string): WorkflowCommand[] {
  const issued: WorkflowCommand[] = []
  let stopToken: string | undefined
  for (const line of output.split(/\r\n|\r|\n/)) {
    const known = stopToken === undefined ? KNOWN : new Set([...KNOWN, stopToken.toLowerCase()])
    const found = parseLine(line, known)
    if (!found) continue
    if (stopToken !== undefined) {
      if (found.name.toLowerCase() === stopToken.toLowerCase()) stopToken = undefined
    } else if (found.name === 'stop-commands') stopToken = found.data
    else issued.push(found)
  }
  return issued
}
