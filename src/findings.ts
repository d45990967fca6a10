// Shared vocabulary of the report: where a thing is in the sources, what the
// static checks found, and what the live checks concluded.

/** A place in a compose or env file. `file` is absolute; the reporter makes it
 * relative to GITHUB_WORKSPACE so that GitHub can place it on the PR diff. */
export interface SourceLocation {
  file: string
  line: number
  column: number
  endLine?: number
  endColumn?: number
}

export type FindingLevel = 'error' | 'warning' | 'notice'

/** A result of the static (preflight) checks on the compose model. */
export interface Finding {
  level: FindingLevel
  /** Stable identifier of the rule, e.g. `network-mode`, `healthcheck-lies`. */
  rule: string
  /** The service the finding is about, when there is one. */
  service?: string
  /** What is wrong, in one or two sentences. */
  message: string
  /** What to do about it. */
  fix?: string
  location?: SourceLocation
}

export type Verdict = 'passed' | 'failed'

/** The live checks, `stability` for whether the containers checked are still
 * those at the verdict, `compose-up` for a stack that did not start, and
 * `recovery` for a worker's return after a resilience event. */
export type CheckName = 'health' | 'tunnel' | 'namespace' | 'route' | 'reach' | 'stability' | 'compose-up' | 'recovery'

/** A result of one live check (health, namespace, route, reachability, ...). */
export interface CheckResult {
  check: CheckName
  service: string
  /** Container name, when the check is about one container. */
  container?: string
  verdict: Verdict
  /** One line: what was found. */
  summary: string
  /** What to do when it failed. */
  fix?: string
  /** Facts that back the verdict: namespace ids, the covering route, round trip. */
  evidence: Record<string, string | number | boolean>
  location?: SourceLocation
  /** The resilience event after which the check ran (`restart`, `recreate`); absent before any. */
  event?: string
  startedAt: number
  durationMs: number
}

/** A duration as every message words it: `2.5 s`. */
export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`
}
