// The proof of each probe is its own: probes of one namespace run one after
// another, and the tunnel's transmit counter is read around each.
import { describe, expect, it } from '@jest/globals'
import { Prober } from '../../../src/checks/prober.js'
import { probeNamespace } from '../../../src/checks/reach.js'
import { judgeReach } from '../../../src/checks/reach-judge.js'
import type { CommandResult, CommandRunner, RunOptions } from '../../../src/docker/command.js'
import { Docker } from '../../../src/docker/client.js'
import { DEVICE, vpn, vpnSnapshot, withEth0 } from '../../helpers/namespace.js'
import { DEV } from '../../helpers/proc.js'

/** Routed out through eth0 by a policy rule, though the main table says tun0. */
const AROUND = '10.8.0.77'

/** A vpn namespace where a ping of DEVICE leaves through tun0 and one of
 * AROUND through eth0; every command takes a few milliseconds, so probes run
 * in parallel would overlap. */
class TunnelEngine implements CommandRunner {
  tunTx = 17
  running = 0
  overlapped = false
  constructor(
    private readonly hasIp = true,
    private readonly answers = true
  ) {}
  async run(argv: string[], _options: RunOptions): Promise<CommandResult> {
    const command = argv.slice(3)
    const done = (result: Partial<CommandResult>): CommandResult => ({
      argv,
      exitCode: 0,
      stdout: '',
      stderr: '',
      killed: false,
      durationMs: 1,
      ...result
    })
    if (command[0] === 'cat') return done({ stdout: DEV.replace(/ 17 /, ` ${this.tunTx} `) })
    if (command[0] === 'ip') {
      if (!this.hasIp) return done({ exitCode: 127, stdout: 'exec: "ip": executable file not found in $PATH' })
      const dev = command[3] === AROUND ? 'via 172.18.0.5 dev eth0 table 100' : 'dev tun0'
      return done({ stdout: `${command[3]} ${dev} src 10.8.0.1 uid 0\n    cache\n` })
    }
    if (command[0] !== 'ping') return done({ exitCode: 127, stdout: 'executable file not found' })
    this.overlapped ||= this.running > 0
    this.running++
    await new Promise((resolve) => setTimeout(resolve, 20))
    if (command.at(-1) === DEVICE) this.tunTx++
    this.running--
    return this.answers
      ? done({ stdout: '64 bytes: icmp_seq=1 ttl=64 time=0.1 ms' })
      : done({ exitCode: 1, stdout: '1 packets transmitted, 0 received, 100% packet loss' })
  }
}

async function probeBoth(engine: TunnelEngine) {
  const docker = new Docker(engine, ['docker', 'compose'])
  const prober = new Prober(docker)
  const deadline = Date.now() + 1000
  return Promise.all(
    [DEVICE, AROUND].map(async (target) => {
      const probe = await probeNamespace(docker, prober, vpnSnapshot, [vpn], target, deadline)
      return judgeReach(vpnSnapshot, target, probe)
    })
  )
}

describe('probeNamespace', () => {
  it("gives each probe its own counter reading: a device's tunnel traffic is no proof for another target", async () => {
    const engine = new TunnelEngine(false)
    const [device, around] = await probeBoth(engine)
    expect(engine.overlapped).toBe(false)
    expect(device).toMatchObject({ verdict: 'passed', evidence: { tun0_tx_packets_sent: 1 } })
    expect(around).toMatchObject({ verdict: 'failed', evidence: { tun0_tx_packets_sent: 0 } })
    expect(around.summary).toBe(
      '10.8.0.77 answered in 0.1 ms, but tun0 sent no packet during this probe: the answer did not come through the tunnel.'
    )
    expect(device.evidence.policy_routing).toMatch(/^not checked: no `ip`/)
  })

  it('fails a target the kernel routes around the tunnel, by `ip route get`, whatever the counter', async () => {
    const [device, around] = await probeBoth(new TunnelEngine(true))
    expect(device).toMatchObject({
      verdict: 'passed',
      evidence: { kernel_route: '10.8.0.10 dev tun0 src 10.8.0.1 uid 0' }
    })
    expect(around).toMatchObject({
      verdict: 'failed',
      summary:
        '10.8.0.77 is routed through eth0, not tun0: `ip route get 10.8.0.77` says "10.8.0.77 via 172.18.0.5 dev eth0 table 100 src 10.8.0.1 uid 0" though the main table has 10.8.0.0/24 dev tun0 (a policy rule, `ip rule`, takes precedence).'
    })
  })
})

describe('a namespace that lost its network during the checks', () => {
  it('stops asking again at once: waiting for the device cannot help', async () => {
    const docker = new Docker(new TunnelEngine(true, false), ['docker', 'compose'])
    const started = Date.now()
    const probe = await probeNamespace(docker, new Prober(docker), withEth0, [vpn], DEVICE, Date.now() + 5000)
    expect(Date.now() - started).toBeLessThan(2000)
    expect(judgeReach(withEth0, DEVICE, probe).evidence).toMatchObject({ lost_interfaces: 'eth0' })
  })
})
