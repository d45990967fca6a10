// Hostile input, run for real: each ends within seconds, in bounded memory,
// with one clear error, no stack trace and `result: failed`.
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from '@jest/globals'
import { ROOT } from '../../scripts/run-action.mjs'
import { annotations, runAction, type ActionRun } from './harness.js'

/** The step's peak resident memory, printed by a preload as the process exits. */
const MEASURE_RSS = {
  NODE_OPTIONS: `--import=data:text/javascript,process.on('exit',()=>process.stderr.write('max-rss-kb='+process.resourceUsage().maxRSS+'\\n'))`
}

function maxRssMb(run: ActionRun): number {
  const kb = /max-rss-kb=(\d+)/.exec(run.main.stderr)?.[1]
  if (!kb) throw new Error(`no max-rss-kb line in: ${run.main.stderr}`)
  return Number(kb) / 1024
}

/** A project directory holding `docker-compose.yml` with these bytes. */
function project(content: string | Buffer): string {
  const dir = mkdtempSync(join(tmpdir(), 'otc-hostile-'))
  writeFileSync(join(dir, 'docker-compose.yml'), content)
  return dir
}

const TUNNEL_SERVICES = [
  '  celery: { image: x, network_mode: "service:openvpn" }',
  '  celery_monitoring: { image: x, network_mode: "service:openvpn" }'
]

function lintFailsClearly(dir: string, inputs: Record<string, string> = {}): { error: string; run: ActionRun } {
  const run = runAction({ mode: 'lint', 'working-directory': dir, ...inputs }, { env: MEASURE_RSS, post: false })
  const errors = annotations(run.main, 'error')
  expect(errors).toHaveLength(1)
  expect(run.main.exitCode).toBe(1)
  expect(run.main.outputs.get('result')).toBe('failed')
  expect(run.main.stdout + run.main.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/)
  return { error: errors[0]!, run }
}

describe('hostile compose files in lint mode', () => {
  it('a billion laughs (10 levels of aliases) ends in seconds with one clear error and bounded memory', () => {
    const anchors = ['x-a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for (let i = 1; i <= 9; i++)
      anchors.push(
        `x-a${i}: &a${i} [${Array(10)
          .fill(`*a${i - 1}`)
          .join(',')}]`
      )
    const text = [...anchors, 'services:', '  openvpn: { image: x, environment: *a9 }', ...TUNNEL_SERVICES, ''].join(
      '\n'
    )
    expect(text.length).toBeLessThan(800)
    const { error, run } = lintFailsClearly(project(text))
    expect(error).toMatch(
      /^::error title=Compose file error,file=\/.*\/docker-compose.yml,line=6,col=16::\/.*docker-compose.yml:6: aliases expand this file to more than 400,000 values \(at \*a4\); a compose file needs a few thousand at most. Use fewer aliases, or aliases of smaller values.$/
    )
    // Before the bound: a V8 out-of-memory crash after 39 s at 4.3 GB.
    expect(run.main.seconds).toBeLessThan(30)
    expect(maxRssMb(run)).toBeLessThan(512)
  })

  it('values nested 2,000 deep are refused where they cross the bound', () => {
    const text = [
      'services:',
      `  openvpn: { image: x, command: ${'['.repeat(2000)}${']'.repeat(2000)} }`,
      ...TUNNEL_SERVICES,
      ''
    ]
    const { error, run } = lintFailsClearly(project(text.join('\n')))
    expect(error).toMatch(
      /::\/.*docker-compose.yml:2: values are nested more than 100 levels deep here; a compose file needs fewer than 10. Flatten the value.$/
    )
    expect(maxRssMb(run)).toBeLessThan(512)
  })

  it('invalid UTF-8 is refused at its byte, line and column, as Compose refuses it', () => {
    const bytes = Buffer.concat([
      Buffer.from('services:\n  openvpn:\n    image: x\n    command: "caf'),
      Buffer.from([0xc3, 0x28, 0xff]),
      Buffer.from(['"', ...TUNNEL_SERVICES, ''].join('\n'))
    ])
    const { error } = lintFailsClearly(project(bytes))
    expect(error).toMatch(
      /,line=4,col=18::\/.*docker-compose.yml:4:18: byte 51 \(0xC3\) is not valid UTF-8; Compose reads only UTF-8 and refuses the file. Save the file as UTF-8.$/
    )
  })

  it('health-timeout=2147484 is bad input, not a timer that ends the run at once', () => {
    const dir = project(['services:', '  openvpn: { image: x }', ...TUNNEL_SERVICES, ''].join('\n'))
    const { error } = lintFailsClearly(dir, { 'health-timeout': '2147484' })
    expect(error).toBe(
      "::error title=Bad input::Input 'health-timeout': 2147484 seconds is more than a day (86400 s), far longer than a tunnel check needs (a GitHub-hosted job ends after 6 hours). Write at most 86400."
    )
  })
})

describe('files that are not files', () => {
  /** The CLI in lint mode; a FIFO that were opened would block it until the time limit. */
  function cli(dir: string, args: string[]): { status: number | null; stderr: string; timedOut: boolean } {
    const result = spawnSync(
      process.execPath,
      [join(ROOT, 'dist/cli/index.js'), '--mode', 'lint', '--working-directory', dir, ...args],
      // SIGKILL: a process blocked in a read of a FIFO never runs its SIGTERM handler.
      { encoding: 'utf8', timeout: 60_000, killSignal: 'SIGKILL' }
    )
    return { status: result.status, stderr: result.stderr, timedOut: result.error !== undefined }
  }

  it('a compose file that is a FIFO is named as one, without waiting on it, named or found', () => {
    const dir = mkdtempSync(join(tmpdir(), 'otc-fifo-'))
    const fifo = join(dir, 'docker-compose.yml')
    execFileSync('mkfifo', [fifo])
    expect(cli(dir, ['--compose-file', 'docker-compose.yml'])).toEqual({
      status: 2,
      timedOut: false,
      stderr: `error: Input 'compose-file': ${fifo} is a named pipe (FIFO), not a file. Fix the path (it is relative to working-directory).\n`
    })
    // Found by Compose's own lookup, it is refused by the reader.
    expect(cli(dir, [])).toEqual({
      status: 2,
      timedOut: false,
      stderr: `error: cannot read compose file ${fifo}: it is a named pipe (FIFO), not a file\n`
    })
  })

  it('a .env that is a FIFO is named as one, without waiting on it', () => {
    const dir = project(['services:', '  openvpn: { image: x }', ...TUNNEL_SERVICES, ''].join('\n'))
    execFileSync('mkfifo', [join(dir, '.env')])
    const result = cli(dir, [])
    expect(result).toEqual({
      status: 2,
      timedOut: false,
      stderr: `error: cannot read env file ${dir}/.env: it is a named pipe (FIFO), not a file\n`
    })
  })
})
