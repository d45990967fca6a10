// A verdict holds for the containers as they are when it is given. Against a
// real engine: a container restarted, stopped or removed while the checks run
// fails the run with that cause (not a device, route or tool blamed for it),
// and an address of the vpn server itself is refused as a probe target.
//
// The moment to act is not guessed: the device of the demo stack is held back
// (gated-device.override.yml) so the reach probe keeps asking for it, and the
// test acts when the probe asks for the first time after the three namespaces
// (openvpn's, celery's, celery_monitoring's) were read: the probe the verdict
// rests on, not the vpn's warm-up. The verdict waits on the device until the
// test opens its gate: the change lands inside the checks on every run.
import { describe, expect, it } from '@jest/globals'
import { annotations, docker, runAction, runActionWatched, trackProjects, type ActionRun } from './harness.js'

const MINUTES = 60_000
const project = trackProjects()
const DEVICE = '10.8.0.10'

function containerOf(name: string, service: string): string {
  const label = 'label=com.docker.compose'
  return docker(
    'ps',
    '--all',
    '--quiet',
    '--filter',
    `${label}.project=${name}`,
    '--filter',
    `${label}.service=${service}`
  )
}

/** Lets the device connect to the VPN (to whichever server runs by then). */
function openGate(name: string): void {
  docker('exec', containerOf(name, 'device'), 'touch', '/tmp/gate')
}

/** Runs the action on the demo stack with the device held back, and calls
 * `act` when the reach probe of the device asks after every namespace was
 * read (alone, or between the counters in one `sh -c`); `then` sees each line
 * of main's output after that. */
function changeDuringReach(
  name: string,
  routeTimeoutSec: number,
  act: () => void,
  then: (line: string) => void = () => {}
): Promise<ActionRun> {
  const probe = new RegExp(
    `^::debug::\\$ docker exec \\S+ (sh -c .* sh )?ping -c 1 -W 2 -I tun0 ${DEVICE.replace(/\./g, '\\.')}$`
  )
  // A read counts once it ended (its end line): a warm-up probe may start while the reads run.
  const read =
    /^::debug::↳ exit 0 after \d+ ms \(from \+\d+ ms\): docker exec \S+ sh -c 'readlink \/proc\/self\/ns\/net;/
  let reads = 0
  let acted = false
  const inputs = {
    'working-directory': 'demo',
    'compose-file': 'docker-compose.yml\ngated-device.override.yml',
    'project-name': name,
    'probe-targets': DEVICE,
    'route-timeout': String(routeTimeoutSec)
  }
  return runActionWatched(inputs, (line) => {
    if (acted) then(line)
    if (read.test(line)) reads++
    if (probe.test(line) && reads >= 3 && !acted) {
      acted = true
      act()
    }
  })
}

function failedChecks(run: ActionRun): { check: string; service: string; summary: string }[] {
  return run.report!.checks.filter((c: { verdict: string }) => c.verdict === 'failed')
}

/** The run failed on the change alone: one failed stability check, and no
 * device, route, namespace or tool blamed for it; the post step cleaned up. */
function expectFailedOnChange(run: ActionRun, service: string, summary: RegExp): void {
  expect(run.main.outputs.get('result')).toBe('failed')
  expect(failedChecks(run)).toEqual([
    expect.objectContaining({ check: 'stability', service, summary: expect.stringMatching(summary) })
  ])
  expect(annotations(run.main, 'error')).toEqual([expect.stringContaining('stability check failed')])
  expect(run.post!.exitCode).toBe(0)
}

describe('a change during the checks', () => {
  // `docker restart` leaves about 0.25 s between the old process's death and
  // the new one's start; a stop and a start 1.5 s later widen that gap, so the
  // verdict is given in it unless it waits for the container to settle.
  it.each([
    {
      how: 'a restart of the vpn fails the run with that cause, although the device answers the new vpn',
      short: 'vd-restart',
      act: (vpn: string, name: string) => {
        docker('restart', vpn)
        // Without the check, the probe from the new vpn container would now pass.
        openGate(name)
      }
    },
    {
      how: 'a vpn stopped and started again a moment later is named restarted, not stopped',
      short: 'vd-gap',
      act: (vpn: string) => {
        docker('stop', '--time', '1', vpn)
        setTimeout(() => docker('start', vpn), 1500)
      }
    }
  ])(
    '$how',
    async ({ short, act }) => {
      const name = project(short)
      const run = await changeDuringReach(name, 120, () => act(containerOf(name, 'openvpn'), name))
      expectFailedOnChange(
        run,
        'openvpn',
        new RegExp(`^the vpn restarted during the checks \\(${name}-openvpn-1: started again at \\S+Z`)
      )
    },
    4 * MINUTES
  )

  it(
    'a vpn paused during the checks (unpaused after the verdict) fails the run with that cause',
    async () => {
      const name = project('vd-pause')
      // Paused when a probe has ended, not as one starts: an exec starting in
      // a container as it is frozen can hang the engine's own unpause.
      const probeEnded = new RegExp(
        `^::debug::↳ exit \\d+ after .* ping -c 1 -W 2 -I tun0 ${DEVICE.replace(/\./g, '\\.')}$`
      )
      let vpn = ''
      let unpaused = false
      const run = await changeDuringReach(
        name,
        120,
        () => {},
        (line) => {
          if (!vpn && probeEnded.test(line)) {
            vpn = containerOf(name, 'openvpn')
            docker('pause', vpn)
            openGate(name)
          } else if (vpn && !unpaused && line.startsWith('::error')) {
            // Once the verdict is out, so that the post step tears down the project as any other.
            docker('unpause', vpn)
            unpaused = true
          }
        }
      )
      expectFailedOnChange(
        run,
        'openvpn',
        new RegExp(
          `^the vpn was paused during the checks \\(${name}-openvpn-1: paused at \\S+Z; it is paused now\\)\\.$`
        )
      )
    },
    4 * MINUTES
  )

  it(
    'a worker removed fails the run, naming it',
    async () => {
      const name = project('vd-rm')
      const run = await changeDuringReach(name, 120, () => {
        docker('rm', '--force', containerOf(name, 'celery_monitoring'))
        openGate(name)
      })
      expectFailedOnChange(
        run,
        'celery_monitoring',
        new RegExp(`^${name}-celery_monitoring-1 was removed during the checks( \\((died|removed) at \\S+Z\\))?\\.$`)
      )
    },
    4 * MINUTES
  )

  it(
    'a vpn stopped while reach retries ends the retries and says the vpn stopped',
    async () => {
      const name = project('vd-stop')
      // The gate stays shut: without the check, reach would retry for the
      // whole route-timeout and then blame the device.
      const run = await changeDuringReach(name, 600, () => {
        docker('stop', containerOf(name, 'openvpn'))
      })
      expectFailedOnChange(
        run,
        'openvpn',
        new RegExp(
          `^the vpn stopped during the checks \\(${name}-openvpn-1: exited, exit code \\d+(; died at \\S+Z)?\\)\\.$`
        )
      )
    },
    // Far below the route-timeout: the retries must end when the vpn stops.
    4 * MINUTES
  )
})

describe('a network disconnected during the checks', () => {
  it(
    'says the vpn lost its network, ends the retries, and does not blame the device',
    async () => {
      const name = project('vd-netdc')
      // The gate stays shut: the device could not answer through the lost network anyway.
      const run = await changeDuringReach(name, 600, () => {
        docker('network', 'disconnect', `${name}_default`, containerOf(name, 'openvpn'))
      })
      expect(run.main.outputs.get('result')).toBe('failed')
      const failed = failedChecks(run)
      expect(failed.map((c) => `${c.check} ${c.service}`).sort()).toEqual(['reach celery', 'reach celery_monitoring'])
      for (const check of failed)
        expect(check.summary).toBe(
          `${DEVICE} did not answer, and the namespace of ${name}-openvpn-1 lost eth0 during the checks (its network was disconnected or removed): the tunnel keeps tun0, but the devices' VPN connections ran over the lost network.`
        )
      expect(run.post!.exitCode).toBe(0)
    },
    // Far below the route-timeout: the retries end when eth0 is gone.
    4 * MINUTES
  )
})

describe("the vpn server's own address", () => {
  it(
    'is refused as a probe target, with the device IPs to list instead',
    () => {
      const name = project('vd-own')
      const run = runAction({ 'working-directory': 'demo', 'project-name': name, 'probe-targets': '10.8.0.1' })
      expect(run.main.outputs.get('result')).toBe('failed')
      const failed = failedChecks(run)
      expect(failed.map((c) => `${c.check} ${c.service}`).sort()).toEqual(['reach celery', 'reach celery_monitoring'])
      for (const check of failed)
        expect(check.summary).toBe(
          `10.8.0.1 is the vpn server's own address (an address of ${name}-openvpn-1's network namespace): a probe of it is answered there and never crosses the tunnel.`
        )
      expect(run.post!.exitCode).toBe(0)
    },
    4 * MINUTES
  )
})
