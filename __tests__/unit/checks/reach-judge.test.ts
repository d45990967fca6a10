// What a probe's facts prove: the device of the kernel's route, and a
// namespace that lost its network is named instead of the device.
import { describe, expect, it } from '@jest/globals'
import { judgeReach, lostInterfaces, parseRouteGet } from '../../../src/checks/reach-judge.js'
import { DEVICE, silent, vpnSnapshot, withEth0 } from '../../helpers/namespace.js'

describe('parseRouteGet', () => {
  it('reads the device of iproute2 and busybox output, none of an error', () => {
    expect(parseRouteGet('10.8.0.77 via 172.18.0.5 dev eth0 table 100 src 172.18.0.3 uid 0\n    cache')).toBe('eth0')
    expect(parseRouteGet('10.8.0.10 dev tun0  src 10.8.0.1')).toBe('tun0')
    expect(parseRouteGet('RTNETLINK answers: Network is unreachable')).toBeUndefined()
  })
})

describe('a namespace that lost its network during the checks', () => {
  it('names the lost interface instead of blaming the device', () => {
    const probe = { answer: silent, interfacesAfter: ['lo', 'tun0'], tunnelPacketsSent: 1 }
    expect(lostInterfaces(withEth0, probe)).toEqual(['eth0'])
    const outcome = judgeReach(withEth0, DEVICE, probe)
    expect(outcome).toMatchObject({
      verdict: 'failed',
      summary:
        "10.8.0.10 did not answer, and the namespace of demo-openvpn-1 lost eth0 during the checks (its network was disconnected or removed): the tunnel keeps tun0, but the devices' VPN connections ran over the lost network.",
      evidence: { lost_interfaces: 'eth0' }
    })
    expect(outcome.fix).toContain('the device is not to blame')
  })

  it('blames no lost network when every interface is still there, or the interfaces could not be read', () => {
    expect(lostInterfaces(withEth0, { answer: silent, interfacesAfter: ['lo', 'tun0', 'eth0'] })).toEqual([])
    expect(lostInterfaces(withEth0, { answer: silent })).toEqual([])
    expect(judgeReach(withEth0, DEVICE, { answer: silent, interfacesAfter: ['lo', 'tun0', 'eth0'] }).summary).toBe(
      '10.8.0.10 did not answer within 2 s (route: 10.8.0.0/24 dev tun0).'
    )
  })
})

describe('a namespace whose routes could not be read', () => {
  it('is not judged, whatever the probe says, and the route check is named', () => {
    const unread = { ...vpnSnapshot, routes: [], error: 'the output could not be read' }
    const answered = { ...silent, answered: true, roundTripMs: 0.1 }
    expect(judgeReach(unread, DEVICE, { answer: answered, tunnelPacketsSent: 1 })).toMatchObject({
      verdict: 'failed',
      summary: 'not judged: the routes of demo-openvpn-1 could not be read',
      fix: 'See the route check of this container.'
    })
  })
})

describe('a probe bound to the tunnel interface', () => {
  it('says so in the evidence', () => {
    const answered = { ...silent, answered: true, roundTripMs: 0.4, boundTo: 'tun0' }
    expect(judgeReach(vpnSnapshot, DEVICE, { answer: answered, tunnelPacketsSent: 1 })).toMatchObject({
      verdict: 'passed',
      evidence: expect.objectContaining({ bound_to: 'tun0' })
    })
  })
})
