import { describe, expect, it } from '@jest/globals'
import { composeMessage } from '../../src/diagnosis.js'

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
