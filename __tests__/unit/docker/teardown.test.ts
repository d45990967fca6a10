import { describe, expect, it } from '@jest/globals'
import { Docker } from '../../../src/docker/client.js'
import { describeResources, teardown } from '../../../src/docker/teardown.js'
import { FakeRunner } from '../../helpers/fake-runner.js'

const target = {
  workingDirectory: '/w',
  files: ['/w/docker-compose.yml'],
  envFiles: [],
  profiles: [],
  projectName: 'p1'
}

/** Answers `docker ps/network ls/volume ls` from a list of states, one per listing round. */
class EngineState extends FakeRunner {
  constructor(
    private readonly rounds: { containers: string; networks: string; volumes: string }[],
    downExit = 0
  ) {
    super([['docker compose', { exitCode: downExit, stderr: downExit ? 'no such file' : '' }]])
  }
  private listed = 0
  override async run(argv: string[], options: Parameters<FakeRunner['run']>[1]) {
    const result = await super.run(argv, options)
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
}

describe('teardown', () => {
  it('does nothing when nothing of the project exists (idempotent)', async () => {
    const runner = new EngineState([{ containers: '', networks: '', volumes: '' }])
    const report = await teardown(new Docker(runner, ['docker', 'compose']), target)
    expect(describeResources(report.removed)).toBe('nothing')
    expect(runner.calls.some((argv) => argv.includes('down'))).toBe(false)
  })

  it('runs compose down and reports what it removed', async () => {
    const runner = new EngineState([
      { containers: 'c1\nc2', networks: 'n1', volumes: 'v1' },
      { containers: '', networks: '', volumes: '' }
    ])
    const report = await teardown(new Docker(runner, ['docker', 'compose']), target)
    expect(runner.calls.find((argv) => argv.includes('down'))?.slice(-5)).toEqual([
      'down',
      '--volumes',
      '--remove-orphans',
      '--timeout',
      '10'
    ])
    expect(describeResources(report.removed)).toBe('2 containers, 1 network, 1 volume')
    expect(report.problems).toEqual([])
  })

  it('removes by label what compose down could not, with a warning', async () => {
    const left = { containers: 'c1', networks: 'n1', volumes: '' }
    const runner = new EngineState([left, left, { containers: '', networks: '', volumes: '' }], 1)
    const report = await teardown(new Docker(runner, ['docker', 'compose']), target)
    expect(runner.calls).toContainEqual(['docker', 'rm', '--force', '--volumes', 'c1'])
    expect(runner.calls).toContainEqual(['docker', 'network', 'rm', 'n1'])
    expect(report.problems[0]).toContain('docker compose down failed (exit 1)')
    expect(describeResources(report.left)).toBe('nothing')
  })
})
