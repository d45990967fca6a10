import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from '@jest/globals'
import { InputError } from '../../src/errors.js'
import { list, readSettings, uniqueProjectName } from '../../src/settings.js'

const workspace = mkdtempSync(join(tmpdir(), 'otc-settings-'))
writeFileSync(join(workspace, 'docker-compose.yml'), 'services: {}\n')
writeFileSync(join(workspace, 'extra.env'), 'A=1\n')
const environment = { GITHUB_WORKSPACE: workspace }

function settingsWith(inputs: Record<string, string>, env: NodeJS.ProcessEnv = environment) {
  return readSettings((name) => inputs[name] ?? '', env)
}

function inputError(inputs: Record<string, string>): InputError {
  try {
    settingsWith(inputs)
  } catch (error) {
    if (error instanceof InputError) return error
    throw error
  }
  throw new Error('expected an InputError')
}

describe('readSettings', () => {
  it('applies the defaults of action.yml', () => {
    const settings = settingsWith(
      {},
      { ...environment, GITHUB_RUN_ID: '42', GITHUB_RUN_ATTEMPT: '2', GITHUB_JOB: 'Tunnel_Check' }
    )
    expect(settings).toMatchObject({
      mode: 'full',
      workingDirectory: workspace,
      composeFiles: [],
      projectName: 'otc-42-2-tunnel_check',
      vpnService: 'openvpn',
      tunnelServices: ['celery', 'celery_monitoring'],
      managementSubnets: [],
      healthTimeoutSec: 600,
      routeTimeoutSec: 30,
      preflight: 'fail',
      teardown: 'always'
    })
  })

  it('leaves the project name to Compose in verify mode', () => {
    expect(settingsWith({ mode: 'verify' }).projectName).toBeUndefined()
  })

  it('reads lists with commas and newlines, CIDRs, addresses and flags', () => {
    const settings = settingsWith({
      'tunnel-services': 'jobs,\nmonitor\n',
      'management-subnet': '10.77.0.0/24, fd00::/64',
      'probe-targets': '10.77.0.20\n10.77.0.21',
      'up-flags': `--build --scale 'jobs=2'`,
      'env-file': 'extra.env'
    })
    expect(settings.tunnelServices).toEqual(['jobs', 'monitor'])
    expect(settings.managementSubnets.map((s) => s.cidr)).toEqual(['10.77.0.0/24', 'fd00::/64'])
    expect(settings.probeTargets).toEqual(['10.77.0.20', '10.77.0.21'])
    expect(settings.upFlags).toEqual(['--build', '--scale', 'jobs=2'])
    expect(settings.envFiles).toEqual([join(workspace, 'extra.env')])
  })

  it.each([
    [{ mode: 'fast' }, 'mode', "'fast' is not one of full, verify, lint"],
    [{ teardown: 'sometimes' }, 'teardown', 'always, on-success, never'],
    [{ preflight: 'warn' }, 'preflight', 'fail, report, off'],
    [{ 'compose-file': 'missing.yml' }, 'compose-file', 'missing.yml does not exist'],
    [{ 'env-file': 'nope.env' }, 'env-file', 'nope.env does not exist'],
    [{ 'working-directory': 'nowhere' }, 'working-directory', 'is not a directory'],
    [{ 'health-timeout': '0' }, 'health-timeout', 'not a positive number'],
    [{ 'health-timeout': '10m' }, 'health-timeout', 'not a positive number'],
    [{ 'route-timeout': '-5' }, 'route-timeout', 'not a positive number'],
    [{ 'management-subnet': '10.8.0.0/33' }, 'management-subnet', 'is not a CIDR'],
    [{ 'management-subnet': '10.8.0.1/24' }, 'management-subnet', 'Did you mean 10.8.0.0/24?'],
    [{ 'probe-targets': '10.8.0.300' }, 'probe-targets', 'is not an IP address'],
    [{ 'probe-targets': '10.8.0.0/24' }, 'probe-targets', 'is not an IP address'],
    [{ 'project-name': 'My Project' }, 'project-name', 'not a valid Compose project name'],
    [{ 'vpn-service': 'openvpn; rm -rf /' }, 'vpn-service', 'not a Compose service name'],
    [{ 'tunnel-services': 'celery,$(reboot)' }, 'tunnel-services', 'not a Compose service name'],
    [{ 'tunnel-services': 'openvpn' }, 'tunnel-services', 'is the vpn service itself'],
    [{ 'up-flags': '--build; reboot' }, 'up-flags', "';' is shell syntax"],
    [{ 'up-flags': '--build && reboot' }, 'up-flags', "'&&' is shell syntax"],
    [{ 'up-flags': '--scale $(reboot)' }, 'up-flags', 'is shell syntax'],
    [{ 'up-flags': '--build $HOME' }, 'up-flags', "'$HOME' is shell syntax"],
    [{ profiles: 'a b' }, 'profiles', 'not a Compose profile name']
  ])('refuses %j with an error naming %s', (inputs, input, text) => {
    const error = inputError(inputs as Record<string, string>)
    expect(error.input).toBe(input)
    expect(error.message).toContain(`Input '${input}'`)
    expect(error.message).toContain(text)
  })
})

describe('list', () => {
  it('splits on commas and newlines and drops blanks', () => {
    expect(list(' a, b\n\nc ,')).toEqual(['a', 'b', 'c'])
  })
})

describe('uniqueProjectName', () => {
  it('is unique per run, attempt and job, and valid for Compose', () => {
    const name = uniqueProjectName({ GITHUB_RUN_ID: '9', GITHUB_RUN_ATTEMPT: '1', GITHUB_JOB: 'Build & Test' })
    expect(name).toBe('otc-9-1-build---test')
    expect(uniqueProjectName({ GITHUB_RUN_ID: '9', GITHUB_RUN_ATTEMPT: '2', GITHUB_JOB: 'x' })).not.toBe(
      uniqueProjectName({ GITHUB_RUN_ID: '9', GITHUB_RUN_ATTEMPT: '1', GITHUB_JOB: 'x' })
    )
    expect(uniqueProjectName({})).toMatch(/^otc-[a-z0-9]+-[a-z0-9]+$/)
  })
})
