// Finding the engine and the Compose to use, and what is read meanwhile.
import { describe, expect, it } from '@jest/globals'
import type { CommandResult } from '../../../src/docker/command.js'
import type { EngineReads } from '../../../src/docker/client.js'
import { connectAndRead, connectDocker } from '../../../src/docker/connect.js'
import { DockerUnavailableError } from '../../../src/errors.js'
import { FakeRunner } from '../../helpers/fake-runner.js'

describe('connectDocker', () => {
  it('prefers the compose plugin', async () => {
    const docker = await connectDocker(new FakeRunner([['docker compose version', { stdout: '2.26.1\n' }]]))
    expect(docker.compose).toEqual(['docker', 'compose'])
  })

  it('falls back to a standalone docker-compose v2', async () => {
    const runner = new FakeRunner([
      ['docker compose version', { exitCode: 1, stderr: "docker: 'compose' is not a docker command." }],
      ['docker-compose version', { stdout: 'v2.20.0' }]
    ])
    expect((await connectDocker(runner)).compose).toEqual(['docker-compose'])
  })

  const project = { workingDirectory: '/w', files: ['/w/c.yml'], envFiles: [], profiles: [], projectName: 'p' }
  const config = ['config', '--format', 'json']

  const time = async (engine: EngineReads) => engine.engineTime()

  it('asks the plugin for the effective model, and the engine for what it reads, while it connects', async () => {
    const runner = new FakeRunner([
      ['docker compose version', { stdout: '2.26.1\n' }],
      ['docker compose --project-directory', { stdout: '{"services":{}}' }],
      ['docker info', { stdout: '2026-11-28T12:00:00.5Z\n' }]
    ])
    const connecting = connectAndRead(runner, project, config, time)
    // All three were asked before any answer came back.
    expect(runner.calls.map((argv) => argv.slice(0, 2).join(' '))).toEqual([
      'docker info',
      'docker version',
      'docker compose',
      'docker compose'
    ])
    const { docker, result, read } = await connecting
    expect(docker.compose).toEqual(['docker', 'compose'])
    expect(result.stdout).toBe('{"services":{}}')
    expect(await read).toEqual(new Date('2026-11-28T12:00:00.5Z'))
    expect(runner.calls.filter((argv) => argv.includes('config'))).toEqual([
      ['docker', 'compose', '--project-directory', '/w', '--project-name', 'p', '--file', '/w/c.yml', ...config]
    ])
  })

  it('asks a standalone docker-compose again, and answers with its model', async () => {
    const runner = new FakeRunner([
      ['docker compose', { exitCode: 1, stderr: "docker: 'compose' is not a docker command." }],
      ['docker-compose version', { stdout: 'v2.20.0' }],
      ['docker-compose --project-directory', { stdout: '{"services":{"a":{}}}' }]
    ])
    const { docker, result } = await connectAndRead(runner, project, config, time)
    expect(docker.compose).toEqual(['docker-compose'])
    expect(result.stdout).toBe('{"services":{"a":{}}}')
    expect(runner.calls.filter((argv) => argv.includes('config')).map((argv) => argv[0])).toEqual([
      'docker',
      'docker-compose'
    ])
  })

  it('fails to connect as connect does, whatever the plugin and the engine said meanwhile', async () => {
    const runner = new FakeRunner([
      ['docker version', { exitCode: 127 }],
      ['docker info', { exitCode: 127 }]
    ])
    await expect(connectAndRead(runner, project, config, time)).rejects.toThrow('docker CLI is not installed')
  })

  it.each([
    ['no CLI', [['docker version', { exitCode: 127 }]], 'docker CLI is not installed'],
    [
      'no daemon',
      [
        [
          'docker version',
          {
            exitCode: 1,
            stderr: 'Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?'
          }
        ]
      ],
      'The Docker daemon does not answer: Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running? Start it'
    ],
    [
      'a hung daemon',
      [['docker version', { exitCode: 143, killed: true }]],
      'The Docker daemon does not answer: it did not answer within 30 s (`docker version` was stopped at that time limit). Start it'
    ],
    [
      'a silent failure',
      [['docker version', { exitCode: 1 }]],
      'The Docker daemon does not answer: `docker version` failed with exit code 1 and no message. Start it'
    ],
    [
      'compose v1 only',
      [
        ['docker compose version', { exitCode: 1 }],
        ['docker-compose version', { stdout: '1.29.2' }]
      ],
      'Docker Compose v2 is not available'
    ]
  ] as [string, [string, Partial<CommandResult>][], string][])('explains %s', async (_name, answers, message) => {
    await expect(connectDocker(new FakeRunner(answers))).rejects.toThrow(DockerUnavailableError)
    await expect(connectDocker(new FakeRunner(answers))).rejects.toThrow(message)
  })
})
