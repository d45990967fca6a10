// The inputs that are values rather than names or paths: the up-flags, the
// timeouts and the resilience events, each checked against what the run can
// do with it.
import { parse as parseShellWords } from 'shell-quote'
import { RESILIENCE_EVENTS, type ResilienceEvent } from '../checks/recovery.js'
import { isStopTimeout, MAX_STOP_TIMEOUT_SEC } from '../docker/teardown.js'
import { InputError } from '../errors.js'
import type { Mode } from '../report/schema.js'
import { quoted, shortened } from './inputs.js'

/** `off`, or the events in the order given. Only full mode may restart
 * anything: verify mode never starts or stops a container, lint mode has none. */
export function readResilience(values: string[], mode: Mode): ResilienceEvent[] {
  if (values.length === 1 && values[0] === 'off') return []
  const allowed = `off, ${RESILIENCE_EVENTS.join(', ')} or a list of both`
  for (const value of values) {
    if (value === 'off')
      throw new InputError('resilience', `'off' cannot be combined with an event. Give off alone, or the events.`)
    if (!(RESILIENCE_EVENTS as readonly string[]).includes(value))
      throw new InputError('resilience', `${quoted(value)} is not one of ${allowed}. Use one of those values.`)
  }
  if (mode !== 'full')
    throw new InputError(
      'resilience',
      `'${values.join(', ')}' needs mode: full. ${mode === 'verify' ? 'Verify mode never starts, stops or restarts anything' : 'Lint mode runs no containers'}: remove resilience, or use mode: full.`
    )
  return [...new Set(values as ResilienceEvent[])]
}

export function readUpFlags(value: string): string[] {
  const words = parseShellWords(value, (variable) => {
    throw new InputError(
      'up-flags',
      `'$${variable}' is shell syntax: no shell runs these words, so nothing would expand it. Write the value itself.`
    )
  })
  return words.map((word) => {
    if (typeof word === 'string') return word
    const token = 'op' in word ? word.op : 'comment' in word ? `#${word.comment}` : String(word)
    throw new InputError(
      'up-flags',
      `'${token}' is shell syntax; these words are passed to 'docker compose up' as they are and never run by a shell. Remove it.`
    )
  })
}

/** The longest wait any timeout input may ask for: a day, already four times
 * what a GitHub-hosted job may run (6 h). The run's deadline is the sum of the
 * timeouts and a margin, held by one Node.js timer, and a timer longer than
 * 2^31-1 ms (24.8 days) fires at once: this bound keeps that sum far below it. */
export const MAX_TIMEOUT_SEC = 86_400

/** A timeout input: a positive number of seconds, at most MAX_TIMEOUT_SEC. */
export function positiveSeconds(name: string, value: string): number {
  const seconds = Number(value)
  if (!/^\d+(\.\d+)?$/.test(value) || !(seconds > 0)) {
    throw new InputError(name, `${quoted(value)} is not a positive number of seconds. Write a number like 600.`)
  }
  if (seconds > MAX_TIMEOUT_SEC) {
    throw new InputError(
      name,
      `${shortened(value)} seconds is more than a day (${MAX_TIMEOUT_SEC} s), far longer than a tunnel check needs (a GitHub-hosted job ends after 6 hours). Write at most ${MAX_TIMEOUT_SEC}.`
    )
  }
  return seconds
}

export function stopSeconds(value: string): number {
  if (isStopTimeout(value)) return Number(value)
  throw new InputError(
    'stop-timeout',
    `${quoted(value)} is not a whole number of seconds from 0 to ${MAX_STOP_TIMEOUT_SEC}. Write one like 1 (0 kills at once, as GitHub removes its service containers).`
  )
}
