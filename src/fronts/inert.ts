// Text that comes from containers (probe output, log tails, Compose's and
// Docker's messages) must not be able to issue workflow commands. The runner
// looks for them in every line a step prints (it splits at \n and at \r):
// `::name props::data` after leading white space, which it trims (so
// indenting does not help), and the older `##[name props]data` anywhere in
// a line. @actions/core's annotations, debug lines and groups are safe: it
// escapes \r, \n and % in their data (and `:` and `,` in properties), so
// each stays one command on one line. What core.info prints is raw.
//
// Chosen: the runner's own stop-commands. Between `::stop-commands::TOKEN`
// and `::TOKEN::` it acts on no command but the one that resumes, so the text
// is shown exactly as the container printed it, `::error ...` included, which
// is what a reader debugging a probe needs. The token is random per block
// and made after the text is known, so the text cannot end the block early.
// Escaping would have to copy the runner's parser (its idea of white space,
// the legacy form) and would change what the reader sees.
// Only text where the runner could find a command is wrapped, so that the
// two extra lines the runner echoes appear only around such text.
import { randomUUID } from 'node:crypto'

/** Whether the runner might read a command in the text: errs on the side of yes. */
function mayHoldCommands(text: string): boolean {
  return text.includes('::') || text.includes('##[')
}

/** The text, to be printed as it is, with every workflow command in it inert. */
export function inert(text: string): string {
  if (!mayHoldCommands(text)) return text
  const token = randomUUID()
  return `::stop-commands::${token}\n${text}\n::${token}::`
}
