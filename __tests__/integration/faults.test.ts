// Faults against a real engine: each is detected, explained, bounded in time,
// and leaves nothing behind.
import { execFile, execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from '@jest/globals'
import { annotations, composeDown, leftovers, runAction, runActionWatched, STACKS, trackProjects } from './harness.js'

const execFileAsync = promisify(execFile)

const MINUTES = 60_000
const project = trackProjects()

function lineOf(stack: string, text: string): number {
  return (
    readFileSync(join(STACKS, stack, 'docker-compose.yml'), 'utf8')
      .split('\n')
      .findIndex((line) => line.includes(text)) + 1
  )
}

describe('healthy but no tunnel', () => {
  it(
    'fails within the route grace period and points at the healthcheck that lied',
    () => {
      const name = project('notunnel')
      const run = runAction({
        'working-directory': 'no-tunnel',
        'project-name': name,
        preflight: 'report',
        'route-timeout': '5'
      })
      expect(run.main.exitCode).toBe(1)
      const checks = run.report!.checks
      expect(checks.find((c: any) => c.check === 'health')).toMatchObject({ verdict: 'passed' })
      const tunnel = checks.find((c: any) => c.check === 'tunnel')
      expect(tunnel.verdict).toBe('failed')
      expect(tunnel.summary).toContain('is healthy, but no route over a tun/tap interface exists')
      expect(tunnel.location.line).toBe(lineOf('no-tunnel', 'test: ["CMD-SHELL"'))
      const errors = annotations(run.main, 'error').join('\n')
      expect(errors).toContain(`file=no-tunnel/docker-compose.yml,line=${lineOf('no-tunnel', 'test: ["CMD-SHELL"')}`)
      // The static check saw the lie before anything started.
      expect(run.report!.findings.find((f: any) => f.rule === 'healthcheck-lies')).toMatchObject({
        level: 'error',
        service: 'openvpn'
      })
      expect(run.main.seconds).toBeLessThan(5 + 25)
    },
    3 * MINUTES
  )
})

describe('crash loop', () => {
  it(
    "is reported within a minute although health-timeout is long, with the container's own words",
    () => {
      const name = project('crash')
      const run = runAction({ 'working-directory': 'crash-loop', 'project-name': name, 'health-timeout': '900' })
      expect(run.main.exitCode).toBe(1)
      expect(run.main.seconds).toBeLessThan(60)
      const failed = run.report!.checks.filter((c: any) => c.verdict === 'failed')
      expect(failed.length).toBeGreaterThan(0)
      // Whichever noticed first, Compose or the event stream, the cause is the restart loop.
      expect(failed.map((c: any) => c.summary).join('\n')).toMatch(/restart loop|crash loop/)
      expect(run.report!.diagnostics.vpnLogTail).toContain('CRASH=1')
      expect(run.main.summary).toMatch(
        /<summary>Log of openvpn \(\S+\): .*<\/summary>\n[^]*otc-vpn: CRASH=1: exiting 1/
      )
      // The container's own words are in the step's log too.
      expect(run.main.stdout).toMatch(/::group::Log of openvpn \(\S+\): .*\n[^]*otc-vpn: CRASH=1: exiting 1/)
    },
    3 * MINUTES
  )
})

describe('compose failure', () => {
  it(
    "reports Compose's own message, not a tunnel diagnosis, and cleans up",
    () => {
      const name = project('composefail')
      const run = runAction({ 'working-directory': 'compose-fail', 'project-name': name })
      expect(run.main.exitCode).toBe(1)
      const failed = run.report!.checks.filter((c: any) => c.verdict === 'failed')
      expect(failed.map((c: any) => c.check)).toEqual(['compose-up'])
      expect(failed[0].summary).toMatch(/otc-worker:missing/)
      expect(run.main.seconds).toBeLessThan(20)
      expect(run.main.summary.split('\n').slice(0, 8).join('\n')).toContain('docker compose up failed')
    },
    3 * MINUTES
  )
})

describe('cancellation', () => {
  it(
    'stops what main started, and the post step removes everything',
    async () => {
      const name = project('cancel')
      // SIGTERM once main has saved its state and `up` has created a
      // container: the run is cut mid-boot, whatever the machine's speed.
      let cancelling = false
      const run = await runActionWatched(
        { 'working-directory': 'demo', 'project-name': name, 'health-timeout': '120' },
        (line, cancel) => {
          if (cancelling || !line.startsWith('::group::Boot and wait for health')) return
          cancelling = true
          void cancelOnceAContainerExists(name, cancel)
        }
      )
      expect(run.main.exitCode).toBe(143)
      expect(annotations(run.main, 'error')).toEqual([expect.stringContaining('Cancelled (SIGTERM)')])
      expect(run.main.state.has('composeProject')).toBe(true)
      expect(run.post!.exitCode).toBe(0)
      expect(run.post!.stdout).toContain(`of project ${name}; nothing of it is left.`)
      // No `docker compose up` or `docker events` of the project outlives the step.
      expect(() => execFileSync('pgrep', ['-f', name])).toThrow()
    },
    3 * MINUTES
  )
})

/** Calls `cancel` as soon as the engine holds a container of the project. */
async function cancelOnceAContainerExists(name: string, cancel: () => void): Promise<void> {
  const label = `label=com.docker.compose.project=${name}`
  for (let tries = 0; tries < 600; tries++) {
    const { stdout } = await execFileAsync('docker', ['ps', '-aq', '--filter', label])
    if (stdout.trim()) return cancel()
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

describe('teardown policies', () => {
  it(
    'on-success keeps a failed project for inspection, and says how to remove it',
    () => {
      const name = project('keep')
      try {
        const run = runAction({
          'working-directory': 'no-tunnel',
          'project-name': name,
          preflight: 'report',
          'route-timeout': '2',
          teardown: 'on-success'
        })
        expect(run.main.outputs.get('result')).toBe('failed')
        expect(run.post!.stdout).toContain(
          `Keeping project ${name} (teardown: on-success, result: failed). Remove it with: docker compose -p ${name} down -v --remove-orphans`
        )
        expect(leftovers(name).length).toBeGreaterThan(0)
      } finally {
        composeDown(name)
      }
    },
    3 * MINUTES
  )
})

describe('health-timeout', () => {
  it(
    'ends the wait on time, with the probes that kept failing, from two compose files',
    () => {
      const name = project('timeout')
      const run = runAction({
        'working-directory': 'demo',
        'compose-file': 'docker-compose.yml\nno-tunnel.override.yml',
        'project-name': name,
        'health-timeout': '5'
      })
      expect(run.main.exitCode).toBe(1)
      const health = run.report!.checks.find((c: any) => c.check === 'health')
      expect(health).toMatchObject({
        verdict: 'failed',
        summary: expect.stringMatching(/^Not healthy before health-timeout: .*openvpn-1 is running, health starting\.$/)
      })
      expect(health.durationMs).toBeGreaterThanOrEqual(5000)
      expect(run.main.seconds).toBeLessThan(5 + 20)
      expect(run.report!.diagnostics.vpnProbes.length).toBeGreaterThan(0)
      expect(run.report!.diagnostics.vpnLogTail).toContain('NO_TUNNEL=1')
    },
    3 * MINUTES
  )
})
