import { describe, expect, it } from '@jest/globals'
import {
  formatRoute,
  parseInterfaceCounters,
  parseIpv4Routes,
  parseIpv6Routes,
  parseLocalAddresses,
  parseSubnet,
  routeFor,
  tunnelRouteCovering,
  tunnelSubnets
} from '../../../src/checks/routes.js'
import { DEV, FIB_TRIE, IF_INET6, IPV6_ROUTE, ROUTE_P2P, ROUTE_SUBNET } from '../../helpers/proc.js'

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
