import { describe, expect, it } from '@jest/globals'
import { StabilityWatch } from '../../../src/checks/stability-watch.js'
import { confirmStability, inTransit, judgeStability, type StabilityFacts } from '../../../src/checks/stability.js'
import type { Docker } from '../../../src/docker/client.js'
import type { RecordedEvent } from '../../../src/docker/events.js'
import { FakeEvents, recordedEvent } from '../../helpers/fake-events.js'
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

const event = recordedEvent

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

  it('speaks of the vpn alone when no worker was checked (none came back after a resilience event)', () => {
    const judged = judgeStability({ ...facts([vpnOptions]), before: [before[0]!] })
    expect(summaries(judged)).toEqual([
      'the vpn kept its container, start time and restart count from the start of the checks to the verdict, in namespace net:[4026532318]'
    ])
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

  it('names a vpn paused and unpaused during the checks, with both times, and what to look for', () => {
    const paused = event('pause', 'vpn-id', 'openvpn', T0 + 6000)
    const unpaused = event('unpause', 'vpn-id', 'openvpn', T0 + 7500)
    const judged = judgeStability(facts([vpnOptions, celeryOptions, monitoringOptions], [paused, unpaused]))
    expect(summaries(judged)).toEqual([
      'the vpn was paused during the checks (demo-openvpn-1: paused at 2026-11-28T12:00:11.000Z; unpaused at 2026-11-28T12:00:12.500Z).'
    ])
    expect(judged[0].outcome.fix).toMatch(
      /^Find out what paused demo-openvpn-1 \(`docker events --since 2026-11-28T12:00:11\.000Z --until \S+Z --filter container=demo-openvpn-1`\)/
    )
    expect(judged[0].outcome.fix).not.toContain('recreated')
  })

  it('names a worker still paused at the verdict, with or without the pause on the stream', () => {
    const paused = event('pause', 'celery-id', 'celery', T0 + 6000)
    const frozen = { ...celeryOptions, status: 'paused' }
    expect(summaries(judgeStability(facts([vpnOptions, frozen, monitoringOptions], [paused])))).toEqual([
      'demo-celery-1 was paused during the checks (paused at 2026-11-28T12:00:11.000Z; it is paused now).'
    ])
    // The stream broke before the pause: the inspect at the verdict still tells.
    expect(summaries(judgeStability(facts([vpnOptions, frozen, monitoringOptions])))).toEqual([
      'demo-celery-1 was paused during the checks (it is paused now).'
    ])
  })

  it('names a worker paused and then stopped as stopped, saying it was paused first', () => {
    const paused = event('pause', 'celery-id', 'celery', T0 + 6000)
    const died = event('die', 'celery-id', 'celery', T0 + 7000)
    const stopped = { ...celeryOptions, status: 'exited', exitCode: 137 }
    expect(summaries(judgeStability(facts([vpnOptions, stopped, monitoringOptions], [paused, died])))).toEqual([
      'demo-celery-1 stopped during the checks (exited, exit code 137; died at 2026-11-28T12:00:12.000Z; paused first at 2026-11-28T12:00:11.000Z).'
    ])
  })

  it('names a restart under a restart policy still in its back-off as not started again yet', () => {
    const backingOff = { ...vpnOptions, restartCount: 1, status: 'restarting' }
    expect(summaries(judgeStability(facts([backingOff, celeryOptions, monitoringOptions])))).toEqual([
      'the vpn restarted during the checks (demo-openvpn-1: restart count 0 → 1, not started again yet; it had started at 2026-11-28T12:00:05.000Z; it is restarting now).'
    ])
  })

  it('takes a pause and unpause from before the checks began for no change', () => {
    const paused = event('pause', 'vpn-id', 'openvpn', T0 + 1000)
    const unpaused = event('unpause', 'vpn-id', 'openvpn', T0 + 2000)
    const judged = judgeStability(facts([vpnOptions, celeryOptions, monitoringOptions], [paused, unpaused]))
    expect(judged.map((j) => j.outcome.verdict)).toEqual(['passed'])
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

describe('inTransit', () => {
  it('names the containers running when checked that are found ended under the same start', () => {
    const after = [
      container({ ...vpnOptions, status: 'exited' }),
      container({ ...celeryOptions, status: 'restarting' }),
      container({ ...monitoringOptions, status: 'removing' })
    ]
    expect(inTransit(before, after)).toEqual(['vpn-id', 'celery-id', 'monitoring-id'])
  })

  it('leaves out the running, the paused, the restarted, the removed, and those not running when checked', () => {
    const restarted = { ...vpnOptions, startedAt: '2026-11-28T12:00:10.5Z', status: 'exited' }
    const idle = container({ ...monitoringOptions, status: 'exited' })
    const after = [container(restarted), container({ ...celeryOptions, status: 'paused' }), idle]
    expect(inTransit([...before.slice(0, 2), idle], after)).toEqual([])
    expect(inTransit(before, [container(vpnOptions)])).toEqual([])
    expect(inTransit(before, undefined)).toEqual([])
  })
})

describe('confirmStability', () => {
  /** A watch over the vpn alone, and an engine whose inspects answer `answers` in turn. */
  function confirming(answers: RawOptions[], onInspect: (call: number) => void = () => {}) {
    const events = new FakeEvents()
    const watch = new StabilityWatch(events, new Set(['openvpn']), before[0])
    let calls = 0
    const docker = {
      inspectOrExplain: async () => {
        onInspect(++calls)
        return { containers: [container(answers[Math.min(calls, answers.length) - 1]!)], error: '' }
      }
    } as unknown as Docker
    return { events, watch, docker, inspects: () => calls }
  }
  const exited = { ...vpnOptions, status: 'exited', exitCode: 0 }
  const restarted = { ...vpnOptions, startedAt: '2026-11-28T12:00:10.5Z' }

  it('inspects again once a vpn caught between the two processes of a restart has started again', async () => {
    const { events, watch, docker, inspects } = confirming([exited, restarted], (call) => {
      if (call > 1) return
      // The death reaches the stream after the first inspect, the next start a moment later.
      setTimeout(() => events.emit(event('die', 'vpn-id', 'openvpn', T0 + 5000)), 5)
      setTimeout(() => events.emit(event('start', 'vpn-id', 'openvpn', T0 + 5500)), 20)
    })
    const [check] = await confirmStability(docker, watch, 'openvpn', undefined, 60_000)
    expect(check!.summary).toMatch(/^the vpn restarted during the checks \(demo-openvpn-1: started again at /)
    expect(inspects()).toBe(2)
    expect(events.listening).toBe(0)
  })

  it('names a vpn that stays stopped as stopped once the wait is over, and one inspect does when nothing changed', async () => {
    const stopped = confirming([exited])
    const [check] = await confirmStability(stopped.docker, stopped.watch, 'openvpn', undefined, 50)
    expect(check!.summary).toMatch(/^the vpn stopped during the checks \(demo-openvpn-1: exited, exit code 0/)
    expect(stopped.inspects()).toBe(2)
    const steady = confirming([vpnOptions])
    expect((await confirmStability(steady.docker, steady.watch, 'openvpn', undefined, 60_000))[0]!.verdict).toBe(
      'passed'
    )
    expect(steady.inspects()).toBe(1)
  })
})
