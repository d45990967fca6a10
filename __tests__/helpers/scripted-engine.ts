// A Docker engine from a script, for tests of the engine and the fronts
// without a daemon: the demo stack's containers, namespaces and events as
// the real engine reports them.
import type { CommandResult, CommandRunner, RunOptions } from '../../src/docker/command.js'
import { rawContainer, type RawOptions } from './containers.js'
import { DEV, ROUTE_SUBNET } from './proc.js'

export const PROJECT = 'schema-unit'

export type Answer = Partial<CommandResult> & { lines?: string[] }
/** A fixed answer, answers in turn, or one computed from the command line (for an engine with state). */
export type Rule = [RegExp, Answer | Answer[] | ((line: string) => Answer)]

/** A Docker engine from a script: the first rule whose pattern matches the
 * command line answers it (default: exit 0, no output). A list of answers is
 * given in turn, the last one from then on; a function answers from the
 * command line. `lines` are streamed to onLine, as `docker events` does. */
export class ScriptedEngine implements CommandRunner {
  readonly calls: string[] = []
  private readonly asked = new Map<RegExp, number>()
  constructor(private readonly rules: Rule[]) {}
  async run(argv: string[], options: RunOptions): Promise<CommandResult> {
    const line = argv.join(' ')
    this.calls.push(line)
    const { lines = [], ...answer } = this.answer(line)
    for (const output of lines) options.onLine?.(output, 'stdout')
    return { argv, exitCode: 0, stdout: '', stderr: '', killed: false, durationMs: 1, ...answer }
  }

  private answer(line: string): Answer {
    const rule = this.rules.find(([pattern]) => pattern.test(line))
    if (!rule) return {}
    const [pattern, answers] = rule
    if (typeof answers === 'function') return answers(line)
    if (!Array.isArray(answers)) return answers
    const turn = this.asked.get(pattern) ?? 0
    this.asked.set(pattern, turn + 1)
    return answers[Math.min(turn, answers.length - 1)]!
  }
}

export const NOT_FOUND: Answer = {
  exitCode: 127,
  stdout:
    'OCI runtime exec failed: exec failed: unable to start container process: exec: "x": executable file not found in $PATH'
}
export const LO_ONLY = 'Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n'
export const LO_DEV = DEV.split('\n').slice(0, 3).join('\n')

/** What `docker compose config --format json` says about the demo stack. */
export const DEMO_CONFIG = JSON.stringify({
  name: PROJECT,
  services: Object.fromEntries([
    ...['celery', 'celery_monitoring'].map((name) => [
      name,
      {
        network_mode: 'service:openvpn',
        depends_on: { openvpn: { condition: 'service_healthy', restart: true, required: true } }
      }
    ]),
    [
      'openvpn',
      {
        healthcheck: {
          test: ['CMD', 'grep', '-q', 'tun0', '/proc/net/route'],
          interval: '1s',
          timeout: '2s',
          retries: 30
        }
      }
    ]
  ])
})

function event(action: string, service: string): string {
  return JSON.stringify({
    Type: 'container',
    Action: action,
    Actor: {
      ID: `${service}-id`,
      Attributes: { 'com.docker.compose.project': PROJECT, 'com.docker.compose.service': service }
    },
    timeNano: Date.now() * 1e6
  })
}

export interface EngineState {
  vpn: RawOptions
  workers: RawOptions[]
  /** /proc/self/ns/net and /proc/net/* by container id; `devLater` is
   * /proc/net/dev read right after a probe (read before one, it is `dev`). */
  namespaces: Record<string, { id: string; route: string; dev: string; devLater?: string }>
}

/** The engine's clock when full mode checked that the project was new. */
export const ENGINE_TIME = '2026-11-28T12:00:00.000000000Z'

/** Full mode: the project does not exist until `up` (the first listing is
 * the ownership check), and its containers are created after ENGINE_TIME. */
function fullModeRules(all: RawOptions[], ids: string[]): Rule[] {
  const created = all.map((options, i) => `${ids[i]}\t/${options.name}\t2026-11-28T12:00:01.000000000Z`)
  return [
    [/^docker ps --all --quiet/, [{ stdout: '' }, { stdout: ids.join('\n') }]],
    [/^docker info --format/, { stdout: `${ENGINE_TIME}\n` }],
    [/^docker container inspect --format/, { stdout: `${created.join('\n')}\n` }]
  ]
}

/** The counters read before (even readings) and after (odd ones) each probe. */
function aroundProbes(before: string, after: string): () => Answer {
  let readings = 0
  return () => ({ stdout: readings++ % 2 === 0 ? before : after })
}

export function engine(state: EngineState, { full = false } = {}): ScriptedEngine {
  const all = [state.vpn, ...state.workers].map((options) => ({
    ...options,
    project: PROJECT,
    name: `${PROJECT}-${options.service}-1`
  }))
  const ids = all.map((options) => `${options.service}-id`)
  return new ScriptedEngine([
    ...(full ? fullModeRules(all, ids) : []),
    [/^docker version/, { stdout: '27.3.1\n' }],
    [/^docker compose version --short/, { stdout: '2.29.7\n' }],
    [/^docker compose .* config --format json$/, { stdout: DEMO_CONFIG }],
    [
      /^docker compose .* ps --all$/,
      {
        stdout: `NAME  IMAGE  SERVICE  STATUS\n${PROJECT}-openvpn-1  otc-openvpn:test  openvpn  Up 3 seconds (healthy)\n`
      }
    ],
    [
      /^docker events /,
      {
        lines: [
          event('start', 'openvpn'),
          event('health_status: healthy', 'openvpn'),
          event('exec_start: cat /proc/net/route', 'openvpn')
        ]
      }
    ],
    [/^docker ps --all --quiet/, { stdout: ids.join('\n') }],
    [/^docker container inspect/, { stdout: JSON.stringify(all.map(rawContainer)) }],
    // Each container's log, as `docker logs --timestamps` streams it.
    [
      /^docker logs .* openvpn-id$/,
      {
        lines: [
          '2026-11-28T12:00:06.000000000Z otc-vpn: server 10.8.0.0 255.255.255.0',
          '2026-11-28T12:00:06.1Z Initialization Sequence Completed'
        ]
      }
    ],
    [/^docker logs .* (\S+)-id$/, { lines: ['2026-11-28T12:00:08.5Z worker: ready'] }],
    ...Object.entries(state.namespaces).flatMap(([id, ns]): Rule[] => [
      // readlink /proc/self/ns/net, then cat /proc/net/route … /proc/net/dev, in one sh -c.
      [new RegExp(`^docker exec ${id} sh -c `), { stdout: `${ns.id}\n${ns.route}${ns.dev}\n` }],
      // Read right before and right after each probe.
      [new RegExp(`^docker exec ${id} cat /proc/net/dev$`), aroundProbes(ns.dev, ns.devLater ?? ns.dev)]
    ]),
    // The workers have no probe tool (like the fixture worker image); the vpn container has ping.
    [/^docker exec openvpn-id ping /, { stdout: '64 bytes from 10.8.0.10: icmp_seq=1 ttl=64 time=0.368 ms\n' }],
    [/^docker exec openvpn-id ip route get /, { stdout: '10.8.0.10 dev tun0 src 10.8.0.1 uid 0\n    cache\n' }],
    [/^docker exec \S+ (ping|fping|python3|ip) /, NOT_FOUND]
  ])
}

const probes = [
  { ExitCode: 0, Output: '', End: '2026-11-28T12:00:07.287884693Z' },
  { ExitCode: 0, Output: '', End: '2026-11-28T12:00:08.361291703Z' }
]
export const vpn: RawOptions = {
  service: 'openvpn',
  health: 'healthy',
  probes,
  startedAt: '2026-11-28T12:00:05Z',
  restartPolicy: 'on-failure'
}
export const worker = (service: string): RawOptions => ({
  service,
  networkMode: 'container:openvpn-id',
  startedAt: '2026-11-28T12:00:08Z',
  restartPolicy: 'always'
})
// The probe's echo request went out through tun0: its transmit counter moved.
const DEV_SENT = DEV.replace(/1344 {6}17/, '1428      18')
export const tunnelNamespace = { id: 'net:[4026532335]', route: ROUTE_SUBNET, dev: DEV, devLater: DEV_SENT }
export const verifyInputs = {
  mode: 'verify',
  'working-directory': 'fixtures/stacks/demo',
  'project-name': PROJECT,
  'probe-targets': '10.8.0.10',
  'route-timeout': '1'
}

/** The demo stack, healthy, with the tunnel in one shared namespace. */
export function healthyDemo(options: { full?: boolean } = {}): ScriptedEngine {
  return engine(
    {
      vpn,
      workers: [worker('celery'), worker('celery_monitoring')],
      namespaces: {
        'openvpn-id': tunnelNamespace,
        'celery-id': tunnelNamespace,
        'celery_monitoring-id': tunnelNamespace
      }
    },
    options
  )
}
