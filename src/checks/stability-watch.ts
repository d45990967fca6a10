// Watches the containers a verdict is about, from the moment the vpn is found
// healthy (and each worker is listed) to the verdict. The project's event
// stream tells at once when one of them ends or is paused, so that no check
// keeps retrying against a container that is gone or frozen; `stability.ts`
// judges what the watch saw.
import type { ProjectEvents, RecordedEvent } from '../docker/events.js'
import type { Container } from '../docker/inspect.js'

/** Events that end a container's process: every restart, stop or removal begins with one. */
const ENDS = new Set(['die', 'destroy'])
/** A freeze of the container's processes: its namespace stays, but nothing in
 * it answers, and a verdict given meanwhile would blame a probe or a tool. */
const PAUSE = 'pause'
/** Events after an end that say what the end was: a restart or a removal. */
const AFTER_END = new Set(['start', 'destroy'])
/** How long the verdict waits, for a container it found stopped, to start
 * again or be removed. `docker restart` starts the next process about 0.25 s
 * after the last one died (more on a busy host); judged in that gap, a restart
 * would be told as a stop. */
export const SETTLE_MS = 5000

/** What the watch needs of the project's event stream. */
export type EventSource = Pick<ProjectEvents, 'subscribe' | 'recorded'>

/** Watches the containers a verdict is about, from the start of the checks. */
export class StabilityWatch {
  readonly startedAt = Date.now()
  /** The containers as the checks first saw them, by id. */
  private readonly baseline = new Map<string, Container>()
  /** Events of the watched services since the checks started. */
  readonly seen: RecordedEvent[] = []
  private readonly ended = new AbortController()
  private readonly unsubscribe: () => void

  constructor(
    private readonly events: EventSource,
    /** The vpn service and the tunnel services. */
    private readonly services: Set<string>,
    vpn: Container
  ) {
    this.unsubscribe = events.subscribe((event) => this.notice(event))
    this.add([vpn])
  }

  /** Aborts as soon as a watched container ends or is paused: retrying is pointless then. */
  get signal(): AbortSignal {
    return this.ended.signal
  }

  /** The containers as they were when the checks began to look at them. */
  get before(): Container[] {
    return [...this.baseline.values()]
  }

  /** Starts watching more containers (the workers, once listed); an end
   * already on the stream since then counts too. */
  add(containers: Container[]): void {
    for (const container of containers) if (!this.baseline.has(container.id)) this.baseline.set(container.id, container)
    for (const event of this.events.recorded) this.notice(event)
  }

  stop(): void {
    this.unsubscribe()
  }

  /** Resolves once each of these containers (found stopped by an inspect) has
   * ended on the stream and then started again or been removed, or after
   * `maxMs`: the verdict then names the real change. */
  async settle(ids: string[], maxMs: number): Promise<void> {
    if (this.settled(ids)) return
    await new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer)
        unsubscribe()
        resolve()
      }
      const timer = setTimeout(done, maxMs)
      const unsubscribe = this.events.subscribe(() => this.settled(ids) && done())
    })
  }

  /** Whether each container's last end (in stream order) is on the stream and
   * followed by its start or removal. */
  private settled(ids: string[]): boolean {
    const stream = this.events.recorded
    return this.before
      .filter((container) => ids.includes(container.id))
      .every((container) => {
        const own = stream.filter((e) => e.containerId === container.id)
        const lastEnd = own.map((e) => endedSince(e, container)).lastIndexOf(true)
        return lastEnd >= 0 && own.slice(lastEnd).some((e) => AFTER_END.has(e.action))
      })
  }

  private notice(event: RecordedEvent): void {
    if (!this.services.has(event.service) || this.seen.includes(event)) return
    if (event.receivedMs < this.startedAt && !this.baseline.has(event.containerId)) return
    this.seen.push(event)
    const container = this.baseline.get(event.containerId)
    // One already stopped or paused when listed changes nothing by stopping
    // (the stream replays its end); its own check names its state.
    if (container?.status !== 'running') return
    if (endedSince(event, container) || pausedSince(event, this.startedAt)) this.ended.abort()
  }
}

/** An end of the container's process after the start the checks saw (the
 * stream also replays ends of earlier runs of it). */
export function endedSince(event: RecordedEvent, container: Container): boolean {
  return ENDS.has(event.action) && event.timeMs > (container.startedAt?.getTime() ?? 0)
}

/** A pause after the checks began: not one the stream replays from before it
 * began, which may reach this process after the checks began. */
export function pausedSince(event: RecordedEvent, checksStartedMs: number): boolean {
  return event.action === PAUSE && !event.replayed && event.receivedMs >= checksStartedMs
}
