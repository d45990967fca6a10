// Verify mode's first live step: is there a vpn container to wait for? The
// answer takes a listing or two, so a deployment that is down is reported in
// seconds rather than after health-timeout.
import { judgePresence } from '../checks/presence.js'
import type { ComposeProject } from '../compose/project.js'
import type { Docker } from '../docker/client.js'
import { describeEngine, parseComposeProjects } from '../docker/engine.js'
import type { RunRecord } from './record.js'

/** True when the vpn service has a container; otherwise records why not. */
export async function checkPresence(
  docker: Docker,
  project: ComposeProject,
  vpnService: string,
  record: RunRecord,
  environment: NodeJS.ProcessEnv
): Promise<boolean> {
  const startedAt = Date.now()
  const containers = await docker.projectContainers(project.projectName)
  if (containers.some((container) => container.service === vpnService)) return true
  const [endpoint, projects] = await Promise.all([docker.engineEndpoint(), docker.composeProjects()])
  const outcome = judgePresence({
    project: project.projectName,
    vpnService,
    containers,
    engine: describeEngine(endpoint, environment.DOCKER_HOST),
    projects: parseComposeProjects(projects)
  })
  if (!outcome) return true
  record.mark(containers.length ? 'vpn container missing' : 'project absent', vpnService)
  record.record({ check: 'health', service: vpnService, ...outcome, startedAt, durationMs: Date.now() - startedAt })
  return false
}
