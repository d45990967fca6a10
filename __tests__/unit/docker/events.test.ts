import { describe, expect, it } from '@jest/globals'
import { EventWaker, type ProjectEvents, type RecordedEvent } from '../../../src/docker/events.js'

function source(): { events: Pick<ProjectEvents, 'subscribe'>; emit: () => void; listeners: () => number } {
  const listeners = new Set<(event: RecordedEvent) => void>()
  return {
    events: { subscribe: (listener) => (listeners.add(listener), () => listeners.delete(listener)) },
    emit: () => {
      for (const listener of listeners)
        listener({ action: 'start', containerId: 'x', service: 'celery', timeMs: 0, receivedMs: 0 })
    },
    listeners: () => listeners.size
  }
}

describe('EventWaker', () => {
  it('wakes at the next event, before its time limit', async () => {
    const { events, emit } = source()
    const waker = new EventWaker(events)
    const started = Date.now()
    setTimeout(emit, 20)
    await waker.next(10_000)
    expect(Date.now() - started).toBeLessThan(5_000)
    waker.stop()
  })

  it('does not lose an event that came while the loop was busy', async () => {
    const { events, emit } = source()
    const waker = new EventWaker(events)
    emit()
    const started = Date.now()
    await waker.next(10_000)
    expect(Date.now() - started).toBeLessThan(5_000)
    waker.stop()
  })

  it('wakes at the time limit without an event, and unsubscribes when stopped', async () => {
    const { events, listeners } = source()
    const waker = new EventWaker(events)
    await waker.next(10)
    expect(listeners()).toBe(1)
    waker.stop()
    expect(listeners()).toBe(0)
  })
})
