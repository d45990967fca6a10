// Compose's variable substitution (compose-go `template`), on one string.
// It also records which variables shaped the result and where their values
// came from, so that a finding can point at the env-file line to blame.
import type { SourceLocation } from '../findings.js'

/** A variable that shaped an interpolated value. `value` is the variable's own
 * value (undefined when unset), not the text that was substituted. `source` is
 * where that value came from; `default` means it was unset and the template's
 * default was used instead. */
export interface VariableUse {
  name: string
  value: string | undefined
  source: 'environment' | 'env-file' | 'default' | 'unset'
  at?: SourceLocation
}

/** What the environment holds for one variable. */
export interface Binding {
  value: string
  source: 'environment' | 'env-file'
  at?: SourceLocation
}

export type Lookup = (name: string) => Binding | undefined

export interface Interpolated {
  value: string
  variables: VariableUse[]
}

/** A `${VAR:?message}` whose variable is missing, or a malformed template. */
export class InterpolationError extends Error {}

/** Deeper nesting of `${...}` in defaults is refused: real templates nest one
 * or two deep, and each level costs a scan of the text and a recursion. */
export const MAX_NESTING = 20

const NAME = /^[_a-z][_a-z0-9]*/i
const BRACED = /^([_a-z][_a-z0-9]*)(?:(:?[-+?])([\s\S]*))?$/i

export function interpolate(template: string, lookup: Lookup): Interpolated {
  const variables = new Map<string, VariableUse>()
  const value = substitute(template, lookup, variables, 0)
  return { value, variables: [...variables.values()] }
}

/** `depth` counts the `${...}` around `template`. */
function substitute(template: string, lookup: Lookup, used: Map<string, VariableUse>, depth: number): string {
  if (depth > MAX_NESTING)
    throw new InterpolationError(`more than ${MAX_NESTING} \${...} are nested in one another. Nest fewer.`)
  let out = ''
  let i = 0
  while (i < template.length) {
    const dollar = template.indexOf('$', i)
    if (dollar === -1) return out + template.slice(i)
    out += template.slice(i, dollar)
    const rest = template.slice(dollar + 1)
    if (rest.startsWith('$')) {
      out += '$'
      i = dollar + 2
    } else if (rest.startsWith('{')) {
      const close = closingBrace(template, dollar)
      if (close === -1) throw new InterpolationError(`invalid interpolation format for "${template}": unterminated \${`)
      out += braced(template.slice(dollar + 2, close), template, lookup, used, depth + 1)
      i = close + 1
    } else {
      // `$` not followed by a name is kept as it is, as Compose does.
      const name = NAME.exec(rest)?.[0]
      out += name === undefined ? '$' : useVariable(used, name, lookup(name), false)
      i = dollar + 1 + (name?.length ?? 0)
    }
  }
  return out
}

/** Index of the `}` that closes the `${` at `start`; nested `${` count, a bare `{` does not (as compose-go). */
function closingBrace(text: string, start: number): number {
  let depth = 0
  for (let i = start; i < text.length; i++) {
    if (text[i] === '}' && --depth === 0) return i
    if (text.startsWith('${', i)) {
      depth++
      i++
    }
  }
  return -1
}

function braced(body: string, template: string, lookup: Lookup, used: Map<string, VariableUse>, depth: number): string {
  const match = BRACED.exec(body)
  if (!match) throw new InterpolationError(`invalid interpolation format for "${template}": "\${${body}}"`)
  const [, name = '', operator, argument = ''] = match
  const binding = lookup(name)
  const present = binding !== undefined
  const nonEmpty = present && binding.value !== ''
  // The argument (default, message, replacement) may itself hold variables.
  const expand = (): string => substitute(argument, lookup, used, depth)
  switch (operator) {
    case undefined:
      return useVariable(used, name, binding, false)
    case ':-':
    case '-': {
      const useDefault = operator === ':-' ? !nonEmpty : !present
      const own = useVariable(used, name, binding, useDefault)
      return useDefault ? expand() : own
    }
    case ':?':
    case '?':
      useVariable(used, name, binding, false)
      if (operator === ':?' ? !nonEmpty : !present)
        throw new InterpolationError(`required variable ${name} is missing a value: ${expand()}`)
      return binding?.value ?? ''
    default:
      useVariable(used, name, binding, false)
      return (operator === ':+' ? nonEmpty : present) ? expand() : ''
  }
}

/** Records the use of a variable and returns its value; unset is an empty string (Compose warns and goes on). */
function useVariable(
  used: Map<string, VariableUse>,
  name: string,
  binding: Binding | undefined,
  defaulted: boolean
): string {
  if (!used.has(name)) {
    used.set(
      name,
      binding
        ? { name, value: binding.value, source: binding.source, at: binding.at }
        : { name, value: undefined, source: defaulted ? 'default' : 'unset' }
    )
  }
  return binding?.value ?? ''
}
