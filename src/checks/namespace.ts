// Reads a container's network namespace from the inside, with tools every
// image has (readlink, cat) and as any user: /proc/self/ns/net names the
// namespace, /proc/net/* hold its routes, its own addresses and its
// interface counters.
import type { CommandResult } from '../docker/command.js'
import { display } from '../docker/display.js'
import { programMissing, type Docker } from '../docker/client.js'
import { cutLine } from '../docker/logs.js'
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

const READ_LINK = ['readlink', '/proc/self/ns/net']
// The IPv6 files are missing where IPv6 is disabled: cat then still prints the others.
const READ_TABLES = ['cat', ...PROC_FILES]
/** Both in one exec, half the round trips: a fixed script that no input
 * reaches (like the reach probe's python3 program); the files are its arguments. */
const READ_BOTH = ['sh', '-c', 'readlink /proc/self/ns/net; exec cat "$@"', 'sh', ...PROC_FILES]
const NAMESPACE_LINK = /^net:\[\d+\]$/

/** The link (undefined when it could not be read), the tables, and which command failed, how, with what output. */
type LinkAndTables = Pick<NamespaceSnapshot, 'error'> & { link?: string; tables: ProcTables }

/** The namespace link and the tables, from one exec, or from two where the
 * image has no shell (distroless). */
async function readLinkAndTables(docker: Docker, container: Container): Promise<LinkAndTables> {
  const both = await docker.exec(container.id, READ_BOTH)
  if (programMissing(both)) return readApart(docker, container)
  const [first, ...rest] = both.stdout.split('\n')
  const link = NAMESPACE_LINK.test(first.trim()) ? first.trim() : undefined
  const tables = splitProcTables(link ? rest.join('\n') : both.stdout)
  const routed = tables.ipv4.includes('Iface')
  if (link && routed) return { link, tables }
  const missing = link ? 'no route table after the link' : routed ? 'no namespace link first' : 'neither'
  const how = `exited ${both.exitCode}, and its output could not be read as a namespace link and routes (${missing})`
  return { link, tables, error: failedRead(container, both, how) }
}

async function readApart(docker: Docker, container: Container): Promise<LinkAndTables> {
  const [link, cat] = await Promise.all([docker.exec(container.id, READ_LINK), docker.exec(container.id, READ_TABLES)])
  const tables = splitProcTables(cat.stdout)
  const failed = link.exitCode !== 0 ? link : !tables.ipv4.includes('Iface') ? cat : undefined
  return {
    link: link.exitCode === 0 ? link.stdout.trim() : undefined,
    tables,
    error: failed && failedRead(container, failed, `failed (exit ${failed.exitCode})`)
  }
}

/** A read named as it ran (the script where it was one), with what it printed, cut: a container can print anything. */
function failedRead(container: Container, result: CommandResult, how: string): string {
  const output = cutLine(result.stderr.trim() || result.stdout.trim(), 300)
  return `\`docker exec ${container.name} ${display(result.argv.slice(3))}\` ${how}: ${output}`
}

export async function readNamespace(docker: Docker, container: Container): Promise<NamespaceSnapshot> {
  const { link, tables, error } = await readLinkAndTables(docker, container)
  return {
    container,
    id: link,
    routes: [...parseIpv4Routes(tables.ipv4), ...parseIpv6Routes(tables.ipv6)],
    counters: parseInterfaceCounters(tables.dev),
    routeTable: tables.ipv4.trim() + (tables.ipv6.trim() ? `\n${tables.ipv6.trim()}` : ''),
    localAddresses: parseLocalAddresses(tables.fib, tables.inet6),
    error
  }
}

export async function readCounters(docker: Docker, container: Container): Promise<Map<string, InterfaceCounters>> {
  const result = await docker.exec(container.id, ['cat', '/proc/net/dev'])
  return parseInterfaceCounters(result.stdout)
}

/** What a tunnel service's compose definition already does, so that advice
 * asks only for what it lacks. */
export interface WorkerWiring {
  /** depends_on.<vpn>.condition is service_healthy. */
  waitsForHealthy: boolean
  /** depends_on.<vpn>.restart is true. */
  restartsWithVpn: boolean
  /** network_mode is service:<vpn>, so Compose recreates it with the vpn. */
  followsVpnService: boolean
}

/** True when `docker restart` of the worker puts it in the vpn's current
 * namespace: it joined the vpn's current container (by id, or by a name that
 * now names it). Checked on Engine 20.10: after a recreate of the vpn the old
 * id is gone and the restart fails with `No such container`. */
function rejoinsByRestart(worker: Container, vpn: Container): boolean {
  const joined = joinedContainerId(worker)
  return joined === vpn.id || joined === vpn.name
}

/** The command that puts stranded workers back, verified on Engine 20.10 with
 * Compose 2.26: a restart while they joined the vpn's current container,
 * otherwise a recreate (which works in both cases). */
export function rejoinCommand(workers: Container[], vpn: Container, project?: string): string {
  if (workers.every((worker) => rejoinsByRestart(worker, vpn)))
    return `docker restart ${workers.map((w) => w.name).join(' ')}`
  const services = [...new Set(workers.map((w) => w.service))].join(' ')
  return `docker compose ${project ? `-p ${project} ` : ''}up -d --force-recreate --no-deps ${services}`
}

/** How a worker survives the vpn container's restarts for good, asking only
 * for what its definition lacks. Compose's depends_on.restart covers only
 * restarts Compose makes (`docker compose restart`); after `docker restart` or
 * a restart by the engine's policy only a worker that exits when the tunnel
 * leaves its namespace, under restart: always, comes back: the engine starts
 * it again in the vpn's new namespace. Checked on Engine 20.10: a worker that
 * exits at once is restarted while the vpn is stopped about one time in ten,
 * that start fails (`cannot join network of a non running container`) and is
 * never tried again; one that exits a few seconds later came back every time. */
export function survivalAdvice(service: string, vpnService: string, wiring?: WorkerWiring): string {
  const start = wiring?.waitsForHealthy
    ? ''
    : ` Make ${service} depend on ${vpnService} with condition: service_healthy, so that it starts only once the tunnel is up.`
  const restart = wiring?.restartsWithVpn
    ? `its depends_on.${vpnService}.restart: true covers only restarts Compose makes (\`docker compose restart ${vpnService}\`)`
    : `depends_on.${vpnService}.restart: true would cover only restarts Compose makes (\`docker compose restart ${vpnService}\`)`
  return `${start} To survive restarts of ${vpnService} by the engine or \`docker restart\`, give ${service} a command that exits a few seconds after tun0 left its namespace (/proc/net/route), with restart: always: the engine then starts it again in the new namespace (an exit at once can come while ${vpnService} is stopped, and that start fails for good); ${restart}.`
}

/** Pure: does the worker share the vpn container's current namespace? */
export function judgeNamespace(worker: NamespaceSnapshot, vpn: NamespaceSnapshot, wiring?: WorkerWiring): Outcome {
  const w = worker.container
  const v = vpn.container
  const joined = joinedContainerId(w)
  const evidence = {
    worker_namespace: worker.id ?? 'unknown',
    vpn_namespace: vpn.id ?? 'unknown',
    network_mode: w.networkMode,
    vpn_restarts: v.restartCount
  }
  if (w.status !== 'running') return { verdict: 'failed', ...notRunning(w, v, evidence) }
  if (joined && !rejoinsByRestart(w, v)) {
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
  return { verdict: 'failed', ...staleNamespace(w, v, evidence, wiring) }
}

/** How a container that does not run ended: exit code, restarts and the engine's own error. */
export function stateWords(c: Container): string {
  const error = c.error ? `; the engine's last error: ${c.error}` : ''
  return `exit code ${c.exitCode}, restart count ${c.restartCount}${error}`
}

/** A worker that is not running is named with its state and the engine's own error. */
function notRunning(w: Container, v: Container, evidence: Outcome['evidence']): Omit<Outcome, 'verdict'> {
  const details = { ...evidence, status: w.status, exit_code: w.exitCode, restarts: w.restartCount }
  if (w.status === 'paused')
    return {
      summary: `${w.name} is paused: its processes are frozen.`,
      evidence: details,
      fix: `Unpause it: \`docker unpause ${w.name}\`.`
    }
  return {
    summary: `${w.name} is ${w.status} (${stateWords(w)}).`,
    evidence: w.error ? { ...details, error: w.error } : details,
    fix: `Look at \`docker logs ${w.name}\`; \`${rejoinCommand([w], v)}\` starts it in ${v.name}'s namespace.`
  }
}

/** Says only what the evidence shows: when each started, and the restart
 * count (which counts restarts by the restart policy since the last start by
 * hand; `docker restart` keeps it at 0). */
function staleNamespace(
  w: Container,
  v: Container,
  evidence: Outcome['evidence'],
  wiring?: WorkerWiring
): Omit<Outcome, 'verdict'> {
  const restartedAfter = v.startedAt && w.startedAt && v.startedAt > w.startedAt
  const timing = restartedAfter
    ? `${v.name} started at ${v.startedAt?.toISOString()}, after ${w.name} started at ${w.startedAt?.toISOString()}`
    : `${v.name} has a new namespace`
  const restarts = v.restartCount > 0 ? `its restart policy restarted it ${v.restartCount} times` : 'restart count 0'
  return {
    summary: `Stale namespace: ${w.name} is still in a namespace ${v.name} no longer has (${timing}; ${restarts}). ${w.name} has no tunnel.`,
    evidence: {
      ...evidence,
      vpn_started: v.startedAt?.toISOString() ?? '',
      worker_started: w.startedAt?.toISOString() ?? ''
    },
    fix: `Put it back: \`${rejoinCommand([w], v)}\` (it joined ${v.name}, which kept its container; \`docker compose up -d --force-recreate --no-deps ${w.service}\` works too).${survivalAdvice(w.service, v.service, wiring)}`
  }
}
