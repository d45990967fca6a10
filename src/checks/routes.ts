// Pure parsing and judging of a network namespace's routing state, read from
// /proc (the tunnel services' images have no `ip`, but /proc is readable by
// any user). ipaddr.js does the address arithmetic.
import ipaddr from 'ipaddr.js'
import type { Outcome } from './outcome.js'

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

/** A namespace's routes and interfaces, as far as they could be read. */
export interface RouteState {
  routes: Route[]
  counters: Map<string, InterfaceCounters>
  /** Why the namespace could not be read, when it could not. */
  error?: string
}

/** A management subnet. */
export interface Subnet {
  /** Canonical text, e.g. `10.8.0.0/24`. */
  cidr: string
  range: [Address, number]
}

/** Parses `10.8.0.0/24`; the error says what is wrong with the text. */
export function parseSubnet(value: string): Subnet {
  let range: [Address, number]
  try {
    if (!isPlainAddress(value.split('/')[0]!)) throw new Error('not plain')
    range = ipaddr.parseCIDR(value)
  } catch {
    throw new Error('is not a CIDR. Write it like 10.8.0.0/24.')
  }
  const network = ipaddr.IPv4.isValid(value.split('/')[0])
    ? ipaddr.IPv4.networkAddressFromCIDR(value)
    : ipaddr.IPv6.networkAddressFromCIDR(value)
  const cidr = `${network.toString()}/${range[1]}`
  if (network.toString() !== range[0].toString()) throw new Error(`has host bits set. Did you mean ${cidr}?`)
  return { cidr, range: [network, range[1]] }
}

/** An IPv6 address, or an IPv4 one in four decimal parts: ipaddr.js also
 * reads the legacy forms (`010.8.0.10` as octal 8.8.0.10, `10.8` as
 * 10.0.0.8, hex parts), which would turn a mistyped device address into
 * another, public one. */
export function isPlainAddress(text: string): boolean {
  return text.includes(':') ? ipaddr.IPv6.isValid(text) : ipaddr.IPv4.isValidFourPartDecimal(text)
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

/** /proc/net prints IPv6 addresses as 32 hex digits without separators. */
export function hexToIpv6(hex: string): ipaddr.IPv6 {
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

/** The addresses a namespace owns, from /proc/net/fib_trie (IPv4: an address
 * line `|-- 10.8.0.1` followed by `/32 host LOCAL`) and /proc/net/if_inet6
 * (IPv6: one address per line), as ipaddr.js prints them. `ip` is not needed. */
export function parseLocalAddresses(fibTrie: string, ifInet6: string): string[] {
  const local = new Set<string>()
  let address: string | undefined
  for (const line of fibTrie.split('\n')) {
    const leaf = /^\s*\|-- (\S+)$/.exec(line)
    if (leaf) address = leaf[1]
    else if (address && /^\s*\/32 host LOCAL$/.test(line)) local.add(address)
  }
  for (const fields of ifInet6.split('\n').map((line) => line.trim().split(/\s+/))) {
    if (/^[0-9a-f]{32}$/.test(fields[0])) local.add(hexToIpv6(fields[0]).toString())
  }
  return [...local]
}

/** Is the address one of the namespace's own? Compared parsed, so that any
 * spelling of an IPv6 address matches, and without a zone id (`%tun0`):
 * /proc/net/if_inet6 lists addresses without one. */
export function ownsAddress(localAddresses: string[], address: string): boolean {
  const wanted = ipaddr.parse(address).toString().replace(/%.*$/, '')
  return localAddresses.includes(wanted)
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

/** Whether the range `outer` (a route's, or a subnet's) holds all of `address/prefix`. */
function contains(outer: Pick<Route, 'network' | 'prefix'>, address: Address, prefix: number): boolean {
  return outer.network.kind() === address.kind() && outer.prefix <= prefix && address.match(outer.network, outer.prefix)
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

/** Link-local, multicast and loopback ranges, through which no device is
 * managed. With IPv6 on in the namespace (Engine 26, or a
 * `net.ipv6.conf.all.disable_ipv6: 0` sysctl) the kernel routes `fe80::/64`
 * and `ff00::/8` over tun0 as over any interface. */
const NEVER_MANAGEMENT = ['fe80::/10', 'ff00::/8', '::1/128', '169.254.0.0/16', '224.0.0.0/4', '127.0.0.0/8'].map(
  (cidr) => {
    const [network, prefix] = parseSubnet(cidr).range
    return { network, prefix }
  }
)

function neverManagement(route: Route): boolean {
  return NEVER_MANAGEMENT.some((range) => contains(range, route.network, route.prefix))
}

/** The subnets routed over tunnel interfaces that can be management subnets,
 * without those another one covers (topology p2p adds a host route to the
 * peer beside the subnet route). Only the auto-detection skips link-local and
 * multicast routes; a subnet given explicitly is judged on every route. */
/** Routes over tun/tap that can carry management traffic (not link-local, multicast or loopback). */
export function managementRoutes(routes: Route[]): Route[] {
  return routes.filter((route) => isTunnelInterface(route.iface) && !neverManagement(route))
}

export function tunnelSubnets(routes: Route[]): string[] {
  const tunnel = managementRoutes(routes)
  const outermost = tunnel.filter(
    (route) =>
      !tunnel.some(
        (other) => other !== route && other.prefix < route.prefix && contains(other, route.network, route.prefix)
      )
  )
  return [...new Set(outermost.map((route) => `${route.network.toString()}/${route.prefix}`))]
}

export function coversAll(snapshot: RouteState, subnets: Subnet[]): boolean {
  return subnets.length > 0 && subnets.every((subnet) => tunnelRouteCovering(snapshot.routes, subnet))
}

/** Pure: does the namespace route every management subnet over the tunnel? */
export function judgeRoutes(snapshot: RouteState, subnets: Subnet[]): Outcome {
  const covering = subnets.map((subnet) => ({
    subnet: subnet.cidr,
    route: tunnelRouteCovering(snapshot.routes, subnet)
  }))
  const missing = covering.filter((entry) => !entry.route).map((entry) => entry.subnet)
  const evidence = {
    routes: covering.map((entry) => `${entry.subnet}: ${entry.route ? formatRoute(entry.route) : 'none'}`).join('; '),
    interfaces: [...snapshot.counters.keys()].join(', ')
  }
  if (snapshot.error) return { verdict: 'failed', summary: snapshot.error, evidence }
  if (subnets.length === 0)
    return {
      verdict: 'failed',
      summary: 'there is no management subnet to check: the vpn service routes none over tun/tap',
      evidence
    }
  if (missing.length === 0)
    return { verdict: 'passed', summary: covering.map((entry) => formatRoute(entry.route!)).join(', '), evidence }
  const only = snapshot.routes.length === 0 ? ' (the namespace has no routes at all, only lo)' : ''
  return {
    verdict: 'failed',
    summary: `no route over tun/tap covers ${missing.join(', ')}${only}`,
    evidence,
    fix: 'The service must share the vpn service namespace after the tunnel is up; see the namespace check.'
  }
}
