// Pure reading of `docker inspect` output into the facts the checks judge.

export type HealthStatus = 'starting' | 'healthy' | 'unhealthy'

export interface HealthProbe {
  exitCode: number
  output: string
  end: string
}

/** One health probe as people read it: `exit 1: no tun0`. */
export function describeProbe(probe: Pick<HealthProbe, 'exitCode' | 'output'>): string {
  return [`exit ${probe.exitCode}`, probe.output].filter(Boolean).join(': ')
}

/** A probe with the time it ended, as the log and the summary list them. */
export function probeLine(probe: Pick<HealthProbe, 'end' | 'exitCode' | 'output'>): string {
  return `${probe.end} ${describeProbe(probe)}`
}

export interface Container {
  id: string
  /** Name without the leading slash. */
  name: string
  project: string
  service: string
  image: string
  /** created, running, restarting, exited, dead, paused, removing. */
  status: string
  /** Undefined when the container has no healthcheck. */
  health?: HealthStatus
  healthLog: HealthProbe[]
  exitCode: number
  /** Undefined until the container has started once. */
  startedAt?: Date
  restartCount: number
  /** `container:<id>` when the container joined another one's namespace. */
  networkMode: string
  restartPolicy: string
  restartMaxRetries: number
  /** The engine's last error starting it (e.g. `cannot join network of a non running container`); '' when none. */
  error: string
}

interface RawContainer {
  Id: string
  Name: string
  Image: string
  RestartCount?: number
  State: {
    Status: string
    ExitCode: number
    Error?: string
    StartedAt: string
    Health?: { Status: HealthStatus; Log?: { ExitCode: number; Output: string; End: string }[] | null }
  }
  HostConfig: { NetworkMode: string; RestartPolicy?: { Name: string; MaximumRetryCount: number } }
  Config: { Image: string; Labels?: Record<string, string> | null }
}

/** Docker's zero time, printed for containers that never started. */
const NEVER = '0001-01-01T00:00:00Z'

export function parseInspect(json: string): Container[] {
  const raw = JSON.parse(json) as RawContainer[]
  return raw.map(toContainer)
}

function toContainer(raw: RawContainer): Container {
  const labels = raw.Config.Labels ?? {}
  return {
    id: raw.Id,
    name: raw.Name.replace(/^\//, ''),
    project: labels['com.docker.compose.project'] ?? '',
    service: labels['com.docker.compose.service'] ?? '',
    image: raw.Config.Image,
    status: raw.State.Status,
    health: raw.State.Health?.Status,
    healthLog: (raw.State.Health?.Log ?? []).map((probe) => ({
      exitCode: probe.ExitCode,
      output: probe.Output.trim(),
      end: probe.End
    })),
    exitCode: raw.State.ExitCode,
    startedAt: raw.State.StartedAt.startsWith(NEVER) ? undefined : new Date(raw.State.StartedAt),
    restartCount: raw.RestartCount ?? 0,
    networkMode: raw.HostConfig.NetworkMode,
    restartPolicy: raw.HostConfig.RestartPolicy?.Name ?? 'no',
    restartMaxRetries: raw.HostConfig.RestartPolicy?.MaximumRetryCount ?? 0,
    error: raw.State.Error ?? ''
  }
}

/** The container whose namespace this one joined, or undefined for its own. */
export function joinedContainerId(container: Container): string | undefined {
  const match = /^container:(.+)$/.exec(container.networkMode)
  return match?.[1]
}

/** True when the engine will not start this container again by itself. While
 * its restart policy is going to start it, the engine shows it `restarting`
 * (it decides when the container exits, before it marks it stopped); an
 * `exited` or `dead` container stays down whatever its policy: stopped by hand,
 * out of retries, exited 0 under on-failure, or its restart failed. */
export function stoppedForGood(container: Container): boolean {
  return ['exited', 'dead', 'removing'].includes(container.status)
}
