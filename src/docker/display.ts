// Argument vectors shown as shell lines, for logs and messages: never
// executed in this form (every command runs as an argument vector).

/** One word, quoted as a POSIX shell would need it. */
export function quoteForDisplay(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`
}

export function display(argv: string[]): string {
  return argv.map(quoteForDisplay).join(' ')
}
