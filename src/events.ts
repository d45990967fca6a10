// One `docker events` stream per run, filtered to the project: the health
// waiter reacts to it as things happen, and the timeline is recorded from it.
import type { Docker, DockerEvent } from './docker.js'

export interface RecordedEvent extends DockerEvent {
  /** When this process read the event, in milliseconds since the epoch. */
  receivedMs: number
}

type Listener = (event: RecordedEvent) => void

/** Engine-side actions that matter; exec_* and attach/resize are our own noise. */
const RELEVANT = /^(create|start|restart|die|kill|oom|stop|destroy|health_status)/

/** Replays a little of the past so that nothing between subscribing and the
 * first inspect is missed, even with a small clock skew to a remote engine. */
const REPLAY_MS = 2000

export class ProjectEvents {
  readonly recorded: RecordedEvent[] = []
  private readonly listeners = new Set<Listener>()
  private readonly abort = new AbortController()
  private stream?: Promise<unknown>

  constructor(
    private readonly docker: Docker,
    private readonly project: string
  ) {}

  /** Starts streaming; `maxMs` bounds the stream's life as for any command. */
  start(maxMs: number): void {
    const since = ((Date.now() - REPLAY_MS) / 1000).toFixed(3)
    this.stream = this.docker.watchEvents(this.project, since, (event) => this.deliver(event), this.abort.signal, maxMs)
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  async stop(): Promise<void> {
    this.abort.abort()
    await this.stream
  }

  private deliver(event: DockerEvent): void {
    if (!RELEVANT.test(event.action)) return
    const recorded = { ...event, receivedMs: Date.now() }
    this.recorded.push(recorded)
    for (const listener of this.listeners) listener(recorded)
  }
}
