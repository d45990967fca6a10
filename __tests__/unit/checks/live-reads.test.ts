// How a namespace is read (one exec where the image has a shell), and who
// probes the devices, and when: the vpn container as soon as its routes
// are read (while Compose still starts the workers), with its answer shared
// by every worker proven to be in its namespace; a worker only when the vpn
// container has no probe tool, or when the worker has a namespace of its own.
import { describe, expect, it } from '@jest/globals'
import { readNamespace } from '../../../src/checks/namespace.js'
import { RETRY_MS } from '../../../src/checks/outcome.js'
import { formatRoute } from '../../../src/checks/routes.js'
import { checkVpnTunnel } from '../../../src/checks/tunnel.js'
import { checkTunnelServices } from '../../../src/checks/tunnel-workers.js'
import { Docker } from '../../../src/docker/client.js'
import { container, type RawOptions } from '../../helpers/containers.js'
import { DEV, ROUTE_SUBNET } from '../../helpers/proc.js'
import { NOT_FOUND, ScriptedEngine, type Answer, type Rule } from '../../helpers/scripted-engine.js'

const settings = { vpnService: 'openvpn', managementSubnets: [], probeTargets: ['10.8.0.10'], routeTimeoutSec: 1 }
const PING = { stdout: '64 bytes from 10.8.0.10: icmp_seq=1 ttl=64 time=0.368 ms\n' }
const PYTHON = { stdout: 'rtt_ms=0.512\n' }
const ROUTE_GET = { stdout: '10.8.0.10 dev tun0 src 10.8.0.1 uid 0\n    cache\n' }

const vpn = container({ service: 'openvpn', health: 'healthy' })
const worker = (service: string, options: RawOptions = {}) =>
  container({ service, networkMode: 'container:openvpn-id', ...options })

/** Each container's namespace (by id), and what each probe tool (and `ip`)
 * does there. Every probe a tool runs sends one echo request through tun0. */
function engineWith(namespaces: Record<string, string>, tools: Record<string, Answer>): ScriptedEngine {
  let sent = 0
  const dev = (): string => DEV.replace(/1344 {6}17/, `1344      ${17 + sent}`)
  return new ScriptedEngine([
    ...Object.entries(namespaces).flatMap(([id, ns]): Rule[] => [
      [new RegExp(`^docker exec ${id} sh -c `), () => ({ stdout: `${ns}\n${ROUTE_SUBNET}${dev()}\n` })],
      [new RegExp(`^docker exec ${id} cat /proc/net/dev$`), () => ({ stdout: dev() })]
    ]),
    ...Object.entries(tools).map(([pattern, answer]): Rule => [
      new RegExp(`^docker exec ${pattern}`),
      (line) => {
        if (/ (ping|fping|python3) /.test(line)) sent++
        return answer
      }
    ]),
    [/^docker exec \S+ (ping|fping|python3|ip) /, NOT_FOUND]
  ])
}

const probesOf = (runner: ScriptedEngine, id: string) =>
  runner.calls.filter((call) => new RegExp(`^docker exec ${id} (ping|fping|python3) `).test(call))

describe('device probes', () => {
  it('warm up from the vpn container before any worker is read; one probe from it, after every worker was read, answers for all in its namespace', async () => {
    const runner = engineWith(
      { 'openvpn-id': 'net:[100]', 'celery-id': 'net:[100]', 'beat-id': 'net:[100]' },
      { 'openvpn-id ping ': PING, 'openvpn-id ip route get ': ROUTE_GET }
    )
    const docker = new Docker(runner, ['docker', 'compose'])
    const vpnTunnel = await checkVpnTunnel(docker, vpn, settings)
    // The warm-up is under way (the kernel's route is asked first), and no worker was read yet.
    expect(runner.calls).toContain('docker exec openvpn-id ip route get 10.8.0.10')
    expect(runner.calls.some((call) => call.includes('celery-id'))).toBe(false)
    const workers = new Map([
      ['celery', [worker('celery')]],
      ['beat', [worker('beat')]]
    ])
    const report = await checkTunnelServices(docker, vpnTunnel, workers, settings)
    const reach = report.checks.filter((check) => check.check === 'reach')
    expect(reach.map((check) => [check.service, check.verdict, check.evidence.probed_from])).toEqual([
      ['celery', 'passed', 'demo-openvpn-1'],
      ['beat', 'passed', 'demo-openvpn-1']
    ])
    expect(reach[0].evidence.tun0_tx_packets_sent).toBe(1)
    // No worker probed: one confirming probe of the vpn container served both,
    // with the tool its warm-up found (the three tried at once, then ping alone).
    expect(runner.calls.filter((call) => /^docker exec (celery|beat)-id (ping|fping|python3) /.test(call))).toEqual([])
    const probes = probesOf(runner, 'openvpn-id')
    expect(probes).toHaveLength(4)
    expect(probes[3]).toMatch(/ ping /)
    const lastRead = runner.calls.map((call) => /^docker exec (celery|beat)-id sh -c /.test(call)).lastIndexOf(true)
    expect(runner.calls.lastIndexOf(probes[3])).toBeGreaterThan(lastRead)
  })

  it('come from one worker of the namespace when the vpn container has no probe tool', async () => {
    const runner = engineWith(
      { 'openvpn-id': 'net:[100]', 'celery-id': 'net:[100]', 'beat-id': 'net:[100]' },
      { '(celery|beat)-id python3 ': PYTHON }
    )
    const docker = new Docker(runner, ['docker', 'compose'])
    const vpnTunnel = await checkVpnTunnel(docker, vpn, settings)
    const workers = new Map([
      ['celery', [worker('celery')]],
      ['beat', [worker('beat')]]
    ])
    const report = await checkTunnelServices(docker, vpnTunnel, workers, settings)
    const reach = report.checks.filter((check) => check.check === 'reach')
    expect(reach.map((check) => [check.verdict, check.evidence.tool])).toEqual([
      ['passed', 'python3'],
      ['passed', 'python3']
    ])
    // One worker probed for the namespace; the other shares its answer.
    const fromWorkers = runner.calls.filter((call) => /^docker exec (celery|beat)-id python3 /.test(call))
    expect(fromWorkers).toHaveLength(1)
    expect(reach[0].evidence.probed_from).toBe(reach[1].evidence.probed_from)
  })

  it('come from the worker itself when it has a namespace of its own', async () => {
    const runner = engineWith(
      { 'openvpn-id': 'net:[100]', 'celery-id': 'net:[7]' },
      { 'openvpn-id ping ': PING, 'openvpn-id ip route get ': ROUTE_GET, 'celery-id python3 ': PYTHON }
    )
    const docker = new Docker(runner, ['docker', 'compose'])
    const vpnTunnel = await checkVpnTunnel(docker, vpn, settings)
    const workers = new Map([['celery', [worker('celery', { networkMode: 'demo_default' })]]])
    const report = await checkTunnelServices(docker, vpnTunnel, workers, settings)
    const reach = report.checks.find((check) => check.check === 'reach')
    expect(reach?.evidence).toMatchObject({ probed_from: 'demo-celery-1', tool: 'python3' })
  })
})

describe('readNamespace', () => {
  const celery = worker('celery')
  /** The one-exec read as it runs, shown as a shell line. */
  const SCRIPT = `sh -c 'readlink /proc/self/ns/net; exec cat "$@"' sh /proc/net/route /proc/net/ipv6_route /proc/net/if_inet6 /proc/net/fib_trie /proc/net/dev`

  it('reads the namespace link and the tables in one exec', async () => {
    const runner = engineWith({ 'celery-id': 'net:[100]' }, {})
    const snapshot = await readNamespace(new Docker(runner, ['docker', 'compose']), celery)
    expect(runner.calls).toHaveLength(1)
    expect(runner.calls[0]).toMatch(/^docker exec celery-id sh -c /)
    expect(snapshot).toMatchObject({ id: 'net:[100]', error: undefined })
    expect(snapshot.routes.map(formatRoute)).toContain('10.8.0.0/24 dev tun0')
    expect(snapshot.counters.get('tun0')?.txPackets).toBe(17)
  })

  it('reads them with two execs in an image without a shell', async () => {
    const runner = new ScriptedEngine([
      [/^docker exec celery-id sh /, { exitCode: 127, stdout: 'exec: "sh": executable file not found in $PATH' }],
      [/^docker exec celery-id readlink /, { stdout: 'net:[100]\n' }],
      [/^docker exec celery-id cat /, { stdout: `${ROUTE_SUBNET}${DEV}\n` }]
    ])
    const snapshot = await readNamespace(new Docker(runner, ['docker', 'compose']), celery)
    expect(runner.calls.slice(1).map((call) => call.split(' ')[3])).toEqual(['readlink', 'cat'])
    expect(snapshot).toMatchObject({ id: 'net:[100]', error: undefined })
    expect(snapshot.routes.map(formatRoute)).toContain('10.8.0.0/24 dev tun0')
  })

  it('says which read failed, and why, when the container is gone', async () => {
    const runner = new ScriptedEngine([
      [/^docker exec /, { exitCode: 1, stderr: 'Error response from daemon: Container celery-id is not running' }]
    ])
    const snapshot = await readNamespace(new Docker(runner, ['docker', 'compose']), celery)
    expect(snapshot.id).toBeUndefined()
    expect(snapshot.error).toBe(
      `\`docker exec demo-celery-1 ${SCRIPT}\` exited 1, and its output could not be read as a namespace link and routes (neither): Error response from daemon: Container celery-id is not running`
    )
  })

  it('takes a namespace whose link cannot be read for unknown, with the tables it could read', async () => {
    const runner = engineWith(
      {},
      { 'celery-id sh -c ': { stdout: `${ROUTE_SUBNET}${DEV}\n`, stderr: 'readlink: Permission denied' } }
    )
    const snapshot = await readNamespace(new Docker(runner, ['docker', 'compose']), celery)
    expect(snapshot.id).toBeUndefined()
    expect(snapshot.error).toBe(
      `\`docker exec demo-celery-1 ${SCRIPT}\` exited 0, and its output could not be read as a namespace link and routes (no namespace link first): readlink: Permission denied`
    )
    expect(snapshot.routes.map(formatRoute)).toContain('10.8.0.0/24 dev tun0')
  })
})

describe('a container whose sh prints more than the script does', () => {
  it('is named with the sh -c command that ran, its real exit code and what it printed, cut', async () => {
    // A wrapper `sh` that greets first (or prints a password: the report redacts it later, as any output).
    const banner = `Welcome\n${'x'.repeat(400)}\n`
    const runner = new ScriptedEngine([
      [/^docker exec celery-id sh -c /, { exitCode: 0, stdout: `${banner}net:[100]\n${ROUTE_SUBNET}${DEV}\n` }]
    ])
    const snapshot = await readNamespace(new Docker(runner, ['docker', 'compose']), worker('celery'))
    expect(snapshot.id).toBeUndefined()
    const error = snapshot.error!
    expect(error).toMatch(
      /^`docker exec demo-celery-1 sh -c 'readlink \/proc\/self\/ns\/net; exec cat "\$@"' sh \/proc\/net\/route .*\/proc\/net\/dev` exited 0, and its output could not be read as a namespace link and routes \(no namespace link first\): Welcome\nx+… \(\d+ more characters\)$/s
    )
    expect(error).not.toContain('readlink /proc/self/ns/net` failed')
    expect(error.length).toBeLessThan(600)
    // One exec: the read is not made again with readlink and cat.
    expect(runner.calls).toHaveLength(1)
  })

  it('says so when the link came first but no route table followed', async () => {
    const runner = new ScriptedEngine([
      [/^docker exec celery-id sh -c /, { exitCode: 3, stdout: 'net:[100]\nsecret-value\n' }]
    ])
    const snapshot = await readNamespace(new Docker(runner, ['docker', 'compose']), worker('celery'))
    expect(snapshot.id).toBe('net:[100]')
    expect(snapshot.error).toMatch(
      /` exited 3, and its output could not be read as a namespace link and routes \(no route table after the link\): net:\[100\]\nsecret-value$/
    )
  })
})

describe('the vpn container probe no worker takes', () => {
  it('stops asking again once the checks are done, when every worker has a namespace of its own', async () => {
    const silent = { exitCode: 1, stdout: '1 packets transmitted, 0 received, 100% packet loss' }
    const runner = engineWith(
      { 'openvpn-id': 'net:[100]', 'celery-id': 'net:[7]' },
      { 'openvpn-id ping ': silent, 'openvpn-id ip route get ': ROUTE_GET, 'celery-id python3 ': PYTHON }
    )
    const docker = new Docker(runner, ['docker', 'compose'])
    // A grace long enough that only the end of the checks can stop the vpn's retries.
    const vpnTunnel = await checkVpnTunnel(docker, vpn, { ...settings, routeTimeoutSec: 60 })
    const workers = new Map([['celery', [worker('celery', { networkMode: 'demo_default' })]]])
    await checkTunnelServices(docker, vpnTunnel, workers, { ...settings, routeTimeoutSec: 60 })
    await vpnTunnel.warmUp.get('10.8.0.10')
    const asked = probesOf(runner, 'openvpn-id').length
    await new Promise((resolve) => setTimeout(resolve, 4 * RETRY_MS))
    expect(probesOf(runner, 'openvpn-id')).toHaveLength(asked)
  })
})
