import { afterEach, describe, expect, it } from '@jest/globals'
import { Shutdown } from '../../../src/fronts/shutdown.js'

/** Records the order in which the pieces of an early end happen. */
function recorder(lastWordMs = 5) {
  const steps: string[] = []
  let exitWith: (code: number) => void = () => {}
  const exited = new Promise<number>((resolve) => (exitWith = resolve))
  return {
    steps,
    exited,
    runner: { stopAll: async () => void steps.push('stop commands') },
    lastWord: async (message: string) => {
      await new Promise((resolve) => setTimeout(resolve, lastWordMs))
      steps.push(`last word: ${message}`)
    },
    exit: (code: number) => {
      steps.push(`exit ${code}`)
      exitWith(code)
    }
  }
}

const listening = { SIGINT: process.listeners('SIGINT'), SIGTERM: process.listeners('SIGTERM') }
afterEach(() => {
  for (const signal of ['SIGINT', 'SIGTERM'] as const)
    for (const listener of process.listeners(signal))
      if (!listening[signal].includes(listener)) process.removeListener(signal, listener)
})

describe('the watchdog', () => {
  it('stops every command, lets the front speak, then exits 1', async () => {
    const r = recorder()
    new Shutdown(r.runner, r.lastWord, r.exit).armWatchdog(30)
    expect(await r.exited).toBe(1)
    expect(r.steps).toEqual([
      'stop commands',
      expect.stringMatching(/^last word: The run exceeded its deadline of 0 s/),
      'exit 1'
    ])
  })

  it('exits even when the last word fails', async () => {
    const r = recorder()
    new Shutdown(r.runner, () => Promise.reject(new Error('teardown broke')), r.exit).armWatchdog(10)
    await expect(r.exited).resolves.toBe(1)
  })
})

describe('cancel signals', () => {
  it('answers SIGTERM like the runner expects: commands stopped, last word, exit 143', async () => {
    const r = recorder()
    new Shutdown(r.runner, r.lastWord, r.exit).onCancel()
    process.emit('SIGTERM')
    expect(await r.exited).toBe(143)
    expect(r.steps).toEqual(['stop commands', 'last word: Cancelled (SIGTERM).', 'exit 143'])
  })

  it('lets a second signal change nothing while the first one is being answered', async () => {
    const r = recorder(50)
    const shutdown = new Shutdown(r.runner, r.lastWord, r.exit).onCancel()
    expect(shutdown.stopping).toBe(false)
    process.emit('SIGTERM')
    expect(shutdown.stopping).toBe(true)
    process.emit('SIGTERM')
    process.emit('SIGINT')
    expect(await r.exited).toBe(143)
    expect(r.steps).toEqual(['stop commands', 'last word: Cancelled (SIGTERM).', 'exit 143'])
  })
})
