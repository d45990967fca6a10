// Reads a container's network namespace from the inside, with tools every
// image has (readlink, cat) and as any user: /proc/self/ns/net names the
// namespace, /proc/net/* hold its routes and interface counters.
import type { Docker } from '../docker/client.js'
import type { Container } from '../docker/inspect.js'
import {
  parseInterfaceCounters,
  parseIpv4Routes,
  parseIpv6Routes,
  type InterfaceCounters,
  type Route
} from './routes.js'

export interface NamespaceSnapshot {
  container: Container
  /** e.g. `net:[4026532845]`; undefined when it could not be read. */
  id?: string
  routes: Route[]
  counters: Map<string, InterfaceCounters>
  /** The raw tables, for the diagnostics. */
  routeTable: string
  /** Why the namespace could not be read, when it could not. */
  error?: string
}

const ROUTE_FILES = ['/proc/net/route', '/proc/net/ipv6_route', '/proc/net/dev']

export interface ProcTables {
  ipv4: string
  ipv6: string
  dev: string
}

/** Splits the output of one `cat` of the three tables: each has its own
 * header shape, so one exec reads them all. */
export function splitProcTables(text: string): ProcTables {
  const tables: ProcTables = { ipv4: '', ipv6: '', dev: '' }
  let current: keyof ProcTables = 'ipv4'
  for (const line of text.split('\n')) {
    if (line.startsWith('Iface')) current = 'ipv4'
    else if (/^[0-9a-f]{32} /.test(line)) current = 'ipv6'
    else if (line.startsWith('Inter-')) current = 'dev'
    tables[current] += `${line}\n`
  }
  return tables
}

export async function readNamespace(docker: Docker, container: Container): Promise<NamespaceSnapshot> {
  const [link, cat] = await Promise.all([
    docker.exec(container.id, ['readlink', '/proc/self/ns/net']),
    // ipv6_route is missing where IPv6 is disabled: cat then still prints the others.
    docker.exec(container.id, ['cat', ...ROUTE_FILES])
  ])
  const tables = splitProcTables(cat.stdout)
  const routes = [...parseIpv4Routes(tables.ipv4), ...parseIpv6Routes(tables.ipv6)]
  const unreadable = link.exitCode !== 0 ? link : !tables.ipv4.includes('Iface') ? cat : undefined
  return {
    container,
    id: link.exitCode === 0 ? link.stdout.trim() : undefined,
    routes,
    counters: parseInterfaceCounters(tables.dev),
    routeTable: tables.ipv4.trim() + (tables.ipv6.trim() ? `\n${tables.ipv6.trim()}` : ''),
    error: unreadable
      ? `\`docker exec ${container.name} ${unreadable.argv.slice(3).join(' ')}\` failed (exit ${unreadable.exitCode}): ${unreadable.stderr.trim() || unreadable.stdout.trim()}`
      : undefined
  }
}

export async function readCounters(docker: Docker, container: Container): Promise<Map<string, InterfaceCounters>> {
  const result = await docker.exec(container.id, ['cat', '/proc/net/dev'])
  return parseInterfaceCounters(result.stdout)
}
