import { describe, expect, it } from '@jest/globals'
import { composeMessage, vpnWords } from '../../../src/engine/diagnosis.js'

describe('composeMessage', () => {
  it("keeps Compose's message and drops its progress lines", () => {
    const output = [
      ' Network p_default  Creating',
      ' Network p_default  Created',
      ' Container p-openvpn-1  Waiting',
      ' Container p-openvpn-1  Error',
      ' Container p-celery-1  Started 0.4s',
      'dependency failed to start: container p-openvpn-1 is unhealthy'
    ].join('\n')
    expect(composeMessage(output)).toBe('dependency failed to start: container p-openvpn-1 is unhealthy')
  })

  it('keeps the last lines of a long message', () => {
    expect(composeMessage('a\nb\nc\nd\ne\nf\ng', 3)).toBe('e\nf\ng')
  })
})

describe('vpnWords', () => {
  it('lists the probes and the log tail, and says when there are none', () => {
    const diagnostics = {
      vpnProbes: [{ exitCode: 1, output: 'no tun0', end: '2026-11-28T12:00:01Z' }],
      vpnLogTail: 'otc-vpn: starting',
      routeTables: [],
      composePs: '',
      composeOutput: ''
    }
    expect(vpnWords(diagnostics)).toBe(
      'Last health probes:\n  2026-11-28T12:00:01Z exit 1: no tun0\nLog tail:\notc-vpn: starting'
    )
    expect(vpnWords({ ...diagnostics, vpnProbes: [], vpnLogTail: '' })).toBe(
      'Last health probes:\n  (none recorded)\nLog tail:\n  (empty)'
    )
  })
})
