// The raw inputs: every input's name and default, and the helpers that read
// one value and word what is wrong with it.
import { DEFAULT_STOP_TIMEOUT_SEC } from '../docker/teardown.js'
import { InputError } from '../errors.js'

/** Reads one raw input by its action.yml name; '' when not given. */
export type InputSource = (name: string) => string

/** Every input, by its action.yml name, with its default ('' for none). The
 * CLI's options are these names too, and a test holds action.yml to them. */
export const INPUTS: Record<string, string> = {
  mode: 'full',
  'compose-file': '',
  'working-directory': '.',
  'project-name': '',
  'env-file': '',
  profiles: '',
  'vpn-service': 'openvpn',
  'tunnel-services': 'celery, celery_monitoring',
  'management-subnet': '',
  'probe-targets': '',
  'up-flags': '',
  'health-timeout': '600',
  'route-timeout': '30',
  preflight: 'fail',
  teardown: 'always',
  logs: 'on-failure',
  resilience: 'off',
  'recovery-timeout': '120',
  'stop-timeout': String(DEFAULT_STOP_TIMEOUT_SEC)
}

/** The inputs that take a list; every other one takes one value. */
const LIST_INPUTS = new Set([
  'compose-file',
  'env-file',
  'profiles',
  'tunnel-services',
  'management-subnet',
  'probe-targets',
  'resilience'
])

/** The inputs as the CLI's repeatable options give them: a list's values
 * joined, one value for any other input (a second one is a mistake, not a
 * list: `--mode lint --mode full`). */
export function fromOptions(values: Record<string, string[] | undefined>): InputSource {
  return (name) => {
    const given = values[name] ?? []
    if (given.length > 1 && !LIST_INPUTS.has(name))
      throw new InputError(name, `given ${given.length} times; it takes one value. Give the option once.`)
    return given.join(',')
  }
}

/** Lists accept newlines or commas, as the README promises. */
export function list(value: string): string[] {
  return value
    .split(/[\n,]/)
    .map((item) => item.trim())
    .filter((item) => item !== '')
}

export function oneOf<T extends string>(input: (name: string) => string, name: string, allowed: readonly T[]): T {
  const value = input(name)
  if ((allowed as readonly string[]).includes(value)) return value as T
  throw new InputError(name, `${quoted(value)} is not one of ${allowed.join(', ')}. Use one of those values.`)
}

export function matching(name: string, value: string, pattern: RegExp, what: string): string {
  if (pattern.test(value)) return value
  throw new InputError(
    name,
    `${quoted(value)} is not ${what} (allowed: ${pattern.source}). Fix the value; it is never passed to a shell.`
  )
}

/** A value for a message, cut short when long: an annotation shows one line. */
export function quoted(value: string): string {
  const { text, cutFrom } = cut(value, 80, 60)
  return cutFrom === undefined ? `'${text}'` : `'${text}…' (${cutFrom} characters)`
}

/** A value written bare in a message (a path), cut short when very long. */
export function shortened(value: string): string {
  const { text, cutFrom } = cut(value, 200, 180)
  return cutFrom === undefined ? text : `${text}… (${cutFrom} characters)`
}

/** Up to `max` characters shown whole; a longer value is cut to `keep`,
 * between characters (an emoji is never split). Control characters are
 * escaped: an ESC in an annotation would colour the log. */
function cut(value: string, max: number, keep: number): { text: string; cutFrom?: number } {
  const characters = [...value]
  const long = characters.length > max
  const text = (long ? characters.slice(0, keep).join('') : value).replace(
    /[\u0000-\u001f\u007f]/g,
    (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`
  )
  return long ? { text, cutFrom: characters.length } : { text }
}
