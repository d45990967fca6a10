// Secrets and workflow commands against a real engine. The `secrets` stack's
// vpn prints the secrets it was given to its log and in its healthcheck's
// output, with workflow commands in every form the runner acts on, and never
// becomes healthy; the failed run shows both in its diagnostics. No secret may
// appear in what the runner sees (but in `::add-mask::`), the summary, the
// report or the CLI's output, and no command from the container may take effect.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from '@jest/globals'
import { ROOT } from '../../scripts/run-action.mjs'
import { projectDir } from '../helpers/compose.js'
import { validateReport } from '../helpers/report-schema.js'
import { workflowCommands } from '../helpers/workflow-commands.js'
import { composeDown, leftovers, runAction, STACKS } from './harness.js'

const MINUTES = 60_000

/** What the process environment gives the run: two secrets the compose file
 * uses (one interpolated, one passed on by `environment`) and one it does not. */
const FROM_PROCESS = {
  OTC_SC_API_TOKEN: 'otc-sc-token-8d2e6a',
  OTC_SC_DEPLOY_KEY: 'otc-sc-deploy-3b7f05',
  OTC_SC_UNUSED_TOKEN: 'otc-sc-unused-91c4d2'
}
/** Set in fixtures/stacks/secrets/.env: one secret by its name, one by its value. */
const FROM_ENV_FILE = { DB_PASSWORD: 'otc-sc-db-pw-4f1c9a', SESSION_BLOB: 'Zx9#kQ2!mP7vR4tB' }
const SECRETS = [
  FROM_ENV_FILE.DB_PASSWORD,
  FROM_ENV_FILE.SESSION_BLOB,
  FROM_PROCESS.OTC_SC_API_TOKEN,
  FROM_PROCESS.OTC_SC_DEPLOY_KEY
]

let projects: string[] = []
afterEach(() => {
  for (const name of projects) {
    const left = leftovers(name)
    composeDown(name)
    expect(left).toEqual([])
  }
  projects = []
})

/** A project name of this file's own. */
function project(name: string): string {
  const unique = `otc-sc-${name}-${process.pid}-${Date.now().toString(36)}`
  projects.push(unique)
  return unique
}

const ADD_MASK = '::add-mask::'

function withoutMasks(stdout: string): string {
  return stdout
    .split('\n')
    .filter((line) => !line.startsWith(ADD_MASK))
    .join('\n')
}

function expectNoSecretIn(...outputs: string[]): void {
  const everything = outputs.join('\n')
  for (const secret of SECRETS) expect(everything).not.toContain(secret)
}

/** Nothing the container printed took effect: no injected annotation, no output. */
function expectNoInjectedCommand(stdout: string): void {
  const issued = workflowCommands(stdout)
  expect(issued.filter((c) => /INJECTED/.test(c.properties.title ?? '') || c.data.includes('pwned'))).toEqual([])
  expect(issued.filter((c) => c.name === 'set-output')).toEqual([])
}

describe('a vpn that prints secrets and workflow commands', () => {
  it(
    'has its secrets masked first and removed from log, summary and report, and its commands shown inert',
    () => {
      const name = project('action')
      const run = runAction(
        { 'working-directory': 'secrets', 'project-name': name, 'health-timeout': '60' },
        {
          env: FROM_PROCESS
        }
      )
      expect(run.main.exitCode).toBe(1)
      expect(run.main.outputs.get('result')).toBe('failed')

      // Masked before anything else is printed; the unused variable and plain
      // configuration (VPN_DOMAIN=openvpn) are not.
      const lines = run.main.stdout.split('\n')
      const masks = lines.filter((line) => line.startsWith(ADD_MASK)).map((line) => line.slice(ADD_MASK.length))
      expect(masks.sort()).toEqual([...SECRETS].sort())
      expect(lines.slice(0, SECRETS.length).every((line) => line.startsWith(ADD_MASK))).toBe(true)

      // The container's words reached every output, without the secrets.
      const { vpnLogTail, vpnProbes } = run.report!.diagnostics
      expect(vpnLogTail.split('\n').filter((line: string) => line.endsWith(' ***'))).toHaveLength(4)
      expect(vpnProbes.at(-1).output).toMatch(/^\*\*\*\n::error title=INJECTED::pwned\n[\s\S]*\n\*\*\*$/)
      const health = run.report!.checks.find((c: any) => c.check === 'health')
      expect(health.evidence.last_probe).toBe('exit 1: ***')
      expect(run.main.stdout).toMatch(new RegExp(`^::group::Log of openvpn \\(${name}-openvpn-1\\): `, 'm'))
      expect(run.report!.diagnostics.logs[0].text).toBe(vpnLogTail)
      expect(run.main.stdout).toContain('\n::error title=INJECTED::pwned\n')
      expect(run.main.stdout).toContain('\n  ::warning title=INJECTED-INDENTED::pwned\n')
      expect(run.main.summary).toContain('::set-output name=result::passed')
      expectNoSecretIn(
        withoutMasks(run.main.stdout),
        run.main.stderr,
        run.main.summary,
        JSON.stringify(run.report),
        run.post!.stdout,
        run.post!.stderr
      )

      expectNoInjectedCommand(run.main.stdout)
      // The action's own commands after the container's text still work.
      const errors = workflowCommands(run.main.stdout).filter((c) => c.name === 'error')
      expect(errors.map((c) => c.properties.title)).toContain('openvpn: health check failed')
    },
    5 * MINUTES
  )

  it(
    'is just as harmless through the CLI in a workflow step',
    () => {
      const name = project('cli')
      const json = join(mkdtempSync(join(tmpdir(), 'otc-sc-cli-')), 'report.json')
      const args = ['--working-directory', 'secrets', '--project-name', name, '--health-timeout', '60', '--json', json]
      const result = spawnSync(process.execPath, [join(ROOT, 'dist/cli/index.js'), ...args], {
        cwd: STACKS,
        env: { PATH: process.env.PATH, HOME: process.env.HOME, GITHUB_ACTIONS: 'true', ...FROM_PROCESS },
        encoding: 'utf8',
        timeout: 5 * MINUTES
      })
      expect(result.status).toBe(1)
      const report = JSON.parse(readFileSync(json, 'utf8'))
      expect(validateReport(report)).toEqual([])
      expect(result.stdout).toContain('::error title=INJECTED::pwned')
      expect(result.stdout).toMatch(/^.* \*\*\*$/m)
      expectNoSecretIn(result.stdout, result.stderr, JSON.stringify(report))
      // The CLI issues no command of its own: nothing at all may take effect.
      expect(workflowCommands(result.stdout + result.stderr)).toEqual([])
    },
    5 * MINUTES
  )
})

describe('values from env files in lint mode', () => {
  const dir = projectDir({
    'docker-compose.yml': [
      'services:',
      '  openvpn:',
      '    image: otc-openvpn:test',
      '    environment: { API_TOKEN: "${API_TOKEN}" }',
      '    healthcheck: { test: ["CMD-SHELL", "pgrep -f openvpn-${API_TOKEN}"] }',
      '  celery: { image: otc-worker:test, network_mode: "${CELERY_SERVICE_NETWORK_MODE-service:openvpn}", depends_on: { openvpn: { condition: service_healthy } } }',
      '  celery_monitoring: { image: otc-worker:test, network_mode: "service:openvpn", depends_on: { openvpn: { condition: service_healthy } } }'
    ],
    '.env': ['API_TOKEN=otc-secret-4711', 'CELERY_SERVICE_NETWORK_MODE=bridge']
  })

  it('are never printed, except the one variable a finding is about, not even in a quoted command', () => {
    const run = runAction({ mode: 'lint', 'working-directory': dir })
    expect(run.main.outputs.get('result')).toBe('failed')
    expect(run.main.stdout).toContain(`${ADD_MASK}otc-secret-4711\n`)
    const outputs = [withoutMasks(run.main.stdout), run.main.summary, JSON.stringify(run.report)]
    for (const output of outputs) expect(output).toContain('`pgrep -f openvpn-***`')
    const everything = [...outputs, run.main.stderr].join('\n')
    expect(everything).toContain('CELERY_SERVICE_NETWORK_MODE')
    expect(everything).toContain('bridge')
    expect(everything).not.toContain('otc-secret-4711')
  })
})
