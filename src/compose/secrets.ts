// Which values of the compose environment are secrets, which the run must
// never print. Containers get them through interpolation and print them back
// (a log line, a probe's output, an error of Compose's), so the action masks
// them in the runner's log and src/report/redact.ts removes them from every
// output. The README ("Secrets in the output") says the same for users.
//
// Candidates are the variables that env files set (`.env`, the env-file
// input) and those of the process environment that the compose files use:
// interpolate (`${NAME}`) or pass into a container (`environment: [NAME]`).
// Other process variables never reach a container, and are not ours to touch.
// A candidate is a secret when
// - its name says so: it contains PASSWORD, PASSWD, PASSPHRASE, SECRET, TOKEN,
//   CREDENTIAL, APIKEY or PRIVATEKEY, or has KEY, KEYS, PASS, AUTH, CREDS,
//   SALT, PSK or DSN as a word (split at `_`, `-`, `.` and camelCase); or
// - its value says so, whatever the name: a URL with a password in it
//   (`scheme://user:password@host`), or a random-looking string (16 or more
//   characters, no spaces, mixing at least three of lower case, upper case,
//   digits and other symbols than the `._:/@-` of names and paths).
// Other values (host names, network modes, image and user names, paths,
// numbers) are configuration: findings must be able to quote them, and
// masking them would wipe words like `openvpn` or `default` from the whole
// log, because the runner masks every occurrence of a value.
// Never a secret, whatever the name: empty values, booleans and numbers of up
// to three digits. They are flags and counts; masking `1` or `true` would
// garble the log and hide nothing.
// A secret of one to three characters cannot be masked for the same reason,
// so it is not: preflight warns about it (`short-secret`) instead.
import type { SourceLocation } from '../findings.js'
import type { Environment } from './dotenv.js'
import { plain, type MapNode } from './located-tree.js'

export interface Secret {
  name: string
  value: string
  /** The env-file line that set it; none for the process environment. */
  at?: SourceLocation
}

/** The runner replaces every occurrence of a masked value; shorter ones would garble the log. */
export const MIN_MASK_LENGTH = 4

const SECRET_PARTS = ['PASSWORD', 'PASSWD', 'PASSPHRASE', 'SECRET', 'TOKEN', 'CREDENTIAL', 'APIKEY', 'PRIVATEKEY']
// Whole words only: `KEY` but not `KEYBOARD`, `PASS` but not `BYPASS`. Not
// `PWD`, which is the working directory that compose files often interpolate.
const SECRET_WORDS = new Set(['KEY', 'KEYS', 'PASS', 'AUTH', 'CREDS', 'SALT', 'PSK', 'DSN'])
const NO_SECRET = /^(|true|false|yes|no|on|off|\d{1,3})$/i
const URL_PASSWORD = /[a-z][a-z\d+.-]*:\/\/[^\s/@:]*:[^\s/@]+@/i
const CHARACTER_CLASSES = [/[a-z]/, /[A-Z]/, /\d/, /[^A-Za-z\d._:/@-]/]

export function isSecretName(name: string): boolean {
  const upper = name.toUpperCase()
  if (SECRET_PARTS.some((part) => upper.includes(part))) return true
  const words = name
    .replace(/([a-z\d])([A-Z])/g, '$1_$2')
    .toUpperCase()
    .split(/[^A-Z\d]+/)
  return words.some((word) => SECRET_WORDS.has(word))
}

export function looksLikeCredential(value: string): boolean {
  if (URL_PASSWORD.test(value)) return true
  if (value.length < 16 || /\s/.test(value)) return false
  return CHARACTER_CLASSES.filter((characters) => characters.test(value)).length >= 3
}

export function isSecret(name: string, value: string): boolean {
  if (NO_SECRET.test(value.trim())) return false
  return isSecretName(name) || looksLikeCredential(value)
}

/** The parts of a secret that can be masked: each of its lines (the runner
 * matches within one line), trimmed, that is long enough. */
export function maskablePieces(value: string): string[] {
  return value
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line.length >= MIN_MASK_LENGTH)
}

/** The secrets among the env-file variables and the process variables in
 * `used`, of the environments of a project and of the projects it includes. */
export function findSecrets(environments: Environment[], used: ReadonlySet<string>): Secret[] {
  const found = new Map<string, Secret>()
  for (const environment of environments)
    for (const [name, { value, source, at }] of environment) {
      const key = `${name}=${value}`
      if ((source === 'env-file' || used.has(name)) && isSecret(name, value) && !found.has(key))
        found.set(key, { name, value, at })
    }
  return [...found.values()]
}

/** Names that a service's `environment` takes from the environment: `- NAME`, or `NAME:` without a value. */
export function passedThrough(service: MapNode): string[] {
  const environment = service.entries.get('environment')
  const value = environment && plain(environment)
  if (Array.isArray(value)) return value.filter((item) => typeof item === 'string' && !item.includes('='))
  if (value && typeof value === 'object')
    return Object.entries(value)
      .filter(([, setTo]) => setTo === null)
      .map(([name]) => name)
  return []
}
