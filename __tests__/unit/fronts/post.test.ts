// The post step with @actions/core and the process runner replaced: it tears
// down exactly the project main saved, as the teardown policy says.
import { beforeEach, describe, expect, it, jest } from '@jest/globals'
import type { CommandRunner } from '../../../src/docker/command.js'
import { emptyRecord, mockCore, type Recorded } from '../../helpers/core-mock.js'
import { ScriptedEngine } from '../../helpers/scripted-engine.js'

let runner: ScriptedEngine

jest.unstable_mockModule('../../../src/docker/command.js', () => ({
  ProcessRunner: class {
    run: CommandRunner['run'] = (argv, options) => runner.run(argv, options)
    stopAll = async () => {}
  }
}))

const project = {
  workingDirectory: '/work/stack',
  files: ['/work/stack/docker-compose.yml'],
  envFiles: [],
  profiles: [],
  projectName: 'otc-42-1-check'
}

async function runPost(state: Record<string, string>): Promise<Recorded> {
  const recorded = emptyRecord()
  for (const [name, value] of Object.entries(state)) recorded.state.set(name, value)
  mockCore(recorded)
  const { post } = await import('../../../src/fronts/post.js')
  await post()
  return recorded
}

const started = {
  composeProject: JSON.stringify(project),
  composeCommand: JSON.stringify(['docker', 'compose']),
  upStarted: '2026-11-28T12:00:00.000Z'
}

beforeEach(() => {
  jest.resetModules()
  // Two containers and a network before `down`, created after `up` began; nothing after it.
  runner = new ScriptedEngine([
    [/^docker ps --all --quiet/, [{ stdout: 'c1\nc2\n' }, { stdout: '' }]],
    [/^docker network ls/, [{ stdout: 'n1\n' }, { stdout: '' }]],
    [/^docker container inspect/, { stdout: 'c1\t/c1\t2026-11-28T12:00:01Z\nc2\t/c2\t2026-11-28T12:00:02Z\n' }],
    [/^docker network inspect/, { stdout: 'n1\tn1\t2026-11-28T12:00:00.5Z\n' }]
  ])
})

describe('post', () => {
  it('says so when main started nothing', async () => {
    const r = await runPost({})
    expect(r.log).toEqual(['Nothing was started: nothing to tear down.'])
    expect(runner.calls).toEqual([])
  })

  it('keeps a failed project under teardown: on-success, and says how to remove it', async () => {
    const r = await runPost({ ...started, teardown: 'on-success', result: 'failed' })
    expect(r.log).toEqual([
      'Keeping project otc-42-1-check (teardown: on-success, result: failed). Remove it with: docker compose -p otc-42-1-check down -v --remove-orphans'
    ])
    expect(runner.calls).toEqual([])
  })

  it('tears down the saved project with its own files and stop grace, and says what it removed', async () => {
    const r = await runPost({ ...started, teardown: 'always', stopTimeout: '0', result: 'passed' })
    const down = runner.calls.find((call) => call.includes(' down '))
    expect(down).toBe(
      'docker compose --project-directory /work/stack --project-name otc-42-1-check --file /work/stack/docker-compose.yml down --volumes --remove-orphans --timeout 0'
    )
    expect(r.log).toContain('Removed 2 containers, 1 network of project otc-42-1-check; nothing of it is left.')
    expect(r.annotations).toEqual([])
  })

  it('keeps what was created before main ran up, and removes only its own', async () => {
    runner = new ScriptedEngine([
      [/^docker ps --all --quiet/, [{ stdout: 'old\nc1\n' }, { stdout: 'old\n' }]],
      [/^docker container inspect/, { stdout: 'old\t/db-1\t2026-11-28T11:00:00Z\nc1\t/c1\t2026-11-28T12:00:01Z\n' }]
    ])
    const r = await runPost({ ...started, teardown: 'always', result: 'passed' })
    expect(runner.calls.some((call) => call.includes(' down '))).toBe(false)
    expect(runner.calls).toContain('docker rm --force --volumes c1')
    expect(r.log).toContain(
      'Removed 1 container of project otc-42-1-check; kept 1 container that this run did not create.'
    )
    expect(r.annotations).toEqual([
      expect.objectContaining({
        level: 'warning',
        message: expect.stringMatching(/^Not removing 1 container \(db-1\) of project otc-42-1-check: created before/)
      })
    ])
  })

  it('gives the default grace when the saved stop-timeout is not one main saves', async () => {
    await runPost({ ...started, teardown: 'always', stopTimeout: '5; reboot', result: 'passed' })
    expect(runner.calls.find((call) => call.includes(' down '))).toMatch(
      / down --volumes --remove-orphans --timeout 1$/
    )
  })

  it("tears down under a saved teardown policy that is not one main saves (the input's default)", async () => {
    await runPost({ ...started, teardown: 'sometimes', result: 'maybe' })
    expect(runner.calls.find((call) => call.includes(' down '))).toMatch(
      / down --volumes --remove-orphans --timeout 1$/
    )
  })

  it('tears down when main ended before its verdict (no result saved means failed, policy always, default grace)', async () => {
    const r = await runPost(started)
    expect(runner.calls.find((call) => call.includes(' down '))).toMatch(
      / down --volumes --remove-orphans --timeout 1$/
    )
    expect(r.log.some((line) => line.startsWith('Removed 2 containers'))).toBe(true)
  })

  it.each([
    ['JSON that does not parse', { composeProject: '{"projectName": ' }],
    ['a compose command other than Compose', { composeCommand: JSON.stringify(['rm', '-rf', '/']) }],
    ['no start time', { upStarted: 'yesterday' }]
  ])('touches nothing when the saved state is malformed (%s), and says so', async (_what, broken) => {
    const r = await runPost({ ...started, ...broken, teardown: 'always', result: 'passed' })
    expect(runner.calls).toEqual([])
    expect(r.annotations).toEqual([
      {
        level: 'warning',
        message: expect.stringMatching(
          /^The state main saved for this step is unreadable \(.*\), so nothing was torn down\./
        ),
        properties: { title: 'Teardown' }
      }
    ])
  })
})
