// A vpn container's namespace as the checks read it: the subnet routed over
// tun0, its counters, and the server's own tun0 address.
import type { NamespaceSnapshot } from '../../src/checks/namespace.js'
import { parseInterfaceCounters, parseIpv4Routes } from '../../src/checks/routes.js'
import { container } from './containers.js'
import { DEV, ROUTE_SUBNET } from './proc.js'

export const vpn = container({ id: 'vpn-id', service: 'openvpn' })

export const vpnSnapshot: NamespaceSnapshot = {
  container: vpn,
  id: 'net:[100]',
  routes: parseIpv4Routes(ROUTE_SUBNET),
  counters: parseInterfaceCounters(DEV),
  routeTable: ROUTE_SUBNET,
  localAddresses: ['10.8.0.1']
}

/** The same namespace with eth0 too, as it was before its network was lost. */
export const withEth0: NamespaceSnapshot = {
  ...vpnSnapshot,
  counters: new Map([...vpnSnapshot.counters, ['eth0', { rxPackets: 40, txPackets: 30 }]])
}

/** A device address routed over tun0. */
export const DEVICE = '10.8.0.10'

/** A probe that got no answer. */
export const silent = {
  from: 'demo-openvpn-1',
  tool: 'ping',
  answered: false,
  output: '1 packets transmitted, 0 received'
}
