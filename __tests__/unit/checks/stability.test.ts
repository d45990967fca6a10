import { describe, expect, it } from '@jest/globals'
import { judgeStability, StabilityWatch, type StabilityFacts } from '../../../src/checks/stability.js'
import type { RecordedEvent } from '../../../src/docker/events.js'
import { container, type RawOptions } from '../../helpers/containers.js'

const T0 = Date.parse('2026-11-28T12:00:05Z')
const vpnOptions: RawOptions = { id: 'vpn-id', service: 'openvpn', startedAt: '2026-11-28T12:00:05Z' }
const celeryOptions: RawOptions = { id: 'celery-id', service: 'celery', startedAt: '2026-11-28T12:00:08Z' }
const monitoringOptions: RawOptions = {
  id: 'monitoring-id',
  service: 'celery_monitoring',
  startedAt: '2026-11-28T12:00:08Z'
}
const before = [container(vpnOptions), container(celeryOptions), container(monitoringOptions)]

function event(action: string, id: string, service: string, atMs: number): RecordedEvent {
  return { action, containerId: id, service, timeMs: atMs, receivedMs: atMs + 5 }
}

function facts(after: RawOptions[] | undefined, seen: RecordedEvent[] = []): StabilityFacts {
  return {
    vpnService: 'openvpn',
    vpnNamespace: 'net:[4026532318]',
    before,
    after: after?.map(container),
    seen,
    startedAt: T0 + 4000
  }
}

const summaries = (judged: ReturnType<typeof judgeStability>): string[] => judged.map((j) => j.outcome.summary)

describe('judgeStability', () => {
  it('passes when every container kept its id, start time and restart count, naming the namespace it held for', () => {
    const judged = judgeStability(facts([vpnOptions, celeryOptions, monitoringOptions]))
    expect(judged).toHaveLength(1)
    expect(judged[0].container.name).toBe('demo-openvpn-1')
    expect(judged[0].outcome).toMatchObject({
      verdict: 'passed',
      summary:
        'the vpn and 2 workers kept their containers, start times and restart counts from the start of the checks to the verdict, in namespace net:[4026532318]',
      evidence: { containers: 'demo-openvpn-1, demo-celery-1, demo-celery_monitoring-1' }
    })
  })

  it('names a restart of the vpn by its restart policy, with the restart count and both start times', () => {
    const restarted = { ...vpnOptions, restartCount: 1, startedAt: '2026-11-28T12:00:10.5Z' }
    const judged = judgeStability(facts([restarted, celeryOptions, monitoringOptions]))
    expect(judged).toHaveLength(1)
    expect(judged[0].outcome).toMatchObject({
      verdict: 'failed',
      summary:
        'the vpn restarted during the checks (demo-openvpn-1: restart count 0 → 1, started again at 2026-11-28T12:00:10.500Z; it had started at 2026-11-28T12:00:05.000Z).',
      evidence: { restarts: 1, restarts_before: 0 }
    })
    expect(judged[0].outcome.fix).toContain('left without the tunnel until it is recreated')
  })

  it('names a `docker restart` of the vpn (the restart count stays) by its new start time', () => {
    const restarted = { ...vpnOptions, startedAt: '2026-11-28T12:00:10.5Z' }
    expect(summaries(judgeStability(facts([restarted, celeryOptions, monitoringOptions])))).toEqual([
      'the vpn restarted during the checks (demo-openvpn-1: started again at 2026-11-28T12:00:10.500Z; it had started at 2026-11-28T12:00:05.000Z).'
    ])
  })

  it('names a stopped vpn with its state, exit code and when it died', () => {
    const died = event('die', 'vpn-id', 'openvpn', Date.parse('2026-11-28T12:00:11Z'))
    const stopped = { ...vpnOptions, status: 'exited', exitCode: 137 }
    expect(summaries(judgeStability(facts([stopped, celeryOptions, monitoringOptions], [died])))).toEqual([
      'the vpn stopped during the checks (demo-openvpn-1: exited, exit code 137; died at 2026-11-28T12:00:11.000Z).'
    ])
  })

  it('takes a worker that was already stopped or paused when the checks began for no change', () => {
    for (const status of ['exited', 'paused']) {
      const idle = { ...celeryOptions, status, exitCode: status === 'exited' ? 137 : 0 }
      const judged = judgeStability({
        ...facts([vpnOptions, idle, monitoringOptions]),
        before: [before[0], container(idle), before[2]]
      })
      expect(judged.map((j) => j.outcome.verdict)).toEqual(['passed'])
    }
  })

  it('names a worker removed during the checks, and when', () => {
    const destroyed = event('destroy', 'monitoring-id', 'celery_monitoring', Date.parse('2026-11-28T12:00:11Z'))
    const judged = judgeStability(facts([vpnOptions, celeryOptions], [destroyed]))
    expect(judged.map((j) => [j.container.service, j.outcome.verdict, j.outcome.summary])).toEqual([
      [
        'celery_monitoring',
        'failed',
        'demo-celery_monitoring-1 was removed during the checks (removed at 2026-11-28T12:00:11.000Z).'
      ]
    ])
    expect(judged[0].outcome.evidence).toMatchObject({ status: 'removed', started: '2026-11-28T12:00:08.000Z' })
  })

  it('lists every change, one row each', () => {
    const judged = judgeStability(facts([{ ...celeryOptions, status: 'exited', exitCode: 1 }, monitoringOptions]))
    expect(summaries(judged)).toEqual([
      'the vpn was removed during the checks (demo-openvpn-1: container vpn-id).',
      'demo-celery-1 stopped during the checks (exited, exit code 1).'
    ])
  })

  it('names a container of a tunnel service that appeared during the checks', () => {
    const newcomer = { id: 'celery-2-id', service: 'celery', name: 'demo-celery-2' }
    const created = event('create', 'celery-2-id', 'celery', T0 + 6000)
    const judged = judgeStability(facts([vpnOptions, celeryOptions, monitoringOptions, newcomer], [created]))
    expect(summaries(judged)).toEqual(['demo-celery-2 (celery) appeared during the checks and was not checked.'])
  })

  it('fails when the containers could not be inspected at the verdict', () => {
    const judged = judgeStability({ ...facts(undefined), inspectError: 'Cannot connect to the Docker daemon' })
    expect(judged[0].outcome).toMatchObject({
      verdict: 'failed',
      summary:
        'could not confirm that the containers checked still run as checked: `docker inspect` failed: Cannot connect to the Docker daemon'
    })
  })

  it('never blames a device, a route or a tool for a change', () => {
    const restarted = { ...vpnOptions, restartCount: 1, startedAt: '2026-11-28T12:00:10.5Z' }
    const judged = judgeStability(facts([restarted, { ...celeryOptions, status: 'exited' }]))
    for (const { outcome } of judged) expect(`${outcome.summary} ${outcome.fix}`).not.toMatch(/device|route|readlink/)
  })
})

/** An event stream that tests feed by hand. */
class FakeEvents {
  readonly recorded: RecordedEvent[] = []
  private readonly listeners = new Set<(event: RecordedEvent) => void>()
  subscribe(listener: (event: RecordedEvent) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }
  emit(event: RecordedEvent): void {
    this.recorded.push(event)
    for (const listener of this.listeners) listener(event)
  }
}

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

  it('stops listening when stopped', () => {
    const { events, watch } = watching()
    watch.stop()
    events.emit(event('die', 'vpn-id', 'openvpn', T0 + 6000))
    expect(watch.signal.aborted).toBe(false)
  })

  describe('settle', () => {
    it('returns at once when nothing watched ended', async () => {
      const { events, watch } = watching()
      events.emit(event('health_status: healthy', 'vpn-id', 'openvpn', T0 + 3000))
      const started = Date.now()
      await watch.settle(60_000)
      expect(Date.now() - started).toBeLessThan(1000)
    })

    /** Settles only once `last` arrives: the events before it do not end the wait. */
    async function expectSettlesOn(
      { events, watch }: ReturnType<typeof watching>,
      meanwhile: RecordedEvent[],
      last: RecordedEvent
    ): Promise<void> {
      let settled = false
      const settling = watch.settle(60_000).then(() => (settled = true))
      for (const e of meanwhile) events.emit(e)
      await Promise.resolve()
      expect(settled).toBe(false)
      events.emit(last)
      await settling
      expect(settled).toBe(true)
    }

    it('waits, after a `docker restart` ended the vpn, for its next start', async () => {
      const watched = watching()
      watched.events.emit(event('die', 'vpn-id', 'openvpn', T0 + 6000))
      const stop = event('stop', 'vpn-id', 'openvpn', T0 + 6050)
      await expectSettlesOn(watched, [stop], event('start', 'vpn-id', 'openvpn', T0 + 6250))
    })

    it('waits for a removed worker to be destroyed, not for other containers', async () => {
      const watched = watching()
      watched.watch.add(before.slice(1))
      watched.events.emit(event('die', 'celery-id', 'celery', T0 + 6000))
      const vpnStart = event('start', 'vpn-id', 'openvpn', T0 + 6100)
      await expectSettlesOn(watched, [vpnStart], event('destroy', 'celery-id', 'celery', T0 + 6200))
    })

    it('counts only a start after the last end: a second death waits again', async () => {
      const watched = watching()
      watched.events.emit(event('die', 'vpn-id', 'openvpn', T0 + 6000))
      watched.events.emit(event('start', 'vpn-id', 'openvpn', T0 + 6250))
      watched.events.emit(event('die', 'vpn-id', 'openvpn', T0 + 6400))
      await expectSettlesOn(watched, [], event('start', 'vpn-id', 'openvpn', T0 + 6700))
    })

    it('gives up after its time limit when a stopped vpn stays stopped', async () => {
      const { events, watch } = watching()
      events.emit(event('die', 'vpn-id', 'openvpn', T0 + 6000))
      events.emit(event('stop', 'vpn-id', 'openvpn', T0 + 6050))
      const started = Date.now()
      await watch.settle(200)
      expect(Date.now() - started).toBeGreaterThanOrEqual(190)
    })
  })
})
