// The thin layer over the Docker and Compose CLIs: a client that runs the
// argument vectors of argv.ts with a time limit each (in the manner of
// docker/actions-toolkit). Everything else talks to Docker through here;
// connect.ts finds the engine and the Compose to use.
import type { ComposeProject } from '../compose/project.js'
import {
  composeArgv,
  eventsArgv,
  INSPECT,
  LIST,
  parseEvent,
  parseInventoryLines,
  projectFilter,
  removalArgvs,
  type DatedResource,
  type DockerEvent,
  type ProjectInventory,
  type ProjectResources,
  type ResourceKind
} from './argv.js'
import type { CommandResult, CommandRunner } from './command.js'
import { parseInspect, type Container } from './inspect.js'
import { LogTailCollector, unreadLog, type LogTail } from './logs.js'

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

/** What can be asked of the engine before it is known how Compose is called. */
export type EngineReads = Pick<Docker, 'projectResources' | 'volumeNames' | 'inventory' | 'engineTime'>

export class Docker {
  constructor(
    private readonly runner: CommandRunner,
    /** `docker compose` (plugin) or `docker-compose` (standalone v2). */
    readonly compose: string[]
  ) {}

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
    const ids = await this.listIds([...LIST.containers, ...projectFilter(project)])
    return this.inspect(ids)
  }

  /** The containers that still exist, as far as the engine answered. */
  async inspect(ids: string[]): Promise<Container[]> {
    if (ids.length === 0) return []
    return printedContainers(await this.inspectCommand(ids)) ?? []
  }

  /** Inspects the containers that still exist. `containers` is undefined (and
   * `error` says why) unless the answer is whole: every id missing from it is
   * one the engine says does not exist, so a caller may take it for removed. */
  async inspectOrExplain(ids: string[]): Promise<{ containers?: Container[]; error: string }> {
    if (ids.length === 0) return { containers: [], error: '' }
    const result = await this.inspectCommand(ids)
    if (result.killed) return { error: `did not answer within ${LIMITS.query / 1000} s` }
    const unexplained = result.stderr.split('\n').find((line) => line.trim() && !NO_SUCH_CONTAINER.test(line))
    if (unexplained) return { error: unexplained.trim() }
    return { containers: printedContainers(result), error: firstLine(result.stderr) }
  }

  private inspectCommand(ids: string[]): Promise<CommandResult> {
    return this.run(['docker', 'container', 'inspect', ...ids], LIMITS.query)
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
    const list = (kind: ResourceKind): Promise<string[]> => this.listIds([...LIST[kind], ...projectFilter(project)])
    const [containers, networks, volumes] = await Promise.all([list('containers'), list('networks'), list('volumes')])
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

  /** The names of every volume on the engine, labelled or not. */
  volumeNames(): Promise<string[]> {
    return this.listIds(LIST.volumes)
  }

  /** The engine's clock: creation times are on it, and a remote engine's
   * clock may differ from ours. */
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
    const results: CommandResult[] = []
    // In order: containers hold the networks and volumes.
    for (const argv of removalArgvs(resources)) results.push(await this.run(argv, LIMITS.down))
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

/** `docker exec` says so when the program is not in the image (on stdout, as
 * the engine's error travels in the exec stream). */
export function programMissing(result: CommandResult): boolean {
  return (
    (result.exitCode === 126 || result.exitCode === 127) &&
    /executable file not found|no such file or directory/i.test(result.stdout + result.stderr)
  )
}

/** What `docker container inspect` printed: a container removed between
 * listing and inspecting makes it fail for that one id only, and the others
 * are still printed. */
function printedContainers(result: CommandResult): Container[] | undefined {
  return result.stdout.trim().startsWith('[') ? parseInspect(result.stdout) : undefined
}

/** The Docker CLI's word for an id that names no container (removed meanwhile). */
const NO_SUCH_CONTAINER = /No such (container|object)/i

export function firstLine(text: string): string {
  return text.trim().split('\n')[0] ?? ''
}
