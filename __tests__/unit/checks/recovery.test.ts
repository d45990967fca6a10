import { describe, expect, it } from '@jest/globals'
import type { NamespaceSnapshot } from '../../../src/checks/namespace.js'
import { judgeRecovery, type RecoveryFacts } from '../../../src/checks/recovery.js'
import { parseInterfaceCounters, parseIpv4Routes, parseSubnet } from '../../../src/checks/routes.js'
import { container, type RawOptions } from '../../helpers/containers.js'
import { DEV, ROUTE_SUBNET } from '../../helpers/proc.js'

const LO_ONLY = 'Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n'
const LO_DEV = DEV.split('\n').slice(0, 3).join('\n')

function snapshot(options: RawOptions, id: string | undefined, shared = true): NamespaceSnapshot {
  const routeTable = shared ? ROUTE_SUBNET : LO_ONLY
  return {
    container: container(options),
    id,
    routes: parseIpv4Routes(routeTable),
    counters: parseInterfaceCounters(shared ? DEV : LO_DEV),
    localAddresses: [],
    routeTable
  }
}

const vpnBefore = snapshot({ id: 'vpn-old', service: 'openvpn', health: 'healthy' }, 'net:[100]')
const vpnRestarted = snapshot({ id: 'vpn-old', service: 'openvpn', health: 'healthy' }, 'net:[200]')
const vpnRecreated = snapshot({ id: 'vpn-new', service: 'openvpn', health: 'healthy' }, 'net:[200]')
const celery = { id: 'celery-a', service: 'celery', networkMode: 'container:vpn-old', restartPolicy: 'always' }
const celeryBefore = snapshot(celery, 'net:[100]')

function facts(overrides: Partial<RecoveryFacts>): RecoveryFacts {
  return {
    event: 'restart',
    project: 'p',
    service: 'celery',
    name: 'demo-celery-1',
    before: celeryBefore,
    vpnBefore,
    vpnAfter: vpnRestarted,
    subnets: [parseSubnet('10.8.0.0/24')],
    timeoutSec: 120,
    ...overrides
  }
}

describe('judgeRecovery', () => {
  it('passes a worker the engine restarted into the new namespace, with its time', () => {
    const after = snapshot({ ...celery, restartCount: 1 }, 'net:[200]')
    const outcome = judgeRecovery(facts({ after, backAfterMs: 2140 }))
    expect(outcome).toMatchObject({
      verdict: 'passed',
      summary:
        "back in demo-openvpn-1's current namespace net:[200] with 10.8.0.0/24 dev tun0 after 2.1 s (the engine restarted it: restart count 0 → 1)",
      evidence: { namespace_before: 'net:[100]', namespace_after: 'net:[200]', recovered_after_ms: 2140 }
    })
  })

  it('passes a worker Compose recreated with the vpn', () => {
    const after = snapshot({ ...celery, id: 'celery-b', networkMode: 'container:vpn-new' }, 'net:[200]')
    const outcome = judgeRecovery(facts({ event: 'recreate', after, vpnAfter: vpnRecreated, backAfterMs: 4300 }))
    expect(outcome.verdict).toBe('passed')
    expect(outcome.summary).toContain('(Compose recreated it)')
  })

  it('fails a worker left in the old namespace after a restart, with the evidence and a restart as the fix', () => {
    const after = snapshot(celery, 'net:[100]', false)
    const wiring = { waitsForHealthy: true, restartsWithVpn: true, followsVpnService: true }
    const outcome = judgeRecovery(facts({ after, wiring }))
    expect(outcome.verdict).toBe('failed')
    expect(outcome.summary).toBe(
      'demo-celery-1 did not come back within recovery-timeout (120 s): it is still in namespace net:[100], the one openvpn had before the restart, while demo-openvpn-1 is now in net:[200]. Its routes: none at all (interfaces: lo); restart count 0. It has no tunnel.'
    )
    expect(outcome.evidence).toMatchObject({
      namespace_before: 'net:[100]',
      namespace_after: 'net:[100]',
      vpn_namespace_after: 'net:[200]',
      restarts: 0,
      status: 'running'
    })
    expect(outcome.fix).toMatch(/^Put it back: `docker restart demo-celery-1`\./)
    // Truthful: restart: true, which this worker has, does not cover this event.
    expect(outcome.fix).toContain('its depends_on.openvpn.restart: true covers only restarts Compose makes')
    expect(outcome.fix).not.toContain('condition: service_healthy')
  })

  it('after a redeploy, recreates a worker bound to the old container id, and asks for service: mode', () => {
    const after = snapshot(celery, 'net:[100]', false)
    const joinedById = { waitsForHealthy: false, restartsWithVpn: false, followsVpnService: false }
    const outcome = judgeRecovery(facts({ event: 'recreate', after, vpnAfter: vpnRecreated, wiring: joinedById }))
    expect(outcome.summary).toContain('the one openvpn had before the redeploy')
    expect(outcome.evidence.vpn_container).toBe('vpn-old → vpn-new')
    expect(outcome.fix).toContain('`docker compose -p p up -d --force-recreate --no-deps celery`')
    expect(outcome.fix).toContain('Set network_mode: "service:openvpn" on celery')
  })

  it('after a redeploy, restarts a worker that joined the vpn by its name (the name now names the new one)', () => {
    const after = snapshot({ ...celery, networkMode: 'container:demo-openvpn-1' }, 'net:[100]', false)
    const outcome = judgeRecovery(facts({ event: 'recreate', after, vpnAfter: vpnRecreated }))
    expect(outcome.fix).toMatch(/^Put it back: `docker restart demo-celery-1`\./)
  })

  it("names a worker whose restart failed, with the engine's error", () => {
    const error = 'cannot join network of a non running container: vpn-old'
    const after = snapshot({ ...celery, status: 'exited', exitCode: 1, restartCount: 1, error }, undefined)
    const outcome = judgeRecovery(facts({ after }))
    expect(outcome.summary).toBe(
      `demo-celery-1 is exited after the restart (exit code 1, restart count 1; the engine's last error: ${error}).`
    )
    expect(outcome.evidence.error).toBe(error)
    expect(outcome.fix).toMatch(/^Put it back: `docker restart demo-celery-1`/)
  })

  it('names a worker that has no container any more', () => {
    expect(judgeRecovery(facts({}))).toMatchObject({
      verdict: 'failed',
      summary: 'No container demo-celery-1 of celery exists after the restart.',
      fix: 'Start it: `docker compose -p p up -d celery`.'
    })
  })

  it('fails a worker that shares the namespace when the tunnel route did not come back', () => {
    const vpnWithout = { ...vpnRestarted, routes: [] }
    const after = snapshot({ ...celery, restartCount: 1 }, 'net:[200]', false)
    const outcome = judgeRecovery(facts({ after, vpnAfter: vpnWithout }))
    expect(outcome.summary).toBe(
      "demo-celery-1 is in demo-openvpn-1's current namespace, but no tunnel route covers 10.8.0.0/24 within recovery-timeout (120 s)."
    )
  })
})
