// One merged service node turned into the typed ServiceModel. Values are cast
// the way Compose casts interpolated strings (`"false"` is a boolean, `"3"` a
// number), and defaults Compose fills in are traced to the entry they belong to.
import { ComposeFileError } from '../errors.js'
import type { SourceLocation } from '../findings.js'
import type { VariableUse } from './interpolate.js'
import { plain, type MapNode, type TreeNode } from './located-tree.js'

export interface Traced<T> {
  value: T
  /** Node where the effective value was written (for a default, the entry it belongs to). */
  at?: SourceLocation
  /** How it got there, e.g. "merge key `<<: *celery-depends-on` (docker-compose.yml:88)", "extends: service base (…)", "override file docker-compose.override.yml". */
  via?: string
  /** Interpolated variables that shaped this value. */
  variables?: VariableUse[]
}

export interface DependsOn {
  service: string
  condition: Traced<string>
  required: Traced<boolean>
  restart: Traced<boolean>
  /** Written in list form, so the condition is the implied `service_started`. */
  listForm: boolean
  /** The entry: the service's key in map form, the list item in list form. */
  at: SourceLocation
}

/** Durations are in seconds. */
export interface Healthcheck {
  test?: Traced<string[]>
  disable: boolean
  interval?: Traced<number>
  timeout?: Traced<number>
  retries?: Traced<number>
  startPeriod?: Traced<number>
  startInterval?: Traced<number>
  at: SourceLocation
}

export interface ServiceModel {
  name: string
  /** The service's key. */
  at: SourceLocation
  image?: string
  networkMode?: Traced<string>
  dependsOn: DependsOn[]
  healthcheck?: Healthcheck
  restart?: Traced<string>
  privileged?: Traced<boolean>
  capAdd: Traced<string>[]
  devices: Traced<string>[]
  /** Options present that conflict with `network_mode: service:X` (networks, ports, hostname, dns, mac_address, extra_hosts), located at their key. */
  options: Map<string, Traced<unknown>>
  profiles: string[]
}

/** Options that Compose refuses, or ignores, next to `network_mode: service:X`. */
const NETWORK_MODE_CONFLICTS = ['networks', 'ports', 'hostname', 'dns', 'mac_address', 'extra_hosts'] as const

export function buildService(name: string, node: MapNode): ServiceModel {
  const get = (key: string): TreeNode | undefined => present(node.entries.get(key))
  return {
    name,
    at: node.keyAt ?? node.at,
    image: optional(get('image'), asString)?.value,
    networkMode: optional(get('network_mode'), asString),
    dependsOn: dependsOn(get('depends_on')),
    healthcheck: healthcheck(get('healthcheck')),
    restart: optional(get('restart'), asString),
    privileged: optional(get('privileged'), asBoolean),
    capAdd: items(get('cap_add')).map((item) => traced(item, asString(item))),
    devices: items(get('devices')).map((item) => traced(item, device(item))),
    options: conflictingOptions(node),
    profiles: items(get('profiles')).map(asString)
  }
}

/** `key:` with nothing after it is as good as absent. */
function present(node: TreeNode | undefined): TreeNode | undefined {
  return node?.kind === 'scalar' && node.value === null ? undefined : node
}

function traced<T>(node: TreeNode, value: T, at: SourceLocation = node.at): Traced<T> {
  return { value, at, via: node.via, variables: node.variables }
}

function optional<T>(node: TreeNode | undefined, cast: (node: TreeNode) => T): Traced<T> | undefined {
  return node === undefined ? undefined : traced(node, cast(node))
}

/** A value Compose fills in when the entry does not set it. */
function withDefault<T>(node: TreeNode | undefined, cast: (node: TreeNode) => T, value: T, entry: TreeNode): Traced<T> {
  return optional(node, cast) ?? { value, at: entry.keyAt ?? entry.at, via: entry.via }
}

function items(node: TreeNode | undefined): TreeNode[] {
  if (node === undefined) return []
  if (node.kind !== 'seq') throw invalid(node, 'a list')
  return node.items
}

function invalid(node: TreeNode, expected: string): ComposeFileError {
  const at = node.keyAt ?? node.at
  return new ComposeFileError(`${at.file}:${at.line}: expected ${expected}, found ${JSON.stringify(plain(node))}`, at)
}

function asString(node: TreeNode): string {
  if (node.kind !== 'scalar' || node.value === null) throw invalid(node, 'a string')
  return String(node.value)
}

const TRUE = ['y', 'yes', 'true', 'on']
const FALSE = ['n', 'no', 'false', 'off']

/** Booleans, or the strings compose-go's toBoolean accepts. */
function asBoolean(node: TreeNode): boolean {
  if (node.kind === 'scalar' && typeof node.value === 'boolean') return node.value
  const text = asString(node).toLowerCase()
  if (TRUE.includes(text)) return true
  if (FALSE.includes(text)) return false
  throw invalid(node, 'a boolean')
}

function asInteger(node: TreeNode): number {
  const value = Number(asString(node))
  if (!Number.isInteger(value)) throw invalid(node, 'an integer')
  return value
}

const UNIT_SECONDS: Record<string, number> = { ns: 1e-9, us: 1e-6, µs: 1e-6, ms: 1e-3, s: 1, m: 60, h: 3600 }
const DURATION = /^(?:(?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|ms|s|m|h))+$/
const DURATION_PART = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/g

/** A Go duration (`30s`, `1m30s`, `500ms`) in seconds. */
function asDuration(node: TreeNode): number {
  const text = asString(node)
  if (text === '0') return 0
  if (!DURATION.test(text)) throw invalid(node, 'a duration such as 30s, 1m30s or 500ms')
  return [...text.matchAll(DURATION_PART)].reduce(
    (sum, [, amount, unit]) => sum + Number(amount) * UNIT_SECONDS[unit!]!,
    0
  )
}

/** Short syntax `HOST[:CONTAINER[:PERMISSIONS]]` as written; long syntax as `source:target`. */
function device(node: TreeNode): string {
  if (node.kind !== 'map') return asString(node)
  const source = node.entries.get('source')
  const target = node.entries.get('target')
  return [source, target]
    .filter((part) => part !== undefined)
    .map(asString)
    .join(':')
}

function dependsOn(node: TreeNode | undefined): DependsOn[] {
  if (node === undefined) return []
  if (node.kind !== 'map') throw invalid(node, 'a list or mapping of services')
  return [...node.entries].map(([service, entry]) => dependency(service, entry))
}

function dependency(service: string, entry: TreeNode): DependsOn {
  const fields = entry.kind === 'map' ? entry.entries : new Map<string, TreeNode>()
  if (entry.kind !== 'map' && present(entry) !== undefined) throw invalid(entry, 'a mapping')
  const condition = present(fields.get('condition'))
  return {
    service,
    condition: withDefault(condition, asString, 'service_started', entry),
    required: withDefault(present(fields.get('required')), asBoolean, true, entry),
    restart: withDefault(present(fields.get('restart')), asBoolean, false, entry),
    listForm: condition?.implied === true,
    at: entry.keyAt ?? entry.at
  }
}

/** `test` as a string is run by the shell, as `["CMD-SHELL", string]`; `["NONE"]` and `disable: true` turn the check off. */
function healthcheck(node: TreeNode | undefined): Healthcheck | undefined {
  if (node === undefined) return undefined
  if (node.kind !== 'map') throw invalid(node, 'a mapping')
  const get = (key: string): TreeNode | undefined => present(node.entries.get(key))
  const test = optional(get('test'), (test) =>
    test.kind === 'seq' ? test.items.map(asString) : ['CMD-SHELL', asString(test)]
  )
  const disable = optional(get('disable'), asBoolean)?.value === true || test?.value[0] === 'NONE'
  return {
    test,
    disable,
    interval: optional(get('interval'), asDuration),
    timeout: optional(get('timeout'), asDuration),
    retries: optional(get('retries'), asInteger),
    startPeriod: optional(get('start_period'), asDuration),
    startInterval: optional(get('start_interval'), asDuration),
    at: node.keyAt ?? node.at
  }
}

function conflictingOptions(node: MapNode): Map<string, Traced<unknown>> {
  const options = new Map<string, Traced<unknown>>()
  for (const key of NETWORK_MODE_CONFLICTS) {
    const option = present(node.entries.get(key))
    if (option) options.set(key, traced(option, plain(option), option.keyAt ?? option.at))
  }
  return options
}
