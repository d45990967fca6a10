// Reads a container's network namespace from the inside, with tools every
// image has (readlink, cat) and as any user: /proc/self/ns/net names the
// namespace, /proc/net/* hold its routes, its own addresses and its
// interface counters.
import type { Docker } from '../docker/client.js'
import { joinedContainerId, type Container } from '../docker/inspect.js'
import type { Outcome } from './outcome.js'
import {
  parseInterfaceCounters,
  parseIpv4Routes,
  parseIpv6Routes,
  parseLocalAddresses,
  type InterfaceCounters,
  type RouteState
} from './routes.js'

export interface NamespaceSnapshot extends RouteState {
  container: Container
  /** e.g. `net:[4026532845]`; undefined when it could not be read. */
  id?: string
  /** The raw tables, for the diagnostics. */
  routeTable: string
  /** The addresses the namespace itself owns (IPv4 and IPv6, e.g. its tun0 address). */
  localAddresses: string[]
}

const PROC_FILES = [
  '/proc/net/route',
  '/proc/net/ipv6_route',
  '/proc/net/if_inet6',
  '/proc/net/fib_trie',
  '/proc/net/dev'
]

export interface ProcTables {
  ipv4: string
  ipv6: string
  inet6: string
  fib: string
  dev: string
}

/** Splits the output of one `cat` of the tables, so one exec reads them all:
 * route, fib_trie and dev start with headers of their own; ipv6_route and
 * if_inet6 have none, and their lines differ in number of fields (10 and 6). */
export function splitProcTables(text: string): ProcTables {
  const tables: ProcTables = { ipv4: '', ipv6: '', inet6: '', fib: '', dev: '' }
  let current: keyof ProcTables = 'ipv4'
  for (const line of text.split('\n')) {
    if (line.startsWith('Iface')) current = 'ipv4'
    else if (/^(Main|Local|Id \d+):$/.test(line)) current = 'fib'
    else if (line.startsWith('Inter-')) current = 'dev'
    const ipv6 = /^[0-9a-f]{32} /.test(line) ? (line.trim().split(/\s+/).length >= 10 ? 'ipv6' : 'inet6') : undefined
    tables[ipv6 ?? current] += `${line}\n`
  }
  return tables
}

export async function readNamespace(docker: Docker, container: Container): Promise<NamespaceSnapshot> {
  const [link, cat] = await Promise.all([
    docker.exec(container.id, ['readlink', '/proc/self/ns/net']),
    // The IPv6 files are missing where IPv6 is disabled: cat then still prints the others.
    docker.exec(container.id, ['cat', ...PROC_FILES])
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
    localAddresses: parseLocalAddresses(tables.fib, tables.inet6),
    error: unreadable
      ? `\`docker exec ${container.name} ${unreadable.argv.slice(3).join(' ')}\` failed (exit ${unreadable.exitCode}): ${unreadable.stderr.trim() || unreadable.stdout.trim()}`
      : undefined
  }
}

export async function readCounters(docker: Docker, container: Container): Promise<Map<string, InterfaceCounters>> {
  const result = await docker.exec(container.id, ['cat', '/proc/net/dev'])
  return parseInterfaceCounters(result.stdout)
}

/** Pure: does the worker share the vpn container's current namespace? */
export function judgeNamespace(worker: NamespaceSnapshot, vpn: NamespaceSnapshot): Outcome {
  const w = worker.container
  const v = vpn.container
  const joined = joinedContainerId(w)
  const evidence = {
    worker_namespace: worker.id ?? 'unknown',
    vpn_namespace: vpn.id ?? 'unknown',
    network_mode: w.networkMode,
    vpn_restarts: v.restartCount
  }
  if (w.status !== 'running') {
    return {
      verdict: 'failed',
      summary: `${w.name} is ${w.status} (exit code ${w.exitCode}).`,
      evidence,
      fix: `Look at \`docker logs ${w.name}\`.`
    }
  }
  if (joined && joined !== v.id) {
    return {
      verdict: 'failed',
      summary: `Stale namespace: ${w.name} joined container ${joined.slice(0, 12)}, which is no longer ${v.name} (${v.id.slice(0, 12)}): ${v.service} was recreated after ${w.name} started, and ${w.name} has no tunnel.`,
      evidence,
      fix: `Recreate it: \`docker compose up -d --force-recreate --no-deps ${w.service}\` (Compose recreates dependants only when it recreates ${v.service} itself).`
    }
  }
  if (!joined) {
    return {
      verdict: 'failed',
      summary: `${w.name} does not share ${v.name}'s network namespace (network_mode ${w.networkMode}): it cannot use the tunnel.`,
      evidence,
      fix: `Set network_mode: "service:${v.service}" on ${w.service}.`
    }
  }
  if (!worker.id || !vpn.id) return { verdict: 'failed', summary: (worker.error ?? vpn.error) as string, evidence }
  if (worker.id === vpn.id) return { verdict: 'passed', summary: `shares ${v.name}'s namespace ${vpn.id}`, evidence }
  return { verdict: 'failed', ...staleNamespace(w, v, evidence) }
}

function staleNamespace(w: Container, v: Container, evidence: Outcome['evidence']): Omit<Outcome, 'verdict'> {
  const restartedAfter = v.startedAt && w.startedAt && v.startedAt > w.startedAt
  const timing = restartedAfter
    ? `${v.name} (re)started at ${v.startedAt?.toISOString()}, after ${w.name} started at ${w.startedAt?.toISOString()}`
    : `${v.name} has a new namespace`
  return {
    summary: `Stale namespace: ${w.name} is still in the namespace ${v.name} had before the engine restarted it (restart count ${v.restartCount}; ${timing}). ${w.name} has no tunnel.`,
    evidence: {
      ...evidence,
      vpn_started: v.startedAt?.toISOString() ?? '',
      worker_started: w.startedAt?.toISOString() ?? ''
    },
    fix: `Recreate it: \`docker compose up -d --force-recreate --no-deps ${w.service}\` (a restart also rejoins while ${v.service} keeps its container); and make ${w.service} depend on ${v.service} with condition: service_healthy so it starts only once the tunnel is up.`
  }
}
