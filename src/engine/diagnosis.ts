// Words for what went wrong: the evidence and advice attached to health
// checks, Compose's own message, and the raw tables kept for the diagnostics.
import { firstLine } from '../docker/client.js'
import type { CheckResult } from '../findings.js'
import type { HealthOutcome } from '../checks/health.js'
import { describeProbe, type Container, type HealthProbe } from '../docker/inspect.js'
import type { NamespaceSnapshot } from '../checks/namespace.js'
import type { Diagnostics } from '../report/schema.js'

export function healthEvidence(container: Container): CheckResult['evidence'] {
  const lastProbe = container.healthLog.at(-1)
  return {
    status: container.status,
    health: container.health ?? 'no healthcheck',
    restarts: container.restartCount,
    exit_code: container.exitCode,
    ...(lastProbe
      ? {
          last_probe: describeProbe({ exitCode: lastProbe.exitCode, output: firstLine(lastProbe.output).slice(0, 200) })
        }
      : {})
  }
}

export function routeTables(namespaces: NamespaceSnapshot[]): Diagnostics['routeTables'] {
  return namespaces
    .map((ns) => ({ container: ns.container.name, namespace: ns.id ?? 'unknown', table: ns.routeTable }))
    .sort((a, b) => a.container.localeCompare(b.container))
}

/** Compose calls a dependency that exited "unhealthy" (the engine marks it so):
 * say what the vpn container really does. */
export function describeVpnState(vpn: Container): string {
  const state = `${vpn.name} is ${vpn.status} (restart count ${vpn.restartCount}, last exit code ${vpn.exitCode})`
  // Compose's `up` started it a moment ago: any restart since is the engine
  // bringing back a container that exited, running again or not.
  return vpn.restartCount > 0
    ? `${state}: it keeps exiting and the engine keeps restarting it, a crash loop; its log is in the diagnostics.`
    : `${state}.`
}

export function healthFix(outcome: Extract<HealthOutcome, { state: 'failed' }>): string {
  switch (outcome.reason) {
    case 'timeout':
      return 'Raise health-timeout if the stack is slow, or read the probe outputs and log below for why it never became healthy.'
    case 'unhealthy':
      return 'Read the last probe outputs below: the healthcheck command failed.'
    default:
      return 'Read the vpn container log below: the container keeps stopping.'
  }
}

/** Compose's own message without its progress lines ("Container x  Started"). */
export function composeMessage(output: string, count = 5): string {
  const progress = /^\s*(Container|Network|Volume|Image)\s+\S+\s+[A-Z][a-z]+(\s+[\d.]+s)?\s*$/
  const lines = output.split('\n').filter((line) => line.trim() && !progress.test(line))
  return lines.slice(-count).join('\n')
}

/** The vpn container's last health probes, for the log of a failed run. */
export function probeWords(probes: HealthProbe[]): string {
  const lines = probes.map((probe) => `  ${probe.end} ${describeProbe(probe)}`)
  return ['Last health probes:', ...(lines.length ? lines : ['  (none recorded)'])].join('\n')
}
