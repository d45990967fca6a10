// Static checks of the tunnel wiring on the compose model, before anything
// runs: each finding names the line to change and how.
import { basename } from 'node:path'
import type { ComposeModel } from '../compose/model.js'
import { maskablePieces, MIN_MASK_LENGTH } from '../compose/secrets.js'
import type { Finding } from '../findings.js'
import { vpnChecks } from './vpn-rules.js'
import { tunnelChecks } from './worker-rules.js'
import { finding, locator, sortByLevel, type Context, type PreflightOptions, type Where } from './wording.js'

/** Findings sorted errors first, then warnings, then notices. */
export function preflight(model: ComposeModel, options: PreflightOptions): Finding[] {
  const context: Context = { model, options, vpn: options.vpnService, where: locator(model) }
  const vpn = model.services.get(options.vpnService)
  const findings = [
    ...serviceAvailability(model, options),
    ...passedOver(model),
    ...(vpn ? vpnChecks(vpn, context) : [])
  ]
  for (const name of options.tunnelServices) {
    const tunnel = model.services.get(name)
    if (tunnel) findings.push(...tunnelChecks(tunnel, vpn, context))
  }
  return sortByLevel([...findings, ...secretChecks(model, context.where)])
}

/** A secret too short to mask shows wherever a container prints it: say so, without the value. */
function secretChecks(model: ComposeModel, where: Where): Finding[] {
  return model.secrets
    .filter((secret) => maskablePieces(secret.value).length === 0)
    .map((secret) => ({
      level: 'warning',
      rule: 'short-secret',
      message: `${secret.name} (${secret.at ? where(secret.at) : 'process environment'}) is named like a secret, but its value has fewer than ${MIN_MASK_LENGTH} characters: too few to mask (the runner would hide every occurrence of them in the log), so it is not kept out of the output.`,
      fix: 'Use a real secret (16 characters or more), or rename the variable if it holds none.',
      location: secret.at
    }))
}

/** The services the run is about exist and are enabled. Without them no live
 * check means anything, so these errors stop a run whatever `preflight` says. */
export function serviceAvailability(model: ComposeModel, options: PreflightOptions): Finding[] {
  return [
    ...availability(model, options.vpnService, 'the VPN service'),
    ...options.tunnelServices.flatMap((name) => availability(model, name, 'a tunnel service'))
  ]
}

/** A file Compose's default lookup found but does not read (it takes the
 * first name that exists, and warns): edits to it would change nothing. */
function passedOver(model: ComposeModel): Finding[] {
  const read = model.files.map((file) => basename(file)).join(' and ')
  return model.passedOver.map((file) => ({
    level: 'warning',
    rule: 'compose-file-passed-over',
    message: `${basename(file)} is not read: without compose-file, Compose reads only the first of its default names that exists, here ${read}.`,
    fix: 'Remove or rename the file that is not meant to be used, or name the files in compose-file.',
    location: { file, line: 1, column: 1 }
  }))
}

function availability(model: ComposeModel, name: string, role: string): Finding[] {
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
      `${name} (${role}) is not a service of the compose project (it has: ${[...model.services.keys()].join(', ') || 'none'}).`,
      `Name an existing service, or define ${name} in the compose files.`,
      model.servicesAt
    )
  ]
}
