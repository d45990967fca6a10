// A verdict speaks of the containers the checks looked at, so it holds only if
// they are still those containers when it is given. From the moment the vpn
// is found healthy (and each worker is listed) to the verdict, the project's
// event stream tells at once when one of them ends, so that no check keeps
// retrying against a container that is gone; one `docker inspect` at the end
// confirms that each kept its id, start time and restart count and still runs.
//
// A container whose process did not change keeps its network namespace: the
// namespace ids the checks compared were then read from containers alive at
// the same moment. Ids read at different moments prove nothing, as the kernel
// reuses a dead namespace's inode number.
import type { Docker } from '../docker/client.js'
import type { ProjectEvents, RecordedEvent } from '../docker/events.js'
import type { Container } from '../docker/inspect.js'
import type { CheckResult } from '../findings.js'
import { checkResult, type Outcome } from './outcome.js'

/** Events that end a container's process: every restart, stop or removal begins with one. */
const ENDS = new Set(['die', 'destroy'])
/** Events of a container that may be one the checks never saw. */
const BEGINS = new Set(['create', 'start'])
/** Events after an end that say what the end was: a restart or a removal. */
const AFTER_END = new Set(['start', 'destroy'])
/** How long the verdict waits, after a watched container ended, for it to
 * start again or be removed. `docker restart` starts the next process about
 * 0.25 s after the last one died (more on a busy host); judged in that gap, a
 * restart would be told as a stop. */
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

  /** Aborts as soon as a watched container ends: retrying is pointless then. */
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

  /** Resolves once every watched container that ended has started again or
   * been removed, or after `maxMs`: the verdict then names the real change. */
  async settle(maxMs: number): Promise<void> {
    if (this.settled()) return
    await new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer)
        unsubscribe()
        resolve()
      }
      const timer = setTimeout(done, maxMs)
      const unsubscribe = this.events.subscribe(() => this.settled() && done())
    })
  }

  /** Whether each watched container's last end (in stream order) is followed
   * by its start or removal. */
  private settled(): boolean {
    const stream = this.events.recorded
    return this.before.every((container) => {
      const lastEnd = stream.map((e) => e.containerId === container.id && endedSince(e, container)).lastIndexOf(true)
      return lastEnd < 0 || stream.slice(lastEnd).some((e) => e.containerId === container.id && AFTER_END.has(e.action))
    })
  }

  private notice(event: RecordedEvent): void {
    if (!this.services.has(event.service) || this.seen.includes(event)) return
    if (event.receivedMs < this.startedAt && !this.baseline.has(event.containerId)) return
    this.seen.push(event)
    const container = this.baseline.get(event.containerId)
    if (container && endedSince(event, container)) this.ended.abort()
  }
}

/** An end of the container's process after the start the checks saw (the
 * stream also replays ends of earlier runs of it). */
function endedSince(event: RecordedEvent, container: Container): boolean {
  return ENDS.has(event.action) && event.timeMs > (container.startedAt?.getTime() ?? 0)
}

export interface StabilityFacts {
  vpnService: string
  /** The vpn's namespace, named in the verdict it held for. */
  vpnNamespace?: string
  before: Container[]
  /** One inspect of the watched containers and the newcomers at the verdict;
   * undefined when the engine did not answer it. */
  after?: Container[]
  inspectError?: string
  /** Events of the watched services since the checks started. */
  seen: RecordedEvent[]
  startedAt: number
}

export interface StabilityJudgement {
  /** Whom a row is about: the container as the checks saw it, or a newcomer. */
  container: Container
  outcome: Outcome
}

/** Pure: did every container checked keep its id, start time and restart
 * count, and is it still running, with no new container of a watched service
 * beside it? One failed row per change, or one passed row for the vpn. */
export function judgeStability(facts: StabilityFacts): StabilityJudgement[] {
  const { before, after, seen } = facts
  const vpn = before.find((c) => c.service === facts.vpnService) ?? before[0]
  if (!after) {
    const summary = `could not confirm that the containers checked still run as checked: \`docker inspect\` failed: ${facts.inspectError || 'no answer'}`
    return [{ container: vpn, outcome: { verdict: 'failed', summary, evidence: {}, fix: RUN_AGAIN } }]
  }
  const now = new Map(after.map((c) => [c.id, c]))
  const known = new Set(before.map((c) => c.id))
  const changes = before.flatMap((was) => {
    const ends = seen.filter((e) => e.containerId === was.id && endedSince(e, was))
    const outcome = changeOf(was, now.get(was.id), ends[0], was === vpn)
    return outcome ? [{ container: was, outcome }] : []
  })
  const newcomers = after.filter(
    (c) => !known.has(c.id) && seen.some((e) => e.containerId === c.id && BEGINS.has(e.action))
  )
  for (const container of newcomers) {
    const summary = `${container.name} (${container.service}) appeared during the checks and was not checked.`
    changes.push({
      container,
      outcome: { verdict: 'failed', summary, evidence: evidenceOf(container), fix: RUN_AGAIN }
    })
  }
  if (changes.length) return changes
  const workers = before.length - 1
  const namespace = facts.vpnNamespace ? `, in namespace ${facts.vpnNamespace}` : ''
  const summary = `the vpn and ${workers} worker${workers === 1 ? '' : 's'} kept their containers, start times and restart counts from the start of the checks to the verdict${namespace}`
  const evidence = { containers: before.map((c) => c.name).join(', '), watched_ms: Date.now() - facts.startedAt }
  return [{ container: vpn, outcome: { verdict: 'passed', summary, evidence } }]
}

const RUN_AGAIN =
  "Run the check again once the project is stable: nothing may restart, stop or remove the project's containers while it runs."

/** What became of one container, or undefined when it is as it was. */
function changeOf(
  was: Container,
  is: Container | undefined,
  end: RecordedEvent | undefined,
  isVpn: boolean
): Outcome | undefined {
  const ended = end ? [`${end.action === 'destroy' ? 'removed' : 'died'} at ${iso(new Date(end.timeMs))}`] : []
  // The vpn is named by its role, with its container in the details; a worker by its container.
  const failed = (change: string, facts: string[], evidence: Outcome['evidence']): Outcome => {
    const details = isVpn ? `${was.name}: ${facts.join('; ')}` : facts.join('; ')
    return {
      verdict: 'failed',
      summary: `${isVpn ? 'the vpn' : was.name} ${change} during the checks${details ? ` (${details})` : ''}.`,
      evidence,
      fix: isVpn
        ? `Find out why ${was.name} ${change} (its log tail is in the diagnostics) and run the check again. A worker that joined its namespace before a restart is left without the tunnel until it is recreated.`
        : RUN_AGAIN
    }
  }
  if (!is) {
    const facts = [...(isVpn ? [`container ${was.id.slice(0, 12)}`] : []), ...ended]
    return failed('was removed', facts, { ...evidenceOf(was), status: 'removed' })
  }
  const evidence = { ...evidenceOf(is), restarts_before: was.restartCount, started_before: iso(was.startedAt) }
  if (iso(is.startedAt) !== iso(was.startedAt) || is.restartCount !== was.restartCount) {
    const count = is.restartCount !== was.restartCount ? `restart count ${was.restartCount} → ${is.restartCount}, ` : ''
    const facts = [`${count}started again at ${iso(is.startedAt)}`, `it had started at ${iso(was.startedAt)}`]
    if (is.status !== 'running') facts.push(`it is ${is.status} now`)
    return failed('restarted', facts, evidence)
  }
  // One that was not running when the checks began has not changed: its
  // namespace check names it with its state.
  if (is.status !== 'running' && was.status === 'running')
    return failed('stopped', [`${is.status}, exit code ${is.exitCode}`, ...ended], evidence)
  return undefined
}

function iso(date: Date | undefined): string {
  return date?.toISOString() ?? 'never'
}

function evidenceOf(container: Container): Outcome['evidence'] {
  return {
    container_id: container.id.slice(0, 12),
    status: container.status,
    restarts: container.restartCount,
    started: iso(container.startedAt)
  }
}

/** The check at the verdict: one inspect of every container watched and of
 * any newcomer of a watched service, judged against the start of the checks. */
export async function confirmStability(
  docker: Docker,
  watch: StabilityWatch,
  vpnService: string,
  vpnNamespace: string | undefined,
  settleMs = SETTLE_MS
): Promise<CheckResult[]> {
  await watch.settle(settleMs)
  watch.stop()
  const before = watch.before
  const newcomers = watch.seen.filter((e) => BEGINS.has(e.action)).map((e) => e.containerId)
  const ids = [...new Set([...before.map((c) => c.id), ...newcomers])]
  const inspected = await docker.inspectOrExplain(ids)
  const facts = { vpnService, vpnNamespace, before, seen: watch.seen, startedAt: watch.startedAt }
  const judged = judgeStability({ ...facts, after: inspected.containers, inspectError: inspected.error })
  return judged.map(({ container, outcome }) =>
    checkResult('stability', container.service, container, outcome, watch.startedAt)
  )
}
