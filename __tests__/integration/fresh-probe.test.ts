// A verdict is true for the containers as they are when it is given. Against
// a real engine, in full mode, where the vpn container's warm-up probe runs
// while Compose still starts the workers: what changes after that warm-up
// (the device lost, a policy rule added) fails the run, and workers started
// long after the vpn turned healthy still get the whole route-timeout.
import { describe, expect, it } from '@jest/globals'
import { runAction, trackProjects, type ActionRun } from './harness.js'

const MINUTES = 60_000
const project = trackProjects()
const DEVICE = '10.8.0.10'

function run(stack: string, routeTimeoutSec: number): ActionRun {
  return runAction({
    'working-directory': stack,
    'project-name': project(stack),
    'probe-targets': DEVICE,
    'route-timeout': String(routeTimeoutSec)
  })
}

function reachOf(run: ActionRun): { service: string; verdict: string; summary: string }[] {
  return run.report!.checks.filter((c: { check: string }) => c.check === 'reach')
}

describe('the reach verdict rests on a probe taken after the workers were read', () => {
  it(
    'fails a device lost after the warm-up answered (openvpn replaced by a server it cannot dial)',
    () => {
      const result = run('vpn-blip', 3)
      expect(result.main.outputs.get('result')).toBe('failed')
      expect(reachOf(result).map((c) => [c.service, c.verdict, c.summary])).toEqual(
        ['celery', 'celery_monitoring'].map((service) => [
          service,
          'failed',
          `${DEVICE} did not answer within 2 s (route: 10.8.0.0/24 dev tun0).`
        ])
      )
      expect(result.post!.exitCode).toBe(0)
    },
    4 * MINUTES
  )

  it(
    'fails a device a policy rule blocked after the warm-up answered, by `ip route get`',
    () => {
      const result = run('policy-rule', 3)
      expect(result.main.outputs.get('result')).toBe('failed')
      const reach = reachOf(result)
      expect(reach.map((c) => [c.service, c.verdict])).toEqual([
        ['celery', 'failed'],
        ['celery_monitoring', 'failed']
      ])
      for (const check of reach)
        expect(check.summary).toMatch(
          new RegExp(`^${DEVICE.replace(/\./g, '\\.')} is routed nowhere, not tun0: \`ip route get ${DEVICE}\``)
        )
      expect(result.post!.exitCode).toBe(0)
    },
    4 * MINUTES
  )

  it(
    'passes a device that connects with workers started after route-timeout had run out since the vpn was healthy',
    () => {
      const result = run('late-workers', 5)
      expect(reachOf(result).map((c) => [c.service, c.verdict])).toEqual([
        ['celery', 'passed'],
        ['celery_monitoring', 'passed']
      ])
      expect(result.main.outputs.get('result')).toBe('passed')
      expect(result.post!.exitCode).toBe(0)
    },
    4 * MINUTES
  )
})
