import { describe, expect, it } from '@jest/globals'
import { StabilityWatch } from '../../../src/checks/stability-watch.js'
import type { RecordedEvent } from '../../../src/docker/events.js'
import { FakeEvents, recordedEvent } from '../../helpers/fake-events.js'
import { container } from '../../helpers/containers.js'

const T0 = Date.parse('2026-11-28T12:00:05Z')
const before = [
  container({ id: 'vpn-id', service: 'openvpn', startedAt: '2026-11-28T12:00:05Z' }),
  container({ id: 'celery-id', service: 'celery', startedAt: '2026-11-28T12:00:08Z' }),
  container({ id: 'monitoring-id', service: 'celery_monitoring', startedAt: '2026-11-28T12:00:08Z' })
]

const event = recordedEvent

function watching(): { events: FakeEvents; watch: StabilityWatch } {
  const events = new FakeEvents()
  const watch = new StabilityWatch(events, new Set(['openvpn', 'celery', 'celery_monitoring']), before[0])
  return { events, watch }
}

describe('StabilityWatch', () => {
  it('aborts its signal when the vpn dies after the start the checks saw', () => {
    const { events, watch } = watching()
    events.emit(event('health_status: healthy', 'vpn-id', 'openvpn', T0 + 3000))
    expect(watch.signal.aborted).toBe(false)
    events.emit(event('die', 'vpn-id', 'openvpn', T0 + 6000))
    expect(watch.signal.aborted).toBe(true)
  })

  it('aborts its signal when a watched container is paused after the checks began, not for an older pause', () => {
    const { events, watch } = watching()
    const now = Date.now()
    // Replayed from before the stream began: read before the checks began, or after.
    events.emit({ ...event('pause', 'vpn-id', 'openvpn', now - 3000), receivedMs: watch.startedAt - 1, replayed: true })
    events.emit({ ...event('pause', 'vpn-id', 'openvpn', now - 2000), receivedMs: now + 50, replayed: true })
    watch.add(before.slice(1))
    events.emit({ ...event('pause', 'dashboard-id', 'dashboard', now), receivedMs: now })
    expect(watch.signal.aborted).toBe(false)
    events.emit({ ...event('pause', 'celery-id', 'celery', now + 100), receivedMs: now + 100 })
    expect(watch.signal.aborted).toBe(true)
  })

  it('does not count the end of an earlier run of the container, nor other services', () => {
    const { events, watch } = watching()
    // The first start that failed, before the one found healthy (a replayed event).
    events.emit(event('die', 'vpn-id', 'openvpn', T0 - 2000))
    events.emit(event('die', 'dashboard-id', 'dashboard', T0 + 6000))
    expect(watch.signal.aborted).toBe(false)
    expect(watch.seen.map((e) => e.containerId)).toEqual(['vpn-id'])
  })

  it('watches workers once added, counting an end already on the stream', () => {
    const { events, watch } = watching()
    events.emit(event('die', 'celery-id', 'celery', Date.parse('2026-11-28T12:00:09Z')))
    expect(watch.signal.aborted).toBe(false)
    watch.add(before.slice(1))
    expect(watch.signal.aborted).toBe(true)
    expect(watch.before.map((c) => c.id)).toEqual(['vpn-id', 'celery-id', 'monitoring-id'])
  })

  it('does not abort for the replayed end or pause of a worker that was already stopped or paused when listed', () => {
    const { events, watch } = watching()
    const now = Date.now()
    watch.add([container({ id: 'celery-id', service: 'celery', status: 'exited', startedAt: '2026-11-28T12:00:08Z' })])
    watch.add([container({ id: 'monitoring-id', service: 'celery_monitoring', status: 'paused' })])
    events.emit({ ...event('die', 'celery-id', 'celery', now), receivedMs: now })
    events.emit({ ...event('pause', 'monitoring-id', 'celery_monitoring', now), receivedMs: now })
    expect(watch.signal.aborted).toBe(false)
  })

  it('stops listening when stopped', () => {
    const { events, watch } = watching()
    watch.stop()
    events.emit(event('die', 'vpn-id', 'openvpn', T0 + 6000))
    expect(watch.signal.aborted).toBe(false)
  })

  describe('settle', () => {
    it('returns at once for no container, or for one whose end and next start are on the stream', async () => {
      const { events, watch } = watching()
      events.emit(event('die', 'vpn-id', 'openvpn', T0 + 6000))
      events.emit(event('start', 'vpn-id', 'openvpn', T0 + 6250))
      const started = Date.now()
      await watch.settle([], 60_000)
      await watch.settle(['vpn-id'], 60_000)
      expect(Date.now() - started).toBeLessThan(1000)
    })

    /** Settles only once `last` arrives: the events before it do not end the wait. */
    async function expectSettlesOn(
      { events, watch }: ReturnType<typeof watching>,
      ids: string[],
      meanwhile: RecordedEvent[],
      last: RecordedEvent
    ): Promise<void> {
      let settled = false
      const settling = watch.settle(ids, 60_000).then(() => (settled = true))
      for (const e of meanwhile) events.emit(e)
      // Every promise callback already queued runs before this.
      await new Promise((resolve) => setImmediate(resolve))
      expect(settled).toBe(false)
      events.emit(last)
      await settling
      expect(settled).toBe(true)
    }

    it('waits, after a `docker restart` ended the vpn, for its next start', async () => {
      const watched = watching()
      watched.events.emit(event('die', 'vpn-id', 'openvpn', T0 + 6000))
      const stop = event('stop', 'vpn-id', 'openvpn', T0 + 6050)
      await expectSettlesOn(watched, ['vpn-id'], [stop], event('start', 'vpn-id', 'openvpn', T0 + 6250))
    })

    it('waits for the death itself when the inspect was faster than the stream', async () => {
      const watched = watching()
      const died = event('die', 'vpn-id', 'openvpn', T0 + 6000)
      await expectSettlesOn(watched, ['vpn-id'], [died], event('start', 'vpn-id', 'openvpn', T0 + 6250))
    })

    it('waits for a removed worker to be destroyed, not for other containers', async () => {
      const watched = watching()
      watched.watch.add(before.slice(1))
      watched.events.emit(event('die', 'celery-id', 'celery', T0 + 6000))
      watched.events.emit(event('die', 'vpn-id', 'openvpn', T0 + 6050))
      const vpnStart = event('start', 'vpn-id', 'openvpn', T0 + 6100)
      await expectSettlesOn(watched, ['celery-id'], [vpnStart], event('destroy', 'celery-id', 'celery', T0 + 6200))
    })

    it('counts only a start after the last end: a second death waits again', async () => {
      const watched = watching()
      watched.events.emit(event('die', 'vpn-id', 'openvpn', T0 + 6000))
      watched.events.emit(event('start', 'vpn-id', 'openvpn', T0 + 6250))
      watched.events.emit(event('die', 'vpn-id', 'openvpn', T0 + 6400))
      await expectSettlesOn(watched, ['vpn-id'], [], event('start', 'vpn-id', 'openvpn', T0 + 6700))
    })

    it('gives up after its time limit when a stopped vpn stays stopped', async () => {
      const { events, watch } = watching()
      events.emit(event('die', 'vpn-id', 'openvpn', T0 + 6000))
      events.emit(event('stop', 'vpn-id', 'openvpn', T0 + 6050))
      const started = Date.now()
      await watch.settle(['vpn-id'], 200)
      expect(Date.now() - started).toBeGreaterThanOrEqual(190)
    })
  })
})
