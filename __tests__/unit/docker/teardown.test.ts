import { describe, expect, it } from '@jest/globals'
import { Docker } from '../../../src/docker/client.js'
import { describeResources } from '../../../src/docker/ownership.js'
import { downLimitMs, removedMessage, teardown } from '../../../src/docker/teardown.js'
import { FakeRunner } from '../../helpers/fake-runner.js'

const target = {
  workingDirectory: '/w',
  files: ['/w/docker-compose.yml'],
  envFiles: [],
  profiles: [],
  projectName: 'p1'
}

type Listing = { containers: string; networks: string; volumes: string }

/** Answers `docker ps/network ls/volume ls` from a list of states, one per
 * listing round, and `docker <kind> inspect` from a table of creation times. */
class EngineState extends FakeRunner {
  constructor(
    private readonly rounds: Listing[],
    downExit = 0,
    private readonly created: Record<string, string> = {}
  ) {
    super([['docker compose', { exitCode: downExit, stderr: downExit ? 'no such file' : '' }]])
  }
  private listed = 0
  readonly limits: number[] = []
  override async run(argv: string[], options: Parameters<FakeRunner['run']>[1]) {
    this.limits.push(options.timeoutMs)
    const result = await super.run(argv, options)
    if (argv[2] === 'inspect') return { ...result, stdout: this.inspect(argv.slice(5)) }
    const round = this.rounds[Math.min(Math.floor(this.listed / 3), this.rounds.length - 1)]
    const kind =
      argv[1] === 'ps'
        ? 'containers'
        : argv[1] === 'network' && argv[2] === 'ls'
          ? 'networks'
          : argv[1] === 'volume' && argv[2] === 'ls'
            ? 'volumes'
            : undefined
    if (!kind) return result
    this.listed++
    return { ...result, stdout: round[kind] }
  }
  private inspect(ids: string[]): string {
    return ids
      .filter((id) => id in this.created)
      .map((id) => `${id}\t/name-of-${id}\t${this.created[id]}\n`)
      .join('')
  }
}

const none = { containers: '', networks: '', volumes: '' }
const docker = (runner: EngineState) => new Docker(runner, ['docker', 'compose'])

describe('teardown', () => {
  it('does nothing when nothing of the project exists (idempotent)', async () => {
    const runner = new EngineState([none])
    const report = await teardown(docker(runner), target, { stopTimeoutSec: 1 })
    expect(describeResources(report.removed)).toBe('nothing')
    expect(runner.calls.some((argv) => argv.includes('down'))).toBe(false)
    expect(removedMessage(report, 'p1')).toBe('Project p1 had nothing on the engine: nothing to remove.')
  })

  it('runs compose down with the stop grace given and reports what it removed', async () => {
    const runner = new EngineState([{ containers: 'c1\nc2', networks: 'n1', volumes: 'v1' }, none])
    const report = await teardown(docker(runner), target, { stopTimeoutSec: 7 })
    const down = runner.calls.findIndex((argv) => argv.includes('down'))
    expect(runner.calls[down].slice(-5)).toEqual(['down', '--volumes', '--remove-orphans', '--timeout', '7'])
    // Two containers that may each wait out the grace in turn.
    expect(runner.limits[down]).toBe(downLimitMs(7, 2))
    expect(downLimitMs(7, 2)).toBe(downLimitMs(0, 2) + 14_000)
    expect(describeResources(report.removed)).toBe('2 containers, 1 network, 1 volume')
    expect(report.problems).toEqual([])
    expect(removedMessage(report, 'p1')).toBe(
      'Removed 2 containers, 1 network, 1 volume of project p1; nothing of it is left.'
    )
  })

  it('removes by label what compose down could not, with a warning', async () => {
    const left = { containers: 'c1', networks: 'n1', volumes: '' }
    const runner = new EngineState([left, left, none], 1)
    const report = await teardown(docker(runner), target, { stopTimeoutSec: 1 })
    expect(runner.calls).toContainEqual(['docker', 'rm', '--force', '--volumes', 'c1'])
    expect(runner.calls).toContainEqual(['docker', 'network', 'rm', 'n1'])
    expect(report.problems[0]).toContain('docker compose down failed (exit 1)')
    expect(describeResources(report.left)).toBe('nothing')
  })
})

describe('teardown of what this run created', () => {
  const upStarted = new Date('2026-11-28T12:00:00.500Z')

  it('runs compose down when everything was created after up began', async () => {
    const runner = new EngineState([{ containers: 'c1', networks: 'n1', volumes: 'v1' }, none], 0, {
      c1: '2026-11-28T12:00:01.000000001Z',
      n1: '2026-11-28T12:00:00.700000000Z',
      // Volumes are dated to the second: the second of up's start counts as this run's.
      v1: '2026-11-28T12:00:00Z'
    })
    const report = await teardown(docker(runner), target, { stopTimeoutSec: 1, createdSince: upStarted })
    expect(runner.calls.some((argv) => argv.includes('down'))).toBe(true)
    expect(describeResources(report.removed)).toBe('1 container, 1 network, 1 volume')
    expect(describeResources(report.kept)).toBe('nothing')
  })

  it('keeps what existed before up began, removes only its own by id, and never runs compose down', async () => {
    const runner = new EngineState(
      [
        { containers: 'old\nc1', networks: 'n1', volumes: 'data\nv1' },
        { containers: 'old', networks: '', volumes: 'data' }
      ],
      0,
      {
        old: '2026-11-28T11:00:00.000000000Z',
        c1: '2026-11-28T12:00:01.000000000Z',
        n1: '2026-11-28T12:00:00.600000000Z',
        data: '2026-11-28T11:59:59Z',
        v1: '2026-11-28T12:00:02Z'
      }
    )
    const report = await teardown(docker(runner), target, { stopTimeoutSec: 1, createdSince: upStarted })
    expect(runner.calls.some((argv) => argv.includes('down'))).toBe(false)
    expect(runner.calls).toContainEqual(['docker', 'rm', '--force', '--volumes', 'c1'])
    expect(runner.calls).toContainEqual(['docker', 'network', 'rm', 'n1'])
    expect(runner.calls).toContainEqual(['docker', 'volume', 'rm', '--force', 'v1'])
    const removals = runner.calls.filter((argv) => argv.includes('rm')).flat()
    expect(removals).not.toContain('old')
    expect(removals).not.toContain('data')
    expect(report.problems).toEqual([
      "Not removing 1 container (name-of-old), 1 volume (name-of-data) of project p1: created before this run's docker compose up began, so another run or a person made them. Find out whose they are before removing them."
    ])
    expect(removedMessage(report, 'p1')).toBe(
      'Removed 1 container, 1 network, 1 volume of project p1; kept 1 container, 1 volume that this run did not create.'
    )
  })

  it('keeps what it cannot date', async () => {
    const runner = new EngineState(
      [
        { containers: 'c1\nmystery', networks: '', volumes: '' },
        { ...none, containers: 'mystery' }
      ],
      0,
      {
        c1: '2026-11-28T12:00:01.000000000Z'
      }
    )
    const report = await teardown(docker(runner), target, { stopTimeoutSec: 1, createdSince: upStarted })
    expect(runner.calls.some((argv) => argv.includes('down'))).toBe(false)
    expect(runner.calls).toContainEqual(['docker', 'rm', '--force', '--volumes', 'c1'])
    expect(report.kept.containers).toEqual(['mystery'])
    expect(report.problems).toEqual([
      'Not removing 1 container of project p1: the engine did not say when they were created (their inspect failed or timed out), so this run cannot tell whether it made them. Once you know, remove them with `docker compose -p p1 down`.'
    ])
  })
})
