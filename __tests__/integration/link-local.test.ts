// With IPv6 on in the vpn's namespace (Engine 26 by default; here a sysctl
// override of the demo stack on Engine 20.10), tun0 carries fe80::/64 and
// ff00::/8 routes beside the management subnet: auto-detection leaves them out.
import { describe, expect, it } from '@jest/globals'
import { runAction, trackProjects } from './harness.js'

const MINUTES = 60_000
const project = trackProjects()

describe('full mode with IPv6 on in the vpn namespace', () => {
  it(
    'detects only the management subnet, though tun0 carries link-local and multicast routes',
    () => {
      const name = project('ipv6')
      const run = runAction({
        'working-directory': 'demo',
        'compose-file': 'docker-compose.yml, ipv6.override.yml',
        'project-name': name,
        'probe-targets': '10.8.0.10',
        'health-timeout': '120'
      })
      // The namespace really has IPv6 on: the vpn's tun0 carries both kinds of
      // route (/proc/net/ipv6_route: destination, prefix length in hex, …, device).
      const tables = run.report!.diagnostics!.routeTables as { container: string; table: string }[]
      const vpnTable = tables.find((t) => t.container.endsWith('-openvpn-1'))!.table
      expect(vpnTable).toMatch(/^fe800{28} 40 .* tun0$/m)
      expect(vpnTable).toMatch(/^ff000{28} 08 .* tun0$/m)
      // Only the management route counts for the tunnel check.
      const tunnel = run.report!.checks.find((c: { check: string }) => c.check === 'tunnel')
      expect(tunnel.summary).toBe('routes 10.8.0.0/24 dev tun0')
      expect(run.main.outputs.get('management-subnet')).toBe('10.8.0.0/24')
      expect(run.report!.managementSubnets).toEqual(['10.8.0.0/24'])
      for (const route of run.report!.checks.filter((c: { check: string }) => c.check === 'route'))
        expect(route).toMatchObject({ verdict: 'passed', summary: '10.8.0.0/24 dev tun0' })
      expect(run.main.outputs.get('result')).toBe('passed')
      expect(run.main.exitCode).toBe(0)
    },
    5 * MINUTES
  )
})
