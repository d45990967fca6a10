// The names the run passes to Compose: the project, the services and the
// profiles, held to Compose's own patterns, and the project name made up
// when none is given.
import { randomBytes } from 'node:crypto'
import { InputError } from '../errors.js'
import type { Mode } from '../report/schema.js'
import { matching } from './inputs.js'

// Names as Compose accepts them (compose-spec's patterns for projects,
// services and profiles). Anything else, shell syntax included, is refused.
// A project name is also held to 63 characters, the length of a DNS label:
// Compose names containers `<project>-<service>-<n>`, and other containers
// find them by that name through Docker's DNS, which needs short labels.
// The default name is cut to the same length.
const PROJECT_NAME = /^[a-z0-9][a-z0-9_-]{0,62}$/
const SERVICE_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,254}$/
const PROFILE_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,254}$/

export function serviceName(name: string, value: string): string {
  return matching(name, value, SERVICE_NAME, 'a Compose service name')
}

export function profileName(value: string): string {
  return matching('profiles', value, PROFILE_NAME, 'a Compose profile name')
}

export function readProjectName(value: string, mode: Mode, environment: NodeJS.ProcessEnv): string | undefined {
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

export function readTunnelServices(values: string[], vpnService: string): string[] {
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
