// Pure judging of a tunnel service's return after a resilience event: is it
// in the vpn container's current namespace, with the management routes? When
// it is not, the evidence (its namespace before and now, the vpn's, its
// routes, its restarts) and a fix that works for that event.
import { rejoinCommand, stateWords, survivalAdvice, type NamespaceSnapshot, type WorkerWiring } from './namespace.js'
import { seconds } from '../findings.js'
import type { Outcome } from './outcome.js'
import { coversAll, formatRoute, tunnelRouteCovering, type Subnet } from './routes.js'

/** What the resilience check does to the vpn service once the tunnel checks
 * passed: `restart` its container (same id, as `docker restart` and the
 * engine's restart policy do), or `recreate` it as a redeploy does (its
 * configuration changed, then `docker compose up -d`: a new container id). */
export const RESILIENCE_EVENTS = ['restart', 'recreate'] as const
export type ResilienceEvent = (typeof RESILIENCE_EVENTS)[number]

export interface RecoveryFacts {
  event: ResilienceEvent
  project: string
  service: string
  /** The worker's container name, which a recreate keeps. */
  name: string
  /** The worker just before the event. */
  before: NamespaceSnapshot
  /** The worker at the end of the recovery; absent when no container has its name. */
  after?: NamespaceSnapshot
  vpnBefore: NamespaceSnapshot
  vpnAfter: NamespaceSnapshot
  subnets: Subnet[]
  /** Milliseconds from the start of the event until it was back, when it was. */
  backAfterMs?: number
  timeoutSec: number
  wiring?: WorkerWiring
}

const EVENT_WORDS: Record<ResilienceEvent, string> = {
  restart: 'restart',
  recreate: 'redeploy'
}

/** Its routes as the evidence shows them: the covering tunnel routes, or why there are none. */
function routeWords(snapshot: NamespaceSnapshot, subnets: Subnet[]): string {
  const covering = subnets.map((subnet) => tunnelRouteCovering(snapshot.routes, subnet)).filter((r) => r !== undefined)
  if (covering.length) return covering.map(formatRoute).join(', ')
  const interfaces = [...snapshot.counters.keys()].join(', ')
  return snapshot.routes.length === 0
    ? `none at all (interfaces: ${interfaces || 'unknown'})`
    : `none over tun/tap (interfaces: ${interfaces})`
}

/** How it came back, as the containers before and after tell it. */
function howBack(before: NamespaceSnapshot, after: NamespaceSnapshot): string {
  const [b, a] = [before.container, after.container]
  if (a.id !== b.id) return 'Compose recreated it'
  if (a.restartCount > b.restartCount)
    return `the engine restarted it: restart count ${b.restartCount} → ${a.restartCount}`
  return 'it was started again'
}

/** The lasting fix for workers left behind by this event. */
function lastingFix(facts: RecoveryFacts): string {
  const { event, service, wiring } = facts
  const vpn = facts.vpnAfter.container.service
  if (event === 'restart') return survivalAdvice(service, vpn, wiring)
  return wiring?.followsVpnService
    ? ` Redeploy with a plain \`docker compose up -d\`: it recreates ${service} with ${vpn}; \`up -d ${vpn}\` or \`--no-deps\` leave it behind.`
    : ` Set network_mode: "service:${vpn}" on ${service}: a redeploy (\`docker compose up -d\`) then recreates it whenever it recreates ${vpn}.`
}

export function judgeRecovery(facts: RecoveryFacts): Outcome {
  const { before, after, vpnBefore, vpnAfter, subnets, event } = facts
  const vpn = vpnAfter.container
  const what = EVENT_WORDS[event]
  const evidence: Outcome['evidence'] = {
    namespace_before: before.id ?? 'unknown',
    namespace_after: after?.id ?? 'none',
    vpn_namespace_before: vpnBefore.id ?? 'unknown',
    vpn_namespace_after: vpnAfter.id ?? 'unknown',
    vpn_container: `${vpnBefore.container.id.slice(0, 12)} → ${vpn.id.slice(0, 12)}`
  }
  if (!after) {
    return {
      verdict: 'failed',
      summary: `No container ${facts.name} of ${facts.service} exists after the ${what}.`,
      evidence,
      fix: `Start it: \`docker compose -p ${facts.project} up -d ${facts.service}\`.`
    }
  }
  const w = after.container
  Object.assign(evidence, {
    network_mode: w.networkMode,
    status: w.status,
    restarts: w.restartCount,
    routes: routeWords(after, subnets),
    ...(w.error ? { error: w.error } : {})
  })
  const putBack = `Put it back: \`${rejoinCommand([w], vpn, facts.project)}\`.${lastingFix(facts)}`
  if (w.status !== 'running') {
    return {
      verdict: 'failed',
      summary: `${w.name} is ${w.status} after the ${what} (${stateWords(w)}).`,
      evidence,
      fix: putBack
    }
  }
  if (after.id !== vpnAfter.id) {
    const where =
      after.id === before.id
        ? `still in namespace ${after.id}, the one ${vpn.service} had before the ${what}`
        : `in namespace ${after.id ?? 'unknown'}`
    return {
      verdict: 'failed',
      summary: `${w.name} did not come back within recovery-timeout (${facts.timeoutSec} s): it is ${where}, while ${vpn.name} is now in ${vpnAfter.id ?? 'unknown'}. Its routes: ${evidence.routes}; restart count ${w.restartCount}. It has no tunnel.`,
      evidence,
      fix: putBack
    }
  }
  if (facts.backAfterMs === undefined || !coversAll(after, subnets)) {
    return {
      verdict: 'failed',
      summary: `${w.name} is in ${vpn.name}'s current namespace, but no tunnel route covers ${subnets.map((s) => s.cidr).join(', ')} within recovery-timeout (${facts.timeoutSec} s).`,
      evidence,
      fix: `The tunnel did not come back after the ${what}: read ${vpn.name}'s log in the diagnostics.`
    }
  }
  return {
    verdict: 'passed',
    summary: `back in ${vpn.name}'s current namespace ${vpnAfter.id} with ${evidence.routes} after ${seconds(facts.backAfterMs)} (${howBack(before, after)})`,
    evidence: { ...evidence, recovered_after_ms: facts.backAfterMs }
  }
}
