import { describe, expect, it } from '@jest/globals'
import { armWatchdog, onCancel } from '../../../src/fronts/shutdown.js'

/** Records the order in which the pieces of an early end happen. */
function recorder() {
  const steps: string[] = []
  return {
    steps,
    runner: { stopAll: () => void steps.push('stop commands') },
    lastWord: async (message: string) => {
      await new Promise((resolve) => setTimeout(resolve, 5))
      steps.push(`last word: ${message}`)
    },
    exited: new Promise<number>((resolve) => {
      steps.push('armed')
      exitWith = resolve
    }),
    exit: (code: number) => {
      steps.push(`exit ${code}`)
      exitWith(code)
    }
  }
}
let exitWith: (code: number) => void = () => {}

describe('armWatchdog', () => {
  it('stops every command, lets the front speak, then exits 1', async () => {
    const r = recorder()
    armWatchdog(30, r.runner, r.lastWord, r.exit)
    expect(await r.exited).toBe(1)
    expect(r.steps).toEqual([
      'armed',
      'stop commands',
      expect.stringMatching(/^last word: The run exceeded its deadline of 0 s/),
      'exit 1'
    ])
  })

  it('exits even when the last word fails', async () => {
    const r = recorder()
    armWatchdog(10, r.runner, () => Promise.reject(new Error('teardown broke')), r.exit)
    await expect(r.exited).resolves.toBe(1)
  })
})

describe('onCancel', () => {
  it('answers SIGTERM like the runner expects: commands stopped, last word, exit 143', async () => {
    const r = recorder()
    const listening = { SIGINT: process.listeners('SIGINT'), SIGTERM: process.listeners('SIGTERM') }
    onCancel(r.runner, r.lastWord, r.exit)
    process.emit('SIGTERM')
    expect(await r.exited).toBe(143)
    expect(r.steps).toEqual(['armed', 'stop commands', 'last word: Cancelled (SIGTERM).', 'exit 143'])
    // Answered once; the SIGINT handler it added is this test's to remove.
    expect(process.listeners('SIGTERM')).toEqual(listening.SIGTERM)
    for (const listener of process.listeners('SIGINT'))
      if (!listening.SIGINT.includes(listener)) process.removeListener('SIGINT', listener)
  })
})
