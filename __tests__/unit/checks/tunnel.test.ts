import { describe, expect, it } from '@jest/globals'
import type { NamespaceSnapshot } from '../../../src/checks/namespace.js'
import { splitProcTables } from '../../../src/checks/namespace.js'
import { parseInterfaceCounters, parseIpv4Routes } from '../../../src/checks/routes.js'
import { judgeNamespace } from '../../../src/checks/namespace.js'
import { judgeReach, refuseOwnAddress } from '../../../src/checks/reach-judge.js'
import { judgeRoutes, parseLocalAddresses, parseSubnet } from '../../../src/checks/routes.js'
import { container, type RawOptions } from '../../helpers/containers.js'
import { DEV, FIB_TRIE, IF_INET6, IPV6_ROUTE, ROUTE_SUBNET } from '../../helpers/proc.js'

const vpnContainer = container({
  id: 'vpn-id',
  service: 'openvpn',
  health: 'healthy',
  startedAt: '2026-11-28T12:00:05Z',
  restartCount: 1
})

function snapshot(options: RawOptions, id: string | undefined, routeTable = ROUTE_SUBNET): NamespaceSnapshot {
  return {
    container: container(options),
    id,
    routes: parseIpv4Routes(routeTable),
    counters: parseInterfaceCounters(DEV),
    routeTable,
    localAddresses: parseLocalAddresses(FIB_TRIE, IF_INET6)
  }
}

const vpn: NamespaceSnapshot = { ...snapshot({}, 'net:[100]'), container: vpnContainer }
const celery = { service: 'celery', networkMode: 'container:vpn-id', startedAt: '2026-11-28T12:00:01Z' }

describe('judgeNamespace', () => {
  it('passes when the worker joined the vpn container and sees the same namespace', () => {
    expect(judgeNamespace(snapshot(celery, 'net:[100]'), vpn)).toMatchObject({
      verdict: 'passed',
      evidence: { worker_namespace: 'net:[100]', vpn_namespace: 'net:[100]' }
    })
  })

  it('names a stale namespace with restart and start times, and the fix', () => {
    const outcome = judgeNamespace(snapshot(celery, 'net:[99]', 'Iface\tDestination'), vpn)
    expect(outcome.verdict).toBe('failed')
    expect(outcome.summary).toContain(
      'Stale namespace: demo-celery-1 is still in a namespace demo-openvpn-1 no longer has'
    )
    expect(outcome.summary).toContain('its restart policy restarted it 1 times')
    expect(outcome.summary).toContain('after demo-celery-1 started at 2026-11-28T12:00:01.000Z')
    // It joined the vpn's current container: a restart puts it back.
    expect(outcome.fix).toContain('`docker restart demo-celery-1`')
    expect(outcome.fix).toContain('docker compose up -d --force-recreate --no-deps celery')
  })

  it('after a restart by hand (restart count 0), says only what the evidence shows', () => {
    const restartedByHand = { ...vpn, container: { ...vpnContainer, restartCount: 0 } }
    const outcome = judgeNamespace(snapshot(celery, 'net:[99]'), restartedByHand)
    expect(outcome.summary).toContain('restart count 0')
    expect(outcome.summary).not.toMatch(/engine|restart policy/)
  })

  it('advises only what the compose definition lacks', () => {
    const stale = snapshot(celery, 'net:[99]')
    const bare = { waitsForHealthy: false, restartsWithVpn: false, followsVpnService: true }
    const complete = { waitsForHealthy: true, restartsWithVpn: true, followsVpnService: true }
    const lacking = judgeNamespace(stale, vpn, bare).fix!
    expect(lacking).toContain('depend on openvpn with condition: service_healthy')
    expect(lacking).toContain('depends_on.openvpn.restart: true would cover only restarts Compose makes')
    const wired = judgeNamespace(stale, vpn, complete).fix!
    expect(wired).not.toContain('condition: service_healthy')
    expect(wired).toContain('its depends_on.openvpn.restart: true covers only restarts Compose makes')
    expect(wired).toContain('exits a few seconds after tun0 left its namespace')
  })

  it('accepts a worker that joined the vpn container by its name', () => {
    const byName = snapshot({ ...celery, networkMode: 'container:demo-openvpn-1' }, 'net:[100]')
    expect(judgeNamespace(byName, vpn).verdict).toBe('passed')
  })

  it('calls a worker that joined a container since replaced stale', () => {
    const outcome = judgeNamespace(
      snapshot({ ...celery, networkMode: 'container:0123456789abcdef-old' }, 'net:[98]'),
      vpn
    )
    expect(outcome.verdict).toBe('failed')
    expect(outcome.summary).toBe(
      'Stale namespace: demo-celery-1 joined container 0123456789ab, which is no longer demo-openvpn-1 (vpn-id): openvpn was recreated after demo-celery-1 started, and demo-celery-1 has no tunnel.'
    )
    expect(outcome.fix).toContain('--force-recreate --no-deps celery')
  })

  it('fails a worker on another network', () => {
    const outcome = judgeNamespace(snapshot({ service: 'celery', networkMode: 'demo_default' }, 'net:[7]'), vpn)
    expect(outcome).toMatchObject({ verdict: 'failed', fix: 'Set network_mode: "service:openvpn" on celery.' })
  })

  it("fails a worker that is not running, with its state, restarts and the engine's error", () => {
    const exited = judgeNamespace(
      snapshot({ ...celery, status: 'exited', exitCode: 137, restartCount: 2 }, undefined),
      vpn
    )
    expect(exited.summary).toBe('demo-celery-1 is exited (exit code 137, restart count 2).')
    expect(exited.fix).toContain('`docker restart demo-celery-1`')
    const paused = judgeNamespace(snapshot({ ...celery, status: 'paused' }, undefined), vpn)
    const failedStart = judgeNamespace(
      snapshot(
        { ...celery, status: 'exited', error: 'cannot join network of a non running container: vpn-id' },
        undefined
      ),
      vpn
    )
    expect(failedStart.summary).toContain("the engine's last error: cannot join network of a non running container")
    expect(failedStart.evidence.error).toBe('cannot join network of a non running container: vpn-id')
    expect(paused).toMatchObject({
      summary: 'demo-celery-1 is paused: its processes are frozen.',
      fix: 'Unpause it: `docker unpause demo-celery-1`.'
    })
  })
})

describe('judgeRoutes', () => {
  it('passes with the covering route as evidence', () => {
    expect(judgeRoutes(snapshot(celery, 'net:[100]'), [parseSubnet('10.8.0.0/24')])).toMatchObject({
      verdict: 'passed',
      summary: '10.8.0.0/24 dev tun0'
    })
  })

  it('fails naming the subnet, and says when the namespace has only lo', () => {
    const outcome = judgeRoutes(snapshot(celery, 'net:[99]', 'Iface\tDestination'), [parseSubnet('10.8.0.0/24')])
    expect(outcome.verdict).toBe('failed')
    expect(outcome.summary).toBe(
      'no route over tun/tap covers 10.8.0.0/24 (the namespace has no routes at all, only lo)'
    )
  })

  it('fails when there is nothing to check', () => {
    expect(judgeRoutes(snapshot(celery, 'net:[100]'), []).verdict).toBe('failed')
  })
})

describe('splitProcTables', () => {
  it('separates one cat of route, ipv6_route, if_inet6, fib_trie and dev', () => {
    const tables = splitProcTables(`${ROUTE_SUBNET}${IPV6_ROUTE}\n${IF_INET6}\n${FIB_TRIE}\n${DEV}\n`)
    expect(parseIpv4Routes(tables.ipv4)).toHaveLength(3)
    expect(tables.ipv6.trim()).toBe(IPV6_ROUTE)
    expect(tables.inet6.trim()).toBe(IF_INET6)
    expect(tables.fib.trim()).toBe(FIB_TRIE)
    expect(parseInterfaceCounters(tables.dev).get('tun0')?.txPackets).toBe(17)
  })

  it('reads the tables of a namespace without IPv6 (its files are missing, cat prints the rest)', () => {
    const tables = splitProcTables(`${ROUTE_SUBNET}${FIB_TRIE}\n${DEV}\n`)
    expect(parseIpv4Routes(tables.ipv4)).toHaveLength(3)
    expect(tables.ipv6 + tables.inet6).toBe('')
    expect(parseLocalAddresses(tables.fib, tables.inet6)).toEqual(['10.8.0.1', '127.0.0.1', '172.18.0.3'])
  })
})

describe('judgeReach', () => {
  const answer = { from: 'demo-openvpn-1', tool: 'ping', answered: true, roundTripMs: 0.4, output: '' }

  it('passes an answer through the tunnel, with the packets tun0 sent as evidence', () => {
    expect(judgeReach(snapshot(celery, 'net:[100]'), '10.8.0.10', { answer, tunnelPacketsSent: 1 })).toMatchObject({
      verdict: 'passed',
      summary: '10.8.0.10 answered in 0.4 ms via 10.8.0.0/24 dev tun0',
      evidence: { probed_from: 'demo-openvpn-1', tool: 'ping', round_trip_ms: 0.4, tun0_tx_packets_sent: 1 }
    })
  })

  it('fails an answer that did not come through the tunnel', () => {
    expect(judgeReach(snapshot(celery, 'net:[100]'), '172.18.0.9', { answer }).summary).toBe(
      '172.18.0.9 answered, but not through the tunnel (route: 172.18.0.0/16 dev eth0).'
    )
  })

  it('fails an answer while tun0 sent nothing: it came from this side of the tunnel', () => {
    expect(judgeReach(snapshot(celery, 'net:[100]'), '10.8.0.10', { answer, tunnelPacketsSent: 0 })).toMatchObject({
      verdict: 'failed',
      summary:
        '10.8.0.10 answered in 0.4 ms, but tun0 sent no packet during this probe: the answer did not come through the tunnel.',
      evidence: { tun0_tx_packets_sent: 0 }
    })
    expect(judgeReach(snapshot(celery, 'net:[100]'), '10.8.0.10', { answer }).summary).toBe(
      "10.8.0.10 answered, but tun0's transmit counter could not be read again: nothing shows that the probe crossed the tunnel."
    )
  })

  it('says the container asked to probe is gone, not that the device is silent', () => {
    const gone = {
      ...answer,
      answered: false,
      tool: '',
      gone: 'Error response from daemon: Container abc is not running'
    }
    const outcome = judgeReach(snapshot(celery, 'net:[100]'), '10.8.0.10', { answer: gone })
    expect(outcome).toMatchObject({
      verdict: 'failed',
      summary: 'demo-openvpn-1 could not probe 10.8.0.10: Error response from daemon: Container abc is not running'
    })
    expect(`${outcome.summary} ${outcome.fix}`).not.toMatch(/device/)
  })

  it('fails a silent device, and a namespace with no route to it', () => {
    expect(
      judgeReach(snapshot(celery, 'net:[100]'), '10.8.0.10', { answer: { ...answer, answered: false } }).summary
    ).toContain('did not answer within 2 s')
    expect(judgeReach(snapshot(celery, 'net:[99]', 'Iface\tDestination'), '10.8.0.10', {}).summary).toContain(
      'no route over the tunnel leads to it'
    )
  })
})

describe('refuseOwnAddress', () => {
  it("refuses the vpn server's own tun0 address, IPv4 or IPv6 however written", () => {
    const outcome = refuseOwnAddress(vpn, '10.8.0.1')
    expect(outcome).toMatchObject({
      verdict: 'failed',
      summary:
        "10.8.0.1 is the vpn server's own address (an address of demo-openvpn-1's network namespace): a probe of it is answered there and never crosses the tunnel.",
      fix: 'List device management IPs in probe-targets (the addresses devices get on the VPN), not an address of the server.'
    })
    expect(refuseOwnAddress(vpn, 'fd00:0:0::1')?.verdict).toBe('failed')
  })

  it('lets device addresses through, also those in the same subnet', () => {
    expect(refuseOwnAddress(vpn, '10.8.0.10')).toBeUndefined()
    expect(refuseOwnAddress(vpn, '10.8.0.255')).toBeUndefined()
    expect(refuseOwnAddress(vpn, 'fd00::2')).toBeUndefined()
  })
})
