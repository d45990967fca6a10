// A container's log as people read it, in the step log and in the summary
// alike: a title that says how much of it is shown, and the lines.
import type { ContainerLog } from './schema.js'

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`
}

export function logTitle(log: ContainerLog): string {
  const name = `Log of ${log.service} (${log.container})`
  if (log.error) return `${name}: not read`
  if (log.lines === 0) return `${name}: empty`
  if (log.cutLines === 0) return `${name}: all of it, ${count(log.lines, 'line')}`
  const cut = `${log.moreCut ? 'at least ' : ''}${count(log.cutLines, 'earlier line')}`
  return `${name}: last ${count(log.lines, 'line')}; ${cut} cut`
}

export function logBody(log: ContainerLog): string {
  return log.error ?? (log.text || '(no output)')
}
