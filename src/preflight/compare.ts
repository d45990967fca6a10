// Our reading of the tunnel wiring against Compose's own effective model
// (`docker compose config --format json`). The static checks stand on our
// reading; where Compose reads the files differently, say so with both values.
import type { ComposeModel } from '../compose/model.js'
import type { ServiceModel } from '../compose/service.js'
import type { Finding, SourceLocation } from '../findings.js'
import { locator, sortByLevel, type PreflightOptions, type Where } from './wording.js'

type Json = Record<string, unknown>

interface Reading {
  service: string
  what: string
  ours: string
  theirs: string
  at?: SourceLocation
}

const NONE = '(none)'

export function compareWithCompose(model: ComposeModel, composeConfig: unknown, options: PreflightOptions): Finding[] {
  const services = object(object(composeConfig)?.services)
  if (!services) {
    return [
      {
        level: 'warning',
        rule: 'compose-mismatch',
        message:
          'The output of `docker compose config --format json` has no `services` mapping, so the static checks could not be confirmed against Compose.',
        fix: 'Check the Compose version (v2 is needed).'
      }
    ]
  }
  const readings = [
    ...options.tunnelServices.flatMap((name) =>
      tunnelReadings(model.services.get(name), object(services[name]), name, options.vpnService)
    ),
    ...healthcheckReadings(
      model.services.get(options.vpnService),
      object(services[options.vpnService]),
      options.vpnService
    )
  ]
  const where = locator(model)
  return sortByLevel(
    readings.filter((reading) => reading.ours !== reading.theirs).map((reading) => disagreement(reading, where))
  )
}

function disagreement({ service, what, ours, theirs, at }: Reading, where: Where): Finding {
  const source = at ? ` (${where(at)})` : ''
  return {
    level: 'warning',
    rule: 'compose-mismatch',
    service,
    message: `Compose reads ${service}'s ${what} as ${theirs}, but this action read ${ours}${source}: the static checks on it may be wrong.`,
    fix: 'Compare with `docker compose config` (variables, override files, profiles); if Compose is right, please report the difference as a bug of this action.',
    location: at
  }
}

function object(value: unknown): Json | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : undefined
}

/** A string as `docker compose config` prints it, as the container gets it:
 * Compose prints a `$` as `$$`, so that its output reads back the same; the
 * model holds values as the container gets them. */
function fromCompose(value: unknown): unknown {
  return typeof value === 'string' ? value.replaceAll('$$', '$') : value
}

function text(value: unknown): string {
  return typeof value === 'string' && value !== '' ? `\`${value}\`` : NONE
}

function tunnelReadings(
  ours: ServiceModel | undefined,
  theirs: Json | undefined,
  name: string,
  vpn: string
): Reading[] {
  if (!ours || !theirs)
    return [
      {
        service: name,
        what: 'presence',
        ours: ours ? 'enabled' : NONE,
        theirs: theirs ? 'enabled' : NONE,
        at: ours?.at
      }
    ]
  const entry = ours.dependsOn.find((dependency) => dependency.service === vpn)
  // Compose adds `depends_on: {X: {condition: service_started}}` for `network_mode: service:X`.
  const implied = ours.networkMode?.value === `service:${vpn}` ? 'service_started' : undefined
  return [
    {
      service: name,
      what: 'network_mode',
      ours: text(ours.networkMode?.value),
      theirs: text(fromCompose(theirs.network_mode)),
      at: ours.networkMode?.at ?? ours.at
    },
    {
      service: name,
      what: `depends_on.${vpn}.condition`,
      ours: text(entry?.condition.value ?? implied),
      theirs: text(fromCompose(object(object(theirs.depends_on)?.[vpn])?.condition)),
      at: entry?.condition.at ?? ours.at
    }
  ]
}

function healthcheckReadings(ours: ServiceModel | undefined, theirs: Json | undefined, vpn: string): Reading[] {
  if (!ours || !theirs) return []
  const healthcheck = ours.healthcheck
  const mine = !healthcheck ? NONE : healthcheck.disable ? 'disabled' : probe(healthcheck.test?.value)
  const at = healthcheck?.test?.at ?? healthcheck?.at ?? ours.at
  return [{ service: vpn, what: 'healthcheck test', ours: mine, theirs: composeProbe(object(theirs.healthcheck)), at }]
}

function composeProbe(healthcheck: Json | undefined): string {
  if (!healthcheck) return NONE
  const test = typeof healthcheck.test === 'string' ? ['CMD-SHELL', healthcheck.test] : healthcheck.test
  if (healthcheck.disable === true || (Array.isArray(test) && test[0] === 'NONE')) return 'disabled'
  return probe(Array.isArray(test) ? test.map((word) => String(fromCompose(String(word)))) : undefined)
}

function probe(test: string[] | undefined): string {
  return test ? `\`${JSON.stringify(test)}\`` : NONE
}
