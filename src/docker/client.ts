// The thin layer over the Docker and Compose CLIs: pure builders of argument
// vectors, and a client that runs them with a time limit each (in the manner
// of docker/actions-toolkit). Everything else talks to Docker through here.
import type { ComposeProject } from '../compose/project.js'
import { DockerUnavailableError } from '../errors.js'
import type { CommandResult, CommandRunner } from './command.js'
import { parseInspect, type Container } from './inspect.js'
import { LogTailCollector, unreadLog, type LogTail } from './logs.js'

/** One line of `docker events --format '{{json .}}'`. */
export interface DockerEvent {
  action: string
  containerId: string
  service: string
  /** Engine time of the event, in milliseconds since the epoch. */
  timeMs: number
}

/** Time limits for short Docker calls; long ones are given their own. */
export const LIMITS = {
  query: 30_000,
  exec: 15_000,
  logs: 20_000,
  down: 180_000
} as const

/** Lines of a log read from its end to count what a tail leaves out: enough
 * for any run's own output, bounded for a deployment that has run for months. */
const LOG_READ_LINES = 10_000

/** The Compose plugin, by far the usual Compose v2. */
const COMPOSE_PLUGIN = ['docker', 'compose']

const PROJECT_LABEL = 'com.docker.compose.project'
const SERVICE_LABEL = 'com.docker.compose.service'

export function composeArgv(compose: string[], project: ComposeProject, subcommand: string[]): string[] {
  return [
    ...compose,
    '--project-directory',
    project.workingDirectory,
    '--project-name',
    project.projectName,
    ...project.files.flatMap((file) => ['--file', file]),
    ...project.envFiles.flatMap((file) => ['--env-file', file]),
    ...project.profiles.flatMap((profile) => ['--profile', profile]),
    ...subcommand
  ]
}

function projectFilter(project: string): string[] {
  return ['--filter', `label=${PROJECT_LABEL}=${project}`]
}

export function eventsArgv(project: string, since: string): string[] {
  return [
    'docker',
    'events',
    '--since',
    since,
    '--filter',
    'type=container',
    ...projectFilter(project),
    '--format',
    '{{json .}}'
  ]
}

export function parseEvent(line: string): DockerEvent | undefined {
  try {
    const raw = JSON.parse(line) as {
      Action?: string
      Actor?: { ID?: string; Attributes?: Record<string, string> }
      timeNano?: number
    }
    if (!raw.Action || !raw.Actor?.ID) return undefined
    return {
      action: raw.Action,
      containerId: raw.Actor.ID,
      service: raw.Actor.Attributes?.[SERVICE_LABEL] ?? '',
      timeMs: raw.timeNano ? raw.timeNano / 1e6 : Date.now()
    }
  } catch {
    return undefined
  }
}

/** What can be asked of the engine before it is known how Compose is called. */
export type EngineReads = Pick<Docker, 'projectResources' | 'volumeNames' | 'inventory' | 'engineTime'>

/** The resources a project leaves on the engine, by kind, as ids or names. */
export interface ProjectResources {
  containers: string[]
  networks: string[]
  volumes: string[]
}

export type ResourceKind = keyof ProjectResources

/** One resource of a project, as `docker <kind> inspect` describes it. */
export interface DatedResource {
  id: string
  name: string
  /** When the engine created it, on the engine's clock. */
  created: Date
}

export type ProjectInventory = Record<ResourceKind, DatedResource[]>

/** How each kind is inspected: id, name and creation time, one line each. */
const INSPECT: Record<ResourceKind, string[]> = {
  containers: ['docker', 'container', 'inspect', '--format', '{{.Id}}\t{{.Name}}\t{{.Created}}'],
  networks: ['docker', 'network', 'inspect', '--format', '{{.Id}}\t{{.Name}}\t{{.Created}}'],
  volumes: ['docker', 'volume', 'inspect', '--format', '{{.Name}}\t{{.Name}}\t{{.CreatedAt}}']
}

/** Reads the lines printed by an INSPECT template. */
export function parseInventoryLines(text: string): DatedResource[] {
  return text
    .split('\n')
    .map((line) => line.trim().split('\t'))
    .filter((fields) => fields.length === 3)
    .map(([id, name, created]) => ({ id, name: name.replace(/^\//, ''), created: new Date(created) }))
}

export class Docker {
  constructor(
    private readonly runner: CommandRunner,
    /** `docker compose` (plugin) or `docker-compose` (standalone v2). */
    readonly compose: string[]
  ) {}

  /** Finds a working engine and Compose v2, or explains what is missing. */
  static async connect(runner: CommandRunner): Promise<Docker> {
    const version = (compose: string[]): Promise<CommandResult> =>
      runner.run([...compose, 'version', '--short'], { timeoutMs: LIMITS.query })
    // The engine and the plugin are asked at once; only the fallback waits.
    const [client, plugin] = await Promise.all([
      runner.run(['docker', 'version', '--format', '{{.Server.Version}}'], { timeoutMs: LIMITS.query }),
      version(COMPOSE_PLUGIN)
    ])
    if (client.exitCode === 127) {
      throw new DockerUnavailableError(
        'The docker CLI is not installed or not on PATH. Install Docker (a GitHub-hosted Ubuntu runner has it) or run with mode: lint.'
      )
    }
    if (client.exitCode !== 0) {
      throw new DockerUnavailableError(
        `The Docker daemon does not answer: ${whyNoAnswer(client)}. Start it, or set DOCKER_HOST / a Docker context that reaches it.`
      )
    }
    if (isComposeV2(plugin)) return new Docker(runner, COMPOSE_PLUGIN)
    if (isComposeV2(await version(['docker-compose']))) return new Docker(runner, ['docker-compose'])
    throw new DockerUnavailableError(
      'Docker Compose v2 is not available: neither the `docker compose` plugin nor a standalone `docker-compose` v2 binary answered. Install the Compose plugin.'
    )
  }

  /** Connects, and meanwhile runs what only reads, so that it costs no round
   * trip of its own: a Compose subcommand that needs no daemon (`config`)
   * with the plugin, run again only when the Compose found is a standalone
   * docker-compose; and `read`, which asks the engine alone. Its promise is
   * the caller's to await, after the connection's own errors (no engine, no
   * Compose), which come first. */
  static async connectAndRead<T>(
    runner: CommandRunner,
    project: ComposeProject,
    subcommand: string[],
    read: (engine: EngineReads) => Promise<T>
  ): Promise<{ docker: Docker; result: CommandResult; read: Promise<T> }> {
    const reading = read(new Docker(runner, COMPOSE_PLUGIN))
    reading.catch(() => undefined)
    const [docker, early] = await Promise.all([
      Docker.connect(runner),
      runner.run(composeArgv(COMPOSE_PLUGIN, project, subcommand), { timeoutMs: LIMITS.query })
    ])
    const result =
      docker.compose === COMPOSE_PLUGIN ? early : await docker.composeRun(project, subcommand, LIMITS.query)
    return { docker, result, read: reading }
  }

  run(argv: string[], timeoutMs: number, signal?: AbortSignal): Promise<CommandResult> {
    return this.runner.run(argv, { timeoutMs, signal })
  }

  composeRun(
    project: ComposeProject,
    subcommand: string[],
    timeoutMs: number,
    signal?: AbortSignal
  ): Promise<CommandResult> {
    return this.run(composeArgv(this.compose, project, subcommand), timeoutMs, signal)
  }

  /** Every container of the project, running or not, in one inspect call. */
  async projectContainers(project: string): Promise<Container[]> {
    const ids = await this.listIds(['docker', 'ps', '--all', '--quiet', '--no-trunc', ...projectFilter(project)])
    return this.inspect(ids)
  }

  async inspect(ids: string[]): Promise<Container[]> {
    return (await this.inspectOrExplain(ids)).containers ?? []
  }

  /** Inspects the containers that still exist; `containers` is undefined
   * (and `error` says why) only when the engine printed nothing at all. */
  async inspectOrExplain(ids: string[]): Promise<{ containers?: Container[]; error: string }> {
    if (ids.length === 0) return { containers: [], error: '' }
    const result = await this.run(['docker', 'container', 'inspect', ...ids], LIMITS.query)
    // A container removed between listing and inspecting makes inspect fail
    // for that one id only; the others are still printed.
    const containers = result.stdout.trim().startsWith('[') ? parseInspect(result.stdout) : undefined
    return { containers, error: firstLine(result.stderr) }
  }

  exec(containerId: string, argv: string[], timeoutMs: number = LIMITS.exec): Promise<CommandResult> {
    return this.run(['docker', 'exec', containerId, ...argv], timeoutMs)
  }

  /** The last `keep` lines of a container's log, and how many earlier ones
   * there are: at most LOG_READ_LINES are read, from the end, as they come. */
  async logTail(containerId: string, keep: number): Promise<LogTail> {
    const collector = new LogTailCollector(keep, LOG_READ_LINES)
    const argv = ['docker', 'logs', '--tail', String(LOG_READ_LINES), '--timestamps', containerId]
    const result = await this.runner.run(argv, {
      timeoutMs: LIMITS.logs,
      onLine: (line, stream) => collector.add(line, stream)
    })
    if (result.killed) return unreadLog(`docker logs did not finish within ${LIMITS.logs / 1000} s.`)
    // On failure the Docker CLI's own message is the last line on standard error.
    if (result.exitCode !== 0) return unreadLog(`docker logs failed: ${result.stderr.trim().split('\n').at(-1)}`)
    return collector.tail()
  }

  /** `docker restart`: stops and starts the container; it keeps its id. */
  restart(containerId: string, timeoutMs: number): Promise<CommandResult> {
    return this.run(['docker', 'restart', containerId], timeoutMs)
  }

  /** Streams container events of the project until the signal aborts. */
  watchEvents(
    project: string,
    since: string,
    onEvent: (event: DockerEvent) => void,
    signal: AbortSignal,
    timeoutMs: number
  ): Promise<CommandResult> {
    return this.runner.run(eventsArgv(project, since), {
      timeoutMs,
      signal,
      onLine: (line, stream) => {
        const event = stream === 'stdout' ? parseEvent(line) : undefined
        if (event) onEvent(event)
      }
    })
  }

  /** The current Docker context's name and endpoint, as `docker` resolves
   * them (DOCKER_HOST and DOCKER_CONTEXT included): `default unix:///var/run/docker.sock`. */
  async engineEndpoint(): Promise<string> {
    const format = '{{.Name}} {{.Endpoints.docker.Host}}'
    const result = await this.run(['docker', 'context', 'inspect', '--format', format], LIMITS.query)
    return result.exitCode === 0 ? result.stdout.trim() : ''
  }

  /** `docker compose ls --all --format json`: every Compose project the engine holds containers of. */
  async composeProjects(): Promise<string> {
    const result = await this.run([...this.compose, 'ls', '--all', '--format', 'json'], LIMITS.query)
    return result.exitCode === 0 ? result.stdout : '[]'
  }

  async projectResources(project: string): Promise<ProjectResources> {
    const filter = projectFilter(project)
    const [containers, networks, volumes] = await Promise.all([
      this.listIds(['docker', 'ps', '--all', '--quiet', '--no-trunc', ...filter]),
      this.listIds(['docker', 'network', 'ls', '--quiet', '--no-trunc', ...filter]),
      this.listIds(['docker', 'volume', 'ls', '--quiet', ...filter])
    ])
    return { containers, networks, volumes }
  }

  /** Names and creation times of the given resources. One that is removed
   * meanwhile is missing from the answer: inspect still prints the others. */
  async inventory(resources: ProjectResources): Promise<ProjectInventory> {
    const inspect = async (kind: ResourceKind): Promise<DatedResource[]> => {
      if (resources[kind].length === 0) return []
      const result = await this.run([...INSPECT[kind], ...resources[kind]], LIMITS.query)
      return parseInventoryLines(result.stdout)
    }
    const [containers, networks, volumes] = await Promise.all([
      inspect('containers'),
      inspect('networks'),
      inspect('volumes')
    ])
    return { containers, networks, volumes }
  }

  /** The engine's clock: creation times are on it, and a remote engine's
   * clock may differ from ours. */
  /** The names of every volume on the engine, labelled or not. */
  volumeNames(): Promise<string[]> {
    return this.listIds(['docker', 'volume', 'ls', '--quiet'])
  }

  async engineTime(): Promise<Date> {
    const argv = ['docker', 'info', '--format', '{{.SystemTime}}']
    const result = await this.run(argv, LIMITS.query)
    const time = new Date(result.stdout.trim())
    if (result.exitCode !== 0 || Number.isNaN(time.getTime()))
      throw new Error(`docker info gave no engine time: ${firstLine(result.stderr || result.stdout)}`)
    return time
  }

  /** Removes resources by id; what Compose could not remove (for example when
   * the compose files are gone) is removed here, by the project's label. */
  async removeResources(resources: ProjectResources): Promise<CommandResult[]> {
    const calls: string[][] = [
      resources.containers.length ? ['docker', 'rm', '--force', '--volumes', ...resources.containers] : [],
      resources.networks.length ? ['docker', 'network', 'rm', ...resources.networks] : [],
      resources.volumes.length ? ['docker', 'volume', 'rm', '--force', ...resources.volumes] : []
    ].filter((argv) => argv.length > 0)
    const results: CommandResult[] = []
    // In order: containers hold the networks and volumes.
    for (const argv of calls) results.push(await this.run(argv, LIMITS.down))
    return results
  }

  private async listIds(argv: string[]): Promise<string[]> {
    const result = await this.run(argv, LIMITS.query)
    if (result.exitCode !== 0) throw new Error(`${argv.slice(0, 3).join(' ')} failed: ${firstLine(result.stderr)}`)
    return result.stdout
      .split('\n')
      .map((line) => line.trim())
      .filter(Boolean)
  }
}

function isComposeV2(result: CommandResult): boolean {
  return result.exitCode === 0 && /^v?([2-9]|\d{2,})\./.test(result.stdout.trim())
}

/** Why `docker version` got no answer: a daemon that hangs says nothing, and
 * is stopped at the time limit. */
function whyNoAnswer(result: CommandResult): string {
  if (result.killed)
    return `it did not answer within ${LIMITS.query / 1000} s (\`docker version\` was stopped at that time limit)`
  return firstLine(result.stderr) || `\`docker version\` failed with exit code ${result.exitCode} and no message`
}

/** `docker exec` says so when the program is not in the image (on stdout, as
 * the engine's error travels in the exec stream). */
export function programMissing(result: CommandResult): boolean {
  return (
    (result.exitCode === 126 || result.exitCode === 127) &&
    /executable file not found|no such file or directory/i.test(result.stdout + result.stderr)
  )
}

export function firstLine(text: string): string {
  return text.trim().split('\n')[0] ?? ''
}
