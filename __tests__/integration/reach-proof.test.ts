// What a reach verdict proves, against a real engine: the demo stack with
// IPv6 on in the vpn's namespace (tun0 has a link-local address), checked in
// verify mode after the test has bent its routing.
import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { annotations, composeDown, docker, leftovers, runAction, STACKS, uniqueProject } from './harness.js'

const MINUTES = 60_000
const stack = uniqueProject('reach-proof')
const DEVICE = '10.8.0.10'
/** Given to the device beside its tunnel address, and routed to it over eth0. */
const AROUND = '10.8.0.77'

function containerOf(service: string): string {
  const label = 'label=com.docker.compose'
  return docker('ps', '--quiet', '--filter', `${label}.project=${stack}`, '--filter', `${label}.service=${service}`)
}

function verify(targets: string) {
  return runAction({ mode: 'verify', 'working-directory': 'demo', 'project-name': stack, 'probe-targets': targets })
}

beforeAll(() => {
  execFileSync(
    'docker',
    ['compose', '-p', stack, '-f', 'docker-compose.yml', '-f', 'ipv6.override.yml', 'up', '--detach', '--wait'],
    { cwd: join(STACKS, 'demo'), stdio: 'pipe', timeout: 5 * MINUTES }
  )
}, 5 * MINUTES)
afterAll(() => {
  composeDown(stack)
  expect(leftovers(stack)).toEqual([])
})

describe('reach proof', () => {
  it(
    "refuses the vpn's own tun0 link-local address written with a zone id, before probing anything",
    () => {
      const address = docker(
        'exec',
        containerOf('openvpn'),
        'ip',
        '-6',
        '-o',
        'addr',
        'show',
        'dev',
        'tun0',
        'scope',
        'link'
      )
      const linkLocal = /inet6 (fe80:[0-9a-f:]+)\//.exec(address)![1]
      const run = verify(`${DEVICE},${linkLocal}%tun0`)
      expect(annotations(run.main, 'error')).toEqual([
        expect.stringContaining(
          `Input 'probe-targets': '${linkLocal}%tun0' is a link-local address (fe80::/10, 169.254.0.0/16): it names an interface of one host, e.g. the server's own tun0, never a device behind the tunnel.`
        )
      ])
      expect(run.main.exitCode).toBe(1)
      expect(run.report).toBeUndefined()
    },
    2 * MINUTES
  )

  it(
    'fails a target a policy rule routes around tun0, though a device answers through tun0 at the same time',
    () => {
      const deviceIp = docker(
        'inspect',
        '--format',
        '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}',
        containerOf('device')
      )
      const vpn = containerOf('openvpn')
      docker('exec', containerOf('device'), 'ip', 'addr', 'add', `${AROUND}/32`, 'dev', 'lo')
      docker('exec', vpn, 'ip', 'rule', 'add', 'to', AROUND, 'lookup', '100')
      docker('exec', vpn, 'ip', 'route', 'add', AROUND, 'via', deviceIp, 'table', '100')
      const run = verify(`${DEVICE},${AROUND}`)
      const reach = run.report!.checks.filter((c: { check: string }) => c.check === 'reach')
      expect(reach).toHaveLength(4)
      for (const check of reach.filter((c: { summary: string }) => c.summary.startsWith(DEVICE)))
        expect(check).toMatchObject({
          verdict: 'passed',
          summary: expect.stringMatching(/^10\.8\.0\.10 answered in [\d.]+ ms via 10\.8\.0\.0\/24 dev tun0$/),
          evidence: {
            kernel_route: expect.stringMatching(/^10\.8\.0\.10 dev tun0 /),
            tun0_tx_packets_sent: expect.any(Number)
          }
        })
      for (const check of reach.filter((c: { summary: string }) => c.summary.startsWith(AROUND)))
        expect(check).toMatchObject({
          verdict: 'failed',
          summary: `${AROUND} is routed through eth0, not tun0: \`ip route get ${AROUND}\` says "${AROUND} via ${deviceIp} dev eth0 table 100 src ${docker(
            'inspect',
            '--format',
            '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}',
            vpn
          )} uid 0" though the main table has 10.8.0.0/24 dev tun0 (a policy rule, \`ip rule\`, takes precedence).`
        })
      expect(run.main.outputs.get('result')).toBe('failed')
    },
    3 * MINUTES
  )
})
