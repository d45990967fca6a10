import { describe, expect, it } from '@jest/globals'
import { parseInventoryLines, type ProjectInventory } from '../../../src/docker/argv.js'
import { Docker } from '../../../src/docker/client.js'
import {
  claimProject,
  declaredVolumeNames,
  describeResources,
  existingProjectError,
  notCreatedSince,
  readEngineFacts
} from '../../../src/docker/ownership.js'
import { InputError } from '../../../src/errors.js'
import { FakeRunner } from '../../helpers/fake-runner.js'

const dated = (id: string, created: string) => ({ id, name: `name-${id}`, created: new Date(created) })
const empty: ProjectInventory = { containers: [], networks: [], volumes: [] }

describe('notCreatedSince', () => {
  const since = new Date('2026-11-28T12:00:00.500Z')

  it('calls foreign what was created before the moment, to the engine precision of each kind', () => {
    const inventory: ProjectInventory = {
      containers: [dated('before', '2026-11-28T12:00:00.499999999Z'), dated('same-ms', '2026-11-28T12:00:00.500900Z')],
      networks: [dated('after', '2026-11-28T12:00:03Z')],
      // Volumes are dated to the second: only an earlier second is certainly before.
      volumes: [dated('earlier-second', '2026-11-28T11:59:59Z'), dated('same-second', '2026-11-28T12:00:00Z')]
    }
    const found = {
      containers: ['before', 'same-ms'],
      networks: ['after'],
      volumes: ['earlier-second', 'same-second']
    }
    expect(notCreatedSince(found, inventory, since)).toEqual({
      containers: ['before'],
      networks: [],
      volumes: ['earlier-second']
    })
  })

  it('calls foreign what it cannot date: not inspected, or an unreadable time', () => {
    const inventory = { ...empty, containers: [dated('garbled', 'yesterday')] }
    const found = { containers: ['garbled', 'uninspected'], networks: [], volumes: [] }
    expect(notCreatedSince(found, inventory, since).containers).toEqual(['garbled', 'uninspected'])
  })

  it('calls everything foreign when the moment up began is unknown (a lost state)', () => {
    const inventory = { ...empty, containers: [dated('c1', '2026-11-28T12:00:01Z')] }
    const found = { containers: ['c1'], networks: [], volumes: [] }
    expect(notCreatedSince(found, inventory, new Date(''))).toEqual(found)
  })
})

describe('describeResources', () => {
  it('counts each kind, with up to three names of the resources named', () => {
    const found = { containers: ['a', 'b', 'c', 'd'], networks: ['n'], volumes: ['v'] }
    const named = {
      containers: ['a', 'b', 'c', 'd'].map((id) => dated(id, '2026-11-28T12:00:00Z')),
      networks: [dated('n', '2026-11-28T12:00:00Z')],
      volumes: [dated('other', '2026-11-28T12:00:00Z')]
    }
    expect(describeResources(found, named)).toBe(
      '4 containers (name-a, name-b, name-c, …), 1 network (name-n), 1 volume'
    )
  })

  it('marks names it could not read', () => {
    const found = { containers: ['a', 'b'], networks: [], volumes: [] }
    expect(describeResources(found, { ...empty, containers: [dated('a', '2026-11-28T12:00:00Z')] })).toBe(
      '2 containers (name-a, …)'
    )
  })
})

describe('parseInventoryLines', () => {
  it('reads the inspect template, without the leading slash of container names', () => {
    expect(
      parseInventoryLines('abc\t/p1-db-1\t2026-11-28T21:51:39.235826261Z\nv\tv\t2026-11-28T21:51:39+01:00\n')
    ).toEqual([
      { id: 'abc', name: 'p1-db-1', created: new Date('2026-11-28T21:51:39.235Z') },
      { id: 'v', name: 'v', created: new Date('2026-11-28T20:51:39Z') }
    ])
  })
})

/** The claim as full mode makes it: the engine's facts, then the decision. */
async function claim(runner: FakeRunner, declaredVolumes: string[]): Promise<Date> {
  const docker = new Docker(runner, ['docker', 'compose'])
  return claimProject(docker, 'p1', await readEngineFacts(docker, 'p1', docker.engineTime()), declaredVolumes)
}

describe('claimProject', () => {
  it('refuses a project that exists, naming what it holds and what to do instead', async () => {
    const runner = new FakeRunner([
      ['docker ps', { stdout: 'c1\nc2\n' }],
      ['docker volume ls', { stdout: 'p1_data\n' }],
      [
        'docker container inspect',
        { stdout: 'c1\t/p1-db-1\t2026-11-28T11:00:00Z\nc2\t/p1-web-1\t2026-11-28T11:00:00Z\n' }
      ],
      ['docker volume inspect', { stdout: 'p1_data\tp1_data\t2026-11-28T11:00:00Z\n' }]
    ])
    const claimed = claim(runner, [])
    await expect(claimed).rejects.toBeInstanceOf(InputError)
    await expect(claimed).rejects.toThrow(
      "Input 'project-name': project 'p1' already exists on this Docker engine: 2 containers (p1-db-1, p1-web-1), 1 volume (p1_data). " +
        'Full mode starts a project of its own and removes it afterwards, so it neither uses nor touches this one. ' +
        'Choose another project-name, or leave it empty for a name unique to this run; ' +
        'to check a deployment that is already running, use mode: verify.'
    )
    // Nothing was started, stopped or removed: only listings, inspects and the engine's time were read.
    expect(runner.calls.map((argv) => argv.slice(0, 3).join(' ')).sort()).toEqual([
      'docker container inspect',
      'docker info --format',
      'docker network ls',
      'docker ps --all',
      'docker volume inspect',
      'docker volume ls',
      'docker volume ls'
    ])
  })

  it('refuses a project of which only a volume is left', async () => {
    const runner = new FakeRunner([['docker volume ls', { stdout: 'p1_data\n' }]])
    await expect(claim(runner, [])).rejects.toThrow("project 'p1' already exists on this Docker engine: 1 volume.")
  })

  it('refuses a volume the compose files declare that exists without the label, as a restored backup does', async () => {
    const runner = new FakeRunner([
      ['docker volume ls --quiet --filter', { stdout: '' }],
      ['docker volume ls --quiet', { stdout: 'p1_precious\nunrelated\n' }],
      // The engine's time is asked beside the decision; a refusal does not depend on it.
      ['docker info', { exitCode: 1, stderr: 'permission denied' }]
    ])
    await expect(claim(runner, ['p1_precious', 'p1_cache'])).rejects.toThrow(
      "Input 'project-name': the compose files declare volume 'p1_precious', which already exists on this Docker engine and was not made by project 'p1': full mode would use it and then delete it with the project."
    )
  })

  it("answers with the engine's time when the project does not exist", async () => {
    const runner = new FakeRunner([['docker info', { stdout: '2026-11-28T12:00:00.123456789Z\n' }]])
    const since = await claim(runner, [])
    expect(since.toISOString()).toBe('2026-11-28T12:00:00.123Z')
  })

  it('fails rather than guess when the engine gives no time', async () => {
    const runner = new FakeRunner([['docker info', { exitCode: 1, stderr: 'permission denied' }]])
    await expect(claim(runner, [])).rejects.toThrow('docker info gave no engine time: permission denied')
  })
})

describe('declaredVolumeNames', () => {
  it("takes the names Compose gives the project's own volumes, not external ones", () => {
    const config = {
      volumes: {
        data: { name: 'p1_data' },
        named: { name: 'backup-2026' },
        shared: { name: 'shared', external: true }
      }
    }
    expect(declaredVolumeNames(config)).toEqual(['p1_data', 'backup-2026'])
    expect(declaredVolumeNames({ services: {} })).toEqual([])
    expect(declaredVolumeNames(undefined)).toEqual([])
  })
})

describe('existingProjectError', () => {
  it('is bad input of project-name', () => {
    const error = existingProjectError('p1', { containers: ['c'], networks: [], volumes: [] }, empty)
    expect(error).toMatchObject({ input: 'project-name', title: 'Bad input' })
  })
})
