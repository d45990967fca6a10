// Words for what went wrong: the evidence and advice attached to health
// checks, Compose's own message, and the raw tables kept for the diagnostics.
import { firstLine } from '../docker/client.js'
import type { CheckResult } from '../findings.js'
import type { HealthOutcome } from '../checks/health.js'
import { describeProbe, probeLine, type Container, type HealthProbe } from '../docker/inspect.js'
import type { NamespaceSnapshot, WorkerWiring } from '../checks/namespace.js'
import type { ComposeModel } from '../compose/model.js'
import type { Diagnostics } from '../report/schema.js'

/** What each tunnel service's definition already does, so advice asks only
 * for what it lacks. */
export function workerWiring(
  model: ComposeModel,
  { vpnService, tunnelServices }: { vpnService: string; tunnelServices: string[] }
): Map<string, WorkerWiring> {
  return new Map(
    tunnelServices.map((name) => {
      const service = model.services.get(name)
      const dependency = service?.dependsOn.find((d) => d.service === vpnService)
      const healthy =
        dependency !== undefined && !dependency.listForm && dependency.condition.value === 'service_healthy'
      return [
        name,
        {
          waitsForHealthy: healthy,
          restartsWithVpn: dependency?.restart.value === true,
          followsVpnService: service?.networkMode?.value === `service:${vpnService}`
        }
      ]
    })
  )
}

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

/** What a ready vpn container is: healthy, or, without a healthcheck, only running. */
export function readiness(container: Container): string {
  return container.health ? 'healthy' : 'running (no healthcheck)'
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
    case 'exited':
      return 'Read the vpn container log below for why it stopped; start the deployment again (`docker compose up -d`) once that is fixed.'
    case 'paused':
      return 'Unpause it (`docker unpause`), and find out what paused it.'
    case 'not-started':
    case 'absent':
      return 'Start the deployment (`docker compose up -d`), or set vpn-service to the service that runs the VPN.'
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
  const lines = probes.map((probe) => `  ${probeLine(probe)}`)
  return ['Last health probes:', ...(lines.length ? lines : ['  (none recorded)'])].join('\n')
}
