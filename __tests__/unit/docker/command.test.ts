import { describe, expect, it } from '@jest/globals'
import { ProcessRunner, quoteForDisplay } from '../../../src/docker/command.js'

describe('ProcessRunner', () => {
  const runner = new ProcessRunner()

  it('runs an argument vector without a shell', async () => {
    const result = await runner.run(['printf', '%s|', 'a b', '$(echo no)', ';'], { timeoutMs: 5000 })
    expect(result).toMatchObject({ exitCode: 0, stdout: 'a b|$(echo no)|;|', killed: false })
  })

  it('kills a command at its time limit, children included', async () => {
    const result = await runner.run(['bash', '-c', 'sleep 30 & sleep 30; wait'], { timeoutMs: 300 })
    expect(result.killed).toBe(true)
    expect(result.exitCode).not.toBe(0)
    expect(result.durationMs).toBeLessThan(5000)
  })

  it('stops on an abort signal and streams lines as they come', async () => {
    const abort = new AbortController()
    const lines: string[] = []
    const result = await runner.run(['bash', '-c', 'echo one; echo two; sleep 30'], {
      timeoutMs: 60_000,
      signal: abort.signal,
      onLine: (line) => {
        lines.push(line)
        if (lines.length === 2) abort.abort()
      }
    })
    expect(lines).toEqual(['one', 'two'])
    expect(result.killed).toBe(true)
  })

  it('reports a missing program as exit 127', async () => {
    const result = await runner.run(['no-such-program-otc'], { timeoutMs: 5000 })
    expect(result.exitCode).toBe(127)
  })
})

describe('quoteForDisplay', () => {
  it('quotes words that a reader could misread', () => {
    expect(['docker', 'a b', "it's"].map(quoteForDisplay).join(' ')).toBe(`docker 'a b' 'it'\\''s'`)
  })
})
