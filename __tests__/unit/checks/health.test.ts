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

  it('fails at once on an exit the engine will not undo', () => {
    const judgement = judgeHealth(
      container({ status: 'exited', exitCode: 0, restartPolicy: 'on-failure', health: 'starting' }),
      0
    )
    expect(judgement).toMatchObject({ state: 'failed', reason: 'exited' })
    expect(judgement.state === 'failed' && judgement.message).toContain('exited with code 0')
  })

  it('calls a restart loop by the restarts counted during the wait', () => {
    const looping = container({ status: 'restarting', restartPolicy: 'always', exitCode: 1, restartCount: 5 })
    expect(judgeHealth(looping, 5 - CRASH_LOOP_RESTARTS + 1)).toEqual({ state: 'waiting' })
    expect(judgeHealth(looping, 5 - CRASH_LOOP_RESTARTS)).toMatchObject({ state: 'failed', reason: 'crash-loop' })
  })
})
