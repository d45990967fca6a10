// Pure parsing and judging of a network namespace's routing state, read from
// /proc (the tunnel services' images have no `ip`, but /proc is readable by
// any user). ipaddr.js does the address arithmetic.
import ipaddr from 'ipaddr.js'
import type { Subnet } from '../settings.js'

type Address = ipaddr.IPv4 | ipaddr.IPv6

export interface Route {
  iface: string
  network: Address
  prefix: number
  gateway?: string
  metric: number
}

export interface InterfaceCounters {
  rxPackets: number
  txPackets: number
}

const RTF_UP = 0x1
const RTF_GATEWAY = 0x2

/** Interfaces a VPN tunnel uses: OpenVPN's tun (routed) or tap (bridged). */
export function isTunnelInterface(iface: string): boolean {
  return /^(tun|tap)/.test(iface)
}

/** /proc/net/route prints addresses as host-order hex words; every runner
 * architecture (x86_64, arm64) is little-endian, so the bytes read backwards. */
function hostOrderHexToIpv4(hex: string): ipaddr.IPv4 {
  const word = parseInt(hex, 16)
  return new ipaddr.IPv4([word & 0xff, (word >>> 8) & 0xff, (word >>> 16) & 0xff, word >>> 24])
}

function maskToPrefix(mask: ipaddr.IPv4): number {
  return mask.prefixLengthFromSubnetMask() ?? 0
}

/** Parses /proc/net/route (IPv4, main table), keeping only routes that are up. */
export function parseIpv4Routes(text: string): Route[] {
  return dataLines(text, 1).flatMap((fields): Route[] => {
    const [iface, destination, gateway, flags, , , metric, mask] = fields
    const flagBits = parseInt(flags, 16)
    if (!(flagBits & RTF_UP)) return []
    const network = hostOrderHexToIpv4(destination)
    const via = flagBits & RTF_GATEWAY ? hostOrderHexToIpv4(gateway).toString() : undefined
    return [{ iface, network, prefix: maskToPrefix(hostOrderHexToIpv4(mask)), gateway: via, metric: Number(metric) }]
  })
}

function hexToIpv6(hex: string): ipaddr.IPv6 {
  const parts = hex.match(/.{4}/g) ?? []
  return new ipaddr.IPv6(parts.map((part) => parseInt(part, 16)))
}

/** Parses /proc/net/ipv6_route, keeping routes that are up (loopback routes are skipped). */
export function parseIpv6Routes(text: string): Route[] {
  return dataLines(text, 0).flatMap((fields): Route[] => {
    const [destination, prefix, , , nextHop, metric, , , flags, iface] = fields
    if (!(parseInt(flags, 16) & RTF_UP) || iface === 'lo') return []
    const gateway = /^0+$/.test(nextHop) ? undefined : hexToIpv6(nextHop).toString()
    return [
      { iface, network: hexToIpv6(destination), prefix: parseInt(prefix, 16), gateway, metric: parseInt(metric, 16) }
    ]
  })
}

/** Parses /proc/net/dev into packet counters per interface. */
export function parseInterfaceCounters(text: string): Map<string, InterfaceCounters> {
  const counters = new Map<string, InterfaceCounters>()
  for (const line of text.split('\n').slice(2)) {
    const match = /^\s*([^:\s]+):\s*(.*)$/.exec(line)
    if (!match) continue
    const numbers = match[2].trim().split(/\s+/).map(Number)
    counters.set(match[1], { rxPackets: numbers[1], txPackets: numbers[9] })
  }
  return counters
}

function dataLines(text: string, headerLines: number): string[][] {
  return text
    .split('\n')
    .slice(headerLines)
    .map((line) => line.trim().split(/\s+/))
    .filter((fields) => fields.length >= 8)
}

export function formatRoute(route: Route): string {
  const via = route.gateway ? ` via ${route.gateway}` : ''
  return `${route.network.toString()}/${route.prefix}${via} dev ${route.iface}`
}

function contains(route: Route, address: Address, prefix: number): boolean {
  return route.network.kind() === address.kind() && route.prefix <= prefix && address.match(route.network, route.prefix)
}

/** The tunnel route that covers the whole subnet, preferring the most specific. */
export function tunnelRouteCovering(routes: Route[], subnet: Subnet): Route | undefined {
  const [network, prefix] = subnet.range
  return mostSpecific(routes.filter((route) => isTunnelInterface(route.iface) && contains(route, network, prefix)))
}

/** The route the kernel would pick for an address: longest prefix, then lowest metric. */
export function routeFor(routes: Route[], address: string): Route | undefined {
  const parsed = ipaddr.parse(address)
  return mostSpecific(routes.filter((route) => contains(route, parsed, parsed.kind() === 'ipv4' ? 32 : 128)))
}

function mostSpecific(routes: Route[]): Route | undefined {
  return [...routes].sort((a, b) => b.prefix - a.prefix || a.metric - b.metric)[0]
}

/** The subnets routed over tunnel interfaces, without those another one covers
 * (topology p2p adds a host route to the peer beside the subnet route). */
export function tunnelSubnets(routes: Route[]): string[] {
  const tunnel = routes.filter((route) => isTunnelInterface(route.iface))
  const outermost = tunnel.filter(
    (route) =>
      !tunnel.some(
        (other) => other !== route && other.prefix < route.prefix && contains(other, route.network, route.prefix)
      )
  )
  return [...new Set(outermost.map((route) => `${route.network.toString()}/${route.prefix}`))]
}
