// The resilience events themselves: what is done to the vpn service, as
// checked on Engine 20.10 with Compose 2.26:
// - `restart`: `docker restart <vpn>`. The container keeps its id and gets a
//   new network namespace, as after a restart by the engine's restart policy.
//   Workers that do not restart stay in the old namespace with only `lo`.
// - `recreate`: a redeploy. The vpn service's configuration changes (a label
//   in an extra compose file, so the user's files stay untouched) and
//   `docker compose up -d` runs with the run's up-flags. Compose recreates the
//   vpn (a new id) and every service that depends on it, `network_mode:
//   service:<vpn>` included, whatever depends_on.restart says. A targeted
//   `up -d <vpn>` or `--no-deps` would leave every worker behind, whatever
//   its compose file says, so a check of it could tell nothing about the file.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { ResilienceEvent } from '../checks/recovery.js'
import type { CommandResult } from '../docker/command.js'
import type { Container } from '../docker/inspect.js'
import type { Settings } from '../settings/settings.js'
import type { RunContext } from './trial.js'

/** What an event needs of the run: the settings, the project and the engine. */
type Target = Pick<RunContext, 'settings' | 'project' | 'docker'>

/** The label the redeploy changes on the vpn service. */
const REDEPLOY_LABEL = 'org.openwisp-tunnel-check.redeploy'

/** The event as the report words it: the command run. */
export function eventAction(settings: Settings, event: ResilienceEvent, vpn: Container): string {
  if (event === 'restart') return `docker restart ${vpn.name}`
  const flags = settings.upFlags.length ? ` ${settings.upFlags.join(' ')}` : ''
  return `docker compose up --detach${flags}, after a change to ${settings.vpnService}'s configuration`
}

/** Performs the event on the vpn container, within the deadline. */
export function disrupt(
  context: Target,
  event: ResilienceEvent,
  vpn: Container,
  deadline: number
): Promise<CommandResult> {
  return event === 'restart' ? context.docker.restart(vpn.id, deadline - Date.now()) : redeploy(context, deadline)
}

/** A redeploy after a change to the vpn service's configuration: an extra
 * compose file gives it a new label, and `up` converges the project. */
async function redeploy(context: Target, deadline: number): Promise<CommandResult> {
  const directory = mkdtempSync(join(tmpdir(), 'otc-redeploy-'))
  const override = join(directory, 'redeploy.compose.yml')
  const change = {
    services: { [context.settings.vpnService]: { labels: { [REDEPLOY_LABEL]: String(Date.now()) } } }
  }
  // JSON is YAML; the service name passed the input's pattern.
  writeFileSync(override, `${JSON.stringify(change)}\n`)
  try {
    const project = { ...context.project, files: [...context.project.files, override] }
    return await context.docker.composeRun(
      project,
      ['up', '--detach', ...context.settings.upFlags],
      deadline - Date.now()
    )
  } finally {
    rmSync(directory, { recursive: true, force: true })
  }
}
