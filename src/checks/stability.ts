// A verdict speaks of the containers the checks looked at, so it holds only if
// they are still those containers when it is given. From the moment the vpn
// is found healthy (and each worker is listed) to the verdict, the project's
// event stream tells at once when one of them ends or is paused, so that no
// check keeps retrying against a container that is gone or frozen; an inspect
// at the end confirms that each kept its id, start time and restart count and
// still runs unpaused. One found stopped is waited for a moment and inspected
// again: it may be between a `docker restart`'s two processes.
//
// A container whose process did not change keeps its network namespace: the
// namespace ids the checks compared were then read from containers alive at
// the same moment. Ids read at different moments prove nothing, as the kernel
// reuses a dead namespace's inode number.
import type { Docker } from '../docker/client.js'
import type { RecordedEvent } from '../docker/events.js'
import type { Container } from '../docker/inspect.js'
import type { CheckResult } from '../findings.js'
import { checkResult, type Outcome } from './outcome.js'
import { endedSince, pausedSince, SETTLE_MS, type StabilityWatch } from './stability-watch.js'

/** Events of a container that may be one the checks never saw. */
const BEGINS = new Set(['create', 'start'])
/** States in which a container's process has not ended. */
const STILL = new Set(['running', 'paused'])

export interface StabilityFacts {
  vpnService: string
  /** The vpn's namespace, named in the verdict it held for. */
  vpnNamespace?: string
  before: Container[]
  /** The last inspect of the watched containers and the newcomers at the
   * verdict; undefined when the engine did not answer it. */
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
 * count, and is it still running, never paused meanwhile, with no new
 * container of a watched service beside it? One failed row per change, or one
 * passed row for the vpn. */
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
    const outcome = changeOf(was, now.get(was.id), happenings(was, seen, facts.startedAt), was === vpn, facts.startedAt)
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
  // No worker when none came back after a resilience event: the vpn alone was checked.
  const who =
    workers === 0
      ? 'the vpn kept its container, start time and restart count'
      : `the vpn and ${workers} worker${workers === 1 ? '' : 's'} kept their containers, start times and restart counts`
  const summary = `${who} from the start of the checks to the verdict${namespace}`
  const evidence = { containers: before.map((c) => c.name).join(', '), watched_ms: Date.now() - facts.startedAt }
  return [{ container: vpn, outcome: { verdict: 'passed', summary, evidence } }]
}

const RUN_AGAIN =
  "Run the check again once the project is stable: nothing may restart, stop, pause or remove the project's containers while it runs."

/** What the stream told of one container since the checks began. */
interface Happenings {
  end?: RecordedEvent
  pause?: RecordedEvent
  unpause?: RecordedEvent
}

function happenings(was: Container, seen: RecordedEvent[], checksStartedMs: number): Happenings {
  const own = seen.filter((e) => e.containerId === was.id)
  const pause = own.find((e) => pausedSince(e, checksStartedMs))
  return {
    end: own.find((e) => endedSince(e, was)),
    pause,
    unpause: pause && own.find((e) => e.action === 'unpause' && e.receivedMs >= pause.receivedMs)
  }
}

/** What became of one container, or undefined when it is as it was. */
function changeOf(
  was: Container,
  is: Container | undefined,
  seen: Happenings,
  isVpn: boolean,
  startedMs: number
): Outcome | undefined {
  const { end, pause, unpause } = seen
  const ended = end ? [`${end.action === 'destroy' ? 'removed' : 'died'} at ${iso(new Date(end.timeMs))}`] : []
  // The vpn is named by its role, with its container in the details; a worker by its container.
  const failed = (change: string, facts: string[], evidence: Outcome['evidence'], fix?: string): Outcome => {
    const details = isVpn ? `${was.name}: ${facts.join('; ')}` : facts.join('; ')
    return {
      verdict: 'failed',
      summary: `${isVpn ? 'the vpn' : was.name} ${change} during the checks${details ? ` (${details})` : ''}.`,
      evidence,
      fix:
        fix ??
        (isVpn
          ? `Find out why ${was.name} ${change} (its log tail is in the diagnostics) and run the check again. A worker that joined its namespace before a restart is left without the tunnel until it is recreated.`
          : RUN_AGAIN)
    }
  }
  if (!is) {
    const facts = [...(isVpn ? [`container ${was.id.slice(0, 12)}`] : []), ...ended]
    return failed('was removed', facts, { ...evidenceOf(was), status: 'removed' })
  }
  const evidence = { ...evidenceOf(is), restarts_before: was.restartCount, started_before: iso(was.startedAt) }
  const startedAgain = iso(is.startedAt) !== iso(was.startedAt)
  if (startedAgain || is.restartCount !== was.restartCount) {
    const count = is.restartCount !== was.restartCount ? `restart count ${was.restartCount} → ${is.restartCount}, ` : ''
    // Under a restart policy the count rises when the process dies, and the
    // next start waits out a back-off.
    const start = startedAgain ? `started again at ${iso(is.startedAt)}` : 'not started again yet'
    const facts = [`${count}${start}`, `it had started at ${iso(was.startedAt)}`]
    if (is.status !== 'running') facts.push(`it is ${is.status} now`)
    return failed('restarted', facts, evidence)
  }
  // One that was not running when the checks began has not changed: its
  // namespace check names it with its state.
  if (was.status !== 'running') return undefined
  const at = (event: RecordedEvent | undefined, what: string): string[] =>
    event ? [`${what} at ${iso(new Date(event.timeMs))}`] : []
  if (!STILL.has(is.status))
    return failed(
      'stopped',
      [`${is.status}, exit code ${is.exitCode}`, ...ended, ...at(pause, 'paused first')],
      evidence
    )
  if (pause || is.status === 'paused') {
    const now = is.status === 'paused' ? ['it is paused now'] : at(unpause, 'unpaused')
    const since = iso(new Date(pause?.timeMs ?? startedMs))
    const fix = `Find out what paused ${was.name} (\`docker events --since ${since} --until ${iso(new Date())} --filter container=${was.name}\`) and run the check again: a paused container's processes are frozen, so nothing in its namespace answered meanwhile.`
    return failed('was paused', [...at(pause, 'paused'), ...now], evidence, fix)
  }
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

/** Pure: the containers running when the checks saw them that an inspect
 * finds neither running nor paused, under the same start: a restart or a
 * removal may be under way. */
export function inTransit(before: Container[], after: Container[] | undefined): string[] {
  const now = new Map((after ?? []).map((c) => [c.id, c]))
  return before
    .filter((was) => {
      const is = now.get(was.id)
      return was.status === 'running' && is && !STILL.has(is.status) && iso(is.startedAt) === iso(was.startedAt)
    })
    .map((c) => c.id)
}

/** One inspect of every container watched and of any newcomer of a watched service. */
function inspectWatched(docker: Docker, watch: StabilityWatch): ReturnType<Docker['inspectOrExplain']> {
  const newcomers = watch.seen.filter((e) => BEGINS.has(e.action)).map((e) => e.containerId)
  return docker.inspectOrExplain([...new Set([...watch.before.map((c) => c.id), ...newcomers])])
}

/** The check at the verdict: an inspect of every container watched and of any
 * newcomer of a watched service (twice if one was caught stopped), judged
 * against the start of the checks. */
export async function confirmStability(
  docker: Docker,
  watch: StabilityWatch,
  vpnService: string,
  vpnNamespace: string | undefined,
  settleMs = SETTLE_MS
): Promise<CheckResult[]> {
  const before = watch.before
  let inspected: Awaited<ReturnType<typeof inspectWatched>>
  try {
    inspected = await inspectWatched(docker, watch)
    // Found between a process's death and the next one's start (or removal):
    // judged now, a restart would be told as a stop.
    const caught = inTransit(before, inspected.containers)
    if (caught.length) {
      await watch.settle(caught, settleMs)
      inspected = await inspectWatched(docker, watch)
    }
  } finally {
    watch.stop()
  }
  const facts = { vpnService, vpnNamespace, before, seen: watch.seen, startedAt: watch.startedAt }
  const judged = judgeStability({ ...facts, after: inspected.containers, inspectError: inspected.error })
  return judged.map(({ container, outcome }) =>
    checkResult('stability', container.service, container, outcome, watch.startedAt)
  )
}
