import { existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from '@jest/globals'
import { KILLED_EXIT_CODE, ProcessRunner } from '../../../src/docker/command.js'
import { quoteForDisplay } from '../../../src/docker/display.js'

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

  it('never reports a command stopped at its limit as a success, even one that exits 0 on SIGTERM', async () => {
    // As the docker CLI does when `docker exec` is stopped.
    const result = await runner.run(['bash', '-c', "trap 'exit 0' TERM; sleep 30 & wait"], { timeoutMs: 300 })
    expect(result).toMatchObject({ killed: true, exitCode: KILLED_EXIT_CODE })
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

  it('logs each command as it starts, and how and when it ended', async () => {
    const lines: string[] = []
    await new ProcessRunner((line) => lines.push(line)).run(['sh', '-c', 'exit 3', 'a b'], { timeoutMs: 5000 })
    expect(lines[0]).toBe("$ sh -c 'exit 3' 'a b'")
    expect(lines[1]).toMatch(/^↳ exit 3 after \d+ ms \(from \+\d+ ms\): sh -c 'exit 3' 'a b'$/)
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

describe('ProcessRunner.stopAll', () => {
  it('waits for every command to end, and from then on starts nothing', async () => {
    const runner = new ProcessRunner()
    const running = runner.run(['sleep', '30'], { timeoutMs: 60_000 })
    await runner.stopAll()
    expect(await running).toMatchObject({ killed: true })
    const marker = join(tmpdir(), `otc-not-started-${process.pid}`)
    const after = await runner.run(['touch', marker], { timeoutMs: 5000 })
    expect(after).toMatchObject({ exitCode: 1, killed: true, stderr: 'not started: the run is being stopped' })
    expect(existsSync(marker)).toBe(false)
  })
})
