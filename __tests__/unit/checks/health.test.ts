import { describe, expect, it } from '@jest/globals'
import { CRASH_LOOP_RESTARTS, judgeHealth } from '../../../src/checks/health.js'
import { container } from '../../helpers/containers.js'

describe('judgeHealth', () => {
  it('is healthy when running and healthy, or running without a healthcheck', () => {
    expect(judgeHealth(container({ health: 'healthy' }), 0)).toEqual({ state: 'healthy' })
    expect(judgeHealth(container({}), 0)).toEqual({ state: 'healthy' })
  })

  it('waits while starting or restarting once', () => {
    expect(judgeHealth(container({ health: 'starting' }), 0)).toEqual({ state: 'waiting' })
    expect(
      judgeHealth(container({ status: 'restarting', restartPolicy: 'on-failure', exitCode: 1, restartCount: 1 }), 0)
    ).toEqual({ state: 'waiting' })
  })

  it('fails at once on unhealthy', () => {
    expect(judgeHealth(container({ health: 'unhealthy' }), 0)).toMatchObject({ state: 'failed', reason: 'unhealthy' })
  })

  it('does not take the unhealthy mark the engine gives an exited container for a verdict', () => {
    const restarting = container({
      status: 'restarting',
      health: 'unhealthy',
      restartPolicy: 'on-failure',
      exitCode: 1,
      restartCount: 1
    })
    expect(judgeHealth(restarting, 0)).toEqual({ state: 'waiting' })
  })

  it('fails at once on an exit the engine will not undo, with state, exit code, restarts and policy', () => {
    const judgement = judgeHealth(
      container({ status: 'exited', exitCode: 137, restartPolicy: 'on-failure', maxRetries: 3, restartCount: 1 }),
      0
    )
    expect(judgement).toEqual({
      state: 'failed',
      reason: 'exited',
      message:
        'demo-openvpn-1 is exited (exit code 137, restart count 1) and its restart policy (on-failure:3) will not start it again.'
    })
  })

  it('fails at once on a paused container: nothing unpauses it', () => {
    expect(judgeHealth(container({ status: 'paused', health: 'healthy' }), 0)).toMatchObject({
      state: 'failed',
      reason: 'paused',
      message: expect.stringContaining('`docker unpause demo-openvpn-1`')
    })
  })

  it('waits for a created container only while Compose is starting the project', () => {
    const created = container({ status: 'created', startedAt: '0001-01-01T00:00:00Z' })
    expect(judgeHealth(created, 0, true)).toEqual({ state: 'waiting' })
    expect(judgeHealth(created, 0, false)).toMatchObject({ state: 'failed', reason: 'not-started' })
  })

  it('calls a restart loop by the restarts counted during the wait', () => {
    const looping = container({ status: 'restarting', restartPolicy: 'always', exitCode: 1, restartCount: 5 })
    expect(judgeHealth(looping, 5 - CRASH_LOOP_RESTARTS + 1)).toEqual({ state: 'waiting' })
    expect(judgeHealth(looping, 5 - CRASH_LOOP_RESTARTS)).toMatchObject({ state: 'failed', reason: 'crash-loop' })
  })
})
