// Turns the action's inputs (or the CLI's options) into one typed, validated
// settings object, in the manner of actions/checkout's input-helper. Every
// problem becomes an InputError that names the input and says how to fix it.
import { randomBytes } from 'node:crypto'
import { accessSync, constants, existsSync, statSync } from 'node:fs'
import { dirname, isAbsolute, resolve } from 'node:path'
import ipaddr from 'ipaddr.js'
import { parse as parseShellWords } from 'shell-quote'
import { parseSubnet, type Subnet } from './checks/routes.js'
import { notAFile } from './compose/source-file.js'
import {
  DEFAULT_STOP_TIMEOUT_SEC,
  isStopTimeout,
  MAX_STOP_TIMEOUT_SEC,
  type TeardownPolicy
} from './docker/teardown.js'
import { InputError } from './errors.js'
import type { Mode } from './report/schema.js'

export type PreflightPolicy = 'fail' | 'report' | 'off'
/** When the containers' logs are shown in the step log and the summary. */
export type LogsPolicy = 'on-failure' | 'always' | 'never'

/** What the resilience check does to the vpn service once the tunnel checks
 * passed: `restart` its container (same id, as `docker restart` and the
 * engine's restart policy do), or `recreate` it as a redeploy does (its
 * configuration changed, then `docker compose up -d`: a new container id). */
export type ResilienceEvent = 'restart' | 'recreate'

const RESILIENCE_EVENTS: readonly ResilienceEvent[] = ['restart', 'recreate']

export interface Settings {
  mode: Mode
  /** Base of relative paths and of annotation paths. */
  workspace: string
  workingDirectory: string
  /** Empty: Compose's own lookup in working-directory (compose/project.ts). */
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
  logs: LogsPolicy
  /** The events to prove the tunnel survives, in order; empty: off. */
  resilience: ResilienceEvent[]
  /** Seconds after each event for the vpn and every tunnel service to be back. */
  recoveryTimeoutSec: number
  /** Teardown's grace between SIGTERM and SIGKILL (Compose's `down --timeout`). */
  stopTimeoutSec: number
}

/** Reads one raw input by its action.yml name; '' when not given. */
export type InputSource = (name: string) => string

/** Every input, by its action.yml name, with its default ('' for none). The
 * CLI's options are these names too, and a test holds action.yml to them. */
export const INPUTS: Record<string, string> = {
  mode: 'full',
  'compose-file': '',
  'working-directory': '.',
  'project-name': '',
  'env-file': '',
  profiles: '',
  'vpn-service': 'openvpn',
  'tunnel-services': 'celery, celery_monitoring',
  'management-subnet': '',
  'probe-targets': '',
  'up-flags': '',
  'health-timeout': '600',
  'route-timeout': '30',
  preflight: 'fail',
  teardown: 'always',
  logs: 'on-failure',
  resilience: 'off',
  'recovery-timeout': '120',
  'stop-timeout': String(DEFAULT_STOP_TIMEOUT_SEC)
}

// Names as Compose accepts them (compose-spec's patterns for projects,
// services and profiles). Anything else, shell syntax included, is refused.
// A project name is also held to 63 characters, the length of a DNS label:
// Compose names containers `<project>-<service>-<n>`, and other containers
// find them by that name through Docker's DNS, which needs short labels.
// The default name is cut to the same length.
const PROJECT_NAME = /^[a-z0-9][a-z0-9_-]{0,62}$/
const SERVICE_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/
const PROFILE_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/

/** Where relative paths start and annotations are placed: the runner's
 * workspace, or the current directory outside a runner. */
export function defaultWorkspace(environment: NodeJS.ProcessEnv): string {
  return environment.GITHUB_WORKSPACE || process.cwd()
}

export function readSettings(
  source: InputSource,
  environment: NodeJS.ProcessEnv = process.env,
  workspace: string = defaultWorkspace(environment)
): Settings {
  const input = (name: string): string => source(name).trim() || INPUTS[name] || ''
  const mode = oneOf(input, 'mode', ['full', 'verify', 'lint'] as const)
  const workingDirectory = readDirectory(input('working-directory'), workspace)
  const vpnService = serviceName('vpn-service', input('vpn-service'))
  return {
    mode,
    workspace,
    workingDirectory,
    composeFiles: readFiles('compose-file', list(input('compose-file')), workingDirectory),
    projectName: readProjectName(input('project-name'), mode, environment),
    envFiles: readFiles('env-file', list(input('env-file')), workingDirectory),
    profiles: list(input('profiles')).map((p) => matching('profiles', p, PROFILE_NAME, 'a Compose profile name')),
    vpnService,
    tunnelServices: readTunnelServices(list(input('tunnel-services')), vpnService),
    managementSubnets: list(input('management-subnet')).map(readSubnet),
    probeTargets: list(input('probe-targets')).map(readAddress),
    upFlags: readUpFlags(input('up-flags')),
    healthTimeoutSec: positiveSeconds('health-timeout', input('health-timeout')),
    routeTimeoutSec: positiveSeconds('route-timeout', input('route-timeout')),
    preflight: oneOf(input, 'preflight', ['fail', 'report', 'off'] as const),
    teardown: oneOf(input, 'teardown', ['always', 'on-success', 'never'] as const),
    logs: oneOf(input, 'logs', ['on-failure', 'always', 'never'] as const),
    resilience: readResilience(list(input('resilience')), mode),
    recoveryTimeoutSec: positiveSeconds('recovery-timeout', input('recovery-timeout')),
    stopTimeoutSec: stopSeconds(input('stop-timeout'))
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
  throw new InputError(name, `${quoted(value)} is not one of ${allowed.join(', ')}. Use one of those values.`)
}

function matching(name: string, value: string, pattern: RegExp, what: string): string {
  if (pattern.test(value)) return value
  throw new InputError(
    name,
    `${quoted(value)} is not ${what} (allowed: ${pattern.source}). Fix the value; it is never passed to a shell.`
  )
}

/** A value for a message, cut short when long: an annotation shows one line. */
function quoted(value: string): string {
  return value.length <= 80 ? `'${value}'` : `'${value.slice(0, 60)}…' (${value.length} characters)`
}

function serviceName(name: string, value: string): string {
  return matching(name, value, SERVICE_NAME, 'a Compose service name')
}

/** `off`, or the events in the order given. Only full mode may restart
 * anything: verify mode never starts or stops a container, lint mode has none. */
function readResilience(values: string[], mode: Mode): ResilienceEvent[] {
  if (values.length === 1 && values[0] === 'off') return []
  const allowed = `off, ${RESILIENCE_EVENTS.join(', ')} or a list of both`
  for (const value of values) {
    if (value === 'off')
      throw new InputError('resilience', `'off' cannot be combined with an event. Give off alone, or the events.`)
    if (!(RESILIENCE_EVENTS as readonly string[]).includes(value))
      throw new InputError('resilience', `${quoted(value)} is not one of ${allowed}. Use one of those values.`)
  }
  if (mode !== 'full')
    throw new InputError(
      'resilience',
      `'${values.join(', ')}' needs mode: full. ${mode === 'verify' ? 'Verify mode never starts, stops or restarts anything' : 'Lint mode runs no containers'}: remove resilience, or use mode: full.`
    )
  return [...new Set(values as ResilienceEvent[])]
}

function readDirectory(value: string, workspace: string): string {
  const directory = isAbsolute(value) ? value : resolve(workspace, value)
  if (!existsSync(directory) || !statSync(directory).isDirectory()) {
    throw new InputError(
      'working-directory',
      `${directory} is not a directory. Check out the repository first, or fix the path.`
    )
  }
  return directory
}

function readFiles(name: string, values: string[], directory: string): string[] {
  return values.map((value) => {
    const file = resolve(directory, value)
    const problem = notAFile(file)
    if (problem) throw new InputError(name, `${file} ${problem}. Fix the path (it is relative to working-directory).`)
    return file
  })
}

function readProjectName(value: string, mode: Mode, environment: NodeJS.ProcessEnv): string | undefined {
  if (value)
    return matching(
      'project-name',
      value,
      PROJECT_NAME,
      'a valid Compose project name (at most 63 lower case letters, digits, - and _, starting with a letter or digit)'
    )
  return mode === 'full' ? uniqueProjectName(environment) : undefined
}

/** Compose's longest project name that this action makes up. */
const MAX_NAME = 63

/** A name unique to this step run: the workflow run, attempt and job name
 * it, the step's id (GITHUB_ACTION) tells two uses of the action in one job
 * apart, and a random suffix the legs of a matrix, which share all of these.
 * Outside a runner: the time and the process id, and the random suffix. */
export function uniqueProjectName(environment: NodeJS.ProcessEnv, random: string = randomSuffix()): string {
  const { GITHUB_RUN_ID: run, GITHUB_RUN_ATTEMPT: attempt, GITHUB_JOB: job, GITHUB_ACTION: step } = environment
  const parts = run
    ? [run, attempt || '1', job || 'job', step || 'step']
    : [Date.now().toString(36), process.pid.toString(36)]
  const middle = parts
    .join('-')
    .toLowerCase()
    .replace(/[^a-z0-9_-]/g, '-')
  // The prefix and the suffix survive shortening: they make the name valid and unique.
  return `otc-${middle.slice(0, MAX_NAME - 'otc-'.length - random.length - 1)}-${random}`
}

function randomSuffix(): string {
  return randomBytes(4).toString('hex')
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

/** The routes code parses subnets; here a bad one is the input's fault. */
function readSubnet(value: string): Subnet {
  try {
    return parseSubnet(value)
  } catch (error) {
    throw new InputError('management-subnet', (error as Error).message)
  }
}

/** Ranges no device's management IP on the VPN can be in, with why: a probe
 * of one is answered on this side of the tunnel (loopback, the server's own
 * link-local address) or by nobody in particular. */
const NOT_A_DEVICE: Record<string, string> = {
  linkLocal:
    "a link-local address (fe80::/10, 169.254.0.0/16): it names an interface of one host, e.g. the server's own tun0, never a device behind the tunnel",
  loopback: 'a loopback address: it is answered inside the container itself',
  multicast: 'a multicast address: it names a group, not one device',
  broadcast: 'the broadcast address: it names no one device',
  unspecified: 'the unspecified address: it names no host'
}

function readAddress(value: string): string {
  if (!ipaddr.isValid(value) || value.includes('/')) {
    throw new InputError(
      'probe-targets',
      `${quoted(value)} is not an IP address. List device management IPs like 10.8.0.10.`
    )
  }
  const parsed = ipaddr.process(value)
  const why = NOT_A_DEVICE[parsed.range()]
  if (why) {
    throw new InputError(
      'probe-targets',
      `'${value}' is ${why}. List the management IPs devices get on the VPN (e.g. 10.8.0.10, from the OpenVPN server's subnet).`
    )
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

/** The longest wait any timeout input may ask for: a day, already four times
 * what a GitHub-hosted job may run (6 h). The run's deadline is the sum of the
 * timeouts and a margin, held by one Node.js timer, and a timer longer than
 * 2^31-1 ms (24.8 days) fires at once: this bound keeps that sum far below it. */
export const MAX_TIMEOUT_SEC = 86_400

/** A timeout input: a positive number of seconds, at most MAX_TIMEOUT_SEC. */
function positiveSeconds(name: string, value: string): number {
  const seconds = Number(value)
  if (!/^\d+(\.\d+)?$/.test(value) || !(seconds > 0)) {
    throw new InputError(name, `${quoted(value)} is not a positive number of seconds. Write a number like 600.`)
  }
  if (seconds > MAX_TIMEOUT_SEC) {
    throw new InputError(
      name,
      `${value} seconds is more than a day (${MAX_TIMEOUT_SEC} s), far longer than a tunnel check needs (a GitHub-hosted job ends after 6 hours). Write at most ${MAX_TIMEOUT_SEC}.`
    )
  }
  return seconds
}

function stopSeconds(value: string): number {
  if (isStopTimeout(value)) return Number(value)
  throw new InputError(
    'stop-timeout',
    `${quoted(value)} is not a whole number of seconds from 0 to ${MAX_STOP_TIMEOUT_SEC}. Write one like 1 (0 kills at once, as GitHub removes its service containers).`
  )
}

/** The CLI's --json path: `-` (standard output) or a file that can be written. */
export function readReportPath(value: string, workspace: string): string {
  if (value === '-') return value
  const file = resolve(workspace, value)
  const existing = existsSync(file) ? statSync(file) : undefined
  if (existing && !existing.isFile())
    throw new InputError('json', `${file} is not a regular file. Name a file to write.`)
  try {
    accessSync(existing ? file : dirname(file), constants.W_OK)
  } catch {
    throw new InputError(
      'json',
      `${file} cannot be written. Name a file in a writable directory, or - for standard output.`
    )
  }
  return file
}
