// A nightly verify against a deployment that is down answers in seconds, from
// the action and the CLI: no container of the project at all, a vpn container
// that is stopped for good, a tunnel service that is paused or stopped. The
// jest time limits are far below health-timeout (600 s by default): a wait
// for health would overrun them.
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { ROOT } from '../../scripts/run-action.mjs'
import { validateReport } from '../helpers/report-schema.js'
import { annotations, composeDown, composeUp, docker, leftovers, runAction, STACKS, uniqueProject } from './harness.js'

const MINUTES = 60_000
/** Far below health-timeout's default of 600 s, and generous for a loaded machine. */
const FAST = 90_000
const running = uniqueProject('down')
const vpn = `${running}-openvpn-1`

function verify(project: string, extra: Record<string, string> = {}) {
  return runAction({ mode: 'verify', 'working-directory': 'demo', 'project-name': project, ...extra })
}

function cli(args: string[], env: NodeJS.ProcessEnv = process.env): { status: number; out: string; report: any } {
  const json = join(tmpdir(), `otc-cli-down-${process.pid}-${Date.now()}.json`)
  const result = spawnSync(process.execPath, [join(ROOT, 'dist/cli/index.js'), ...args, '--json', json], {
    cwd: STACKS,
    encoding: 'utf8',
    env,
    timeout: FAST
  })
  const report = JSON.parse(readFileSync(json, 'utf8'))
  expect(validateReport(report)).toEqual([])
  return { status: result.status ?? -1, out: result.stdout + result.stderr, report }
}

function failedChecks(report: any): string[] {
  return report.checks
    .filter((c: any) => c.verdict === 'failed')
    .map((c: any) => `${c.check} ${c.container ?? c.service}`)
}

beforeAll(() => composeUp('demo', running), 5 * MINUTES)
afterAll(() => {
  composeDown(running)
  expect(leftovers(running)).toEqual([])
})

describe('a project with no container on the engine', () => {
  const absent = uniqueProject('absent')

  it(
    'fails at once, naming the project, the engine asked and the projects it holds',
    () => {
      const run = verify(absent)
      expect(run.main.exitCode).toBe(1)
      expect(run.main.outputs.get('result')).toBe('failed')
      const errors = annotations(run.main, 'error')
      expect(errors).toHaveLength(1)
      // The engine asked is named as the environment selects it: DOCKER_HOST, else the Docker context.
      expect(errors[0]).toMatch(
        new RegExp(
          `No container of project ${absent} exists on the engine asked \\((Docker context |DOCKER_HOST unix://)`
        )
      )
      // The projects the engine does hold, so that a typo is plain.
      expect(errors[0]).toMatch(new RegExp(`Compose projects on that engine: .*${running} \\(running\\(\\d+\\)\\)`))
      expect(run.report!.checks).toHaveLength(1)
      expect(run.report!.diagnostics).toBeUndefined()
      expect(run.main.stdout).not.toContain('::group::Tunnel checks')
      expect(leftovers(absent)).toEqual([])
    },
    FAST
  )

  it(
    'fails at once from the CLI too, exit code 1 (the check failed; bad input is 2), naming DOCKER_HOST when it is set',
    () => {
      const result = cli(['--mode', 'verify', '--working-directory', 'demo', '--project-name', absent], {
        ...process.env,
        DOCKER_HOST: 'unix:///var/run/docker.sock'
      })
      expect(result.status).toBe(1)
      expect(result.out).toContain('FAILED: Management tunnel check failed')
      expect(result.out).toContain(
        `No container of project ${absent} exists on the engine asked (DOCKER_HOST unix:///var/run/docker.sock)`
      )
      expect(failedChecks(result.report)).toEqual(['health openvpn'])
    },
    FAST
  )
})

describe('a running project whose tunnel services are not all running', () => {
  it(
    'names a paused worker with its state and still checks the other',
    () => {
      docker('pause', `${running}-celery-1`)
      try {
        const run = verify(running, { 'probe-targets': '10.8.0.10', 'route-timeout': '5' })
        expect(run.main.exitCode).toBe(1)
        expect(failedChecks(run.report)).toEqual([`namespace ${running}-celery-1`])
        const celery = run.report!.checks.find((c: any) => c.service === 'celery')
        expect(celery.summary).toBe(`${running}-celery-1 is paused: its processes are frozen.`)
        const others = run.report!.checks.filter((c: any) => c.service === 'celery_monitoring')
        expect(others.map((c: any) => `${c.check} ${c.verdict}`)).toEqual([
          'namespace passed',
          'route passed',
          'reach passed'
        ])
      } finally {
        docker('unpause', `${running}-celery-1`)
      }
    },
    FAST
  )

  it(
    'names a stopped worker with its exit code and restart count',
    () => {
      docker('stop', `${running}-celery_monitoring-1`)
      try {
        const run = verify(running, { 'route-timeout': '5' })
        expect(failedChecks(run.report)).toEqual([`namespace ${running}-celery_monitoring-1`])
        const stopped = run.report!.checks.find((c: any) => c.service === 'celery_monitoring')
        // The worker image stops on SIGKILL: exit code 137.
        expect(stopped.summary).toBe(`${running}-celery_monitoring-1 is exited (exit code 137, restart count 0).`)
        const celery = run.report!.checks.filter((c: any) => c.service === 'celery')
        expect(celery.map((c: any) => `${c.check} ${c.verdict}`)).toEqual(['namespace passed', 'route passed'])
      } finally {
        docker('start', `${running}-celery_monitoring-1`)
      }
    },
    FAST
  )
})

describe('a vpn container that is stopped for good', () => {
  beforeAll(() => {
    docker('stop', vpn)
  })

  it(
    'fails at once with its state, exit code, restart count and log tail',
    () => {
      const run = verify(running)
      expect(run.main.exitCode).toBe(1)
      const health = run.report!.checks[0]
      expect(health).toMatchObject({ check: 'health', verdict: 'failed', container: vpn })
      expect(health.summary).toMatch(
        new RegExp(
          `^${vpn} is exited \\(exit code \\d+, restart count 0\\) and its restart policy \\(on-failure\\) will not start it again\\.$`
        )
      )
      expect(run.report!.checks).toHaveLength(1)
      expect(run.report!.diagnostics.vpnLogTail).toContain('otc-vpn: server 10.8.0.0')
      expect(run.main.stdout).toMatch(/::group::Log of openvpn \([^)]*\): [^\n]*\n[^]*otc-vpn: server 10\.8\.0\.0/)
    },
    FAST
  )

  it(
    'fails at once from the CLI too, exit code 1, with the log tail',
    () => {
      const result = cli(['--mode', 'verify', '--working-directory', 'demo', '--project-name', running])
      expect(result.status).toBe(1)
      expect(result.out).toMatch(/FAIL health\s+\S+openvpn-1\s+\S+ is exited \(exit code \d+, restart count 0\)/)
      expect(result.out).toContain('otc-vpn: server 10.8.0.0')
    },
    FAST
  )
})
