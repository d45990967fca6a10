import { describe, expect, it } from '@jest/globals'
import { joinedContainerId, parseInspect, stoppedForGood } from '../../../src/docker/inspect.js'
import { container, rawContainer } from '../../helpers/containers.js'

describe('parseInspect', () => {
  it('reads labels, state, health log, restarts and network mode', () => {
    const [parsed] = parseInspect(
      JSON.stringify([
        rawContainer({
          service: 'celery',
          health: 'healthy',
          restartCount: 2,
          networkMode: 'container:abc123',
          probes: [{ ExitCode: 0, Output: 'ok\n', End: '2026-11-28T12:00:01Z' }]
        })
      ])
    )
    expect(parsed).toMatchObject({
      name: 'demo-celery-1',
      project: 'demo',
      service: 'celery',
      status: 'running',
      health: 'healthy',
      healthLog: [{ exitCode: 0, output: 'ok', end: '2026-11-28T12:00:01Z' }],
      restartCount: 2,
      networkMode: 'container:abc123'
    })
    expect(parsed.startedAt?.toISOString()).toBe('2026-11-28T12:00:00.000Z')
    expect(joinedContainerId(parsed)).toBe('abc123')
  })

  it('knows a container that never started and one without a healthcheck', () => {
    const parsed = container({ status: 'created', startedAt: '0001-01-01T00:00:00Z' })
    expect(parsed.startedAt).toBeUndefined()
    expect(parsed.health).toBeUndefined()
    expect(joinedContainerId(parsed)).toBeUndefined()
  })
})

describe('stoppedForGood', () => {
  it.each([
    ['no policy, exited', { status: 'exited', restartPolicy: 'no' }, true],
    ['always, exited', { status: 'exited', restartPolicy: 'always', exitCode: 1 }, false],
    ['unless-stopped, exited', { status: 'exited', restartPolicy: 'unless-stopped' }, false],
    ['on-failure, exit 1', { status: 'exited', restartPolicy: 'on-failure', exitCode: 1 }, false],
    ['on-failure, exit 0', { status: 'exited', restartPolicy: 'on-failure', exitCode: 0 }, true],
    [
      'on-failure, retries used up',
      { status: 'exited', restartPolicy: 'on-failure', exitCode: 1, maxRetries: 2, restartCount: 2 },
      true
    ],
    ['running', { status: 'running' }, false],
    ['restarting', { status: 'restarting', restartPolicy: 'on-failure', exitCode: 1 }, false]
  ])('%s', (_name, options, expected) => {
    expect(stoppedForGood(container(options))).toBe(expected)
  })
})
