// A container's log tail: the last lines of both streams in time order, and
// how many earlier lines were left out; read through the Docker client.
import { describe, expect, it } from '@jest/globals'
import { Docker } from '../../../src/docker/client.js'
import type { CommandResult, CommandRunner, RunOptions } from '../../../src/docker/command.js'
import { LogTailCollector, mergeByTime, type LogStream } from '../../../src/docker/logs.js'

const at = (second: number, fraction = ''): string => `2026-11-28T12:00:${String(second).padStart(2, '0')}${fraction}Z`

function collect(lines: [string, LogStream][], keep = 3, readLimit = 100) {
  const collector = new LogTailCollector(keep, readLimit)
  for (const [line, stream] of lines) collector.add(line, stream)
  return collector.tail()
}

describe('LogTailCollector', () => {
  it('keeps the last lines of both streams in time order and counts the rest', () => {
    const lines: [string, LogStream][] = [
      [`${at(1)} out 1`, 'stdout'],
      [`${at(3)} out 3`, 'stdout'],
      [`${at(5)} out 5`, 'stdout'],
      [`${at(6)} out 6`, 'stdout'],
      [`${at(2)} err 2`, 'stderr'],
      [`${at(4)} err 4`, 'stderr']
    ]
    expect(collect(lines)).toEqual({
      text: [`${at(4)} err 4`, `${at(5)} out 5`, `${at(6)} out 6`].join('\n'),
      lines: 3,
      cutLines: 3,
      moreCut: false
    })
  })

  it('says all lines were seen when there are fewer than it keeps', () => {
    expect(collect([[`${at(1)} only`, 'stderr']])).toEqual({
      text: `${at(1)} only`,
      lines: 1,
      cutLines: 0,
      moreCut: false
    })
    expect(collect([])).toEqual({ text: '', lines: 0, cutLines: 0, moreCut: false })
  })

  it('says more lines were cut than it counted when it read as many as it asked for', () => {
    const lines = Array.from({ length: 10 }, (_, i): [string, LogStream] => [`${at(i)} line ${i}`, 'stdout'])
    expect(collect(lines, 3, 10)).toMatchObject({ lines: 3, cutLines: 7, moreCut: true })
    expect(collect(lines, 3, 11)).toMatchObject({ lines: 3, cutLines: 7, moreCut: false })
  })

  it('cuts a line longer than 2000 characters and says by how much', () => {
    // 21 characters of timestamp and 5000 of text.
    const { text } = collect([[`${at(1)} ${'x'.repeat(5000)}`, 'stdout']])
    expect(text).toHaveLength(2000 + '… (3021 more characters)'.length)
    expect(text.endsWith('x… (3021 more characters)')).toBe(true)
  })
})

describe('mergeByTime', () => {
  it('compares fractions of a second of any length (Go drops trailing zeros)', () => {
    expect(mergeByTime([`${at(6, '.1')} b`], [`${at(6, '.09')} a`, `${at(6, '.100000001')} c`])).toEqual([
      `${at(6, '.09')} a`,
      `${at(6, '.1')} b`,
      `${at(6, '.100000001')} c`
    ])
  })

  it('keeps a line without a timestamp after the line before it in its stream, and standard output first on a tie', () => {
    expect(mergeByTime([`${at(2)} out`, 'continued'], [`${at(1)} err`, `${at(2)} err`])).toEqual([
      `${at(1)} err`,
      `${at(2)} out`,
      'continued',
      `${at(2)} err`
    ])
  })
})

/** A runner that streams lines of both standard streams, then answers. */
class StreamingRunner implements CommandRunner {
  readonly calls: string[][] = []
  constructor(
    private readonly lines: [string, LogStream][],
    private readonly answer: Partial<CommandResult> = {}
  ) {}
  async run(argv: string[], options: RunOptions): Promise<CommandResult> {
    this.calls.push(argv)
    for (const [line, stream] of this.lines) options.onLine?.(line, stream)
    return { argv, exitCode: 0, stdout: '', stderr: '', killed: false, durationMs: 1, ...this.answer }
  }
}

describe('Docker.logTail', () => {
  it('reads at most 10000 lines from the end, with timestamps, as they come', async () => {
    const runner = new StreamingRunner([
      [`${at(1)} started`, 'stdout'],
      [`${at(2)} warning: no peer`, 'stderr']
    ])
    const tail = await new Docker(runner, ['docker', 'compose']).logTail('c1', 100)
    expect(runner.calls).toEqual([['docker', 'logs', '--tail', '10000', '--timestamps', 'c1']])
    expect(tail).toEqual({
      text: `${at(1)} started\n${at(2)} warning: no peer`,
      lines: 2,
      cutLines: 0,
      moreCut: false
    })
  })

  it("gives the Docker CLI's own message when the log cannot be read", async () => {
    const message = 'Error response from daemon: configured logging driver does not support reading'
    const runner = new StreamingRunner([[message, 'stderr']], { exitCode: 1, stderr: `${message}\n` })
    expect(await new Docker(runner, ['docker', 'compose']).logTail('c1', 100)).toEqual({
      text: '',
      lines: 0,
      cutLines: 0,
      moreCut: false,
      error: `docker logs failed: ${message}`
    })
  })

  it('says so when reading took longer than its time limit', async () => {
    const runner = new StreamingRunner([[`${at(1)} partial`, 'stdout']], { exitCode: 143, killed: true })
    expect((await new Docker(runner, ['docker', 'compose']).logTail('c1', 100)).error).toBe(
      'docker logs did not finish within 20 s.'
    )
  })
})
