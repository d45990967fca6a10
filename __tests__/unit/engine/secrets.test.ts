// The engine masks the secrets before it prints anything, and keeps them out
// of its log lines and of the report, in lint mode where a finding quotes an
// interpolated healthcheck command (no Docker needed).
import { describe, expect, it } from '@jest/globals'
import { join } from 'node:path'
import { execute, type Log } from '../../../src/engine/run.js'
import { readSettings } from '../../../src/settings/settings.js'
import { projectDir } from '../../helpers/compose.js'
import { FakeRunner } from '../../helpers/fake-runner.js'

const SECRET = 'otc-vpn-pw-7c2e91'

/** Everything the engine says, in order: `mask:`, `info:`, `debug:` and `group:` lines. */
function recordingLog(said: string[]): Log {
  return {
    info: (message) => said.push(`info: ${message}`),
    debug: (message) => said.push(`debug: ${message}`),
    group: (name, run) => (said.push(`group: ${name}`), run()),
    mask: (value) => said.push(`mask: ${value}`)
  }
}

describe('secrets in lint mode', () => {
  const dir = projectDir({
    'docker-compose.yml': [
      'services:',
      '  openvpn:',
      '    image: otc-openvpn:test',
      '    healthcheck: { test: ["CMD-SHELL", "pgrep -f openvpn-${VPN_PASSWORD} || exit 1"] }',
      '  celery: { image: otc-worker:test, network_mode: "service:openvpn", depends_on: { openvpn: { condition: service_healthy } } }',
      '  celery_monitoring: { image: otc-worker:test, network_mode: "service:openvpn", depends_on: { openvpn: { condition: service_healthy } } }'
    ],
    '.env': [`VPN_PASSWORD=${SECRET}`, 'DB_PASS=pw']
  })
  const settings = readSettings((name) => ({ mode: 'lint', 'working-directory': dir })[name] ?? '', {
    GITHUB_WORKSPACE: dir
  })

  it('are masked first, then never said, and absent from the report', async () => {
    const said: string[] = []
    const report = await execute(settings, new FakeRunner([]), recordingLog(said), {})
    expect(said[0]).toBe(`mask: ${SECRET}`)
    expect(said.slice(1).join('\n')).not.toContain(SECRET)
    const lies = report.findings.find((finding) => finding.rule === 'healthcheck-lies')
    // The finding still quotes the command, with the secret taken out.
    expect(lies?.message).toContain('`pgrep -f openvpn-***`')
    expect(JSON.stringify(report)).not.toContain(SECRET)
  })

  it('warn about a secret too short to mask, by its name and line only', async () => {
    const report = await execute(settings, new FakeRunner([]), recordingLog([]), {})
    const short = report.findings.find((finding) => finding.rule === 'short-secret')
    expect(short).toMatchObject({
      level: 'warning',
      message: expect.stringMatching(/^DB_PASS \(\.env:2\) is named like a secret/),
      location: { file: join(dir, '.env'), line: 2 }
    })
    expect(short?.message).not.toMatch(/\bpw\b/)
  })
})
