// Bad input and missing tools: one clear error annotation, a non-zero exit, no
// stack trace, and nothing started.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import { describe, expect, it } from '@jest/globals'
import { annotations, leftovers, runAction, STACKS, type ActionRun } from './harness.js'

const project = 'otc-it-bad-input'

function expectOneCleanError(run: ActionRun, text: string | RegExp): string {
  const errors = annotations(run.main, 'error')
  expect(errors).toHaveLength(1)
  expect(errors[0]).toMatch(text)
  expect(run.main.exitCode).toBe(1)
  expect(run.main.outputs.get('result')).toBe('failed')
  expect(run.main.stdout + run.main.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/)
  expect(run.main.state.has('composeProject')).toBe(false)
  expect(run.post!.stdout).toContain('Nothing was started')
  return errors[0]
}

describe('bad input', () => {
  rmSync('/tmp/otc-pwned', { force: true })

  it.each([
    [{ mode: 'fast' }, "Input 'mode': 'fast' is not one of full, verify, lint"],
    [{ 'compose-file': 'nope.yml' }, "Input 'compose-file': .*nope.yml does not exist"],
    [{ 'vpn-service': 'vpn; touch /tmp/otc-pwned' }, "Input 'vpn-service'"],
    [{ 'management-subnet': '10.8.0.0/40' }, "Input 'management-subnet'"],
    [{ 'probe-targets': 'device.lan' }, "Input 'probe-targets'"],
    [{ 'health-timeout': 'soon' }, "Input 'health-timeout'"],
    [{ teardown: 'later' }, "Input 'teardown'"],
    [{ preflight: 'maybe' }, "Input 'preflight'"],
    [{ logs: 'loud' }, "Input 'logs': 'loud' is not one of on-failure, always, never"],
    [{ 'project-name': 'Bad_Name' }, "Input 'project-name'"],
    [{ 'up-flags': '--build $(touch /tmp/otc-pwned)' }, "Input 'up-flags'.*shell syntax"],
    [{ 'env-file': 'missing.env' }, "Input 'env-file'"],
    [{ resilience: 'reboot' }, "Input 'resilience': 'reboot' is not one of off, restart, recreate or a list of both"],
    [{ resilience: 'off, restart' }, "Input 'resilience': 'off' cannot be combined"],
    [{ mode: 'verify', resilience: 'restart' }, "Input 'resilience': 'restart' needs mode: full"],
    [{ mode: 'lint', resilience: 'recreate' }, "Input 'resilience': 'recreate' needs mode: full"],
    [{ resilience: 'restart', 'recovery-timeout': 'soon' }, "Input 'recovery-timeout'"]
  ])('%j', (inputs, message) => {
    const run = runAction({ 'working-directory': 'demo', 'project-name': project, ...inputs })
    expectOneCleanError(run, new RegExp(message))
    expect(leftovers(project)).toEqual([])
    // Shell syntax in an input stays inert: nothing ran it.
    expect(existsSync('/tmp/otc-pwned')).toBe(false)
  })

  it('points a tunnel service the compose files lack at their services key', () => {
    const run = runAction({
      'working-directory': 'demo',
      'project-name': project,
      'tunnel-services': 'celery, workers'
    })
    const errors = annotations(run.main, 'error')
    expect(errors).toEqual([
      expect.stringMatching(
        /^::error title=workers: service-missing,file=demo\/docker-compose.yml,line=\d+,col=1::workers \(a tunnel service\) is not a service of the compose project \(it has: .*celery.*\)/
      )
    ])
    expect(run.main.exitCode).toBe(1)
    expect(run.main.state.has('composeProject')).toBe(false)
  })

  it('reports broken YAML at its own line and column', () => {
    const dir = mkdtempSync(join(tmpdir(), 'otc-yaml-'))
    writeFileSync(join(dir, 'docker-compose.yml'), 'services:\n  openvpn:\n    image: x\n  celery: [unclosed\n')
    const run = runAction({ 'working-directory': dir, 'project-name': project })
    const error = expectOneCleanError(run, /file=.*docker-compose.yml,line=\d+,col=\d+/)
    expect(error).toMatch(/line=[45],/)
  })

  it('places a YAML syntax error in the workspace by its workspace-relative path', () => {
    const dir = mkdtempSync(join(STACKS, '.otc-yaml-'))
    try {
      writeFileSync(join(dir, 'docker-compose.yml'), 'services:\n  openvpn:\n    image: x\n  celery: [unclosed\n')
      const run = runAction({ 'working-directory': dir, 'project-name': project })
      expectOneCleanError(
        run,
        new RegExp(`^::error title=Compose file error,file=${basename(dir)}/docker-compose.yml,line=`)
      )
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

describe('missing tools', () => {
  // The action runs as `node dist/index.js` by absolute path; PATH only finds docker.
  const nodeOnly = { PATH: '/nonexistent' }

  it('lint mode needs no Docker at all', () => {
    const run = runAction({ mode: 'lint', 'working-directory': 'demo' }, { env: nodeOnly })
    expect(run.main.exitCode).toBe(0)
    expect(run.main.outputs.get('result')).toBe('passed')
    expect(annotations(run.main, 'error')).toEqual([])
  })

  it('full mode without a docker CLI says so once', () => {
    const run = runAction({ 'working-directory': 'demo', 'project-name': project }, { env: nodeOnly })
    expect(annotations(run.main, 'error')).toEqual([expect.stringContaining('docker CLI is not installed')])
    expect(run.main.exitCode).toBe(1)
  })

  it('full mode without a daemon says so once', () => {
    const run = runAction(
      { 'working-directory': 'demo', 'project-name': project },
      { env: { DOCKER_HOST: 'unix:///nonexistent/docker.sock' } }
    )
    expect(annotations(run.main, 'error')).toEqual([expect.stringContaining('The Docker daemon does not answer')])
    expect(run.main.exitCode).toBe(1)
    expect(run.main.outputs.get('result')).toBe('failed')
  })
})

describe('a runner file that is missing', () => {
  it('is one error naming it, and no stack trace', () => {
    // The runner always creates GITHUB_OUTPUT; if it is gone, the failure to
    // set the `result` output must not end in a trace.
    const missing = join(tmpdir(), 'otc-no-such-dir', 'output')
    const run = runAction(
      { mode: 'lint', 'working-directory': 'demo', logs: 'loud' },
      { env: { GITHUB_OUTPUT: missing } }
    )
    const errors = annotations(run.main, 'error')
    expect(errors).toEqual([expect.stringContaining("Input 'logs'")])
    expect(run.main.exitCode).toBe(1)
    expect(run.main.stdout + run.main.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/)
  })
})
