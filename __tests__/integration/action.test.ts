// The action end to end against a real Docker engine and a real OpenVPN
// tunnel, run as the runner runs it. Needs `scripts/build-fixtures.sh` first
// (the README's test command does that).
import { describe, expect, it } from '@jest/globals'
import { annotations, runAction, trackProjects, type ActionRun } from './harness.js'

const MINUTES = 60_000
const project = trackProjects()

function check(run: ActionRun, kind: string, service: string): Record<string, any>[] {
  return run.report!.checks.filter((c: { check: string; service: string }) => c.check === kind && c.service === service)
}

describe('full mode on a healthy stack', () => {
  it(
    'passes, reaches the device through tun0, reports, and leaves nothing',
    () => {
      const name = project('demo')
      const run = runAction({
        'working-directory': 'demo',
        'project-name': name,
        'probe-targets': '10.8.0.10',
        'health-timeout': '120'
      })
      expect(run.main.stderr).toBe('')
      expect(run.main.exitCode).toBe(0)
      expect(run.main.outputs.get('result')).toBe('passed')
      expect(run.main.outputs.get('management-subnet')).toBe('10.8.0.0/24')
      expect(Number(run.main.outputs.get('healthy-after'))).toBeGreaterThan(0)
      for (const service of ['celery', 'celery_monitoring']) {
        expect(check(run, 'namespace', service)[0]).toMatchObject({ verdict: 'passed' })
        expect(check(run, 'route', service)[0]).toMatchObject({ verdict: 'passed', summary: '10.8.0.0/24 dev tun0' })
        const reach = check(run, 'reach', service)[0]
        expect(reach).toMatchObject({
          verdict: 'passed',
          evidence: { target: '10.8.0.10', route: '10.8.0.0/24 dev tun0' }
        })
        expect(reach.evidence.round_trip_ms).toBeGreaterThan(0)
        expect(reach.evidence.tun0_tx_packets_sent).toBeGreaterThan(0)
      }
      expect(annotations(run.main, 'error')).toEqual([])
      expect(annotations(run.main, 'notice').join('\n')).toContain('Tunnel verified')
      // One log group per phase, the commands visible at debug level.
      const groups = run.main.stdout.split('\n').filter((line) => line.startsWith('::group::'))
      expect(groups).toEqual([
        '::group::Preflight: compose model',
        '::group::Preflight: Compose effective model',
        '::group::Boot and wait for health',
        '::group::Tunnel checks'
      ])
      expect(run.main.stdout).toMatch(
        /^::debug::\$ docker compose --project-directory \S+ --project-name \S+-demo-\S+ --file \S+ --env-file \S+\/\.env up --detach$/m
      )
      expect(run.main.summary).toContain('## ✅ Management tunnel works')
      expect(run.main.summary).toContain('```mermaid')
      expect(run.post!.exitCode).toBe(0)
      expect(run.post!.stdout).toMatch(/Removed \d+ containers?, 1 network/)
    },
    5 * MINUTES
  )
})

describe('full mode on a stack it has never seen', () => {
  it(
    'passes with other names and subnet, workers without ip or ping running as non-root',
    () => {
      const name = project('unseen')
      const run = runAction({
        'working-directory': 'unseen',
        'project-name': name,
        'vpn-service': 'vpn-gw',
        'tunnel-services': 'jobs\nmonitor',
        'probe-targets': '10.77.0.20',
        'health-timeout': '120'
      })
      expect(run.main.outputs.get('result')).toBe('passed')
      expect(run.main.outputs.get('management-subnet')).toBe('10.77.0.0/24')
      for (const service of ['jobs', 'monitor']) {
        const reach = check(run, 'reach', service)[0]
        expect(reach).toMatchObject({ verdict: 'passed', evidence: { route: '10.77.0.0/24 dev tun0' } })
        // The worker image has no probe tool; the probe ran in the vpn container,
        // which the namespace check proved to be in the same namespace.
        expect(reach.evidence.probed_from).toContain('vpn-gw')
      }
      expect(run.main.exitCode).toBe(0)
    },
    5 * MINUTES
  )
})

describe('full mode on the restart race', () => {
  it(
    'fails, names both workers and the stale namespace, and leaves nothing',
    () => {
      const name = project('race')
      const run = runAction({
        'working-directory': 'race',
        'project-name': name,
        preflight: 'report',
        'route-timeout': '5',
        'probe-targets': '10.8.0.10'
      })
      expect(run.main.exitCode).toBe(1)
      expect(run.main.outputs.get('result')).toBe('failed')
      const errors = annotations(run.main, 'error').join('\n')
      for (const service of ['celery', 'celery_monitoring']) {
        const namespace = check(run, 'namespace', service)[0]
        expect(namespace.verdict).toBe('failed')
        expect(namespace.summary).toContain('Stale namespace')
        expect(namespace.fix).toContain(`--force-recreate --no-deps ${service}`)
        expect(check(run, 'route', service)[0].summary).toContain('only lo')
        expect(errors).toContain(`${service}: namespace check failed`)
      }
      expect(check(run, 'health', 'openvpn')[0].verdict).toBe('passed')
      expect(run.main.summary.split('\n').slice(0, 8).join('\n')).toContain('Stale namespace')
      // A stale namespace has no route to come back: no grace period is spent on it.
      expect(run.main.seconds).toBeLessThan(20)
    },
    5 * MINUTES
  )
})

describe('preflight: fail', () => {
  it(
    'stops before anything starts, with errors on the lines that cause them',
    () => {
      const name = project('preflight')
      const run = runAction({ 'working-directory': 'race', 'project-name': name })
      expect(run.main.exitCode).toBe(1)
      const errors = annotations(run.main, 'error')
      expect(errors).toEqual([
        expect.stringMatching(
          /^::error title=celery: depends-on,file=race\/docker-compose.yml,line=12,col=9::celery lists openvpn under depends_on in list form/
        ),
        expect.stringMatching(
          /^::error title=celery_monitoring: depends-on,file=race\/docker-compose.yml,line=20,col=9::/
        )
      ])
      expect(run.main.state.has('composeProject')).toBe(false)
      expect(run.report!.checks).toEqual([])
    },
    2 * MINUTES
  )
})
