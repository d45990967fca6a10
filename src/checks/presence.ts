// Verify mode checks a deployment that should be running. Before waiting for
// anything, it makes sure there is something to wait for: a project with no
// container on the engine (a deployment that is down, a typo in project-name,
// the wrong engine) is said at once, with the projects the engine does hold.
import type { ComposeProjectEntry } from '../docker/engine.js'
import type { Container } from '../docker/inspect.js'
import type { Outcome } from './outcome.js'

interface PresenceFacts {
  project: string
  vpnService: string
  /** Every container of the project, in any state. */
  containers: Container[]
  /** The engine asked, as `describeEngine` tells it (never a credential). */
  engine: string
  /** The Compose projects on that engine. */
  projects: ComposeProjectEntry[]
}

/** Projects listed in a message; the rest are counted. */
const LISTED_PROJECTS = 20

function projectList(projects: ComposeProjectEntry[]): string {
  if (projects.length === 0) return 'The engine holds no Compose project at all.'
  const listed = projects.slice(0, LISTED_PROJECTS).map((p) => `${p.name} (${p.status})`)
  const more = projects.length > LISTED_PROJECTS ? ` and ${projects.length - LISTED_PROJECTS} more` : ''
  return `Compose projects on that engine: ${listed.join(', ')}${more}.`
}

/** Pure: undefined when the vpn service has a container to judge; otherwise
 * the failure, which names the project, the engine and what is there. */
export function judgePresence(facts: PresenceFacts): Outcome | undefined {
  const { project, vpnService, containers, engine, projects } = facts
  if (containers.some((container) => container.service === vpnService)) return undefined
  if (containers.length === 0) {
    return {
      verdict: 'failed',
      summary: `No container of project ${project} exists on the engine asked (${engine}): the deployment is down, or this is not its project name or engine. ${projectList(projects)}`,
      evidence: { project, engine, projects: projects.map((p) => p.name).join(', ') || 'none' },
      fix: `If the deployment is down, start it (\`docker compose up -d\`). Otherwise set project-name to its project (verify mode's default is Compose's own: the top-level \`name:\` or the directory's name), or point DOCKER_HOST or the Docker context at its engine.`
    }
  }
  const present = containers.map((c) => `${c.service} (${c.status})`).join(', ')
  return {
    verdict: 'failed',
    summary: `Project ${project} on ${engine} has no container of ${vpnService}; it has: ${present}.`,
    evidence: { project, engine, containers: present },
    fix: `Start ${vpnService} (\`docker compose up -d ${vpnService}\`), or set vpn-service to the service that runs the VPN.`
  }
}
