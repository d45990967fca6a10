import { describe, expect, it } from '@jest/globals'
import type { CheckResult, Finding } from '../../../src/findings.js'
import { ANNOTATIONS_PER_LEVEL, annotationsFor } from '../../../src/report/annotations.js'
import { mermaidTimeline, SUMMARY_LIMIT_BYTES, summaryMarkdown } from '../../../src/report/summary.js'
import { textReport } from '../../../src/report/text.js'
import { logTitle } from '../../../src/report/logs.js'
import type { ContainerLog, Diagnostics, RunReport } from '../../../src/report/schema.js'

function check(overrides: Partial<CheckResult> = {}): CheckResult {
  return {
    check: 'namespace',
    service: 'celery',
    container: 'p-celery-1',
    verdict: 'passed',
    summary: 'shares the namespace',
    evidence: { ns: 'net:[1]' },
    startedAt: 0,
    durationMs: 3,
    ...overrides
  }
}

function report(overrides: Partial<RunReport> = {}): RunReport {
  return {
    schemaVersion: 1,
    result: 'passed',
    mode: 'full',
    project: 'p',
    startedAt: '2026-11-28T12:00:00.000Z',
    durationMs: 4100,
    healthyAfterSec: 2.1,
    managementSubnets: ['10.8.0.0/24'],
    findings: [],
    checks: [check(), check({ check: 'route', summary: '10.8.0.0/24 dev tun0' })],
    timeline: [],
    ...overrides
  }
}

const noDiagnostics: Diagnostics = { vpnProbes: [], vpnLogTail: '', routeTables: [], composePs: '', composeOutput: '' }

function containerLog(fields: Partial<ContainerLog> & Pick<ContainerLog, 'service' | 'container'>): ContainerLog {
  return { text: '', lines: 0, cutLines: 0, moreCut: false, ...fields }
}

const stale = check({
  verdict: 'failed',
  summary: 'Stale namespace: p-celery-1 ...',
  fix: 'Recreate it',
  location: { file: '/ws/docker-compose.yml', line: 12, column: 9 }
})

describe('annotationsFor', () => {
  it('puts failed checks first, on the compose line, relative to the workspace', () => {
    const annotations = annotationsFor(report({ result: 'failed', checks: [check(), stale] }), '/ws')
    expect(annotations).toEqual([
      {
        level: 'error',
        title: 'celery: namespace check failed',
        message: 'Stale namespace: p-celery-1 ... Fix: Recreate it',
        file: 'docker-compose.yml',
        startLine: 12,
        startColumn: 9
      }
    ])
  })

  it('keeps files outside the workspace absolute', () => {
    const finding: Finding = {
      level: 'warning',
      rule: 'vpn-tun-device',
      service: 'openvpn',
      message: 'no tun',
      location: { file: '/elsewhere/c.yml', line: 3, column: 1 }
    }
    expect(annotationsFor(report({ findings: [finding] }), '/ws')[0]).toMatchObject({
      file: '/elsewhere/c.yml',
      startLine: 3
    })
  })

  it('says so with a notice when everything passed', () => {
    expect(annotationsFor(report(), '/ws')).toEqual([
      {
        level: 'notice',
        title: 'Tunnel verified',
        message: 'celery share the vpn namespace and route 10.8.0.0/24 over the tunnel.'
      }
    ])
  })

  it("stays within GitHub's ten per level and points at the summary for the rest", () => {
    const findings: Finding[] = Array.from({ length: 14 }, (_, i) => ({
      level: 'warning',
      rule: `r${i}`,
      message: `w${i}`
    }))
    const errors = Array.from({ length: 12 }, (_, i) => check({ verdict: 'failed', service: `s${i}` }))
    const annotations = annotationsFor(report({ result: 'failed', findings, checks: errors }), '/ws')
    for (const level of ['error', 'warning'] as const) {
      const ofLevel = annotations.filter((a) => a.level === level)
      expect(ofLevel).toHaveLength(ANNOTATIONS_PER_LEVEL)
      expect(ofLevel.at(-1)?.message).toMatch(/^\d+ more .* listed in the job summary/)
    }
    expect(annotations.filter((a) => a.level === 'warning').at(-1)?.title).toBe('5 more warnings')
  })
})

describe('summaryMarkdown', () => {
  it('shows the cause in the first lines of a failed run', () => {
    const lines = summaryMarkdown(report({ result: 'failed', checks: [check(), stale] }), '/ws').split('\n')
    expect(lines[0]).toBe('## ❌ Management tunnel check failed')
    expect(lines.slice(0, 8).join('\n')).toContain('**celery** (namespace): Stale namespace')
  })

  it('stays under 1 MiB whatever the logs hold', () => {
    const huge = 'x'.repeat(400_000)
    const diagnostics = {
      vpnProbes: [],
      vpnLogTail: huge,
      routeTables: Array.from({ length: 60 }, (_, i) => ({ container: `c${i}`, namespace: 'net:[1]', table: huge })),
      composePs: huge,
      composeOutput: huge,
      logs: Array.from({ length: 60 }, (_, i) =>
        containerLog({ service: 'celery', container: `c${i}`, text: huge, lines: 100, cutLines: 9900, moreCut: true })
      )
    }
    const markdown = summaryMarkdown(report({ diagnostics }), '/ws')
    expect(Buffer.byteLength(markdown)).toBeLessThanOrEqual(SUMMARY_LIMIT_BYTES)
    expect(markdown).toContain('| ✅ | celery | namespace |')
  })

  it('folds each container log the report holds into a block of its own', () => {
    const logs = [
      containerLog({ service: 'openvpn', container: 'p-openvpn-1', text: 'T1 vpn says', lines: 1 }),
      containerLog({ service: 'celery', container: 'p-celery-1', text: 'T2 ```worker``` says', lines: 1 })
    ]
    const markdown = summaryMarkdown(report({ result: 'failed', diagnostics: { ...noDiagnostics, logs } }), '/ws')
    const blocks = markdown.split('<details>').slice(1)
    expect(blocks.map((block) => /<summary>(.*)<\/summary>/.exec(block)?.[1])).toEqual([
      'Log of openvpn (p-openvpn-1): all of it, 1 line',
      'Log of celery (p-celery-1): all of it, 1 line'
    ])
    expect(blocks[0]).toContain('```text\nT1 vpn says\n```')
    // The container's text cannot close the code block.
    expect(blocks[1]).toContain("```text\nT2 '''worker''' says\n```")
  })

  it('shows no log block when the report holds no logs', () => {
    expect(summaryMarkdown(report({ diagnostics: noDiagnostics }), '/ws')).not.toContain('Log of')
  })

  it('escapes table cells', () => {
    expect(summaryMarkdown(report({ checks: [check({ summary: 'a | b\nc' })] }), '/ws')).toContain('a \\| b<br>c')
  })
})

describe('logTitle', () => {
  it('says how much of the log is shown', () => {
    const log = (fields: Partial<ContainerLog>): string =>
      logTitle(containerLog({ service: 'celery', container: 'p-celery-1', ...fields }))
    expect(log({ lines: 12 })).toBe('Log of celery (p-celery-1): all of it, 12 lines')
    expect(log({ lines: 100, cutLines: 51 })).toBe('Log of celery (p-celery-1): last 100 lines; 51 earlier lines cut')
    expect(log({ lines: 100, cutLines: 1 })).toBe('Log of celery (p-celery-1): last 100 lines; 1 earlier line cut')
    expect(log({ lines: 100, cutLines: 9900, moreCut: true })).toBe(
      'Log of celery (p-celery-1): last 100 lines; at least 9900 earlier lines cut'
    )
    expect(log({ lines: 0 })).toBe('Log of celery (p-celery-1): empty')
    expect(log({ error: 'docker logs failed: no such container' })).toBe('Log of celery (p-celery-1): not read')
  })
})

describe('mermaidTimeline', () => {
  it('groups entries by tenth of a second and keeps Mermaid syntax out of labels', () => {
    const lines = mermaidTimeline([
      { atMs: 210, label: 'compose up started' },
      { atMs: 2300, label: 'health_status: healthy', service: 'openvpn' },
      { atMs: 2340, label: 'start', service: 'celery' }
    ])
    expect(lines).toEqual([
      '### Timeline',
      '',
      '```mermaid',
      'timeline',
      '    0.2 s : compose up started',
      '    2.3 s : openvpn health healthy : celery start',
      '```',
      ''
    ])
  })
})

describe('textReport', () => {
  it('prints one line a check, with the fix under a failure', () => {
    const text = textReport(report({ result: 'failed', checks: [check(), stale] }), '/ws')
    expect(text.split('\n')[0]).toBe('FAILED: Management tunnel check failed')
    expect(text).toMatch(/ FAIL namespace\s+p-celery-1\s+Stale namespace/)
    expect(text).toContain('fix: Recreate it')
  })
})

describe('resilience in the reports', () => {
  const stranded = check({
    check: 'recovery',
    event: 'restart',
    verdict: 'failed',
    summary: 'p-celery-1 did not come back within recovery-timeout (120 s)',
    fix: 'Put it back: `docker restart p-celery-1`.'
  })
  const event = (recovered: boolean): NonNullable<RunReport['resilience']>[number] => ({
    event: 'restart',
    action: 'docker restart p-openvpn-1',
    atMs: 5000,
    result: recovered ? 'passed' : 'failed',
    vpn: { containerBefore: 'a', containerAfter: 'a', namespaceBefore: 'net:[1]', healthyAfterMs: 1900 },
    workers: [
      {
        service: 'celery',
        container: 'p-celery-1',
        namespaceBefore: 'net:[1]',
        restarts: recovered ? 1 : 0,
        ...(recovered ? { recoveredAfterMs: 2140 } : {})
      }
    ],
    ...(recovered ? { recoveredAfterMs: 2140 } : {})
  })

  it('says in the headline and the notice that the stack survived, and how fast', () => {
    const survived = report({ resilience: [event(true)], recoveredAfterSec: 2.1 })
    expect(summaryMarkdown(survived, '/ws')).toContain('survived restart (workers back after 2.1 s)')
    expect(annotationsFor(survived, '/ws')[0].message).toContain('; survived restart (workers back after 2.1 s).')
    expect(textReport(survived, '/ws')).toContain('  resilience: survived restart (workers back after 2.1 s)')
  })

  it('shows a table of recovery times and names the event in failed checks', () => {
    const failed = report({ result: 'failed', checks: [check(), stranded], resilience: [event(false)] })
    const markdown = summaryMarkdown(failed, '/ws')
    expect(markdown).toContain('did not survive restart')
    expect(markdown).toContain('| ❌ | restart | | p-celery-1 | not back |')
    expect(markdown).toContain('| ✅ | restart | docker restart p-openvpn-1 | vpn | 1.9 s |')
    expect(markdown).toContain('**celery** (recovery (after restart)): p-celery-1 did not come back')
    expect(annotationsFor(failed, '/ws')[0].title).toBe('celery: recovery check failed after restart')
    expect(textReport(failed, '/ws')).toMatch(/ FAIL recovery \(after restart\) p-celery-1/)
  })
})

describe('a vpn service without a healthcheck', () => {
  it('is called running, not healthy, in the headline', () => {
    const health = check({
      check: 'health',
      service: 'openvpn',
      summary: 'running (no healthcheck) after 1.6 s',
      evidence: { status: 'running', health: 'no healthcheck' }
    })
    const markdown = summaryMarkdown(report({ healthyAfterSec: 1.6, checks: [health, check()] }), '/ws')
    expect(markdown).toContain('vpn running (no healthcheck) after 1.6 s')
    expect(markdown).not.toContain('healthy after')
  })
})
