// The published report schema (docs/report.schema.json) against reports the
// engine really makes: `execute` runs on the fixture stacks, in lint mode on
// the files alone and in verify mode against a scripted Docker engine, so the
// reports are RunReports exactly as the action would serialize them.
import { beforeAll, describe, expect, it } from '@jest/globals'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { CommandRunner } from '../../../src/docker/command.js'
import { execute, type Log } from '../../../src/engine/run.js'
import { REPORT_SCHEMA_VERSION, type RunReport } from '../../../src/report/schema.js'
import { readSettings } from '../../../src/settings/settings.js'
import { ROUTE_SUBNET } from '../../helpers/proc.js'
import {
  DEMO_CONFIG,
  engine,
  LO_DEV,
  LO_ONLY,
  PROJECT,
  ScriptedEngine,
  tunnelNamespace,
  verifyInputs,
  vpn,
  worker
} from '../../helpers/scripted-engine.js'
import { REPORT_SCHEMA_PATH, validateReport } from '../../helpers/report-schema.js'

const ROOT = join(import.meta.dirname, '..', '..', '..')
const quiet: Log = { info: () => {}, debug: () => {}, group: (_name, run) => run(), mask: () => {} }

/** Runs the engine with the given inputs; paths are relative to the repository root. */
async function runWith(
  inputs: Record<string, string>,
  runner: CommandRunner = new ScriptedEngine([])
): Promise<RunReport> {
  const settings = readSettings((name) => inputs[name] ?? '', { GITHUB_WORKSPACE: ROOT })
  return execute(settings, runner, quiet, {})
}

/** The report as it is written to disk and read back. */
function asWritten(report: RunReport): Record<string, unknown> {
  return JSON.parse(`${JSON.stringify(report, null, 2)}\n`) as Record<string, unknown>
}

/** verify on a healthy demo stack: every check passes. */
function passedReport(): Promise<RunReport> {
  const runner = engine({
    vpn,
    workers: [worker('celery'), worker('celery_monitoring')],
    namespaces: { 'openvpn-id': tunnelNamespace, 'celery-id': tunnelNamespace, 'celery_monitoring-id': tunnelNamespace }
  })
  return runWith(verifyInputs, runner)
}

/** verify after the engine restarted openvpn: celery is left in the old namespace
 * with only lo and no way to probe; celery_monitoring has no container at all. */
function staleNamespaceReport(): Promise<RunReport> {
  const runner = engine({
    vpn: { ...vpn, restartCount: 1, startedAt: '2026-11-28T12:00:09Z' },
    workers: [worker('celery')],
    namespaces: { 'openvpn-id': tunnelNamespace, 'celery-id': { id: 'net:[4026532187]', route: LO_ONLY, dev: LO_DEV } }
  })
  return runWith(verifyInputs, runner)
}

/** verify while the vpn container is unhealthy: the wait ends at once, with diagnostics but no route tables. */
function unhealthyReport(): Promise<RunReport> {
  const failing = [
    { ExitCode: 1, Output: 'grep: /proc/net/route: no tun0', End: '2026-11-28T12:00:07.2Z' },
    { ExitCode: -1, Output: 'Health check exceeded timeout (2s)', End: '2026-11-28T12:00:10.2Z' }
  ]
  const runner = engine({
    vpn: { ...vpn, health: 'unhealthy', probes: failing },
    workers: [worker('celery'), worker('celery_monitoring')],
    namespaces: {}
  })
  return runWith(verifyInputs, runner)
}

/** verify against a project with no container on the engine: fails at once. */
function absentReport(): Promise<RunReport> {
  const runner = new ScriptedEngine([
    [/^docker version/, { stdout: '20.10.24\n' }],
    [/^docker compose version --short/, { stdout: '2.26.1\n' }],
    [/^docker compose .* config --format json$/, { stdout: DEMO_CONFIG }],
    [/^docker context inspect/, { stdout: 'default unix:///var/run/docker.sock\n' }],
    [/^docker compose ls --all --format json$/, { stdout: '[{"Name":"docker-openwisp","Status":"running(9)"}]' }]
  ])
  return runWith(verifyInputs, runner)
}

/** A full run that survived a restart of the vpn: the passed report, with the event's checks and record. */
function resilientReport(passed: RunReport): RunReport {
  const after = passed.checks.map((check) => ({ ...check, event: 'restart' }))
  const recovery = (service: string) => ({
    check: 'recovery' as const,
    service,
    container: `${PROJECT}-${service}-1`,
    verdict: 'passed' as const,
    summary: "back in the vpn container's current namespace after 2.1 s",
    evidence: { namespace_before: 'net:[4026532335]', namespace_after: 'net:[4026532401]', recovered_after_ms: 2100 },
    event: 'restart',
    startedAt: Date.now(),
    durationMs: 0
  })
  const worker = (service: string) => ({
    service,
    container: `${PROJECT}-${service}-1`,
    namespaceBefore: 'net:[4026532335]',
    namespaceAfter: 'net:[4026532401]',
    restarts: 1,
    recoveredAfterMs: 2100
  })
  return {
    ...passed,
    mode: 'full',
    checks: [...passed.checks, ...after, recovery('celery'), recovery('celery_monitoring')],
    resilience: [
      {
        event: 'restart',
        action: `docker restart ${PROJECT}-openvpn-1`,
        atMs: 5200,
        result: 'passed',
        vpn: {
          containerBefore: 'openvpn-id',
          containerAfter: 'openvpn-id',
          namespaceBefore: 'net:[4026532335]',
          namespaceAfter: 'net:[4026532401]',
          healthyAfterMs: 1900
        },
        workers: [worker('celery'), worker('celery_monitoring')],
        recoveredAfterMs: 2100
      }
    ],
    recoveredAfterSec: 2.1,
    diagnostics: {
      ...passed.diagnostics!,
      routeTables: [
        ...passed.diagnostics!.routeTables,
        { container: `${PROJECT}-celery-1`, namespace: 'net:[4026532401]', table: ROUTE_SUBNET, event: 'restart' }
      ]
    }
  }
}

describe('report schema', () => {
  it('is versioned like the reports', () => {
    const schema = JSON.parse(readFileSync(REPORT_SCHEMA_PATH, 'utf8')) as {
      properties: { schemaVersion: { const: number } }
    }
    expect(schema.properties.schemaVersion.const).toBe(REPORT_SCHEMA_VERSION)
  })

  it('documents every property', () => {
    const schema = JSON.parse(readFileSync(REPORT_SCHEMA_PATH, 'utf8')) as {
      properties: object
      $defs: Record<string, { description?: string; properties?: object }>
    }
    const defs = schema.$defs
    const described = (property: { description?: string; $ref?: string }): boolean =>
      Boolean(property.description ?? (property.$ref && defs[property.$ref.replace('#/$defs/', '')]?.description))
    const owners = [
      ['(top level)', schema.properties],
      ...Object.entries(defs).map(([name, def]) => [name, def.properties ?? {}])
    ] as [string, Record<string, object>][]
    const undocumented = owners.flatMap(([owner, properties]) =>
      Object.entries(properties)
        .filter(([, property]) => !described(property))
        .map(([name]) => `${owner}.${name}`)
    )
    expect(undocumented).toEqual([])
    expect(Object.values(defs).filter((def) => !def.description)).toEqual([])
  })
})

describe('validateReport on reports the engine makes', () => {
  it('accepts a passed verify run with health, tunnel, namespace, route and reach checks and diagnostics', async () => {
    const report = await passedReport()
    expect(report.result).toBe('passed')
    expect(report.checks.map((check) => `${check.check}:${check.verdict}`)).toEqual([
      'health:passed',
      'tunnel:passed',
      'namespace:passed',
      'route:passed',
      'reach:passed',
      'namespace:passed',
      'route:passed',
      'reach:passed',
      'stability:passed'
    ])
    expect(report.diagnostics?.routeTables).toHaveLength(3)
    expect(report.timeline.some((entry) => entry.service === 'openvpn')).toBe(true)
    expect(validateReport(asWritten(report))).toEqual([])
  })

  it('accepts a failed verify run: stale namespace, missing service, unreachable device, locations', async () => {
    const report = await staleNamespaceReport()
    expect(report.result).toBe('failed')
    const failed = report.checks.filter((check) => check.verdict === 'failed')
    expect(failed.map((check) => `${check.service} ${check.check}`)).toEqual([
      'celery namespace',
      'celery route',
      'celery reach',
      'celery_monitoring namespace'
    ])
    expect(failed[0].location?.file).toBe(join(ROOT, 'fixtures/stacks/demo/docker-compose.yml'))
    // The demo stack already waits for service_healthy: the advice does not ask for it.
    expect(failed[0].fix).not.toContain('condition: service_healthy')
    expect(validateReport(asWritten(report))).toEqual([])
  })

  it('accepts a failed health wait (no healthy time, probes with exit code -1, no route tables)', async () => {
    const report = await unhealthyReport()
    expect(report).toMatchObject({ result: 'failed', checks: [{ check: 'health', verdict: 'failed' }] })
    expect(report.healthyAfterSec).toBeUndefined()
    expect(report.diagnostics?.vpnProbes.map((probe) => probe.exitCode)).toEqual([1, -1])
    expect(validateReport(asWritten(report))).toEqual([])
  })

  it('accepts a verify run against a project with no container: one failed check, no diagnostics', async () => {
    const report = await absentReport()
    expect(report).toMatchObject({
      result: 'failed',
      checks: [{ check: 'health', verdict: 'failed', evidence: { projects: 'docker-openwisp' } }]
    })
    expect(asWritten(report)).not.toHaveProperty('diagnostics')
    expect(validateReport(asWritten(report))).toEqual([])
  })

  it('calls a vpn without a healthcheck running, not healthy', async () => {
    const runner = engine({
      vpn: { ...vpn, health: undefined },
      workers: [worker('celery'), worker('celery_monitoring')],
      namespaces: {
        'openvpn-id': tunnelNamespace,
        'celery-id': tunnelNamespace,
        'celery_monitoring-id': tunnelNamespace
      }
    })
    const report = await runWith(verifyInputs, runner)
    expect(report.checks[0].summary).toMatch(/^running \(no healthcheck\) after [\d.]+ s$/)
    expect(report.timeline.map((entry) => entry.label)).toContain('vpn running (no healthcheck)')
    expect(validateReport(asWritten(report))).toEqual([])
  })

  it('accepts a full run with a resilience event, its checks and its route tables', async () => {
    expect(validateReport(asWritten(resilientReport(await passedReport())))).toEqual([])
  })

  it('accepts lint runs, passed and failed with located findings', async () => {
    const passed = await runWith({ mode: 'lint', 'working-directory': 'fixtures/stacks/demo' })
    const failed = await runWith({ mode: 'lint', 'working-directory': 'fixtures/stacks/race' })
    expect([passed.result, failed.result]).toEqual(['passed', 'failed'])
    expect(failed.findings.filter((finding) => finding.location?.endLine).length).toBeGreaterThan(0)
    expect(asWritten(failed)).not.toHaveProperty('diagnostics')
    expect(validateReport(asWritten(passed))).toEqual([])
    expect(validateReport(asWritten(failed))).toEqual([])
  })

  it('accepts the report object itself (undefined fields are dropped as JSON.stringify drops them)', async () => {
    expect(validateReport(await runWith({ mode: 'lint', 'working-directory': 'fixtures/stacks/race' }))).toEqual([])
  })
})

describe('validateReport rejects', () => {
  let passed: Record<string, unknown>
  let failed: Record<string, unknown>
  let linted: Record<string, unknown>
  beforeAll(async () => {
    passed = asWritten(await passedReport())
    failed = asWritten(await staleNamespaceReport())
    linted = asWritten(await runWith({ mode: 'lint', 'working-directory': 'fixtures/stacks/race' }))
  })
  const changed = (
    report: Record<string, unknown>,
    change: (copy: Record<string, any>) => void
  ): Record<string, unknown> => {
    const copy = structuredClone(report)
    change(copy)
    return copy
  }

  it('a wrong schemaVersion', () => {
    expect(validateReport(changed(passed, (r) => (r.schemaVersion = 2)))).toEqual(['/schemaVersion: must be 1'])
  })

  it('an unknown verdict', () => {
    const errors = validateReport(changed(failed, (r) => (r.checks[2].verdict = 'flaky')))
    expect(errors).toEqual(['/checks/2/verdict: must be equal to one of the allowed values ("passed", "failed")'])
  })

  it('a missing checks list', () => {
    expect(validateReport(changed(passed, (r) => delete r.checks))).toEqual(["/: missing property 'checks'"])
  })

  it('an unknown top-level property', () => {
    expect(validateReport(changed(passed, (r) => (r.verdict = 'passed')))).toEqual(["/: unknown property 'verdict'"])
  })

  it('unknown properties and wrong types deeper down', () => {
    expect(validateReport(changed(failed, (r) => (r.checks[2].location.row = 3)))).toEqual([
      "/checks/2/location: unknown property 'row'"
    ])
    expect(validateReport(changed(passed, (r) => (r.diagnostics.routeTables[0].ipv6 = '')))).toEqual([
      "/diagnostics/routeTables/0: unknown property 'ipv6'"
    ])
    expect(validateReport(changed(passed, (r) => (r.checks[4].evidence.round_trip_ms = null)))).toEqual([
      '/checks/4/evidence/round_trip_ms: must be string,number,boolean'
    ])
    expect(
      validateReport(changed(passed, (r) => (r.checks[0].startedAt = new Date(r.checks[0].startedAt).toISOString())))
    ).toEqual(['/checks/0/startedAt: must be integer'])
    expect(validateReport(changed(passed, (r) => (r.startedAt = 'yesterday')))).toEqual([
      '/startedAt: must match format "date-time"'
    ])
    expect(validateReport(changed(linted, (r) => (r.findings[0].level = 'info')))).toEqual([
      '/findings/0/level: must be equal to one of the allowed values ("error", "warning", "notice")'
    ])
  })

  it('a passed result with a failed check, and lint results with live parts', () => {
    expect(validateReport(changed(linted, (r) => (r.result = 'passed')))).toContain(
      '/findings/0/level: must be equal to one of the allowed values ("warning", "notice")'
    )
    expect(validateReport(changed(failed, (r) => (r.result = 'passed')))).toContain(
      '/checks/2/verdict: must be "passed"'
    )
    expect(validateReport(changed(passed, (r) => (r.mode = 'lint')))).toEqual([
      '/checks: must NOT have more than 0 items',
      '/healthyAfterSec: must not be present here',
      '/diagnostics: must not be present here'
    ])
  })

  it('a passed live run without proof (no health time, no namespace and route checks)', () => {
    const unproven = changed(passed, (r) => {
      r.checks = r.checks.filter((check: { check: string }) => check.check === 'health' || check.check === 'reach')
      delete r.healthyAfterSec
    })
    expect(validateReport(unproven)).toEqual([
      "/: missing property 'healthyAfterSec'",
      '/checks: must contain an item with check "namespace", verdict "passed"',
      '/checks: must contain an item with check "route", verdict "passed"'
    ])
  })

  it('resilience events outside full mode, and malformed ones', async () => {
    const resilient = asWritten(resilientReport(await passedReport()))
    expect(validateReport(changed(resilient, (r) => (r.mode = 'verify')))).toEqual([
      '/resilience: must not be present here',
      '/recoveredAfterSec: must not be present here'
    ])
    expect(validateReport(changed(resilient, (r) => (r.resilience[0].workers[0].recoveredAfterMs = 2.5)))).toEqual([
      '/resilience/0/workers/0/recoveredAfterMs: must be integer'
    ])
    expect(validateReport(changed(resilient, (r) => delete r.resilience[0].vpn.namespaceBefore))).toEqual([
      "/resilience/0/vpn: missing property 'namespaceBefore'"
    ])
  })

  it('what is not a report', () => {
    expect(validateReport(undefined)).toEqual(['/: must be object'])
    expect(validateReport([])).toEqual(['/: must be object'])
  })
})
