// Pure reading of `docker logs --timestamps` output: the last lines of a
// container's log, its two streams merged in time, and how many lines the
// tail leaves out.

export type LogStream = 'stdout' | 'stderr'

/** The end of one container's log. */
export interface LogTail {
  /** The last lines, oldest first, standard output and error merged by time. */
  text: string
  /** Lines in `text`. */
  lines: number
  /** Earlier lines left out. */
  cutLines: number
  /** True when counting stopped at the read limit: at least `cutLines` were left out. */
  moreCut: boolean
  /** Why the log could not be read; `text` is then empty. */
  error?: string
}

/** Longest line kept whole: a container can print anything, of any length. */
const MAX_LINE_CHARS = 2000

// RFC 3339 with nanoseconds, as `--timestamps` prints it; Go drops trailing
// zeros of the fraction, so the fraction is padded before comparing.
const TIMESTAMP = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?Z /

/** A key that sorts like the time of the line, or undefined without a timestamp. */
function timeKey(line: string): string | undefined {
  const match = TIMESTAMP.exec(line)
  return match ? `${match[1]}.${(match[2] ?? '').padEnd(9, '0')}` : undefined
}

/** A text a container printed, cut at `max` characters, saying how many more there were. */
export function cutLine(line: string, max = MAX_LINE_CHARS): string {
  return line.length > max ? `${line.slice(0, max)}… (${line.length - max} more characters)` : line
}

/** Collects the lines of `docker logs --tail <readLimit> --timestamps` as
 * they come, keeping only the last `keep` of each stream. */
export class LogTailCollector {
  private readonly kept: Record<LogStream, string[]> = { stdout: [], stderr: [] }
  private seen = 0

  constructor(
    private readonly keep: number,
    /** The `--tail` the lines were read with: seeing that many means there may be more. */
    private readonly readLimit: number
  ) {}

  add(line: string, stream: LogStream): void {
    this.seen++
    const lines = this.kept[stream]
    lines.push(cutLine(line))
    if (lines.length > this.keep) lines.shift()
  }

  tail(): LogTail {
    const merged = mergeByTime(this.kept.stdout, this.kept.stderr).slice(-this.keep)
    return {
      text: merged.join('\n'),
      lines: merged.length,
      cutLines: this.seen - merged.length,
      moreCut: this.seen >= this.readLimit
    }
  }
}

/** The lines of both streams in time order. A line without a timestamp
 * stays after the line before it in its own stream. */
export function mergeByTime(stdout: string[], stderr: string[]): string[] {
  const keyed = (lines: string[]): { line: string; key: string }[] => {
    let key = ''
    return lines.map((line) => ({ line, key: (key = timeKey(line) ?? key) }))
  }
  // Array.prototype.sort is stable: equal times keep standard output first.
  return [...keyed(stdout), ...keyed(stderr)]
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map((entry) => entry.line)
}

/** A log that could not be read. */
export function unreadLog(error: string): LogTail {
  return { text: '', lines: 0, cutLines: 0, moreCut: false, error }
}
