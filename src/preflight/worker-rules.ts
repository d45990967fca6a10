// Preflight rules for each tunnel service: it shares the vpn's namespace, sets
// nothing that conflicts with that, starts only once the tunnel is up, and
// is not stranded when the vpn restarts.
import type { ServiceModel } from '../compose/service.js'
import type { Finding } from '../findings.js'
import { finding, type Context } from './wording.js'

const RESTARTING = /^(always|unless-stopped|on-failure)/

export function tunnelChecks(service: ServiceModel, vpn: ServiceModel | undefined, context: Context): Finding[] {
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
