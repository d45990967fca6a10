import { describe, expect, it } from '@jest/globals'
import {
  formatRoute,
  managementRoutes,
  ownsAddress,
  judgeRoutes,
  parseInterfaceCounters,
  parseIpv4Routes,
  parseIpv6Routes,
  parseLocalAddresses,
  parseSubnet,
  routeFor,
  tunnelRouteCovering,
  tunnelSubnets
} from '../../../src/checks/routes.js'
import {
  DEV,
  FIB_TRIE,
  IF_INET6,
  IPV6_ROUTE,
  IPV6_ROUTE_LINK_LOCAL,
  ROUTE_P2P,
  ROUTE_SUBNET
} from '../../helpers/proc.js'

describe('parseIpv4Routes', () => {
  it('reads host-order hex, masks, gateways and flags', () => {
    const routes = parseIpv4Routes(ROUTE_SUBNET).map(formatRoute)
    expect(routes).toEqual(['0.0.0.0/0 via 172.18.0.1 dev eth0', '172.18.0.0/16 dev eth0', '10.8.0.0/24 dev tun0'])
  })

  it('skips routes that are not up', () => {
    expect(parseIpv4Routes(ROUTE_P2P).map(formatRoute)).toEqual([
      '10.8.0.0/24 via 10.8.0.2 dev tun0',
      '10.8.0.2/32 dev tun0'
    ])
  })

  it('reads an empty table (a stale namespace has only lo)', () => {
    expect(parseIpv4Routes(ROUTE_SUBNET.split('\n')[0])).toEqual([])
  })
})

describe('parseIpv6Routes', () => {
  it('reads prefixes and interfaces, leaving out loopback', () => {
    expect(parseIpv6Routes(IPV6_ROUTE).map(formatRoute)).toEqual(['fd00::/64 dev tun0'])
  })
})

describe('tunnel routes', () => {
  it('finds the tunnel route that covers a subnet, not a broader non-tunnel one', () => {
    const routes = parseIpv4Routes(ROUTE_SUBNET)
    expect(formatRoute(tunnelRouteCovering(routes, parseSubnet('10.8.0.0/24'))!)).toBe('10.8.0.0/24 dev tun0')
    expect(formatRoute(tunnelRouteCovering(routes, parseSubnet('10.8.0.128/25'))!)).toBe('10.8.0.0/24 dev tun0')
    expect(tunnelRouteCovering(routes, parseSubnet('10.8.0.0/16'))).toBeUndefined()
    expect(tunnelRouteCovering(routes, parseSubnet('10.9.0.0/24'))).toBeUndefined()
  })

  it('covers IPv6 subnets with IPv6 routes only', () => {
    const routes = parseIpv6Routes(IPV6_ROUTE)
    expect(tunnelRouteCovering(routes, parseSubnet('fd00::/64'))).toBeDefined()
    expect(tunnelRouteCovering(routes, parseSubnet('10.8.0.0/24'))).toBeUndefined()
  })

  it('picks the longest prefix for an address', () => {
    const routes = parseIpv4Routes(ROUTE_SUBNET)
    expect(formatRoute(routeFor(routes, '10.8.0.10')!)).toBe('10.8.0.0/24 dev tun0')
    expect(formatRoute(routeFor(routes, '192.0.2.1')!)).toBe('0.0.0.0/0 via 172.18.0.1 dev eth0')
  })

  it('derives subnets from tunnel routes, dropping the p2p host route', () => {
    expect(tunnelSubnets(parseIpv4Routes(ROUTE_P2P))).toEqual(['10.8.0.0/24'])
    expect(tunnelSubnets(parseIpv4Routes(ROUTE_SUBNET))).toEqual(['10.8.0.0/24'])
  })

  it('never takes link-local, multicast or loopback routes for management subnets', () => {
    const withIpv6 = [...parseIpv4Routes(ROUTE_SUBNET), ...parseIpv6Routes(IPV6_ROUTE_LINK_LOCAL)]
    // What the parser hands over: tun0's fe80::/64, its own fe80 address and ff00::/8.
    expect(withIpv6.filter((route) => route.iface === 'tun0').map(formatRoute)).toEqual([
      '10.8.0.0/24 dev tun0',
      'fe80::/64 dev tun0',
      'fe80::a438:dfed:8fdb:b9b2/128 dev tun0',
      'ff00::/8 dev tun0'
    ])
    expect(tunnelSubnets(withIpv6)).toEqual(['10.8.0.0/24'])
    // A unique local IPv6 subnet on the tunnel is still one.
    expect(tunnelSubnets(parseIpv6Routes(`${IPV6_ROUTE_LINK_LOCAL}\n${IPV6_ROUTE}`))).toEqual(['fd00::/64'])
  })

  it('does not count a tunnel with only its IPv6 link-local routes as routing anything', () => {
    // tun0 carries these as soon as it exists, before OpenVPN routes its subnet.
    expect(managementRoutes(parseIpv6Routes(IPV6_ROUTE_LINK_LOCAL))).toEqual([])
    expect(managementRoutes(parseIpv4Routes(ROUTE_SUBNET)).map(formatRoute)).toEqual(['10.8.0.0/24 dev tun0'])
  })

  it('never takes IPv4 link-local, multicast or loopback routes either', () => {
    const routes = parseIpv4Routes(
      [
        ROUTE_SUBNET.trimEnd(),
        'tun0\t0000FEA9\t00000000\t0001\t0\t0\t0\t0000FFFF\t0\t0\t0',
        'tun0\t000000E0\t00000000\t0001\t0\t0\t0\t000000F0\t0\t0\t0',
        'tun0\t0000007F\t00000000\t0001\t0\t0\t0\t000000FF\t0\t0\t0'
      ].join('\n')
    )
    expect(routes.filter((route) => route.iface === 'tun0').map(formatRoute)).toEqual([
      '10.8.0.0/24 dev tun0',
      '169.254.0.0/16 dev tun0',
      '224.0.0.0/4 dev tun0',
      '127.0.0.0/8 dev tun0'
    ])
    expect(tunnelSubnets(routes)).toEqual(['10.8.0.0/24'])
  })

  it('still judges a link-local subnet that is given explicitly on every route', () => {
    const snapshot = { routes: parseIpv6Routes(IPV6_ROUTE_LINK_LOCAL), counters: new Map() }
    expect(judgeRoutes(snapshot, [parseSubnet('fe80::/64')])).toMatchObject({
      verdict: 'passed',
      summary: 'fe80::/64 dev tun0'
    })
    expect(judgeRoutes(snapshot, [parseSubnet('ff00::/8')])).toMatchObject({ verdict: 'passed' })
  })
})

describe('parseInterfaceCounters', () => {
  it('reads receive and transmit packets', () => {
    const counters = parseInterfaceCounters(DEV)
    expect(counters.get('tun0')).toEqual({ rxPackets: 16, txPackets: 17 })
    expect([...counters.keys()]).toEqual(['lo', 'tun0'])
  })
})

describe('parseLocalAddresses', () => {
  it('reads the /32 host LOCAL addresses of fib_trie, once each, and every if_inet6 address', () => {
    expect(parseLocalAddresses(FIB_TRIE, IF_INET6)).toEqual([
      '10.8.0.1',
      '127.0.0.1',
      '172.18.0.3',
      '::1',
      'fd00::1',
      'fe80::a8c5:d6ff:fe1b:2c3d'
    ])
  })

  it('leaves out networks, broadcast addresses and the loopback /8', () => {
    const local = parseLocalAddresses(FIB_TRIE, '')
    for (const address of ['10.8.0.0', '10.8.0.255', '127.0.0.0', '172.18.255.255'])
      expect(local).not.toContain(address)
  })
})

describe('ownsAddress', () => {
  const local = ['10.8.0.1', 'fe80::a8c5:d6ff:fe1b:2c3d']
  it('matches an own address in any spelling, with or without a zone id', () => {
    expect(ownsAddress(local, '10.8.0.1')).toBe(true)
    expect(ownsAddress(local, 'FE80:0:0:0:a8c5:d6ff:fe1b:2c3d')).toBe(true)
    expect(ownsAddress(local, 'fe80::a8c5:d6ff:fe1b:2c3d%tun0')).toBe(true)
  })
  it('does not match another address', () => {
    expect(ownsAddress(local, '10.8.0.10')).toBe(false)
    expect(ownsAddress(local, 'fe80::1%tun0')).toBe(false)
  })
})
