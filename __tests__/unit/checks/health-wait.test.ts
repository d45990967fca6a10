import { describe, expect, it } from '@jest/globals'
import { Docker } from '../../../src/docker/client.js'
import { FALLBACK_POLL_MS, ProjectEvents, type RecordedEvent } from '../../../src/docker/events.js'
import { waitForHealthy } from '../../../src/checks/health.js'
import { rawContainer, type RawOptions } from '../../helpers/containers.js'
import { FakeRunner } from '../../helpers/fake-runner.js'

/** An engine whose vpn container is in `state`, changed by the test between events. */
class Engine extends FakeRunner {
  state: RawOptions = { health: 'starting' }
  constructor() {
    super([])
  }
  override async run(argv: string[], options: Parameters<FakeRunner['run']>[1]) {
    const result = await super.run(argv, options)
    if (argv[1] === 'ps') return { ...result, stdout: 'vpn-id\n' }
    if (argv[2] === 'inspect')
      return { ...result, stdout: JSON.stringify([rawContainer({ id: 'vpn-id', ...this.state })]) }
    return result
  }
}

function eventSource(): { events: ProjectEvents; emit: (action: string) => void } {
  const listeners = new Set<(event: RecordedEvent) => void>()
  const events = {
    subscribe: (listener: (event: RecordedEvent) => void) => (listeners.add(listener), () => listeners.delete(listener))
  } as unknown as ProjectEvents
  const emit = (action: string): void => {
    for (const listener of listeners)
      listener({ action, containerId: 'vpn-id', service: 'openvpn', timeMs: Date.now(), receivedMs: Date.now() })
  }
  return { events, emit }
}

const options = (deadlineMs: number) => ({ project: 'demo', service: 'openvpn', deadlineMs, awaitingStart: true })

describe('waitForHealthy', () => {
  it('acts on the event that reports the change, confirmed by inspect', async () => {
    const engine = new Engine()
    const { events, emit } = eventSource()
    const waiting = waitForHealthy(new Docker(engine, ['docker', 'compose']), events, options(Date.now() + 60_000))
    await new Promise((resolve) => setTimeout(resolve, 20))
    engine.state = { health: 'healthy' }
    emit('health_status: healthy')
    const outcome = await waiting
    expect(outcome).toMatchObject({ state: 'healthy', container: { name: 'demo-openvpn-1', health: 'healthy' } })
    // One listing at the start, then one inspect of the container the event named.
    expect(engine.calls.filter((argv) => argv[2] === 'inspect').at(-1)).toEqual([
      'docker',
      'container',
      'inspect',
      'vpn-id'
    ])
  })

  it('counts restarts from its first sight of the container, not the ones before', async () => {
    const engine = new Engine()
    engine.state = { status: 'restarting', restartPolicy: 'always', exitCode: 1, restartCount: 7 }
    const { events, emit } = eventSource()
    const waiting = waitForHealthy(new Docker(engine, ['docker', 'compose']), events, options(Date.now() + 60_000))
    await new Promise((resolve) => setTimeout(resolve, 20))
    engine.state = { ...engine.state, restartCount: 9 }
    emit('die')
    await new Promise((resolve) => setTimeout(resolve, 20))
    engine.state = { ...engine.state, restartCount: 10 }
    emit('die')
    expect(await waiting).toMatchObject({
      state: 'failed',
      reason: 'crash-loop',
      message: expect.stringContaining('restarted 3 times while waiting')
    })
  })

  it('gives up at the deadline and says what state it waited in', async () => {
    const outcome = await waitForHealthy(
      new Docker(new Engine(), ['docker', 'compose']),
      eventSource().events,
      options(Date.now() + 150)
    )
    expect(outcome).toMatchObject({
      state: 'failed',
      reason: 'timeout',
      message: 'Not healthy before health-timeout: demo-openvpn-1 is running, health starting.'
    })
  })

  it('says so when no container of the service ever appeared', async () => {
    const engine = new Engine()
    engine.run = async (argv) => ({ argv, exitCode: 0, stdout: '', stderr: '', killed: false, durationMs: 1 })
    const outcome = await waitForHealthy(
      new Docker(engine, ['docker', 'compose']),
      eventSource().events,
      options(Date.now() + 100)
    )
    expect(outcome).toMatchObject({
      reason: 'timeout',
      message: 'Not healthy before health-timeout: no container of the service exists.'
    })
  })

  it('outside a boot (verify mode, after an event), gives up at once when the service has no container', async () => {
    const engine = new Engine()
    engine.run = async (argv) => ({ argv, exitCode: 0, stdout: '', stderr: '', killed: false, durationMs: 1 })
    const outcome = await waitForHealthy(new Docker(engine, ['docker', 'compose']), eventSource().events, {
      ...options(Date.now() + 60_000),
      awaitingStart: false
    })
    expect(outcome).toMatchObject({
      state: 'failed',
      reason: 'absent',
      message: 'No container of service openvpn exists in project demo.'
    })
  })

  it('outside a boot, gives up at once on a stopped container', async () => {
    const engine = new Engine()
    engine.state = { status: 'exited', exitCode: 0, restartPolicy: 'always' }
    const outcome = await waitForHealthy(new Docker(engine, ['docker', 'compose']), eventSource().events, {
      ...options(Date.now() + 60_000),
      awaitingStart: false
    })
    expect(outcome).toMatchObject({ state: 'failed', reason: 'exited' })
  })

  it('stops when the run is aborted', async () => {
    const abort = new AbortController()
    const waiting = waitForHealthy(new Docker(new Engine(), ['docker', 'compose']), eventSource().events, {
      ...options(Date.now() + 60_000),
      signal: abort.signal
    })
    abort.abort()
    expect(await waiting).toMatchObject({ state: 'failed', reason: 'aborted' })
  })
})

describe('when the event stream ends on its own', () => {
  it('falls back to looking every second, so the wait still ends', async () => {
    const engine = new Engine()
    const docker = new Docker(engine, ['docker', 'compose'])
    // The scripted `docker events` returns at once, as a cut stream would.
    const events = new ProjectEvents(docker, 'demo')
    events.start(60_000)
    const started = Date.now()
    const waiting = waitForHealthy(docker, events, options(Date.now() + 60_000))
    setTimeout(() => (engine.state = { health: 'healthy' }), 50)
    expect(await waiting).toMatchObject({ state: 'healthy' })
    expect(Date.now() - started).toBeLessThan(FALLBACK_POLL_MS * 3)
    await events.stop()
  })
})
