import { describe, expect, it } from '@jest/globals'
import { join } from 'node:path'
import { composeMessage, describeVpnState, probeWords, workerWiring } from '../../../src/engine/diagnosis.js'
import { loadProject } from '../../helpers/compose.js'
import { container } from '../../helpers/containers.js'

const STACKS = join(import.meta.dirname, '..', '..', '..', 'fixtures', 'stacks')
const services = { vpnService: 'openvpn', tunnelServices: ['celery', 'celery_monitoring'] }

describe('workerWiring', () => {
  it('reads what each tunnel service already has, for advice that asks only for the rest', () => {
    expect(workerWiring(loadProject(join(STACKS, 'demo')), services).get('celery')).toEqual({
      waitsForHealthy: true,
      restartsWithVpn: true,
      followsVpnService: true
    })
    // List form: Compose waits for service_started only.
    expect(workerWiring(loadProject(join(STACKS, 'race')), services).get('celery')).toEqual({
      waitsForHealthy: false,
      restartsWithVpn: false,
      followsVpnService: true
    })
    expect(
      workerWiring(loadProject(join(STACKS, 'joined-by-name')), { ...services, tunnelServices: ['celery'] }).get(
        'celery'
      )
    ).toEqual({ waitsForHealthy: false, restartsWithVpn: false, followsVpnService: false })
  })
})

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

describe('probeWords', () => {
  it('lists the probes, and says when there are none', () => {
    const probes = [{ exitCode: 1, output: 'no tun0', end: '2026-11-28T12:00:01Z' }]
    expect(probeWords(probes)).toBe('Last health probes:\n  2026-11-28T12:00:01Z exit 1: no tun0')
    expect(probeWords([])).toBe('Last health probes:\n  (none recorded)')
  })
})

describe('describeVpnState', () => {
  it('calls restarts after up a crash loop, also when the container is running again', () => {
    const running = container({ name: 'p-openvpn-1', restartCount: 2, exitCode: 0 })
    expect(describeVpnState(running)).toBe(
      'p-openvpn-1 is running (restart count 2, last exit code 0): it keeps exiting and the engine keeps restarting it, a crash loop; its log is in the diagnostics.'
    )
    const exited = container({ name: 'p-openvpn-1', status: 'exited', restartCount: 3, exitCode: 1 })
    expect(describeVpnState(exited)).toMatch(
      /^p-openvpn-1 is exited \(restart count 3, last exit code 1\): .* crash loop/
    )
  })

  it('says only the state of a container that never restarted', () => {
    expect(describeVpnState(container({ name: 'p-openvpn-1', status: 'exited', exitCode: 1 }))).toBe(
      'p-openvpn-1 is exited (restart count 0, last exit code 1).'
    )
  })
})
