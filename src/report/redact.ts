// Keeps the secrets (src/compose/secrets.ts) out of everything a run prints
// or writes. The runner hides values registered with `::add-mask::`, but
// only in the log; the job summary, the JSON report and the CLI's output are
// ours to clean. They are all made from the RunReport, and the log lines come
// through the engine's Log: those are the two places a Redactor is applied
// (engine/record.ts).
import { MIN_MASK_LENGTH, maskablePieces } from '../compose/secrets.js'

/** What a removed value becomes: the runner's own mask. */
export const REDACTED = '***'

export class Redactor {
  /** What is masked and removed: every maskable line of every secret. */
  readonly pieces: string[]

  constructor(secrets: string[]) {
    this.pieces = [...new Set(secrets.flatMap(maskablePieces))]
  }

  /** The text without the secrets, nor the start of one at the end of a
   * line or before a cut's `…`: Docker keeps only 4 KiB of a probe's output,
   * the evidence 200 characters of its first line, and a log 2,000 of each
   * line, which can cut a secret short. Secrets that overlap go as one. */
  text(text: string): string {
    if (this.pieces.length === 0) return text
    return text
      .split('\n')
      .map((line) => hide(line, [...this.occurrences(line), ...this.cutAtEnd(line)]))
      .join('\n')
  }

  /** A JSON value (the RunReport) with every string redacted; a copy when there are secrets. */
  json<T>(value: T): T {
    if (this.pieces.length === 0) return value
    const redact = (_key: string, item: unknown): unknown => (typeof item === 'string' ? this.text(item) : item)
    return JSON.parse(JSON.stringify(value), redact) as T
  }

  private occurrences(line: string): Span[] {
    const spans: Span[] = []
    for (const piece of this.pieces)
      for (let at = line.indexOf(piece); at !== -1; at = line.indexOf(piece, at + 1))
        spans.push([at, at + piece.length])
    return spans
  }

  /** The longest start of a secret that the line ends with, or that stands
   * right before a `…` (where a long log line was cut, src/docker/logs.ts). */
  private cutAtEnd(line: string): Span[] {
    const ends = [line.length, ...[...line.matchAll(/…/g)].map((match) => match.index)]
    return ends.flatMap((end): Span[] => {
      const longest = Math.max(...this.pieces.map((piece) => startAtEnd(line.slice(0, end), piece)))
      return longest > 0 ? [[end - longest, end]] : []
    })
  }
}

/** Length of the longest proper start of `piece` (long enough to tell) that the line ends with; 0 if none. */
function startAtEnd(line: string, piece: string): number {
  for (let length = piece.length - 1; length >= MIN_MASK_LENGTH; length--)
    if (line.endsWith(piece.slice(0, length))) return length
  return 0
}

/** Start and end of a stretch of text to hide. */
type Span = [number, number]

/** The line with each stretch replaced by a mask; stretches that overlap or touch get one. */
function hide(line: string, spans: Span[]): string {
  const merged: Span[] = []
  for (const [start, end] of spans.sort((a, b) => a[0] - b[0])) {
    const last = merged.at(-1)
    if (last && start <= last[1]) last[1] = Math.max(last[1], end)
    else merged.push([start, end])
  }
  let out = ''
  let shown = 0
  for (const [start, end] of merged) {
    out += `${line.slice(shown, start)}${REDACTED}`
    shown = end
  }
  return out + line.slice(shown)
}
