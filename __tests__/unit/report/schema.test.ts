// The published report schema (docs/report.schema.json) against reports the
// engine really makes: `execute` runs on the fixture stacks, in lint mode on
// the files alone and in verify mode against a scripted Docker engine, so the
// reports are RunReports exactly as the action would serialize them.
import { beforeAll, describe, expect, it } from '@jest/globals'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { CommandResult, CommandRunner, RunOptions } from '../../../src/docker/command.js'
import { execute, type Log } from '../../../src/engine/run.js'
import { REPORT_SCHEMA_VERSION, type RunReport } from '../../../src/report/schema.js'
import { readSettings } from '../../../src/settings.js'
import { rawContainer, type RawOptions } from '../../helpers/containers.js'
import { DEV, ROUTE_SUBNET } from '../../helpers/proc.js'
import { REPORT_SCHEMA_PATH, validateReport } from '../../helpers/report-schema.js'

const ROOT = join(import.meta.dirname, '..', '..', '..')
const PROJECT = 'schema-unit'
const quiet: Log = { info: () => {}, debug: () => {}, group: (_name, run) => run() }

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

type Answer = Partial<CommandResult> & { lines?: string[] }

/** A Docker engine from a script: the first rule whose pattern matches the
 * command line answers it (default: exit 0, no output). `lines` are streamed
 * to onLine, as `docker events` does. */
class ScriptedEngine implements CommandRunner {
  readonly calls: string[] = []
  constructor(private readonly rules: [RegExp, Answer][]) {}
  async run(argv: string[], options: RunOptions): Promise<CommandResult> {
    const line = argv.join(' ')
    this.calls.push(line)
    const { lines = [], ...answer } = this.rules.find(([pattern]) => pattern.test(line))?.[1] ?? {}
    for (const output of lines) options.onLine?.(output, 'stdout')
    return { argv, exitCode: 0, stdout: '', stderr: '', killed: false, durationMs: 1, ...answer }
  }
}

const NOT_FOUND: Answer = {
  exitCode: 127,
  stdout:
    'OCI runtime exec failed: exec failed: unable to start container process: exec: "x": executable file not found in $PATH'
}
const LO_ONLY = 'Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n'
const LO_DEV = DEV.split('\n').slice(0, 3).join('\n')

/** What `docker compose config --format json` says about the demo stack. */
const DEMO_CONFIG = JSON.stringify({
  name: PROJECT,
  services: Object.fromEntries([
    ...['celery', 'celery_monitoring'].map((name) => [
      name,
      {
        network_mode: 'service:openvpn',
        depends_on: { openvpn: { condition: 'service_healthy', restart: true, required: true } }
      }
    ]),
    [
      'openvpn',
      {
        healthcheck: {
          test: ['CMD', 'grep', '-q', 'tun0', '/proc/net/route'],
          interval: '1s',
          timeout: '2s',
          retries: 30
        }
      }
    ]
  ])
})

function event(action: string, service: string): string {
  return JSON.stringify({
    Type: 'container',
    Action: action,
    Actor: {
      ID: `${service}-id`,
      Attributes: { 'com.docker.compose.project': PROJECT, 'com.docker.compose.service': service }
    },
    timeNano: Date.now() * 1e6
  })
}

interface EngineState {
  vpn: RawOptions
  workers: RawOptions[]
  /** /proc/self/ns/net and /proc/net/* by container id. */
  namespaces: Record<string, { id: string; route: string; dev: string }>
}

function engine(state: EngineState): ScriptedEngine {
  const all = [state.vpn, ...state.workers].map((options) => ({
    ...options,
    project: PROJECT,
    name: `${PROJECT}-${options.service}-1`
  }))
  const ids = all.map((options) => `${options.service}-id`)
  return new ScriptedEngine([
    [/^docker version/, { stdout: '27.3.1\n' }],
    [/^docker compose version --short/, { stdout: '2.29.7\n' }],
    [/^docker compose .* config --format json$/, { stdout: DEMO_CONFIG }],
    [
      /^docker compose .* ps --all$/,
      {
        stdout: `NAME  IMAGE  SERVICE  STATUS\n${PROJECT}-openvpn-1  otc-openvpn:test  openvpn  Up 3 seconds (healthy)\n`
      }
    ],
    [
      /^docker events /,
      {
        lines: [
          event('start', 'openvpn'),
          event('health_status: healthy', 'openvpn'),
          event('exec_start: cat /proc/net/route', 'openvpn')
        ]
      }
    ],
    [/^docker ps --all --quiet/, { stdout: ids.join('\n') }],
    [/^docker container inspect/, { stdout: JSON.stringify(all.map(rawContainer)) }],
    [
      /^docker logs /,
      {
        stdout:
          '2026-11-28T12:00:06.000000000Z otc-vpn: server 10.8.0.0 255.255.255.0\n2026-11-28T12:00:06.100000000Z Initialization Sequence Completed'
      }
    ],
    ...Object.entries(state.namespaces).flatMap(([id, ns]): [RegExp, Answer][] => [
      [new RegExp(`^docker exec ${id} readlink /proc/self/ns/net$`), { stdout: `${ns.id}\n` }],
      [new RegExp(`^docker exec ${id} cat /proc/net/route`), { stdout: `${ns.route}${ns.dev}\n` }],
      [new RegExp(`^docker exec ${id} cat /proc/net/dev$`), { stdout: ns.dev }]
    ]),
    // The workers have no probe tool (like the fixture worker image); the vpn container has ping.
    [/^docker exec openvpn-id ping /, { stdout: '64 bytes from 10.8.0.10: icmp_seq=1 ttl=64 time=0.368 ms\n' }],
    [/^docker exec \S+ (ping|fping|python3) /, NOT_FOUND]
  ])
}

const probes = [
  { ExitCode: 0, Output: '', End: '2026-11-28T12:00:07.287884693Z' },
  { ExitCode: 0, Output: '', End: '2026-11-28T12:00:08.361291703Z' }
]
const vpn: RawOptions = {
  service: 'openvpn',
  health: 'healthy',
  probes,
  startedAt: '2026-11-28T12:00:05Z',
  restartPolicy: 'on-failure'
}
const worker = (service: string): RawOptions => ({
  service,
  networkMode: 'container:openvpn-id',
  startedAt: '2026-11-28T12:00:08Z',
  restartPolicy: 'always'
})
const tunnelNamespace = { id: 'net:[4026532335]', route: ROUTE_SUBNET, dev: DEV }
const verifyInputs = {
  mode: 'verify',
  'working-directory': 'fixtures/stacks/demo',
  'project-name': PROJECT,
  'probe-targets': '10.8.0.10',
  'route-timeout': '1'
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
      'reach:passed'
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
    expect(validateReport(asWritten(report))).toEqual([])
  })

  it('accepts a failed health wait (no healthy time, probes with exit code -1, no route tables)', async () => {
    const report = await unhealthyReport()
    expect(report).toMatchObject({ result: 'failed', checks: [{ check: 'health', verdict: 'failed' }] })
    expect(report.healthyAfterSec).toBeUndefined()
    expect(report.diagnostics?.vpnProbes.map((probe) => probe.exitCode)).toEqual([1, -1])
    expect(validateReport(asWritten(report))).toEqual([])
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

  it('what is not a report', () => {
    expect(validateReport(undefined)).toEqual(['/: must be object'])
    expect(validateReport([])).toEqual(['/: must be object'])
  })
})
