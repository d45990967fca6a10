// A project event stream that tests feed by hand.
import type { RecordedEvent } from '../../src/docker/events.js'

export class FakeEvents {
  readonly recorded: RecordedEvent[] = []
  private readonly listeners = new Set<(event: RecordedEvent) => void>()

  subscribe(listener: (event: RecordedEvent) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  emit(event: RecordedEvent): void {
    this.recorded.push(event)
    for (const listener of this.listeners) listener(event)
  }

  /** How many listeners are subscribed: none once every watch has stopped. */
  get listening(): number {
    return this.listeners.size
  }
}

/** An event of the stream, read 5 ms after the engine sent it. */
export function recordedEvent(action: string, id: string, service: string, atMs: number): RecordedEvent {
  return { action, containerId: id, service, timeMs: atMs, receivedMs: atMs + 5 }
}
