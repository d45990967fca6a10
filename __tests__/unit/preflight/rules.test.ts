import { afterAll, describe, expect, it } from '@jest/globals'
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { ComposeModel } from '../../../src/compose/model.js'
import { loadProject, type LoadFixtureOptions } from '../../helpers/compose.js'
import type { Finding } from '../../../src/findings.js'
import { findPgrepProbe } from '../../../src/preflight/pgrep.js'
import { compareWithCompose } from '../../../src/preflight/compare.js'
import { preflight } from '../../../src/preflight/rules.js'
import type { PreflightOptions } from '../../../src/preflight/wording.js'

const FIXTURES = fileURLToPath(new URL('../../fixtures/compose/', import.meta.url))
const OPTIONS: PreflightOptions = {
  vpnService: 'openvpn',
  tunnelServices: ['celery', 'celery_monitoring'],
  healthTimeoutSec: 1200
}

function model(dir: string, files?: string[], options: LoadFixtureOptions = {}): ComposeModel {
  return loadProject(join(FIXTURES, dir), files, options)
}

/** The good stack with one variant file over it. */
function variant(name: string): ComposeModel {
  return model('checks/good', ['docker-compose.yml', `../variants/${name}.yml`])
}

/** One line per finding: level, rule, service and where. */
function summary(findings: Finding[]): string[] {
  return findings.map(
    (f) =>
      `${f.level} ${f.rule} ${f.service ?? '-'} ${f.location ? `${basename(f.location.file)}:${f.location.line}` : '-'}`
  )
}

function check(project: ComposeModel, options: Partial<PreflightOptions> = {}): Finding[] {
  return preflight(project, { ...OPTIONS, ...options })
}

describe('preflight on the shapes of docker-openwisp history', () => {
  it('before the tunnel: the workers are off the namespace and nothing waits for the VPN', () => {
    expect(summary(check(model('history/before-tunnel')))).toEqual([
      'error healthcheck-missing openvpn docker-compose.yml:31',
      'error network-mode celery docker-compose.yml:11',
      'error depends-on celery docker-compose.yml:11',
      'error network-mode celery_monitoring docker-compose.yml:21',
      'error depends-on celery_monitoring docker-compose.yml:21',
      'warning vpn-tun-device openvpn docker-compose.yml:31'
    ])
  })

  it('the middle step: list-form depends_on and no healthcheck', () => {
    const findings = check(model('history/middle-step'))
    expect(summary(findings)).toEqual([
      'error healthcheck-missing openvpn docker-compose.yml:26',
      'error depends-on celery docker-compose.yml:15',
      'error depends-on celery_monitoring docker-compose.yml:24',
      'warning vpn-tun-device openvpn docker-compose.yml:26',
      'warning restart-strands celery docker-compose.yml:15',
      'warning restart-strands celery_monitoring docker-compose.yml:24'
    ])
    expect(findings[1]?.message).toContain('list form (docker-compose.yml:15), which means condition service_started')
    expect(findings[4]?.fix).toContain('docker compose up -d --force-recreate --no-deps celery')
  })

  it('the fix: no errors left, but the probe does not prove the tunnel', () => {
    const findings = check(model('history/tunnel-fix'), { healthTimeoutSec: 600 })
    expect(summary(findings)).toEqual([
      'warning healthcheck-lies openvpn docker-compose.yml:37',
      'warning health-timeout openvpn docker-compose.yml:36',
      'warning vpn-tun-device openvpn docker-compose.yml:29',
      'warning restart-strands celery docker-compose.yml:9',
      'warning restart-strands celery_monitoring docker-compose.yml:9',
      'notice start-interval openvpn docker-compose.yml:38'
    ])
    expect(findings[1]?.message).toContain('start_period 90 s + interval 30 s × retries 30 = 990 s')
    expect(findings[3]?.message).toContain('`restart: always` (docker-compose.yml:31)')
    expect(findings[5]?.fix).toContain('Docker Engine ≥ 25')
  })

  it('today, with the .env that keeps the default network mode', () => {
    expect(summary(check(model('history/current')))).toEqual([
      'warning healthcheck-lies openvpn docker-compose.yml:40',
      'warning restart-strands celery docker-compose.yml:9',
      'warning restart-strands celery_monitoring docker-compose.yml:9',
      'notice start-interval openvpn docker-compose.yml:41',
      'notice depends-on-required celery docker-compose.yml:10',
      'notice depends-on-required celery_monitoring docker-compose.yml:10'
    ])
  })

  it('today, with an env file that empties CELERY_SERVICE_NETWORK_MODE: blames the env line', () => {
    const envFile = join(FIXTURES, 'history/current/no-tunnel.env')
    const findings = check(model('history/current', undefined, { envFiles: [envFile] }))
    const errors = findings.filter((f) => f.level === 'error')
    expect(summary(errors)).toEqual([
      'error network-mode celery no-tunnel.env:3',
      'error network-mode celery_monitoring no-tunnel.env:3'
    ])
    expect(errors[0]?.location).toEqual({ file: envFile, line: 3, column: 1 })
    expect(errors[0]?.message).toBe(
      "celery's network_mode (docker-compose.yml:22) comes from CELERY_SERVICE_NETWORK_MODE, which no-tunnel.env:3 sets to an empty string: Compose drops the empty network_mode and celery runs on the project's default network, so celery is not in openvpn's network namespace: it has no tun0 and no route to the devices."
    )
    expect(errors[1]?.message).toContain('(docker-compose.yml:28)')
    expect(errors[0]?.fix).toBe(
      "Set CELERY_SERVICE_NETWORK_MODE=service:openvpn at no-tunnel.env:3, or remove it if the compose file's default is `service:openvpn`."
    )
  })

  it('names the process environment when it set the network mode', () => {
    const findings = check(
      model('history/current', undefined, { environment: { CELERY_SERVICE_NETWORK_MODE: 'host' } })
    )
    const error = findings.find((f) => f.level === 'error' && f.service === 'celery')
    expect(error?.location).toMatchObject({ line: 22, column: 19 })
    expect(error?.message).toContain(
      "which the process environment sets to `host`: celery's network_mode is `host`, not `service:openvpn`"
    )
  })
})

describe('each check on the good stack and one variant', () => {
  it('the good stack passes', () => {
    expect(check(model('checks/good'), { healthTimeoutSec: 45 })).toEqual([])
  })

  it('CMD-SHELL with pgrep -f is an error: the shell matches itself', () => {
    const [finding] = check(variant('shell-pgrep'))
    expect(summary([finding!])).toEqual(['error healthcheck-lies openvpn shell-pgrep.yml:4'])
    expect(finding?.message).toContain('`pgrep -f openvpn`')
    expect(finding?.fix).toContain('["CMD", "grep", "-q", "tun0", "/proc/net/route"]')
  })

  it('CMD with pgrep -f is a warning', () => {
    expect(summary(check(variant('cmd-pgrep')))).toEqual(['warning healthcheck-lies openvpn cmd-pgrep.yml:4'])
  })

  it('options that conflict with network_mode: service: are errors at the option', () => {
    expect(summary(check(variant('conflicts')))).toEqual([
      'error network-mode-conflict celery conflicts.yml:6',
      'error network-mode-conflict celery conflicts.yml:4',
      'error network-mode-conflict celery conflicts.yml:3'
    ])
  })

  it('a VPN without NET_ADMIN or /dev/net/tun gets warnings, unless privileged', () => {
    expect(summary(check(variant('no-kernel-access')))).toEqual([
      'warning vpn-net-admin openvpn docker-compose.yml:4',
      'warning vpn-tun-device openvpn docker-compose.yml:4'
    ])
  })

  it('a loose dependency: service_started is an error, required: false a notice, no restart a warning', () => {
    expect(summary(check(variant('loose-dependency')))).toEqual([
      'error depends-on celery loose-dependency.yml:5',
      'warning restart-strands celery loose-dependency.yml:7',
      'notice depends-on-required celery loose-dependency.yml:6'
    ])
  })

  it('a disabled healthcheck is an error at the service', () => {
    const findings = check(variant('disabled-healthcheck'))
    expect(summary(findings)).toEqual(['error healthcheck-missing openvpn docker-compose.yml:4'])
    expect(findings[0]?.message).toContain("openvpn's healthcheck is disabled (`disable: true` or test `NONE`)")
  })

  it('a VPN service behind an inactive profile is named as such', () => {
    const findings = check(variant('vpn-profile'))
    expect(summary(findings)).toEqual(['error service-disabled openvpn docker-compose.yml:4'])
    expect(findings[0]?.fix).toContain('--profile vpn')
  })

  it('a missing service is an error', () => {
    expect(summary(check(model('checks/good'), { tunnelServices: ['worker'] }))).toEqual([
      'error service-missing worker docker-compose.yml:3'
    ])
  })

  it('a slow probe: a health timeout shorter than the unhealthy budget, and no start_interval', () => {
    expect(summary(check(variant('slow-probe'), { healthTimeoutSec: 719 }))).toEqual([
      'warning health-timeout openvpn docker-compose.yml:13',
      'notice start-interval openvpn slow-probe.yml:4'
    ])
    expect(summary(check(variant('slow-probe'), { healthTimeoutSec: 720 }))).toEqual([
      'notice start-interval openvpn slow-probe.yml:4'
    ])
  })

  it("uses Compose's healthcheck defaults (30 s × 3) when none are written", () => {
    const project = variant('cmd-pgrep')
    const healthcheck = project.services.get('openvpn')!.healthcheck!
    delete healthcheck.interval
    delete healthcheck.retries
    delete healthcheck.startPeriod
    expect(
      summary(check(project, { healthTimeoutSec: 89 })).filter((line) => !line.includes('healthcheck-lies'))
    ).toEqual([
      'warning health-timeout openvpn docker-compose.yml:13',
      'notice start-interval openvpn docker-compose.yml:13'
    ])
  })
})

describe('findPgrepProbe', () => {
  it.each([
    [['CMD-SHELL', 'pgrep -f openvpn'], { command: 'pgrep -f openvpn', inShell: true }],
    [
      ['CMD-SHELL', 'test -e /x && /usr/bin/pgrep -af "open vpn" >/dev/null || exit 1'],
      { command: '/usr/bin/pgrep -af open vpn', inShell: true }
    ],
    [['CMD', 'sh', '-ec', 'exec pgrep --full openvpn'], { command: 'exec pgrep --full openvpn', inShell: true }],
    [['CMD', 'pgrep', '-f', 'openvpn'], { command: 'pgrep -f openvpn', inShell: false }]
  ])('finds %j', (test, expected) => {
    expect(findPgrepProbe(test)).toEqual(expected)
  })

  it.each([
    [['CMD', 'pgrep', 'openvpn']],
    [['CMD-SHELL', 'pgrep openvpn']],
    [['CMD', 'grep', '-q', 'tun0', '/proc/net/route']],
    [['CMD-SHELL', 'echo pgrep -f x > /tmp/f']],
    [['NONE']]
  ])('ignores %j', (test) => {
    expect(findPgrepProbe(test)).toBeUndefined()
  })
})

describe('compareWithCompose', () => {
  const current = model('history/current')
  const agreeing = {
    services: {
      celery: {
        network_mode: 'service:openvpn',
        depends_on: { openvpn: { condition: 'service_healthy', required: false } }
      },
      celery_monitoring: {
        network_mode: 'service:openvpn',
        depends_on: { openvpn: { condition: 'service_healthy', required: false } }
      },
      openvpn: { healthcheck: { test: ['CMD', 'pgrep', '-f', 'openvpn'], interval: '30s' } }
    }
  }

  it('is silent when Compose reads the wiring as we do', () => {
    expect(compareWithCompose(current, agreeing, OPTIONS)).toEqual([])
  })

  it('names both values where Compose reads differently', () => {
    const config = structuredClone(agreeing) as Record<string, any>
    config.services.celery.network_mode = 'host'
    config.services.celery_monitoring.depends_on.openvpn.condition = 'service_started'
    config.services.openvpn.healthcheck = { test: 'pgrep openvpn' }
    const findings = compareWithCompose(current, config, OPTIONS)
    expect(summary(findings)).toEqual([
      'warning compose-mismatch celery docker-compose.yml:22',
      'warning compose-mismatch celery_monitoring docker-compose.yml:11',
      'warning compose-mismatch openvpn docker-compose.yml:40'
    ])
    expect(findings[0]?.message).toBe(
      "Compose reads celery's network_mode as `host`, but this action read `service:openvpn` (docker-compose.yml:22): the static checks on it may be wrong."
    )
    expect(findings[2]?.message).toContain(
      'as `["CMD-SHELL","pgrep openvpn"]`, but this action read `["CMD","pgrep","-f","openvpn"]`'
    )
  })

  it('reads a `$$` in the healthcheck as Compose does: one `$` in the container, `$$` in its output', () => {
    const dir = mkdtempSync(join(tmpdir(), 'otc-dollar-'))
    const shell = 'test -n "$$HOME" && grep -q tun0 /proc/net/route'
    writeFileSync(
      join(dir, 'docker-compose.yml'),
      `services:\n  openvpn:\n    image: vpn\n    healthcheck:\n      test: ["CMD-SHELL", ${JSON.stringify(shell)}]\n`
    )
    // What `docker compose config --format json` prints for that file.
    const config = { services: { openvpn: { healthcheck: { test: ['CMD-SHELL', shell] } } } }
    const options = { ...OPTIONS, tunnelServices: [] }
    expect(compareWithCompose(loadProject(dir), config, options)).toEqual([])
    config.services.openvpn.healthcheck.test[1] = shell.replace('HOME', 'USER')
    expect(summary(compareWithCompose(loadProject(dir), config, options))).toEqual([
      'warning compose-mismatch openvpn docker-compose.yml:5'
    ])
  })

  it("counts the dependency that network_mode: service: implies as Compose's own", () => {
    const config = {
      services: {
        celery: { network_mode: 'service:openvpn', depends_on: { openvpn: { condition: 'service_started' } } },
        celery_monitoring: { network_mode: 'service:openvpn' },
        openvpn: {}
      }
    }
    const findings = compareWithCompose(model('checks/good'), config, { ...OPTIONS, tunnelServices: ['celery'] })
    expect(summary(findings)).toEqual([
      'warning compose-mismatch celery docker-compose.yml:26',
      'warning compose-mismatch openvpn docker-compose.yml:14'
    ])
    expect(findings[1]?.message).toContain('as (none), but this action read')
  })

  it('reports a service that only one side enables, and output without services', () => {
    expect(
      summary(
        compareWithCompose(
          current,
          { services: { openvpn: agreeing.services.openvpn } },
          { ...OPTIONS, tunnelServices: ['celery'] }
        )
      )
    ).toEqual(['warning compose-mismatch celery docker-compose.yml:18'])
    expect(summary(compareWithCompose(current, [], OPTIONS))).toEqual(['warning compose-mismatch - -'])
  })
})

// The real docker-openwisp files (BSD-3, carried as test data): each is
// read from a temporary copy with the env text beside it as .env.
const UPSTREAM = join(FIXTURES, '../upstream/docker-openwisp')

describe('the real docker-openwisp files', () => {
  const dirs: string[] = []
  afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })))

  /** A temporary project: the compose file as docker-compose.yml and the env text as .env. */
  function upstream(
    version: string,
    env: string = readFileSync(join(UPSTREAM, `env.${version}`), 'utf8')
  ): ComposeModel {
    const dir = mkdtempSync(join(tmpdir(), `openwisp-${version}-`))
    dirs.push(dir)
    copyFileSync(join(UPSTREAM, `docker-compose.${version}.yml`), join(dir, 'docker-compose.yml'))
    writeFileSync(join(dir, '.env'), env)
    return loadProject(dir)
  }

  const errors = (project: ComposeModel): string[] => summary(check(project).filter((f) => f.level === 'error'))

  it('current (cff53f4) with its .env has no error', () => {
    const project = upstream('current')
    expect(project.services.get('celery')?.networkMode?.variables?.[0]).toMatchObject({
      name: 'CELERY_SERVICE_NETWORK_MODE',
      source: 'env-file',
      at: { line: 64 }
    })
    expect(errors(project)).toEqual([])
  })

  it('before the tunnel (346f688): errors for celery and celery_monitoring', () => {
    expect(errors(upstream('before-tunnel'))).toEqual([
      'error healthcheck-missing openvpn docker-compose.yml:159',
      'error network-mode celery docker-compose.yml:59',
      'error depends-on celery docker-compose.yml:59',
      'error network-mode celery_monitoring docker-compose.yml:75',
      'error depends-on celery_monitoring docker-compose.yml:75'
    ])
  })

  it('current with CELERY_SERVICE_NETWORK_MODE= in .env: an error naming the variable at its line', () => {
    const env = readFileSync(join(UPSTREAM, 'env.current'), 'utf8').replace(
      /^CELERY_SERVICE_NETWORK_MODE=.*$/m,
      'CELERY_SERVICE_NETWORK_MODE='
    )
    const findings = check(upstream('current', env)).filter((f) => f.level === 'error')
    expect(summary(findings)).toEqual([
      'error network-mode celery .env:64',
      'error network-mode celery_monitoring .env:64'
    ])
    expect(findings[0]?.message).toContain(
      "celery's network_mode (docker-compose.yml:89) comes from CELERY_SERVICE_NETWORK_MODE, which .env:64 sets to an empty string"
    )
    expect(findings[1]?.message).toContain('(docker-compose.yml:103)')
  })

  it('the fix (c1da8ef) has no error either', () => {
    expect(errors(upstream('tunnel-fix'))).toEqual([])
  })
})
