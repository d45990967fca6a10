import { describe, expect, it } from '@jest/globals'
import { joinedContainerId, parseInspect, stoppedForGood } from '../../../src/docker/inspect.js'
import type { CommandResult } from '../../../src/docker/command.js'
import { Docker } from '../../../src/docker/client.js'
import { container, rawContainer } from '../../helpers/containers.js'
import { FakeRunner } from '../../helpers/fake-runner.js'

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
  // The engine shows `restarting` while its restart policy is going to start
  // the container; `exited` means it will not, whatever the policy (checked on
  // Engine 20.10: `docker stop` of a `restart: always` container stays exited).
  it.each([
    ['no policy, exited', { status: 'exited', restartPolicy: 'no' }, true],
    ['always, stopped by hand', { status: 'exited', restartPolicy: 'always', exitCode: 137 }, true],
    ['unless-stopped, exited', { status: 'exited', restartPolicy: 'unless-stopped' }, true],
    [
      'on-failure, out of retries',
      { status: 'exited', restartPolicy: 'on-failure', exitCode: 1, maxRetries: 2, restartCount: 2 },
      true
    ],
    ['dead', { status: 'dead' }, true],
    ['running', { status: 'running' }, false],
    ['restarting under its policy', { status: 'restarting', restartPolicy: 'on-failure', exitCode: 1 }, false],
    ['paused (the judge names it)', { status: 'paused' }, false],
    ['created (Compose may be about to start it)', { status: 'created' }, false]
  ])('%s', (_name, options, expected) => {
    expect(stoppedForGood(container(options))).toBe(expected)
  })
})

describe('parseInspect State.Error', () => {
  it("keeps the engine's last error starting the container", () => {
    const failed = container({ status: 'exited', error: 'cannot join network of a non running container: abc' })
    expect(failed.error).toBe('cannot join network of a non running container: abc')
    expect(container({}).error).toBe('')
  })
})

describe('Docker.inspectOrExplain', () => {
  const inspecting = (answer: Partial<CommandResult>) =>
    new Docker(new FakeRunner([['docker container inspect', answer]]), ['docker', 'compose']).inspectOrExplain([
      'vpn-id',
      'gone-id'
    ])
  const printed = JSON.stringify([rawContainer({ id: 'vpn-id', service: 'openvpn' })])

  it('gives what it printed when every missing id is one the engine says does not exist', async () => {
    const answer = await inspecting({ exitCode: 1, stdout: printed, stderr: 'Error: No such container: gone-id\n' })
    expect(answer.containers?.map((c) => c.id)).toEqual(['vpn-id'])
  })

  it('gives no containers, and the reason, when the engine failed otherwise or did not answer in time', async () => {
    const failed = await inspecting({
      exitCode: 1,
      stdout: printed,
      stderr: 'Error: No such container: gone-id\nError response from daemon: context deadline exceeded\n'
    })
    expect(failed).toEqual({ error: 'Error response from daemon: context deadline exceeded' })
    const hung = await inspecting({ exitCode: 124, killed: true })
    expect(hung.containers).toBeUndefined()
    expect(hung.error).toMatch(/^did not answer within \d+ s$/)
  })
})
