// Static checks of the tunnel wiring on the compose model, before anything
// runs: each finding names the line to change and how.
import type { ComposeModel, ServiceModel, Traced } from '../compose/model.js'
import type { Finding, FindingLevel, SourceLocation } from '../findings.js'
import { findPgrepProbe } from './pgrep.js'
import { locator, sortByLevel, type Where } from './wording.js'

export { compareWithCompose } from './compare.js'

export interface PreflightOptions {
  vpnService: string
  tunnelServices: string[]
  healthTimeoutSec: number
}

/** Compose's healthcheck defaults, in seconds. */
const HEALTHCHECK_DEFAULTS = { interval: 30, timeout: 30, retries: 3, startPeriod: 0 }
const PROVING_PROBE =
  '`test: ["CMD", "grep", "-q", "tun0", "/proc/net/route"]` (passes once a route goes through tun0) or `["CMD-SHELL", "ip route show dev tun0 | grep -q ."]`'
const RESTARTING = /^(always|unless-stopped|on-failure)/

interface Context {
  model: ComposeModel
  options: PreflightOptions
  vpn: string
  where: Where
}

/** Findings sorted errors first, then warnings, then notices. */
export function preflight(model: ComposeModel, options: PreflightOptions): Finding[] {
  const context: Context = { model, options, vpn: options.vpnService, where: locator(model) }
  const vpn = model.services.get(options.vpnService)
  const findings = [
    ...availability(context, options.vpnService, 'the VPN service'),
    ...(vpn ? vpnChecks(vpn, context) : [])
  ]
  for (const name of options.tunnelServices) {
    const tunnel = model.services.get(name)
    findings.push(
      ...availability(context, name, 'a tunnel service'),
      ...(tunnel ? tunnelChecks(tunnel, vpn, context) : [])
    )
  }
  return sortByLevel(findings)
}

function finding(
  level: FindingLevel,
  rule: string,
  service: string,
  message: string,
  fix: string,
  location?: SourceLocation
): Finding {
  return { level, rule, service, message, fix, location }
}

function availability({ model }: Context, name: string, role: string): Finding[] {
  if (model.services.has(name)) return []
  const disabled = model.disabledServices.get(name)
  if (disabled) {
    const profiles = disabled.profiles.map((profile) => `\`${profile}\``).join(', ')
    return [
      finding(
        'error',
        'service-disabled',
        name,
        `${name} (${role}) is defined but not enabled: none of its profiles (${profiles}) is active.`,
        `Activate one of its profiles (\`--profile ${disabled.profiles[0]}\`) or remove \`profiles\` from ${name}.`,
        disabled.at
      )
    ]
  }
  return [
    finding(
      'error',
      'service-missing',
      name,
      `${name} (${role}) is not a service of the compose project.`,
      `Name an existing service, or define ${name} in the compose files.`
    )
  ]
}

function vpnChecks(vpn: ServiceModel, context: Context): Finding[] {
  return [...healthcheckChecks(vpn, context), ...kernelAccessChecks(vpn)]
}

function healthcheckChecks(vpn: ServiceModel, context: Context): Finding[] {
  const healthcheck = vpn.healthcheck
  if (!healthcheck || healthcheck.disable) {
    const what = healthcheck
      ? `${vpn.name}'s healthcheck is disabled (\`disable: true\` or test \`NONE\`)`
      : `${vpn.name} has no healthcheck`
    const message = `${what}, so \`condition: service_healthy\` on it cannot be met and \`up --wait\` counts ${vpn.name} ready as soon as it runs, before the tunnel is up (unless its image defines a HEALTHCHECK).`
    return [
      finding(
        'error',
        'healthcheck-missing',
        vpn.name,
        message,
        `Give ${vpn.name} a healthcheck that proves the tunnel, e.g. ${PROVING_PROBE}.`,
        vpn.at
      )
    ]
  }
  const interval = healthcheck.interval?.value ?? HEALTHCHECK_DEFAULTS.interval
  const retries = healthcheck.retries?.value ?? HEALTHCHECK_DEFAULTS.retries
  const startPeriod = healthcheck.startPeriod?.value ?? HEALTHCHECK_DEFAULTS.startPeriod
  return [
    ...probeCheck(vpn.name, healthcheck.test, context),
    ...timeoutCheck(vpn, { interval, retries, startPeriod }, context),
    ...(interval > 5 && !healthcheck.startInterval ? [startIntervalNotice(vpn, interval)] : [])
  ]
}

function probeCheck(vpn: string, test: Traced<string[]> | undefined, { where }: Context): Finding[] {
  const probe = test && findPgrepProbe(test.value)
  if (!test || !probe) return []
  const fix = `Probe the tunnel itself, e.g. ${PROVING_PROBE}.`
  if (probe.inShell) {
    const message = `${vpn}'s healthcheck \`${probe.command}\` (${where(test)}) runs in a shell whose own command line contains the pattern, so pgrep always finds a match: the probe can never fail and proves nothing about the tunnel.`
    return [finding('error', 'healthcheck-lies', vpn, message, fix, test.at)]
  }
  const message = `${vpn}'s healthcheck \`${probe.command}\` (${where(test)}) passes as soon as any process has the pattern in its command line (a wrapper script, a supervisor), whether or not tun0 and its route exist.`
  return [finding('warning', 'healthcheck-lies', vpn, message, fix, test.at)]
}

interface Timing {
  interval: number
  retries: number
  startPeriod: number
}

function timeoutCheck(vpn: ServiceModel, { interval, retries, startPeriod }: Timing, { options }: Context): Finding[] {
  const budget = startPeriod + interval * retries
  if (options.healthTimeoutSec >= budget) return []
  const message = `health-timeout (${options.healthTimeoutSec} s) is shorter than the time Docker may take to call ${vpn.name} unhealthy (start_period ${startPeriod} s + interval ${interval} s × retries ${retries} = ${budget} s): a probe that keeps failing ends in a timeout instead of a clear \`unhealthy\`.`
  return [
    finding(
      'warning',
      'health-timeout',
      vpn.name,
      message,
      `Raise health-timeout to at least ${budget}, or lower the healthcheck's interval or retries.`,
      vpn.healthcheck?.at
    )
  ]
}

function startIntervalNotice(vpn: ServiceModel, interval: number): Finding {
  const healthcheck = vpn.healthcheck!
  const message = `${vpn.name}'s healthcheck probes every ${interval} s and has no start_interval, so ${vpn.name} turns healthy at the earliest ${interval} s after it starts, even when the tunnel is up sooner, and everything that waits for it waits as long.`
  const fix =
    'Add `start_interval: 2s` (with a start_period) to probe often while starting; it needs Docker Engine ≥ 25 (older engines refuse the option), or else shorten the interval.'
  return finding('notice', 'start-interval', vpn.name, message, fix, healthcheck.interval?.at ?? healthcheck.at)
}

/** openvpn needs NET_ADMIN to configure tun0 and its routes, and the tun device to create it. */
function kernelAccessChecks(vpn: ServiceModel): Finding[] {
  if (vpn.privileged?.value) return []
  const findings: Finding[] = []
  const capabilities = vpn.capAdd.map((cap) => cap.value.toUpperCase().replace(/^CAP_/, ''))
  if (!capabilities.includes('NET_ADMIN') && !capabilities.includes('ALL')) {
    findings.push(
      finding(
        'warning',
        'vpn-net-admin',
        vpn.name,
        `${vpn.name} has no NET_ADMIN capability and is not privileged: openvpn cannot bring up tun0 or set its routes.`,
        `Add \`cap_add: [NET_ADMIN]\` to ${vpn.name}.`,
        vpn.at
      )
    )
  }
  if (!vpn.devices.some((device) => device.value.split(':')[0] === '/dev/net/tun')) {
    findings.push(
      finding(
        'warning',
        'vpn-tun-device',
        vpn.name,
        `${vpn.name} does not map /dev/net/tun: unless its image creates the device node itself, openvpn cannot open the tun device.`,
        `Add \`devices: ["/dev/net/tun:/dev/net/tun"]\` to ${vpn.name}.`,
        vpn.at
      )
    )
  }
  return findings
}

function tunnelChecks(service: ServiceModel, vpn: ServiceModel | undefined, context: Context): Finding[] {
  const shared = service.networkMode?.value === `service:${context.vpn}`
  return [
    ...networkModeCheck(service, context),
    ...(shared ? conflictChecks(service, context) : []),
    ...dependsOnChecks(service, shared, context),
    ...(shared && vpn ? restartCheck(service, vpn, context) : [])
  ]
}

function networkModeCheck(service: ServiceModel, { vpn, where }: Context): Finding[] {
  const expected = `service:${vpn}`
  const mode = service.networkMode
  if (mode?.value === expected) return []
  const effect = `so ${service.name} is not in ${vpn}'s network namespace: it has no tun0 and no route to the devices`
  const fix = `Set \`network_mode: "${expected}"\` on ${service.name} (publish its ports on ${vpn}).`
  if (!mode)
    return [
      finding(
        'error',
        'network-mode',
        service.name,
        `${service.name} has no network_mode: it runs on the project's default network, ${effect}.`,
        fix,
        service.at
      )
    ]
  const blamed = mode.variables?.find((variable) => variable.source === 'env-file' || variable.source === 'environment')
  const written = `network_mode (${where(mode)})`
  if (blamed) {
    const set = `${blamed.name}, which ${blamed.at ? where(blamed.at) : 'the process environment'} sets to ${blamed.value === '' ? 'an empty string' : `\`${blamed.value}\``}`
    const outcome =
      mode.value === ''
        ? `Compose drops the empty network_mode and ${service.name} runs on the project's default network`
        : `${service.name}'s network_mode is \`${mode.value}\`, not \`${expected}\``
    const message = `${service.name}'s ${written} comes from ${set}: ${outcome}, ${effect}.`
    const fixVariable = `Set ${blamed.name}=${expected}${blamed.at ? ` at ${where(blamed.at)}` : ' in the environment'}, or remove it if the compose file's default is \`${expected}\`.`
    return [finding('error', 'network-mode', service.name, message, fixVariable, blamed.at ?? mode.at)]
  }
  const unset = mode.variables?.map((variable) => variable.name).join(', ')
  const actual =
    mode.value === ''
      ? `empty${unset ? ` (${unset} not set)` : ''}, so ${service.name} runs on the project's default network`
      : `\`${mode.value}\`, not \`${expected}\``
  const container = mode.value.startsWith('container:')
    ? ` A \`container:\` mode is not tied to the service: Compose neither orders the start on it nor recreates ${service.name} with it.`
    : ''
  return [
    finding(
      'error',
      'network-mode',
      service.name,
      `${service.name}'s ${written} is ${actual}, ${effect}.${container}`,
      fix,
      mode.at
    )
  ]
}

function conflictChecks(service: ServiceModel, { vpn, where }: Context): Finding[] {
  return [...service.options].map(([option, traced]) =>
    finding(
      'error',
      'network-mode-conflict',
      service.name,
      `${service.name} sets \`${option}\` (${where(traced)}) next to \`network_mode: service:${vpn}\`: it has no network stack of its own, so Compose refuses or ignores \`${option}\` there.`,
      `Remove \`${option}\` from ${service.name} and set it on ${vpn}, whose network namespace ${service.name} shares.`,
      traced.at
    )
  )
}

function dependsOnChecks(service: ServiceModel, shared: boolean, { vpn, where }: Context): Finding[] {
  const healthy = `\`depends_on: {${vpn}: {condition: service_healthy, restart: true}}\``
  const entry = service.dependsOn.find((dependency) => dependency.service === vpn)
  if (!entry) {
    const start = shared
      ? `as soon as the ${vpn} container has started (all that network_mode implies)`
      : 'in any order'
    return [
      finding(
        'error',
        'depends-on',
        service.name,
        `${service.name} does not depend on ${vpn}: Compose starts it ${start}, before the tunnel is up.`,
        `Add ${healthy} to ${service.name}.`,
        service.at
      )
    ]
  }
  const findings: Finding[] = []
  if (entry.listForm) {
    findings.push(
      finding(
        'error',
        'depends-on',
        service.name,
        `${service.name} lists ${vpn} under depends_on in list form (${where(entry.at)}), which means condition service_started: Compose starts ${service.name} as soon as the ${vpn} container runs, before the tunnel is up.`,
        `Use the map form: ${healthy}.`,
        entry.at
      )
    )
  } else if (entry.condition.value !== 'service_healthy') {
    findings.push(
      finding(
        'error',
        'depends-on',
        service.name,
        `${service.name}'s depends_on.${vpn}.condition is \`${entry.condition.value}\` (${where(entry.condition)}): Compose starts ${service.name} without waiting for ${vpn}'s healthcheck, before the tunnel is up.`,
        `Set \`condition: service_healthy\` (with a healthcheck on ${vpn} that proves the tunnel).`,
        entry.condition.at
      )
    )
  }
  if (!entry.required.value) {
    findings.push(
      finding(
        'notice',
        'depends-on-required',
        service.name,
        `${service.name}'s depends_on.${vpn}.required is false (${where(entry.required)}): when ${vpn} is disabled or fails to start, Compose only warns and starts ${service.name} anyway, without a tunnel.`,
        `Drop \`required: false\` unless ${service.name} is meant to run without the tunnel.`,
        entry.required.at
      )
    )
  }
  return findings
}

/** An engine restart gives the VPN container a new network namespace; the workers stay in the old one. */
function restartCheck(service: ServiceModel, vpn: ServiceModel, { where }: Context): Finding[] {
  const policy = vpn.restart
  const entry = service.dependsOn.find((dependency) => dependency.service === vpn.name)
  if (!policy || !RESTARTING.test(policy.value) || !entry || entry.restart.value) return []
  const message = `${vpn.name} has \`restart: ${policy.value}\` (${where(policy)}) and ${service.name} does not depend on it with \`restart: true\`: when ${vpn.name}'s container restarts it gets a new network namespace, and ${service.name}, which joined the old one, is left with only \`lo\` and no route to the devices until it is restarted (or recreated, if ${vpn.name} was recreated).`
  const fix = `Add \`restart: true\` under ${service.name}'s depends_on.${vpn.name}, so that Compose restarts ${service.name} whenever Compose restarts ${vpn.name}. That does not cover restarts by the engine's restart policy: after one, recreate it with \`docker compose up -d --force-recreate --no-deps ${service.name}\`.`
  return [finding('warning', 'restart-strands', service.name, message, fix, entry.restart.at ?? entry.at)]
}
