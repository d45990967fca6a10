// Recognises the healthcheck probe that cannot tell whether the tunnel is up:
// `pgrep -f NAME` matches any process whose command line holds NAME. Run by a
// shell (CMD-SHELL, or `sh -c`), the shell's own command line holds NAME, so
// the probe can never fail.
import { basename } from 'node:path'
import { parse } from 'shell-quote'

export interface PgrepProbe {
  /** The pgrep command as written. */
  command: string
  /** Whether a shell runs it, so that the shell itself always matches. */
  inShell: boolean
}

const SHELLS = new Set(['sh', 'bash', 'ash', 'dash', 'zsh', 'ksh'])
const SEPARATORS = new Set(['||', '&&', ';', ';;', '|', '|&', '&', '(', ')'])
/** Words that run the next word as the command. */
const PREFIXES = new Set(['exec', 'command', '!'])

/** A `pgrep -f` in a healthcheck `test` (`["CMD", ...]` or `["CMD-SHELL", script]`), if there is one. */
export function findPgrepProbe(test: string[]): PgrepProbe | undefined {
  const [kind, ...args] = test
  if (kind === 'CMD-SHELL') return inScript(args.join(' '))
  if (kind !== 'CMD') return undefined
  const script = shellScript(args)
  if (script !== undefined) return inScript(script)
  return isPgrepFull(args) ? { command: args.join(' '), inShell: false } : undefined
}

/** The script of `sh -c SCRIPT` (also `-ec`, `-xc`, ...). */
function shellScript(argv: string[]): string | undefined {
  if (!SHELLS.has(basename(argv[0] ?? ''))) return undefined
  const flag = argv.findIndex((arg, i) => i > 0 && /^-[a-z]*c[a-z]*$/.test(arg))
  return flag === -1 ? undefined : argv[flag + 1]
}

function inScript(script: string): PgrepProbe | undefined {
  const pgrep = simpleCommands(script).find(isPgrepFull)
  return pgrep ? { command: pgrep.join(' '), inShell: true } : undefined
}

/** The script's simple commands as argument vectors, without redirections. */
function simpleCommands(script: string): string[][] {
  const commands: string[][] = [[]]
  let redirected = false
  for (const token of parse(script, (name) => `$${name}`)) {
    const word = typeof token === 'string' ? token : 'pattern' in token ? token.pattern : undefined
    if (word !== undefined) {
      if (!redirected) commands.at(-1)!.push(word)
      redirected = false
    } else if (typeof token === 'object' && 'op' in token) {
      // Any other operator is a redirection, whose target is not an argument.
      if (SEPARATORS.has(token.op)) commands.push([])
      else redirected = true
    }
  }
  return commands
}

function isPgrepFull(argv: string[]): boolean {
  const start = argv.findIndex((word) => !/^\w+=/.test(word) && !PREFIXES.has(word))
  if (start === -1 || basename(argv[start]!) !== 'pgrep') return false
  return argv.slice(start + 1).some((arg) => arg === '--full' || /^-[a-zA-Z]*f[a-zA-Z]*$/.test(arg))
}
