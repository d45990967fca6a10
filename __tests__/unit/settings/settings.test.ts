import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from '@jest/globals'
import { InputError } from '../../../src/errors.js'
import { readSettings } from '../../../src/settings/settings.js'
import { MAX_TIMEOUT_SEC } from '../../../src/settings/values.js'

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
      { ...environment, GITHUB_RUN_ID: '42', GITHUB_RUN_ATTEMPT: '2', GITHUB_JOB: 'Tunnel_Check', GITHUB_ACTION: 'tc' }
    )
    expect(settings).toMatchObject({
      mode: 'full',
      workingDirectory: workspace,
      composeFiles: [],
      projectName: expect.stringMatching(/^otc-42-2-tunnel_check-tc-[0-9a-f]{8}$/),
      vpnService: 'openvpn',
      tunnelServices: ['celery', 'celery_monitoring'],
      managementSubnets: [],
      healthTimeoutSec: 600,
      routeTimeoutSec: 30,
      preflight: 'fail',
      teardown: 'always',
      logs: 'on-failure',
      resilience: [],
      recoveryTimeoutSec: 120,
      stopTimeoutSec: 1
    })
  })

  it('reads the resilience events in the order given, once each', () => {
    expect(settingsWith({ resilience: 'off' }).resilience).toEqual([])
    expect(settingsWith({ resilience: 'restart' }).resilience).toEqual(['restart'])
    expect(settingsWith({ resilience: 'recreate,\nrestart, recreate', 'recovery-timeout': '30' })).toMatchObject({
      resilience: ['recreate', 'restart'],
      recoveryTimeoutSec: 30
    })
  })

  it.each([
    ['0', 0],
    ['30', 30],
    ['300', 300]
  ])('takes stop-timeout %s as %d seconds (0: kill at once)', (value, seconds) => {
    expect(settingsWith({ 'stop-timeout': value }).stopTimeoutSec).toBe(seconds)
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
    [{ logs: 'on-error' }, 'logs', "'on-error' is not one of on-failure, always, never"],
    [{ 'compose-file': 'missing.yml' }, 'compose-file', 'missing.yml does not exist'],
    [{ 'env-file': 'nope.env' }, 'env-file', 'nope.env does not exist'],
    [{ 'working-directory': 'nowhere' }, 'working-directory', 'is not a directory'],
    [{ 'health-timeout': '0' }, 'health-timeout', 'not a positive number'],
    [{ 'health-timeout': '10m' }, 'health-timeout', 'not a positive number'],
    [{ 'route-timeout': '-5' }, 'route-timeout', 'not a positive number'],
    [{ 'stop-timeout': '1.5' }, 'stop-timeout', 'not a whole number of seconds from 0 to 300'],
    [{ 'stop-timeout': '-1' }, 'stop-timeout', 'not a whole number'],
    [{ 'stop-timeout': '301' }, 'stop-timeout', 'from 0 to 300'],
    [{ 'stop-timeout': '10s' }, 'stop-timeout', 'not a whole number'],
    [{ 'management-subnet': '10.8.0.0/33' }, 'management-subnet', 'is not a CIDR'],
    [{ 'management-subnet': '10.8.0.1/24' }, 'management-subnet', 'Did you mean 10.8.0.0/24?'],
    [{ 'probe-targets': '10.8.0.300' }, 'probe-targets', 'is not an IP address'],
    [{ 'probe-targets': '10.8.0.0/24' }, 'probe-targets', 'is not an IP address'],
    // Legacy IPv4 forms ipaddr.js reads as other addresses (8.8.0.10, 10.0.0.8).
    [{ 'probe-targets': '010.8.0.10' }, 'probe-targets', 'is not an IP address'],
    [{ 'probe-targets': '10.8' }, 'probe-targets', 'is not an IP address'],
    [{ 'probe-targets': '0x0a.8.0.10' }, 'probe-targets', 'is not an IP address'],
    [{ 'management-subnet': '010.8.0.0/24' }, 'management-subnet', 'is not a CIDR'],
    [{ 'probe-targets': '10.8.0.10,fe80::9ef8:9b0:171c:68b3%tun0' }, 'probe-targets', 'is a link-local address'],
    [{ 'probe-targets': 'fe80::1' }, 'probe-targets', "e.g. the server's own tun0"],
    [{ 'probe-targets': '169.254.1.1' }, 'probe-targets', 'is a link-local address'],
    [{ 'probe-targets': '127.0.0.1' }, 'probe-targets', 'is a loopback address'],
    [{ 'probe-targets': '::1' }, 'probe-targets', 'is a loopback address'],
    [{ 'probe-targets': '::ffff:127.0.0.1' }, 'probe-targets', 'is a loopback address'],
    [{ 'probe-targets': '224.0.0.1' }, 'probe-targets', 'is a multicast address'],
    [{ 'probe-targets': 'ff02::1' }, 'probe-targets', 'is a multicast address'],
    [{ 'probe-targets': '255.255.255.255' }, 'probe-targets', 'is the broadcast address'],
    [{ 'probe-targets': '0.0.0.0' }, 'probe-targets', 'is the unspecified address'],
    [{ 'probe-targets': '::' }, 'probe-targets', 'List the management IPs devices get on the VPN'],
    [{ 'project-name': 'My Project' }, 'project-name', 'not a valid Compose project name'],
    [{ 'vpn-service': 'openvpn; rm -rf /' }, 'vpn-service', 'not a Compose service name'],
    [{ 'tunnel-services': 'celery,$(reboot)' }, 'tunnel-services', 'not a Compose service name'],
    [{ 'tunnel-services': 'openvpn' }, 'tunnel-services', 'is the vpn service itself'],
    [{ 'up-flags': '--build; reboot' }, 'up-flags', "';' is shell syntax"],
    [{ 'up-flags': '--build && reboot' }, 'up-flags', "'&&' is shell syntax"],
    [{ 'up-flags': '--scale $(reboot)' }, 'up-flags', 'is shell syntax'],
    [{ 'up-flags': '--build $HOME' }, 'up-flags', "'$HOME' is shell syntax"],
    [{ profiles: 'a b' }, 'profiles', 'not a Compose profile name'],
    [{ resilience: 'reboot' }, 'resilience', "'reboot' is not one of off, restart, recreate or a list of both"],
    [{ resilience: 'off, restart' }, 'resilience', "'off' cannot be combined with an event"],
    [{ mode: 'verify', resilience: 'restart' }, 'resilience', 'Verify mode never starts, stops or restarts anything'],
    [{ mode: 'lint', resilience: 'recreate' }, 'resilience', 'Lint mode runs no containers'],
    [{ 'recovery-timeout': '0' }, 'recovery-timeout', 'not a positive number'],
    [{ 'recovery-timeout': '2m' }, 'recovery-timeout', 'not a positive number']
  ])('refuses %j with an error naming %s', (inputs, input, text) => {
    const error = inputError(inputs as Record<string, string>)
    expect(error.input).toBe(input)
    expect(error.message).toContain(`Input '${input}'`)
    expect(error.message).toContain(text)
  })
})

describe('bounds on hostile input', () => {
  it('refuses a timeout longer than a day, which would overflow the run deadline timer', () => {
    expect(inputError({ 'health-timeout': '2147484' }).message).toBe(
      "Input 'health-timeout': 2147484 seconds is more than a day (86400 s), far longer than a tunnel check needs (a GitHub-hosted job ends after 6 hours). Write at most 86400."
    )
    expect(inputError({ 'route-timeout': String(MAX_TIMEOUT_SEC + 1) }).input).toBe('route-timeout')
    const longest = settingsWith({
      'health-timeout': String(MAX_TIMEOUT_SEC),
      'route-timeout': String(MAX_TIMEOUT_SEC)
    })
    expect([longest.healthTimeoutSec, longest.routeTimeoutSec]).toEqual([MAX_TIMEOUT_SEC, MAX_TIMEOUT_SEC])
  })

  it("holds a project name to Compose's rules and 63 characters, and quotes a long one short", () => {
    expect(settingsWith({ 'project-name': `a${'-_9'.repeat(20)}zz` }).projectName).toHaveLength(63)
    for (const name of ['a'.repeat(64), '-otc', '_otc', 'Otc', 'otc.1'])
      expect(inputError({ 'project-name': name }).input).toBe('project-name')
    expect(inputError({ 'project-name': 'a'.repeat(100_000) }).message).toBe(
      `Input 'project-name': '${'a'.repeat(60)}…' (100000 characters) is not a valid Compose project name ` +
        '(at most 63 lower case letters, digits, - and _, starting with a letter or digit) ' +
        '(allowed: ^[a-z0-9][a-z0-9_-]{0,62}$). Fix the value; it is never passed to a shell.'
    )
  })

  it('keeps every message short and on one line, whatever the value', () => {
    const huge = 'x'.repeat(100_000)
    const cases: Record<string, string>[] = [
      { 'compose-file': huge },
      { 'env-file': huge },
      { 'working-directory': huge },
      { 'management-subnet': huge },
      { 'health-timeout': `9${'0'.repeat(10_000)}` },
      { 'vpn-service': huge },
      { profiles: huge }
    ]
    for (const inputs of cases) {
      expect(inputError(inputs).message.length).toBeLessThan(600)
      expect(inputError(inputs).message).not.toContain('\n')
    }
    expect(inputError({ 'compose-file': `a\rb.yml` }).message).toContain('a\\x0db.yml')
    expect(inputError({ 'management-subnet': '\u001b[31mred' }).message).toContain("'\\x1b[31mred' is not a CIDR")
    // Cut between characters: the emoji at the cut stays whole.
    expect(inputError({ 'project-name': `${'a'.repeat(59)}🙂${'a'.repeat(30)}` }).message).toContain(
      `${'a'.repeat(59)}🙂…'`
    )
  })

  describe('says what a compose or env file is when it is not a file, without opening it', () => {
    const dir = mkdtempSync(join(workspace, 'kinds-'))
    mkdirSync(join(dir, 'folder.yml'))
    execFileSync('mkfifo', [join(dir, 'fifo.yml')])
    symlinkSync('loop-b.yml', join(dir, 'loop-a.yml'))
    symlinkSync('loop-a.yml', join(dir, 'loop-b.yml'))
    symlinkSync('gone.yml', join(dir, 'dangling.yml'))

    it.each([
      ['compose-file', 'folder.yml', 'is a directory, not a file'],
      ['compose-file', 'fifo.yml', 'is a named pipe (FIFO), not a file'],
      ['compose-file', 'loop-a.yml', 'is a symbolic link that leads back to itself (a loop)'],
      ['compose-file', 'dangling.yml', 'is a symbolic link to a file that does not exist'],
      ['env-file', 'fifo.yml', 'is a named pipe (FIFO), not a file']
    ])('%s %s', (input, name, what) => {
      const file = join(dir, name)
      expect(inputError({ [input]: file }).message).toBe(
        `Input '${input}': ${file} ${what}. Fix the path (it is relative to working-directory).`
      )
    })
  })
})
