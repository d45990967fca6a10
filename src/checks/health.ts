// Waits for the vpn service's container to become healthy. It reacts to the
// project's event stream and takes `docker inspect` as the source of truth,
// so a change is noticed as it happens; it gives up at once on unhealthy, on
// an exit the engine will not undo, on a pause, on a restart loop, and (unless
// Compose is starting the project) on a container that is missing or idle.
import type { Docker } from '../docker/client.js'
import { POLL_ACTION, type ProjectEvents } from '../docker/events.js'
import { stoppedForGood, type Container } from '../docker/inspect.js'

export type HealthFailure =
  'unhealthy' | 'exited' | 'paused' | 'not-started' | 'absent' | 'crash-loop' | 'timeout' | 'aborted'

export type HealthJudgement =
  { state: 'healthy' } | { state: 'waiting' } | { state: 'failed'; reason: HealthFailure; message: string }

export type HealthOutcome =
  | { state: 'healthy'; container: Container; atMs: number }
  | { state: 'failed'; reason: HealthFailure; message: string; container?: Container; atMs: number }

/** Restarts during one wait that make a crash loop. One restart is a
 * recovery (and the stale-namespace check will look at its consequences). */
export const CRASH_LOOP_RESTARTS = 3

/** The restart policy as written in a compose file, e.g. `on-failure:3`. */
function policy(container: Container): string {
  const retries = container.restartMaxRetries > 0 ? `:${container.restartMaxRetries}` : ''
  return `${container.restartPolicy}${retries}`
}

/** Judges one inspected state of the vpn container. The engine marks a
 * container that exits as unhealthy, so health counts only while it runs.
 * Waiting makes sense only while something is under way: the healthcheck is
 * starting, the restart policy is restarting it, or (`awaitingStart`, while
 * Compose boots the project) it was just created. Anything else is final. */
export function judgeHealth(container: Container, restartsAtStart: number, awaitingStart = false): HealthJudgement {
  const { name, status } = container
  if (status === 'running') {
    if (container.health === 'unhealthy') {
      return {
        state: 'failed',
        reason: 'unhealthy',
        message: `${name} is unhealthy: its healthcheck failed repeatedly.`
      }
    }
    return container.health === 'starting' ? { state: 'waiting' } : { state: 'healthy' }
  }
  if (stoppedForGood(container)) {
    return {
      state: 'failed',
      reason: 'exited',
      message: `${name} is ${status} (exit code ${container.exitCode}, restart count ${container.restartCount}) and its restart policy (${policy(container)}) will not start it again.`
    }
  }
  if (status === 'paused') {
    return {
      state: 'failed',
      reason: 'paused',
      message: `${name} is paused: its processes are frozen, its healthcheck does not run, and nothing unpauses it by itself (\`docker unpause ${name}\`).`
    }
  }
  if (status === 'created' && !awaitingStart) {
    return {
      state: 'failed',
      reason: 'not-started',
      message: `${name} was created but never started, and nothing will start it (\`docker compose up -d\` would).`
    }
  }
  const restarts = container.restartCount - restartsAtStart
  if (restarts >= CRASH_LOOP_RESTARTS) {
    return {
      state: 'failed',
      reason: 'crash-loop',
      message: `${name} is in a restart loop: restarted ${restarts} times while waiting (last exit code ${container.exitCode}).`
    }
  }
  return { state: 'waiting' }
}

export interface HealthWaitOptions {
  project: string
  service: string
  deadlineMs: number
  /** True while Compose boots the project (full mode): a container that is
   * missing or only created is about to be started. Otherwise (verify mode,
   * after a resilience event) nothing will start it, so the wait ends at once. */
  awaitingStart: boolean
  signal?: AbortSignal
}

export function waitForHealthy(
  docker: Docker,
  events: ProjectEvents,
  options: HealthWaitOptions
): Promise<HealthOutcome> {
  return new Promise((resolve) => {
    let latest: Container | undefined
    // Restarts count from the first sight of a container: a fresh one is seen
    // at its creation, a running one (verify mode) with its past restarts.
    const restartsAtStart = new Map<string, number>()
    let settled = false
    let checking = Promise.resolve()
    const finish = (outcome: HealthOutcome): void => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      unsubscribe()
      options.signal?.removeEventListener('abort', onAbort)
      resolve(outcome)
    }
    const judge = (container: Container): void => {
      latest = container
      if (!restartsAtStart.has(container.id)) restartsAtStart.set(container.id, container.restartCount)
      const verdict = judgeHealth(container, restartsAtStart.get(container.id)!, options.awaitingStart)
      if (verdict.state === 'healthy') finish({ state: 'healthy', container, atMs: Date.now() })
      if (verdict.state === 'failed') finish({ ...verdict, container, atMs: Date.now() })
    }
    // Inspections run one after another so a slow one cannot overwrite a newer state.
    // An event names its container, so one inspect call answers it.
    const check = (containerId?: string): void => {
      checking = checking
        .then(async () => {
          if (settled) return
          const containers = containerId
            ? await docker.inspect([containerId])
            : await docker.projectContainers(options.project)
          const vpn = containers.find((container) => container.service === options.service)
          if (vpn) judge(vpn)
          else if (!containerId && !options.awaitingStart) finishAbsent()
        })
        .catch(() => undefined)
    }
    const finishAbsent = (): void =>
      finish({
        state: 'failed',
        reason: 'absent',
        message: `No container of service ${options.service} exists in project ${options.project}.`,
        atMs: Date.now()
      })
    const onAbort = (): void =>
      finish({
        state: 'failed',
        reason: 'aborted',
        message: 'Stopped waiting: the run was aborted.',
        container: latest,
        atMs: Date.now()
      })
    const timer = setTimeout(
      () => {
        const waited = latest
          ? `${latest.name} is ${latest.status}${latest.health ? `, health ${latest.health}` : ''}`
          : 'no container of the service exists'
        finish({
          state: 'failed',
          reason: 'timeout',
          message: `Not healthy before health-timeout: ${waited}.`,
          container: latest,
          atMs: Date.now()
        })
      },
      Math.max(0, options.deadlineMs - Date.now())
    )
    options.signal?.addEventListener('abort', onAbort, { once: true })
    const unsubscribe = events.subscribe((event) => {
      if (event.service === options.service) check(event.containerId)
      else if (event.action === POLL_ACTION) check()
    })
    check()
  })
}
