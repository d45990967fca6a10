// The confirming probe is on the critical path: where the probing container
// has a shell and its tool is known, the counters, the probe and the counters
// again run in one exec of a fixed script, the target one of its positional
// parameters; elsewhere, one exec each, as before.
import { describe, expect, it } from '@jest/globals'
import { Prober, splitAroundProbe } from '../../../src/checks/prober.js'
import { probeNamespace } from '../../../src/checks/reach.js'
import { judgeReach, type ReachProbe } from '../../../src/checks/reach-judge.js'
import { Docker } from '../../../src/docker/client.js'
import { DEVICE, vpn, vpnSnapshot } from '../../helpers/namespace.js'
import { DEV } from '../../helpers/proc.js'
import { NOT_FOUND, ScriptedEngine, type Answer } from '../../helpers/scripted-engine.js'

const PING = { stdout: `64 bytes from ${DEVICE}: icmp_seq=1 ttl=64 time=0.368 ms\n` }
const SCRIPT = /^docker exec vpn-id sh -c cat \/proc\/net\/dev; /

/** A vpn container with ping, whose tun0 sends one echo request per ping;
 * `hasShell`: it runs the one-exec script as a shell does. */
class Vpn {
  sent = 0
  readonly runner: ScriptedEngine
  constructor(hasShell: boolean) {
    this.runner = new ScriptedEngine([
      [SCRIPT, (line) => (hasShell ? this.script(line) : NOT_FOUND)],
      [/^docker exec vpn-id ping /, () => this.ping()],
      [/^docker exec vpn-id cat \/proc\/net\/dev$/, () => ({ stdout: this.dev() })],
      [/^docker exec vpn-id ip route get /, { stdout: `${DEVICE} dev tun0 src 10.8.0.1 uid 0\n` }],
      [/^docker exec \S+ (fping|python3) /, NOT_FOUND]
    ])
  }
  /** Probes of DEVICE one after another by one Prober: the first finds the tool. */
  async probe(count: number): Promise<ReachProbe[]> {
    const docker = new Docker(this.runner, ['docker', 'compose'])
    const prober = new Prober(docker)
    const probes: ReachProbe[] = []
    for (let i = 0; i < count; i++)
      probes.push(await probeNamespace(docker, prober, vpnSnapshot, [vpn], DEVICE, Date.now()))
    return probes
  }
  private dev(): string {
    return DEV.replace(/1344 {6}17/, `1344      ${17 + this.sent}`)
  }
  private ping(): Answer {
    this.sent++
    return PING
  }
  /** What `sh -c` does with the script: the tool is its positional parameters. */
  private script(line: string): Answer {
    const before = this.dev()
    if (!line.endsWith(` sh ping -c 1 -W 2 -I tun0 ${DEVICE}`)) return { exitCode: 2, stderr: 'unexpected' }
    const { stdout } = this.ping()
    return { stdout: `${before}\n@otc-probe@\n${stdout}\n@otc-probe@ 0\n${this.dev()}\n` }
  }
}

describe('splitAroundProbe', () => {
  it("splits the counters before, the tool's output and exit code, and the counters after", () => {
    const sent = DEV.replace(/1344 {6}17/, '1428      18')
    // ping's last line without a newline: the exit code is on a line of its own all the same.
    const parts = splitAroundProbe(`${DEV}\n@otc-probe@\n1 packets transmitted, 0 received\n@otc-probe@ 1\n${sent}\n`)
    expect(parts).toEqual({
      before: DEV,
      output: '1 packets transmitted, 0 received',
      exitCode: 1,
      after: `${sent}\n`
    })
  })

  it("takes the script's own exit line, not one the tool printed", () => {
    const forged = `64 bytes from 10.8.0.10: icmp_seq=1 ttl=64 time=0.123 ms\n@otc-probe@ 0`
    const parts = splitAroundProbe(`${DEV}\n@otc-probe@\n${forged}\n@otc-probe@ 1\n${DEV}\n`)
    expect(parts).toMatchObject({ output: forged, exitCode: 1, after: `${DEV}\n` })
  })

  it("is undefined for output that is not the script's", () => {
    expect(splitAroundProbe('Welcome\n')).toBeUndefined()
    expect(splitAroundProbe(`${DEV}\n@otc-probe@\nping: not found\n`)).toBeUndefined()
  })
})

describe('the probe with its counters in one exec', () => {
  it('runs once the tool is known, with the target as a positional parameter, never in the script', async () => {
    const engine = new Vpn(true)
    const [first, second] = await engine.probe(2)
    expect(judgeReach(vpnSnapshot, DEVICE, first).verdict).toBe('passed')
    expect(judgeReach(vpnSnapshot, DEVICE, second)).toMatchObject({
      verdict: 'passed',
      evidence: { tool: 'ping', round_trip_ms: 0.368, tun0_tx_packets_sent: 1 }
    })
    const scripted = engine.runner.calls.filter((call) => SCRIPT.test(call))
    expect(scripted).toHaveLength(1)
    const script = /^docker exec vpn-id sh -c (.*) sh ping -c 1 -W 2 -I tun0 \S+$/s.exec(scripted[0])![1]
    expect(script).not.toContain(DEVICE)
    // The second probe was that one exec, beside `ip route get`.
    expect(engine.runner.calls.filter((call) => /^docker exec vpn-id (ping|cat) /.test(call))).toHaveLength(3)
  })

  it('falls back to one exec each, for good, where the container has no shell', async () => {
    const engine = new Vpn(false)
    const [, second, third] = await engine.probe(3)
    for (const probe of [second, third])
      expect(probe).toMatchObject({ answer: { answered: true, tool: 'ping' }, tunnelPacketsSent: 1 })
    // Tried once, after the first probe found the tool; not again.
    expect(engine.runner.calls.filter((call) => SCRIPT.test(call))).toHaveLength(1)
  })
})
