// Asks a device address for an answer from inside a container, with the first
// tool the container has. OpenWISP's celery image has no ping but fping and
// python3; images with none of them are probed from the vpn container when
// the namespace check proved that both share one namespace (tunnel.ts).
import type { CommandResult } from '../docker/command.js'
import { firstLine, programMissing, type Docker } from '../docker/client.js'
import type { Container } from '../docker/inspect.js'
import { ECHO_REQUESTS, parseRouteGet, PROBE_WAIT_SEC, type KernelRoute, type ProbeAnswer } from './reach-judge.js'
import { parseInterfaceCounters, type InterfaceCounters } from './routes.js'

/** An ICMP echo over an unprivileged datagram socket: Docker sets
 * net.ipv4.ping_group_range for every group, so a non-root user may send it.
 * Bound to the interface given after the target (SO_BINDTODEVICE, 25; a
 * non-root user may bind an unbound socket since Linux 5.7). */
const PYTHON_ICMP = [
  'import socket,sys,time',
  's=socket.socket(socket.AF_INET,socket.SOCK_DGRAM,socket.IPPROTO_ICMP)',
  'if len(sys.argv)>2: s.setsockopt(socket.SOL_SOCKET,25,sys.argv[2].encode())',
  `s.settimeout(${PROBE_WAIT_SEC})`,
  't=time.monotonic()',
  "s.sendto(bytes([8,0,0,0,0,0,0,1])+b'openwisp-tunnel-check',(sys.argv[1],0))",
  'while s.recvfrom(2048)[0][0]!=0: pass',
  "print('rtt_ms=%.3f'%((time.monotonic()-t)*1000))"
].join('\n')

interface ProbeTool {
  name: string
  /** With `iface`, the probe is bound to that interface: it leaves by it
   * and takes an answer only from it, whatever the routes say. */
  argv(target: string, iface?: string): string[]
  /** Extracts the round trip in milliseconds from the tool's output. */
  roundTrip: RegExp
}

const PROBE_TOOLS: ProbeTool[] = [
  {
    name: 'ping',
    argv: (target, iface) => [
      'ping',
      '-c',
      String(ECHO_REQUESTS),
      '-W',
      String(PROBE_WAIT_SEC),
      ...bound(iface),
      target
    ],
    roundTrip: /time[=<]\s*([\d.]+)\s*ms/
  },
  {
    name: 'fping',
    argv: (target, iface) => [
      'fping',
      '-c',
      String(ECHO_REQUESTS),
      '-t',
      String(PROBE_WAIT_SEC * 1000),
      ...bound(iface),
      target
    ],
    roundTrip: /([\d.]+) ms/
  },
  {
    name: 'python3',
    argv: (target, iface) => ['python3', '-c', PYTHON_ICMP, target, ...(iface ? [iface] : [])],
    roundTrip: /rtt_ms=([\d.]+)/
  }
]

/** ping's and fping's option that binds the probe to an interface. */
function bound(iface: string | undefined): string[] {
  return iface ? ['-I', iface] : []
}

const MARK = '@otc-probe@'
/** The tunnel's counters, the probe, the counters again, in one exec: a fixed
 * script that no input reaches; the tool's argument vector (the target
 * included) is its positional parameters. The tool's exit code follows the
 * second mark, on a line of its own whatever the tool printed last. */
const AROUND_PROBE = `cat /proc/net/dev; echo ${MARK}; "$@" 2>&1; printf '\\n${MARK} %s\\n' "$?"; exec cat /proc/net/dev`

const EXIT_LINE = new RegExp(`^${MARK} \\d+$`)

/** Pure: the parts of the script's output, or undefined when it is not the
 * script's (a shell that printed something else). */
export function splitAroundProbe(
  stdout: string
): { before: string; output: string; exitCode: number; after: string } | undefined {
  const lines = stdout.split('\n')
  const first = lines.indexOf(MARK)
  // The last exit line is the script's own: the tool's output, which comes
  // before it, may hold a line that looks like one.
  let second = -1
  for (let i = lines.length - 1; i > first && second < 0; i--) if (EXIT_LINE.test(lines[i]!)) second = i
  if (first < 0 || second < 0) return undefined
  return {
    before: lines.slice(0, first).join('\n'),
    output: lines.slice(first + 1, second).join('\n'),
    exitCode: Number(lines[second].slice(MARK.length + 1)),
    after: lines.slice(second + 1).join('\n')
  }
}

/** A probe with the counters read right before and right after it. */
interface ProbeAround {
  answer: ProbeAnswer
  before: Map<string, InterfaceCounters>
  after: Map<string, InterfaceCounters>
}

/** What `docker exec` says when the container is not there to run anything. */
const CONTAINER_GONE = /No such container|is not running|is restarting|is paused/i

function containerGone(result: CommandResult): string | undefined {
  return result.exitCode !== 0 && CONTAINER_GONE.test(result.stderr) ? firstLine(result.stderr) : undefined
}

export class Prober {
  /** The tool that worked in each container, so each is found only once. */
  private readonly toolOf = new Map<string, ProbeTool | null>()
  /** Containers without `ip`: their policy routing cannot be asked about. */
  private readonly noIp = new Set<string>()
  /** Containers whose `sh` is missing or does not run the script as written. */
  private readonly noShell = new Set<string>()
  /** The last probe queued in each namespace: probes of one namespace run one
   * after another, so the tunnel counters read around one are its own. */
  private readonly lanes = new Map<string, Promise<unknown>>()

  constructor(private readonly docker: Docker) {}

  /** Runs `work` once the namespace's earlier probes are done. */
  exclusive<T>(namespace: string, work: () => Promise<T>): Promise<T> {
    const previous = this.lanes.get(namespace) ?? Promise.resolve()
    const next = previous.then(work, work)
    this.lanes.set(
      namespace,
      next.catch(() => undefined)
    )
    return next
  }

  /** Asks the kernel which route it uses for the target (`ip route get`
   * honours `ip rule`, which /proc/net/route does not show); undefined when
   * the container has no `ip`. */
  async kernelRoute(container: Container, target: string): Promise<KernelRoute | undefined> {
    if (this.noIp.has(container.id)) return undefined
    const result = await this.docker.exec(container.id, ['ip', 'route', 'get', target])
    if (programMissing(result)) {
      this.noIp.add(container.id)
      return undefined
    }
    const text = firstLine(result.exitCode === 0 ? result.stdout : result.stderr || result.stdout).trim()
    return { device: result.exitCode === 0 ? parseRouteGet(result.stdout) : undefined, text }
  }

  /** Probes from the first container of the list that has a tool, bound to
   * `iface` when given. */
  async probe(candidates: Container[], target: string, iface?: string): Promise<ProbeAnswer | undefined> {
    for (const container of candidates) {
      const answer = await this.probeFrom(container, target, iface)
      if (answer) return answer
    }
    return undefined
  }

  private async probeFrom(container: Container, target: string, iface?: string): Promise<ProbeAnswer | undefined> {
    const known = this.toolOf.get(container.id)
    if (known === null) return undefined
    // The first time, every tool is tried at once (a miss costs a whole exec);
    // the preferred one of those present answers.
    const tools = known ? [known] : PROBE_TOOLS
    const results = await Promise.all(
      tools.map((tool) => this.docker.exec(container.id, tool.argv(target, iface), (PROBE_WAIT_SEC + 5) * 1000))
    )
    const gone = containerGone(results[0])
    if (gone) return goneAnswer(container, gone)
    const found = results.findIndex((result) => !programMissing(result))
    this.toolOf.set(container.id, found < 0 ? null : tools[found])
    if (found < 0) return undefined
    const output = `${results[found].stdout}\n${results[found].stderr}`.trim()
    return answerOf(container, tools[found], results[found].exitCode, output, iface)
  }

  /** Counters, probe and counters in one exec, from the first candidate with
   * a probe tool, when that tool is known (found by an earlier probe) and the
   * container has a shell; undefined otherwise: then the caller takes one
   * exec for each. */
  async probeAround(candidates: Container[], target: string, iface?: string): Promise<ProbeAround | undefined> {
    const container = candidates.find((candidate) => this.toolOf.get(candidate.id) !== null)
    const tool = container && this.toolOf.get(container.id)
    if (!container || !tool || this.noShell.has(container.id)) return undefined
    const argv = ['sh', '-c', AROUND_PROBE, 'sh', ...tool.argv(target, iface)]
    const result = await this.docker.exec(container.id, argv, (PROBE_WAIT_SEC + 5) * 1000)
    const gone = containerGone(result)
    if (gone) return { answer: goneAnswer(container, gone), before: new Map(), after: new Map() }
    const parts = splitAroundProbe(result.stdout)
    if (!parts) {
      this.noShell.add(container.id)
      return undefined
    }
    return {
      answer: answerOf(container, tool, parts.exitCode, parts.output.trim(), iface),
      before: parseInterfaceCounters(parts.before),
      after: parseInterfaceCounters(parts.after)
    }
  }
}

function goneAnswer(container: Container, gone: string): ProbeAnswer {
  return { from: container.name, tool: '', answered: false, output: '', gone }
}

function answerOf(
  container: Container,
  tool: ProbeTool,
  exitCode: number,
  output: string,
  boundTo: string | undefined
): ProbeAnswer {
  const roundTrip = tool.roundTrip.exec(output)
  return {
    from: container.name,
    tool: tool.name,
    boundTo,
    answered: exitCode === 0,
    roundTripMs: roundTrip ? Number(roundTrip[1]) : undefined,
    output
  }
}
