// verify mode against a stack that is already running, and the CLI, which
// must give the same verdicts as the action on the same stack.
import { execFileSync, spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { ROOT } from '../../scripts/run-action.mjs'
import { ProcessRunner } from '../../src/docker/command.js'
import { connectDocker } from '../../src/docker/connect.js'
import { Prober } from '../../src/checks/prober.js'
import { validateReport } from '../helpers/report-schema.js'
import {
  composeDown,
  composeUp,
  docker,
  leftovers,
  runAction,
  runActionWatched,
  STACKS,
  trackProjects,
  uniqueProject,
  type ActionRun
} from './harness.js'

const MINUTES = 60_000
const healthy = uniqueProject('verify')
const project = trackProjects()

/** What verify must never change: the containers, their start times and restart counts. */
function fingerprint(project: string): string {
  const ids = docker('ps', '--all', '--quiet', '--filter', `label=com.docker.compose.project=${project}`).split('\n')
  return docker('inspect', '--format', '{{.Id}} {{.State.StartedAt}} {{.RestartCount}} {{.State.Status}}', ...ids)
}

function verdicts(checks: { check: string; service: string; verdict: string }[]): string[] {
  return checks.map((c) => `${c.check} ${c.service} ${c.verdict}`).sort()
}

function cli(args: string[]): { status: number; stdout: string; report: any } {
  const json = join(tmpdir(), `otc-cli-${process.pid}-${Date.now()}.json`)
  const result = spawnSync(process.execPath, [join(ROOT, 'dist/cli/index.js'), ...args, '--json', json], {
    cwd: STACKS,
    encoding: 'utf8',
    timeout: 5 * MINUTES
  })
  const report = JSON.parse(readFileSync(json, 'utf8'))
  expect(validateReport(report)).toEqual([])
  return { status: result.status ?? -1, stdout: result.stdout + result.stderr, report }
}

beforeAll(() => composeUp('demo', healthy), 5 * MINUTES)
afterAll(() => {
  composeDown(healthy)
  expect(leftovers(healthy)).toEqual([])
})

describe('verify mode on a running deployment', () => {
  let run: ActionRun
  let before: string

  beforeAll(() => {
    before = fingerprint(healthy)
    run = runAction({
      mode: 'verify',
      'working-directory': 'demo',
      'project-name': healthy,
      'probe-targets': '10.8.0.10'
    })
  }, 5 * MINUTES)

  it('passes without starting, stopping or recreating anything', () => {
    expect(run.main.exitCode).toBe(0)
    expect(run.main.outputs.get('result')).toBe('passed')
    expect(fingerprint(healthy)).toBe(before)
    expect(run.main.state.has('composeProject')).toBe(false)
    expect(run.post!.stdout).toContain('Nothing was started')
  })

  it('writes a summary with the table, the mermaid timeline and the diagnostics', () => {
    expect(run.main.summary).toMatch(/\| ✅ \| celery \| reach \|/)
    expect(run.main.summary).toContain('```mermaid\ntimeline')
    expect(run.main.summary).toContain('<summary>routes of')
    expect(run.main.summary).toContain('<summary>docker compose ps</summary>')
  })

  it('gives the same verdicts from the CLI', () => {
    const result = cli([
      '--mode',
      'verify',
      '--working-directory',
      'demo',
      '--project-name',
      healthy,
      '--probe-targets',
      '10.8.0.10'
    ])
    expect(result.status).toBe(0)
    expect(result.stdout).toContain('PASSED: Management tunnel works')
    expect(verdicts(result.report.checks)).toEqual(verdicts(run.report!.checks))
    expect(fingerprint(healthy)).toBe(before)
  })
})

describe('route flaps', () => {
  const vpn = `${healthy}-openvpn-1`

  it(
    'waits out a route that vanishes for a moment, within route-timeout',
    async () => {
      docker('exec', vpn, 'ip', 'route', 'del', '10.8.0.0/24', 'dev', 'tun0')
      // The route comes back 1.5 s after the tunnel checks began, as after an
      // OpenVPN restart: the check cannot have passed sooner.
      let restored: NodeJS.Timeout | undefined
      const run = await runActionWatched(
        { mode: 'verify', 'working-directory': 'demo', 'project-name': healthy, 'route-timeout': '20' },
        (line) => {
          if (line === '::group::Tunnel checks' && !restored)
            restored = setTimeout(() => docker('exec', vpn, 'ip', 'route', 'add', '10.8.0.0/24', 'dev', 'tun0'), 1500)
        }
      )
      expect(restored).toBeDefined()
      expect(run.main.outputs.get('result')).toBe('passed')
      const tunnel = run.report!.checks.find((c: any) => c.check === 'tunnel')
      expect(tunnel.durationMs).toBeGreaterThan(1000)
    },
    2 * MINUTES
  )

  it(
    'calls a route missing once route-timeout has passed',
    () => {
      docker('exec', vpn, 'ip', 'route', 'del', '10.8.0.0/24', 'dev', 'tun0')
      try {
        const run = runAction({
          mode: 'verify',
          'working-directory': 'demo',
          'project-name': healthy,
          'management-subnet': '10.8.0.0/24',
          'route-timeout': '3'
        })
        expect(run.main.exitCode).toBe(1)
        const failed = run.report!.checks.filter((c: any) => c.verdict === 'failed')
        expect(failed.map((c: any) => `${c.check} ${c.service}`)).toEqual([
          'tunnel openvpn',
          'route celery',
          'route celery_monitoring'
        ])
        expect(failed[0].summary).toContain('no tun/tap route covers 10.8.0.0/24')
        expect(failed[0].durationMs).toBeGreaterThanOrEqual(3000)
      } finally {
        docker('exec', vpn, 'ip', 'route', 'add', '10.8.0.0/24', 'dev', 'tun0')
      }
    },
    2 * MINUTES
  )
})

describe('probing without ping, as a non-root user', () => {
  it(
    'uses python3 and an unprivileged ICMP socket, and tells a silent address apart',
    async () => {
      const docker = await connectDocker(new ProcessRunner())
      const worker = (await docker.projectContainers(healthy)).find((c) => c.service === 'celery')!
      const answer = await new Prober(docker).probe([worker], '10.8.0.10')
      expect(answer).toMatchObject({ from: worker.name, tool: 'python3', answered: true })
      expect(answer!.roundTripMs).toBeGreaterThan(0)
      // An address in the subnet that no device holds.
      expect(await new Prober(docker).probe([worker], '10.8.0.99')).toMatchObject({ tool: 'python3', answered: false })
      // Bound to the tunnel, as the reach check probes (SO_BINDTODEVICE, unprivileged); bound
      // to another interface, the device cannot answer.
      expect(await new Prober(docker).probe([worker], '10.8.0.10', 'tun0')).toMatchObject({
        boundTo: 'tun0',
        answered: true
      })
      expect(await new Prober(docker).probe([worker], '10.8.0.10', 'lo')).toMatchObject({ answered: false })
    },
    MINUTES
  )
})

describe('the CLI on a broken stack', () => {
  it(
    'fails the race with the same causes as the action, exit code 1, and tears down',
    () => {
      const name = project('cli-race')
      const result = cli([
        '--working-directory',
        'race',
        '--project-name',
        name,
        '--preflight',
        'report',
        '--route-timeout',
        '5'
      ])
      expect(result.status).toBe(1)
      expect(result.stdout).toContain('FAILED: Management tunnel check failed')
      expect(result.stdout).toMatch(/FAIL namespace\s+\S+celery-1\s+Stale namespace/)
      expect(
        result.report.checks.filter((c: any) => c.verdict === 'failed').map((c: any) => `${c.check} ${c.service}`)
      ).toEqual(expect.arrayContaining(['namespace celery', 'namespace celery_monitoring']))
    },
    5 * MINUTES
  )

  it('exits 2 with one line on bad input', () => {
    const result = spawnSync(process.execPath, [join(ROOT, 'dist/cli/index.js'), '--mode', 'sometimes'], {
      cwd: STACKS,
      encoding: 'utf8'
    })
    expect(result.status).toBe(2)
    expect(result.stderr.trim()).toBe(
      "error: Input 'mode': 'sometimes' is not one of full, verify, lint. Use one of those values."
    )
  })
})

describe('a deployment whose vpn container was recreated under its workers (nightly verify)', () => {
  it(
    'names both workers as stale, without touching anything',
    () => {
      execFileSync(
        'docker',
        ['compose', '-p', healthy, 'up', '--detach', '--wait', '--force-recreate', '--no-deps', 'openvpn'],
        { cwd: join(STACKS, 'demo'), stdio: 'pipe', timeout: 2 * MINUTES }
      )
      const before = fingerprint(healthy)
      const run = runAction({
        mode: 'verify',
        'working-directory': 'demo',
        'project-name': healthy,
        'route-timeout': '3'
      })
      expect(run.main.exitCode).toBe(1)
      for (const service of ['celery', 'celery_monitoring']) {
        const namespace = run.report!.checks.find((c: any) => c.check === 'namespace' && c.service === service)
        expect(namespace.summary).toMatch(
          /^Stale namespace: .* joined container \w{12}, which is no longer .*openvpn-1/
        )
        expect(namespace.fix).toContain(`--force-recreate --no-deps ${service}`)
      }
      expect(fingerprint(healthy)).toBe(before)
    },
    3 * MINUTES
  )
})
