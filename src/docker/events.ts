// One `docker events` stream per run, filtered to the project: the health
// waiter reacts to it as things happen, and the timeline is recorded from it.
import type { DockerEvent } from './argv.js'
import type { Docker } from './client.js'

export interface RecordedEvent extends DockerEvent {
  /** When this process read the event, in milliseconds since the epoch. */
  receivedMs: number
  /** The event happened before the stream began (by the engine's clock, read
   * as this host's): the stream replays a little of the past. */
  replayed?: true
}

type Listener = (event: RecordedEvent) => void

/** Engine-side actions that matter; exec_* and attach/resize are our own noise. */
const RELEVANT = /^(create|start|restart|die|kill|oom|stop|destroy|pause|unpause|health_status)/

/** How often listeners are asked to look again once the stream is gone. */
export const FALLBACK_POLL_MS = 1000

/** What listeners get, in place of events, while the stream is gone. */
export const POLL_ACTION = 'poll'

/** Replays a little of the past so that nothing between subscribing and the
 * first inspect is missed, even with a small clock skew to a remote engine. */
const REPLAY_MS = 2000

export class ProjectEvents {
  readonly recorded: RecordedEvent[] = []
  private readonly listeners = new Set<Listener>()
  private readonly abort = new AbortController()
  private stream?: Promise<unknown>
  private poller?: NodeJS.Timeout
  private startedMs = 0

  constructor(
    private readonly docker: Docker,
    private readonly project: string
  ) {}

  /** Starts streaming; `maxMs` bounds the stream's life as for any command. */
  start(maxMs: number): void {
    this.startedMs = Date.now()
    const since = ((this.startedMs - REPLAY_MS) / 1000).toFixed(3)
    this.stream = this.docker
      .watchEvents(this.project, since, (event) => this.deliver(event), this.abort.signal, maxMs)
      .then(() => {
        // The stream ended on its own (the engine restarted, a proxy to a
        // remote engine cut it): nobody may wait forever for an event, so the
        // listeners are asked to look again every second instead.
        if (!this.abort.signal.aborted) this.poller = setInterval(() => this.notify(POLL_ACTION), FALLBACK_POLL_MS)
      })
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  async stop(): Promise<void> {
    this.abort.abort()
    clearInterval(this.poller)
    await this.stream
  }

  private deliver(event: DockerEvent): void {
    if (!RELEVANT.test(event.action)) return
    const recorded: RecordedEvent = { ...event, receivedMs: Date.now() }
    if (event.timeMs < this.startedMs) recorded.replayed = true
    this.recorded.push(recorded)
    for (const listener of this.listeners) listener(recorded)
  }

  private notify(action: string): void {
    const now = Date.now()
    for (const listener of this.listeners)
      listener({ action, containerId: '', service: '', timeMs: now, receivedMs: now })
  }
}

/** Lets a loop sleep until the project's next event or a time limit, without
 * missing an event that arrives while the loop is busy. */
export class EventWaker {
  private pending = false
  private wake?: () => void
  private readonly unsubscribe: () => void

  constructor(events: Pick<ProjectEvents, 'subscribe'>) {
    this.unsubscribe = events.subscribe(() => {
      this.pending = true
      this.wake?.()
    })
  }

  next(maxMs: number): Promise<void> {
    if (this.pending) {
      this.pending = false
      return Promise.resolve()
    }
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer)
        this.wake = undefined
        this.pending = false
        resolve()
      }
      const timer = setTimeout(done, Math.max(0, maxMs))
      this.wake = done
    })
  }

  stop(): void {
    this.unsubscribe()
    this.wake?.()
  }
}
