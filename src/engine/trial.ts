// One resilience event under way, as the modules of the resilience check
// share it: the run it happens in, the stack as it was read, and where the
// event's checks are recorded.
import type { NamespaceSnapshot } from '../checks/namespace.js'
import type { ResilienceEvent } from '../checks/recovery.js'
import type { Subnet } from '../checks/routes.js'
import type { ComposeModel } from '../compose/model.js'
import type { ComposeProject } from '../compose/project.js'
import type { Docker } from '../docker/client.js'
import type { ProjectEvents } from '../docker/events.js'
import type { Container } from '../docker/inspect.js'
import type { CheckResult } from '../findings.js'
import type { ResilienceRecord } from '../report/schema.js'
import type { Settings } from '../settings/settings.js'
import type { RunRecord } from './record.js'

/** The run the events happen in: its settings, compose model and project,
 * its record, the engine and the project's event stream. */
export interface RunContext {
  settings: Settings
  model: ComposeModel
  project: ComposeProject
  record: RunRecord
  docker: Docker
  events: ProjectEvents
}

/** The vpn and the tunnel services' containers, as their namespaces were read. */
export interface StackSnapshot {
  vpn: NamespaceSnapshot
  workers: NamespaceSnapshot[]
}

/** One event under way: when it started, until when the stack may take to come back. */
export interface Trial {
  event: ResilienceEvent
  startedAt: number
  deadline: number
  subnets: Subnet[]
  /** What the report will say about it. */
  entry: ResilienceRecord
}

/** The vpn service's running container among the project's. */
export function currentVpn(settings: Settings, containers: Container[]): Container | undefined {
  return containers.find((c) => c.service === settings.vpnService && c.status === 'running')
}

/** The tunnel services' containers among the project's. */
export function workersIn(settings: Settings, containers: Container[]): Container[] {
  return containers.filter((c) => settings.tunnelServices.includes(c.service))
}

/** Records a check as one of the event's. */
export function recordCheck(record: RunRecord, trial: Trial, check: CheckResult): void {
  record.record({ ...check, event: trial.event })
}
