import { describe, expect, it } from '@jest/globals'
import { delay } from '../../../src/checks/outcome.js'

describe('delay', () => {
  it('ends when the checks are stopped, not after the whole wait', async () => {
    const stop = new AbortController()
    const started = Date.now()
    const waiting = delay(60_000, stop.signal)
    stop.abort()
    await waiting
    // Far below the 60 s asked for: the abort ended it.
    expect(Date.now() - started).toBeLessThan(5_000)
    await delay(60_000, stop.signal) // already stopped: returns at once
  })
})
