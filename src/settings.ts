// Turns the action's inputs (or the CLI's options) into one typed, validated
// settings object, in the manner of actions/checkout's input-helper. Every
// problem becomes an InputError that names the input and says how to fix it.
import { existsSync, statSync } from 'node:fs'
import { isAbsolute, resolve } from 'node:path'
import ipaddr from 'ipaddr.js'
import { parse as parseShellWords } from 'shell-quote'

export type Mode = 'full' | 'verify' | 'lint'
export type PreflightPolicy = 'fail' | 'report' | 'off'
export type TeardownPolicy = 'always' | 'on-success' | 'never'

export interface Subnet {
  /** Canonical text, e.g. `10.8.0.0/24`. */
  cidr: string
  range: [ipaddr.IPv4 | ipaddr.IPv6, number]
}

export interface Settings {
  mode: Mode
  workingDirectory: string
  composeFiles: string[]
  /** Undefined: Compose's own default, derived from the compose model. */
  projectName?: string
  envFiles: string[]
  profiles: string[]
  vpnService: string
  tunnelServices: string[]
  /** Empty: the subnets routed over the vpn service's tun/tap interfaces. */
  managementSubnets: Subnet[]
  probeTargets: string[]
  upFlags: string[]
  healthTimeoutSec: number
  routeTimeoutSec: number
  preflight: PreflightPolicy
  teardown: TeardownPolicy
}

/** Reads one raw input by its action.yml name; '' when not given. */
export type InputSource = (name: string) => string

export class InputError extends Error {
  constructor(
    readonly input: string,
    message: string
  ) {
    super(`Input '${input}': ${message}`)
  }
}

export const INPUT_DEFAULTS: Record<string, string> = {
  mode: 'full',
  'compose-file': 'docker-compose.yml',
  'working-directory': '.',
  'vpn-service': 'openvpn',
  'tunnel-services': 'celery, celery_monitoring',
  'health-timeout': '600',
  'route-timeout': '30',
  preflight: 'fail',
  teardown: 'always'
}

// Names as Compose accepts them (compose-spec's patterns for projects,
// services and profiles). Anything else, shell syntax included, is refused.
const PROJECT_NAME = /^[a-z0-9][a-z0-9_-]*$/
const SERVICE_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/
const PROFILE_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/

export function readSettings(source: InputSource, environment: NodeJS.ProcessEnv = process.env): Settings {
  const input = (name: string): string => source(name).trim() || INPUT_DEFAULTS[name] || ''
  const mode = oneOf(input, 'mode', ['full', 'verify', 'lint'] as const)
  const workingDirectory = readDirectory(input('working-directory'), environment)
  const vpnService = serviceName('vpn-service', input('vpn-service'))
  return {
    mode,
    workingDirectory,
    composeFiles: readFiles('compose-file', list(input('compose-file')), workingDirectory, true),
    projectName: readProjectName(input('project-name'), mode, environment),
    envFiles: readFiles('env-file', list(input('env-file')), workingDirectory, false),
    profiles: list(input('profiles')).map((p) => matching('profiles', p, PROFILE_NAME, 'a Compose profile name')),
    vpnService,
    tunnelServices: readTunnelServices(list(input('tunnel-services')), vpnService),
    managementSubnets: list(input('management-subnet')).map(parseSubnet),
    probeTargets: list(input('probe-targets')).map(readAddress),
    upFlags: readUpFlags(input('up-flags')),
    healthTimeoutSec: positiveSeconds('health-timeout', input('health-timeout')),
    routeTimeoutSec: positiveSeconds('route-timeout', input('route-timeout')),
    preflight: oneOf(input, 'preflight', ['fail', 'report', 'off'] as const),
    teardown: oneOf(input, 'teardown', ['always', 'on-success', 'never'] as const)
  }
}

/** Lists accept newlines or commas, as the README promises. */
export function list(value: string): string[] {
  return value
    .split(/[\n,]/)
    .map((item) => item.trim())
    .filter((item) => item !== '')
}

function oneOf<T extends string>(input: (name: string) => string, name: string, allowed: readonly T[]): T {
  const value = input(name)
  if ((allowed as readonly string[]).includes(value)) return value as T
  throw new InputError(name, `'${value}' is not one of ${allowed.join(', ')}. Use one of those values.`)
}

function matching(name: string, value: string, pattern: RegExp, what: string): string {
  if (pattern.test(value)) return value
  throw new InputError(
    name,
    `'${value}' is not ${what} (allowed: ${pattern.source}). Fix the value; it is never passed to a shell.`
  )
}

function serviceName(name: string, value: string): string {
  return matching(name, value, SERVICE_NAME, 'a Compose service name')
}

function readDirectory(value: string, environment: NodeJS.ProcessEnv): string {
  const base = environment.GITHUB_WORKSPACE || process.cwd()
  const directory = isAbsolute(value) ? value : resolve(base, value)
  if (!existsSync(directory) || !statSync(directory).isDirectory()) {
    throw new InputError(
      'working-directory',
      `${directory} is not a directory. Check out the repository first, or fix the path.`
    )
  }
  return directory
}

function readFiles(name: string, values: string[], directory: string, required: boolean): string[] {
  if (required && values.length === 0) throw new InputError(name, 'no file given. Name at least one compose file.')
  return values.map((value) => {
    const file = resolve(directory, value)
    if (!existsSync(file) || !statSync(file).isFile()) {
      throw new InputError(name, `${file} does not exist. Fix the path (it is relative to working-directory).`)
    }
    return file
  })
}

function readProjectName(value: string, mode: Mode, environment: NodeJS.ProcessEnv): string | undefined {
  if (value)
    return matching(
      'project-name',
      value,
      PROJECT_NAME,
      'a valid Compose project name (lower case letters, digits, - and _, starting with a letter or digit)'
    )
  return mode === 'full' ? uniqueProjectName(environment) : undefined
}

/** A name unique to the workflow run, job and attempt, so parallel runs never collide. */
export function uniqueProjectName(environment: NodeJS.ProcessEnv): string {
  const { GITHUB_RUN_ID: run, GITHUB_RUN_ATTEMPT: attempt, GITHUB_JOB: job } = environment
  const parts = run ? [run, attempt || '1', job || 'job'] : [Date.now().toString(36), process.pid.toString(36)]
  const name = ['otc', ...parts]
    .join('-')
    .toLowerCase()
    .replace(/[^a-z0-9_-]/g, '-')
  return name.slice(0, 63)
}

function readTunnelServices(values: string[], vpnService: string): string[] {
  if (values.length === 0)
    throw new InputError(
      'tunnel-services',
      'no service given. Name the services that must reach devices through the tunnel.'
    )
  const services = [...new Set(values.map((value) => serviceName('tunnel-services', value)))]
  if (services.includes(vpnService)) {
    throw new InputError(
      'tunnel-services',
      `'${vpnService}' is the vpn service itself. List only the services that share its network namespace.`
    )
  }
  return services
}

export function parseSubnet(value: string): Subnet {
  let range: [ipaddr.IPv4 | ipaddr.IPv6, number]
  try {
    range = ipaddr.parseCIDR(value)
  } catch {
    throw new InputError('management-subnet', `'${value}' is not a CIDR. Write it like 10.8.0.0/24.`)
  }
  const network = ipaddr.IPv4.isValid(value.split('/')[0])
    ? ipaddr.IPv4.networkAddressFromCIDR(value)
    : ipaddr.IPv6.networkAddressFromCIDR(value)
  const cidr = `${network.toString()}/${range[1]}`
  if (network.toString() !== range[0].toString()) {
    throw new InputError('management-subnet', `'${value}' has host bits set. Did you mean ${cidr}?`)
  }
  return { cidr, range: [network, range[1]] }
}

function readAddress(value: string): string {
  if (!ipaddr.isValid(value) || value.includes('/')) {
    throw new InputError('probe-targets', `'${value}' is not an IP address. List device management IPs like 10.8.0.10.`)
  }
  return ipaddr.parse(value).toString()
}

function readUpFlags(value: string): string[] {
  const words = parseShellWords(value, (variable) => {
    throw new InputError(
      'up-flags',
      `'$${variable}' is shell syntax: no shell runs these words, so nothing would expand it. Write the value itself.`
    )
  })
  return words.map((word) => {
    if (typeof word === 'string') return word
    const token = 'op' in word ? word.op : 'comment' in word ? `#${word.comment}` : String(word)
    throw new InputError(
      'up-flags',
      `'${token}' is shell syntax; these words are passed to 'docker compose up' as they are and never run by a shell. Remove it.`
    )
  })
}

function positiveSeconds(name: string, value: string): number {
  const seconds = Number(value)
  if (!/^\d+(\.\d+)?$/.test(value) || !(seconds > 0)) {
    throw new InputError(name, `'${value}' is not a positive number of seconds. Write a number like 600.`)
  }
  return seconds
}
