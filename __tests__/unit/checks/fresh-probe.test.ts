// A verdict is true for the containers as they are when it is given: the vpn
// container's warm-up probe runs while Compose still starts the workers, but
// a worker's reach rests only on a probe started after that worker's
// namespace and routes were read; and the workers' grace period counts from
// when they are checked, not from when the vpn turned healthy.
import { describe, expect, it } from '@jest/globals'
import { checkVpnTunnel } from '../../../src/checks/tunnel.js'
import { checkTunnelServices } from '../../../src/checks/tunnel-workers.js'
import { Docker } from '../../../src/docker/client.js'
import { container } from '../../helpers/containers.js'
import { DEV, ROUTE_SUBNET } from '../../helpers/proc.js'
import { LO_ONLY, NOT_FOUND, ScriptedEngine } from '../../helpers/scripted-engine.js'

const TARGET = '10.8.0.10'
const settings = { vpnService: 'openvpn', managementSubnets: [], probeTargets: [TARGET], routeTimeoutSec: 1 }
const vpn = container({ service: 'openvpn', health: 'healthy' })
const workers = new Map(
  ['celery', 'celery_monitoring'].map((service) => [
    service,
    [container({ service, networkMode: 'container:openvpn-id' })]
  ])
)
/** A ping of the vpn container, alone or in the one-exec script (as its positional parameters). */
const PING = /^docker exec openvpn-id (sh -c .* sh )?ping -c 1 -W 2 -I tun0 10\.8\.0\.10$/s
const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** The demo stack's namespace, shared by all three containers; only the vpn
 * container has ping (and `ip`). Each ping sends one echo request through
 * tun0 and, while the device is up, answers with its own number as its round
 * trip, so a verdict's evidence names the ping it rests on. */
class Stack {
  deviceUp = true
  /** How many reads of a worker's namespace still find no tun0 route. */
  routelessReads = 0
  pings = 0
  readonly runner = new ScriptedEngine([
    // Counters, probe, counters in one exec of the vpn container's shell, once the warm-up found ping.
    [/^docker exec openvpn-id sh -c cat \/proc\/net\/dev; /, () => this.aroundPing()],
    [/^docker exec \S+ sh -c /, (line) => ({ stdout: `net:[100]\n${this.routes(line)}${this.dev()}\n` })],
    [/^docker exec openvpn-id cat \/proc\/net\/dev$/, () => ({ stdout: this.dev() })],
    [/^docker exec openvpn-id ip route get /, { stdout: `${TARGET} dev tun0 src 10.8.0.1 uid 0\n    cache\n` }],
    [/^docker exec openvpn-id ping /, () => this.ping()],
    [/^docker exec \S+ (ping|fping|python3|ip) /, NOT_FOUND]
  ])
  readonly docker = new Docker(this.runner, ['docker', 'compose'])

  private routes(line: string): string {
    if (line.startsWith('docker exec openvpn-id') || this.routelessReads === 0) return ROUTE_SUBNET
    this.routelessReads--
    return LO_ONLY
  }
  private dev(): string {
    return DEV.replace(/1344 {6}17/, `1344      ${17 + this.pings}`)
  }
  private aroundPing() {
    const before = this.dev()
    const { exitCode = 0, stdout } = this.ping()
    return { stdout: `${before}\n@otc-probe@\n${stdout}\n@otc-probe@ ${exitCode}\n${this.dev()}` }
  }
  private ping(): { exitCode?: number; stdout: string } {
    this.pings++
    return this.deviceUp
      ? { stdout: `64 bytes from ${TARGET}: icmp_seq=1 ttl=64 time=${this.pings} ms\n` }
      : { exitCode: 1, stdout: '1 packets transmitted, 0 received, 100% packet loss\n' }
  }

  /** Where the n-th ping (from 1) and the last read of a worker's namespace are in the calls. */
  pingAt(n: number): number {
    const pings = this.runner.calls.flatMap((call, index) => (PING.test(call) ? [index] : []))
    return pings[n - 1]
  }
  lastWorkerRead(): number {
    return this.runner.calls.map((call) => /^docker exec celery\S*-id sh -c /.test(call)).lastIndexOf(true)
  }
}

const reachOf = (checks: { check: string; verdict: string; summary: string; evidence: object }[]) =>
  checks.filter((check) => check.check === 'reach')

describe("the probe that decides a shared worker's reach", () => {
  it('is issued after every worker of the namespace was read, not the warm-up taken before', async () => {
    const stack = new Stack()
    const vpnTunnel = await checkVpnTunnel(stack.docker, vpn, settings)
    expect((await vpnTunnel.warmUp.get(TARGET))?.answer?.answered).toBe(true)
    const report = await checkTunnelServices(stack.docker, vpnTunnel, workers, settings)
    const reach = reachOf(report.checks)
    expect(reach.map((check) => check.verdict)).toEqual(['passed', 'passed'])
    // Both rest on ping 2, the confirming probe: ping 1 was the warm-up.
    expect(reach.map((check) => check.evidence)).toEqual([
      expect.objectContaining({ round_trip_ms: 2, probed_from: 'demo-openvpn-1', tun0_tx_packets_sent: 1 }),
      expect.objectContaining({ round_trip_ms: 2, probed_from: 'demo-openvpn-1', tun0_tx_packets_sent: 1 })
    ])
    expect(stack.pingAt(2)).toBeGreaterThan(stack.lastWorkerRead())
    // One exec for counters, probe and counters (beside `ip route get`): the tool was known.
    expect(stack.runner.calls.slice(stack.lastWorkerRead() + 1)).toEqual([
      `docker exec openvpn-id ip route get ${TARGET}`,
      expect.stringMatching(PING)
    ])
  })

  it('fails a device that stopped answering after the warm-up answered', async () => {
    const stack = new Stack()
    const vpnTunnel = await checkVpnTunnel(stack.docker, vpn, settings)
    expect((await vpnTunnel.warmUp.get(TARGET))?.answer?.answered).toBe(true)
    stack.deviceUp = false
    const report = await checkTunnelServices(stack.docker, vpnTunnel, workers, { ...settings, routeTimeoutSec: 0 })
    expect(reachOf(report.checks).map((check) => [check.verdict, check.summary])).toEqual([
      ['failed', `${TARGET} did not answer within 2 s (route: 10.8.0.0/24 dev tun0).`],
      ['failed', `${TARGET} did not answer within 2 s (route: 10.8.0.0/24 dev tun0).`]
    ])
  })

  it('passes a device that connected after the warm-up gave up, within the grace counted from the worker checks', async () => {
    const stack = new Stack()
    stack.deviceUp = false
    const vpnTunnel = await checkVpnTunnel(stack.docker, vpn, settings)
    // The warm-up asked for the whole grace period counted from the vpn's check, in vain.
    expect((await vpnTunnel.warmUp.get(TARGET))?.answer?.answered).toBe(false)
    // The workers are checked well after that grace period ended; the device
    // connects 400 ms into theirs.
    await wait(200)
    setTimeout(() => (stack.deviceUp = true), 400)
    const report = await checkTunnelServices(stack.docker, vpnTunnel, workers, settings)
    const reach = reachOf(report.checks)
    expect(reach.map((check) => check.verdict)).toEqual(['passed', 'passed'])
    const decisive = (reach[0].evidence as { round_trip_ms: number }).round_trip_ms
    expect(stack.pingAt(decisive)).toBeGreaterThan(stack.lastWorkerRead())
  })
})

describe("the workers' route grace period", () => {
  it('counts from when the workers are checked, not from when the vpn was', async () => {
    const stack = new Stack()
    const vpnTunnel = await checkVpnTunnel(stack.docker, vpn, settings)
    // Compose takes longer than route-timeout to start the workers, whose
    // namespace then lacks tun0's route for a few reads (OpenVPN restarting).
    await wait(1200)
    stack.routelessReads = 4
    const report = await checkTunnelServices(stack.docker, vpnTunnel, workers, settings)
    const routes = report.checks.filter((check) => check.check === 'route')
    expect(routes.map((check) => [check.verdict, check.summary])).toEqual([
      ['passed', '10.8.0.0/24 dev tun0'],
      ['passed', '10.8.0.0/24 dev tun0']
    ])
    expect(stack.runner.calls.filter((call) => /^docker exec celery\S*-id sh -c /.test(call)).length).toBeGreaterThan(4)
  })
})
