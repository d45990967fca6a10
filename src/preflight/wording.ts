// What the preflight rules and the comparison with Compose share: their
// options, the context a rule reads, and how findings are made, worded and
// ordered.
import { dirname, relative } from 'node:path'
import type { ComposeModel } from '../compose/model.js'
import type { Traced } from '../compose/service.js'
import type { Finding, FindingLevel, SourceLocation } from '../findings.js'

export interface PreflightOptions {
  vpnService: string
  tunnelServices: string[]
  healthTimeoutSec: number
}

/** `file:line` of a place or of a traced value (with how the value got there). */
export type Where = (place: SourceLocation | Traced<unknown>) => string

/** Paths are shown relative to the first compose file's directory, where `.env` usually sits too. */
export function locator(model: ComposeModel): Where {
  const base = dirname(model.files[0] ?? '.')
  const line = (at: SourceLocation): string => `${relative(base, at.file) || at.file}:${at.line}`
  return (place) => {
    if (!('value' in place)) return line(place)
    const at = place.at ? line(place.at) : 'implied'
    return place.via ? `${at}, via ${place.via}` : at
  }
}

const RANK: Record<FindingLevel, number> = { error: 0, warning: 1, notice: 2 }

/** Errors first, then warnings, then notices; the order of the checks within each. */
export function sortByLevel(findings: Finding[]): Finding[] {
  return [...findings].sort((a, b) => RANK[a.level] - RANK[b.level])
}

export interface Context {
  model: ComposeModel
  options: PreflightOptions
  vpn: string
  where: Where
}

export function finding(
  level: FindingLevel,
  rule: string,
  service: string,
  message: string,
  fix: string,
  location?: SourceLocation
): Finding {
  return { level, rule, service, message, fix, location }
}
