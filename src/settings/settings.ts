// Turns the action's inputs (or the CLI's options) into one typed, validated
// settings object, in the manner of actions/checkout's input-helper. Every
// problem becomes an InputError that names the input and says how to fix it.
import type { ResilienceEvent } from '../checks/recovery.js'
import type { Subnet } from '../checks/routes.js'
import { TEARDOWN_POLICIES, type TeardownPolicy } from '../docker/teardown.js'
import type { Mode } from '../report/schema.js'
import { INPUTS, list, oneOf, type InputSource } from './inputs.js'
import { profileName, readProjectName, readTunnelServices, serviceName } from './names.js'
import { defaultWorkspace, readDirectory, readFiles } from './paths.js'
import { readAddress, readSubnet } from './targets.js'
import { positiveSeconds, readResilience, readUpFlags, stopSeconds } from './values.js'

export type PreflightPolicy = 'fail' | 'report' | 'off'
/** When the containers' logs are shown in the step log and the summary. */
export type LogsPolicy = 'on-failure' | 'always' | 'never'

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
    profiles: list(input('profiles')).map(profileName),
    vpnService,
    tunnelServices: readTunnelServices(list(input('tunnel-services')), vpnService),
    managementSubnets: list(input('management-subnet')).map(readSubnet),
    probeTargets: list(input('probe-targets')).map(readAddress),
    upFlags: readUpFlags(input('up-flags')),
    healthTimeoutSec: positiveSeconds('health-timeout', input('health-timeout')),
    routeTimeoutSec: positiveSeconds('route-timeout', input('route-timeout')),
    preflight: oneOf(input, 'preflight', ['fail', 'report', 'off'] as const),
    teardown: oneOf(input, 'teardown', TEARDOWN_POLICIES),
    logs: oneOf(input, 'logs', ['on-failure', 'always', 'never'] as const),
    resilience: readResilience(list(input('resilience')), mode),
    recoveryTimeoutSec: positiveSeconds('recovery-timeout', input('recovery-timeout')),
    stopTimeoutSec: stopSeconds(input('stop-timeout'))
  }
}
