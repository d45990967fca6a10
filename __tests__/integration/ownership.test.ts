// Never destroy what the action did not create: a project that exists is
// neither used nor removed, every step run gets a project of its own, a
// teardown keeps what was there before its run, and the CLI cleans up once,
// fully, however often it is signalled.
import { execFileSync, spawn, spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { describe, expect, it } from '@jest/globals'
import { ROOT } from '../../scripts/run-action.mjs'
import { annotations, composeDown, docker, leftovers, runAction, runPost, STACKS, trackProjects } from './harness.js'

const MINUTES = 60_000
const project = trackProjects('otc-ow')
const PRECIOUS = join(STACKS, 'precious')
const CLI = join(ROOT, 'dist/cli/index.js')

/** Plain Compose on the stack that is somebody else's. */
function precious(name: string, ...args: string[]): string {
  return execFileSync('docker', ['compose', '-p', name, ...args], {
    cwd: PRECIOUS,
    encoding: 'utf8',
    timeout: 2 * MINUTES,
    stdio: 'pipe'
  })
}

/** Starts the database and writes its data; returns what must never change. */
function startPrecious(name: string): string {
  precious(name, 'up', '--detach', 'db')
  docker('exec', `${name}-db-1`, 'sh', '-c', 'echo precious > /data/file')
  return fingerprint(name)
}

/** Every resource of the project with what identifies it, and the data. */
function fingerprint(name: string): string {
  const filter = `label=com.docker.compose.project=${name}`
  const ids = docker('ps', '--all', '--quiet', '--filter', filter).split('\n')
  return [
    docker('inspect', '--format', '{{.Id}} {{.State.StartedAt}} {{.RestartCount}} {{.State.Status}}', ...ids),
    docker('network', 'ls', '--no-trunc', '--quiet', '--filter', filter),
    docker('volume', 'ls', '--quiet', '--filter', filter),
    docker('exec', `${name}-db-1`, 'cat', '/data/file')
  ].join('\n')
}

describe('full mode with the name of a project that exists', () => {
  it(
    'fails with one clear error, starts nothing, and its post step removes nothing, data volume included',
    () => {
      const name = project('exists')
      try {
        const before = startPrecious(name)
        expect(before).toContain('precious')
        const run = runAction({ 'working-directory': 'demo', 'project-name': name })
        expect(run.main.exitCode).toBe(1)
        expect(run.main.outputs.get('result')).toBe('failed')
        expect(annotations(run.main, 'error')).toEqual([
          `::error title=Bad input::Input 'project-name': project '${name}' already exists on this Docker engine: 1 container (${name}-db-1), 1 network (${name}_default), 1 volume (${name}_data). Full mode starts a project of its own and removes it afterwards, so it neither uses nor touches this one. Choose another project-name, or leave it empty for a name unique to this run; to check a deployment that is already running, use mode: verify.`
        ])
        // The post step is given nothing to tear down.
        expect(run.main.state.has('composeProject')).toBe(false)
        expect(run.post!.stdout).toContain('Nothing was started: nothing to tear down.')
        expect(run.post!.stdout).not.toContain('Removed')
        expect(fingerprint(name)).toBe(before)
      } finally {
        composeDown(name)
      }
    },
    3 * MINUTES
  )

  it(
    'is refused by the CLI too, with exit code 2',
    () => {
      const name = project('exists-cli')
      try {
        const before = startPrecious(name)
        const cli = spawnSync(process.execPath, [CLI, '--working-directory', 'demo', '--project-name', name], {
          cwd: STACKS,
          encoding: 'utf8',
          timeout: 2 * MINUTES
        })
        expect(cli.status).toBe(2)
        expect(cli.stderr).toContain(
          `error: Input 'project-name': project '${name}' already exists on this Docker engine: 1 container (${name}-db-1)`
        )
        expect(cli.stdout).not.toContain('Removed')
        expect(fingerprint(name)).toBe(before)
      } finally {
        composeDown(name)
      }
    },
    3 * MINUTES
  )
})

describe('full mode when a volume the files declare exists already', () => {
  it(
    'neither uses nor deletes it, as a volume restored from a backup without labels',
    () => {
      const name = project('restored')
      const volume = `${name}_data`
      try {
        docker('volume', 'create', volume)
        const write = ['run', '--rm', '-v', `${volume}:/data`, 'otc-debian:bookworm']
        docker(...write, 'sh', '-c', 'echo precious > /data/file')
        const run = runAction({
          'working-directory': 'demo',
          'compose-file': 'docker-compose.yml, volume.override.yml',
          'project-name': name
        })
        expect(run.main.exitCode).toBe(1)
        expect(annotations(run.main, 'error')).toEqual([
          expect.stringContaining(
            `Input 'project-name': the compose files declare volume '${volume}', which already exists on this Docker engine and was not made by project '${name}'`
          )
        ])
        expect(run.main.state.has('composeProject')).toBe(false)
        expect(run.post!.stdout).toContain('Nothing was started: nothing to tear down.')
        expect(docker(...write, 'cat', '/data/file')).toBe('precious')
        expect(leftovers(name)).toEqual([])
      } finally {
        docker('volume', 'rm', '--force', volume)
      }
    },
    3 * MINUTES
  )
})

describe('the default project name', () => {
  it(
    'differs between two runs of the action in one job, and each post step removes only its own',
    () => {
      // Everything the runner tells the two steps apart by is the same here,
      // as for the legs of a matrix. The run id puts the names under this
      // file's prefix (otc-ow-).
      const env = { GITHUB_RUN_ID: 'ow', GITHUB_RUN_ATTEMPT: '1', GITHUB_JOB: 'tunnel', GITHUB_ACTION: '__self' }
      const inputs = { 'working-directory': 'demo', 'probe-targets': '10.8.0.10' }
      const names: string[] = []
      try {
        // Both main steps run before either post step, as in a job.
        const first = runAction(inputs, { env, post: false })
        names.push(first.report!.project)
        const second = runAction(inputs, { env, post: false })
        names.push(second.report!.project)
        expect(names[0]).toMatch(/^otc-ow-1-tunnel-__self-[0-9a-f]{8}$/)
        expect(names[1]).toMatch(/^otc-ow-1-tunnel-__self-[0-9a-f]{8}$/)
        expect(names[1]).not.toBe(names[0])
        expect([first.main.outputs.get('result'), second.main.outputs.get('result')]).toEqual(['passed', 'passed'])
        // The runner runs post steps in reverse order; each reads its name
        // from its own saved state.
        const secondPost = runPost(inputs, second.main.state, { env })
        expect(secondPost.stdout).toContain(`of project ${names[1]}; nothing of it is left.`)
        expect(leftovers(names[1])).toEqual([])
        expect(leftovers(names[0]).length).toBeGreaterThan(0)
        const firstPost = runPost(inputs, first.main.state, { env })
        expect(firstPost.stdout).toContain(`of project ${names[0]}; nothing of it is left.`)
        expect(leftovers(names[0])).toEqual([])
      } finally {
        names.forEach(composeDown)
      }
    },
    6 * MINUTES
  )
})

describe('teardown', () => {
  it(
    'keeps what was created before the run began, and removes what the run created',
    () => {
      const name = project('before')
      try {
        const before = startPrecious(name)
        // Volumes are dated to the second: let one pass, so that the data
        // volume is certainly older than the moment below.
        execFileSync('sleep', ['1.1'])
        const upStarted = docker('info', '--format', '{{.SystemTime}}')
        // What "this run" starts in the same project.
        precious(name, '--profile', 'later', 'up', '--detach', 'web')
        const web = docker('ps', '--quiet', '--no-trunc', '--filter', `name=${name}-web-1`)
        expect(web).not.toBe('')
        const state = new Map([
          [
            'composeProject',
            JSON.stringify({
              workingDirectory: PRECIOUS,
              files: [join(PRECIOUS, 'docker-compose.yml')],
              envFiles: [],
              profiles: ['later'],
              projectName: name
            })
          ],
          ['composeCommand', JSON.stringify(['docker', 'compose'])],
          ['upStarted', upStarted]
        ])
        const post = runPost({}, state)
        expect(post.exitCode).toBe(0)
        expect(post.stdout).toContain(
          `Removed 1 container of project ${name}; kept 1 container, 1 network, 1 volume that this run did not create.`
        )
        expect(annotations(post, 'warning')).toEqual([
          `::warning title=Teardown::Not removing 1 container (${name}-db-1), 1 network (${name}_default), 1 volume (${name}_data) of project ${name}: created before this run's docker compose up began, so another run or a person made them. Find out whose they are before removing them.`
        ])
        expect(docker('ps', '--all', '--quiet', '--filter', `id=${web}`)).toBe('')
        expect(fingerprint(name)).toBe(before)
      } finally {
        composeDown(name)
      }
    },
    3 * MINUTES
  )
})

/** Starts the CLI on the demo stack in a process group of its own; resolves
 * with what it printed once it has ended. */
function startCli(name: string) {
  const child = spawn(process.execPath, [CLI, '--working-directory', 'demo', '--project-name', name], {
    cwd: STACKS,
    detached: true
  })
  const output = { stdout: '', stderr: '' }
  child.stdout.on('data', (chunk) => (output.stdout += chunk))
  child.stderr.on('data', (chunk) => (output.stderr += chunk))
  const ended = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)))
  return { child, output, ended }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Waits until `up` has created the project's first container. */
async function upUnderWay(name: string): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (docker('ps', '--all', '--quiet', '--filter', `label=com.docker.compose.project=${name}`)) return
    await sleep(100)
  }
  throw new Error(`no container of ${name} appeared`)
}

describe('the CLI signalled during up', () => {
  const cases = [
    { who: 'the process', times: 1, group: false, why: 'cron, systemd' },
    { who: 'the process', times: 2, group: false, why: 'an impatient Ctrl-C' },
    { who: 'its process group', times: 2, group: true, why: 'as timeout does' }
  ]
  for (const { who, times, group, why } of cases) {
    it(
      `tears down once, fully, and says so, when ${who} gets SIGTERM ${times === 1 ? 'once' : 'twice 0.3 s apart'} (${why})`,
      async () => {
        const name = project('term')
        const cli = startCli(name)
        await upUnderWay(name)
        for (let i = 0; i < times; i++) {
          if (i > 0) await sleep(300)
          process.kill(group ? -cli.child.pid! : cli.child.pid!, 'SIGTERM')
        }
        expect(await cli.ended).toBe(143)
        expect(cli.output.stderr).toContain('error: Cancelled (SIGTERM). Removing what this run started…')
        const again = 'Cancelled (SIGTERM). Already stopping: wait for the cleanup to finish.'
        expect(cli.output.stderr.includes(again)).toBe(times > 1)
        // One teardown, and its message is the last word: no verdict about
        // the commands that the cancel stopped.
        const said = cli.output.stdout.split('\n').filter(Boolean)
        expect(said.filter((line) => /Removed|nothing to remove/.test(line))).toEqual([
          expect.stringMatching(
            new RegExp(`^Removed \\d containers?, 1 network of project ${name}; nothing of it is left\\.$`)
          )
        ])
        expect(said.at(-1)).toMatch(/^Removed /)
        expect(cli.output.stdout).not.toContain('compose up failed')
        // No `docker compose up` or `docker events` of the project outlives the CLI.
        expect(() => execFileSync('pgrep', ['-f', name])).toThrow()
      },
      3 * MINUTES
    )
  }
})
