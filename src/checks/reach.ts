// Asks a device address for an answer from inside a namespace, with the first
// tool the container has. OpenWISP's celery image has no ping but fping and
// python3; images with none of them are probed from the vpn container when
// the namespace check proved that both share one namespace.
import type { CommandResult } from '../docker/command.js'
import type { Docker } from '../docker/client.js'
import type { Container } from '../docker/inspect.js'

/** Seconds a device has to answer one probe. */
export const PROBE_WAIT_SEC = 2

/** An ICMP echo over an unprivileged datagram socket: Docker sets
 * net.ipv4.ping_group_range for every group, so a non-root user may send it. */
const PYTHON_ICMP = [
  'import socket,sys,time',
  's=socket.socket(socket.AF_INET,socket.SOCK_DGRAM,socket.IPPROTO_ICMP)',
  `s.settimeout(${PROBE_WAIT_SEC})`,
  't=time.monotonic()',
  "s.sendto(bytes([8,0,0,0,0,0,0,1])+b'openwisp-tunnel-check',(sys.argv[1],0))",
  'while s.recvfrom(2048)[0][0]!=0: pass',
  "print('rtt_ms=%.3f'%((time.monotonic()-t)*1000))"
].join('\n')

interface ProbeTool {
  name: string
  argv(target: string): string[]
  /** Extracts the round trip in milliseconds from the tool's output. */
  roundTrip: RegExp
}

const PROBE_TOOLS: ProbeTool[] = [
  {
    name: 'ping',
    argv: (target) => ['ping', '-c', '1', '-W', String(PROBE_WAIT_SEC), target],
    roundTrip: /time[=<]\s*([\d.]+)\s*ms/
  },
  {
    name: 'fping',
    argv: (target) => ['fping', '-c', '1', '-t', String(PROBE_WAIT_SEC * 1000), target],
    roundTrip: /([\d.]+) ms/
  },
  { name: 'python3', argv: (target) => ['python3', '-c', PYTHON_ICMP, target], roundTrip: /rtt_ms=([\d.]+)/ }
]

export interface ProbeAnswer {
  /** Which container and tool ran the probe. */
  from: string
  tool: string
  answered: boolean
  roundTripMs?: number
  output: string
}

/** docker exec says so when the program is not in the image (on stdout, as
 * the engine's error travels in the exec stream). */
function toolMissing(result: CommandResult): boolean {
  return (
    (result.exitCode === 126 || result.exitCode === 127) &&
    /executable file not found|no such file or directory/i.test(result.stdout + result.stderr)
  )
}

export class Prober {
  /** The tool that worked in each container, so each is found only once. */
  private readonly toolOf = new Map<string, ProbeTool | null>()

  constructor(private readonly docker: Docker) {}

  /** Probes from the first container of the list that has a tool. */
  async probe(candidates: Container[], target: string): Promise<ProbeAnswer | undefined> {
    for (const container of candidates) {
      const answer = await this.probeFrom(container, target)
      if (answer) return answer
    }
    return undefined
  }

  private async probeFrom(container: Container, target: string): Promise<ProbeAnswer | undefined> {
    const known = this.toolOf.get(container.id)
    if (known === null) return undefined
    // The first time, every tool is tried at once (a miss costs a whole exec);
    // the preferred one of those present answers.
    const tools = known ? [known] : PROBE_TOOLS
    const results = await Promise.all(
      tools.map((tool) => this.docker.exec(container.id, tool.argv(target), (PROBE_WAIT_SEC + 5) * 1000))
    )
    const found = results.findIndex((result) => !toolMissing(result))
    this.toolOf.set(container.id, found < 0 ? null : tools[found])
    if (found < 0) return undefined
    const tool = tools[found]
    const output = `${results[found].stdout}\n${results[found].stderr}`.trim()
    const roundTrip = tool.roundTrip.exec(output)
    return {
      from: container.name,
      tool: tool.name,
      answered: results[found].exitCode === 0,
      roundTripMs: roundTrip ? Number(roundTrip[1]) : undefined,
      output
    }
  }
}
