// The CLI with the process runner replaced: options in, text or JSON out,
// exit codes as documented (0 passed, 1 failed, 2 bad input or no Docker).
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { CommandRunner } from '../../../src/docker/command.js'
import { healthyDemo, PROJECT, type ScriptedEngine } from '../../helpers/scripted-engine.js'

const ROOT = join(import.meta.dirname, '..', '..', '..')
let runner: ScriptedEngine

jest.unstable_mockModule('../../../src/docker/command.js', () => ({
  ProcessRunner: class {
    run: CommandRunner['run'] = (argv, options) => runner.run(argv, options)
    stopAll = async () => {}
  }
}))

interface CliRun {
  exitCode: number | undefined
  stdout: string
  stderr: string
}

async function runCli(...args: string[]): Promise<CliRun> {
  const out: string[] = []
  const err: string[] = []
  jest.spyOn(console, 'log').mockImplementation((text: unknown) => void out.push(`${String(text)}\n`))
  jest.spyOn(console, 'error').mockImplementation((text: unknown) => void err.push(`${String(text)}\n`))
  jest.spyOn(process.stdout, 'write').mockImplementation((text: string | Uint8Array) => out.push(String(text)) > 0)
  const cwd = jest.spyOn(process, 'cwd').mockReturnValue(ROOT)
  process.argv = ['node', 'openwisp-tunnel-check', ...args]
  await import('../../../src/fronts/cli.js')
  cwd.mockRestore()
  return { exitCode: process.exitCode as number | undefined, stdout: out.join(''), stderr: err.join('') }
}

const demo = ['--working-directory', 'fixtures/stacks/demo', '--project-name', PROJECT, '--probe-targets', '10.8.0.10']

beforeEach(() => {
  jest.resetModules()
  process.exitCode = undefined
  runner = healthyDemo()
})
afterEach(() => {
  jest.restoreAllMocks()
  process.exitCode = undefined
})

describe('the CLI', () => {
  it('prints its version', async () => {
    const run = await runCli('--version')
    const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }
    expect(run).toEqual({ exitCode: 0, stdout: `${version}\n`, stderr: '' })
  })

  it('prints its usage for -h', async () => {
    const run = await runCli('-h')
    expect(run.stdout).toMatch(/^Usage: openwisp-tunnel-check/)
    expect(run.exitCode).toBe(0)
  })

  it('refuses a bad value with one line and exit 2, before asking Docker anything', async () => {
    const run = await runCli('--mode', 'fast')
    expect(run.stderr).toBe("error: Input 'mode': 'fast' is not one of full, verify, lint. Use one of those values.\n")
    expect(run.exitCode).toBe(2)
    expect(runner.calls).toEqual([])
  })

  it('refuses a JSON path it could not write, before asking Docker anything', async () => {
    const run = await runCli('--mode', 'verify', ...demo, '--json', '/nonexistent-dir/report.json')
    expect(run.stderr).toMatch(/^error: Input 'json': \/nonexistent-dir\/report.json cannot be written/)
    expect(run.exitCode).toBe(2)
    expect(runner.calls).toEqual([])
  })

  it('writes the JSON report to standard output for --json -', async () => {
    const run = await runCli('--mode', 'verify', ...demo, '--json', '-')
    expect(JSON.parse(run.stdout)).toMatchObject({ result: 'passed', mode: 'verify', project: PROJECT })
    // The progress goes to standard error then, so that the output stays JSON.
    expect(run.stderr).toContain('── Tunnel checks')
    expect(run.exitCode).toBe(0)
  })

  it('full: runs up, tears down once and says what it removed', async () => {
    runner = healthyDemo({ full: true })
    const run = await runCli('--mode', 'full', ...demo)
    expect(runner.calls.filter((call) => / up --detach$/.test(call))).toHaveLength(1)
    expect(runner.calls.filter((call) => / down --volumes/.test(call))).toHaveLength(1)
    // The scripted engine still lists the containers after `down`: the message says so.
    expect(run.stdout.match(/^Removed .*$/gm)).toEqual([
      'Removed nothing of project schema-unit; 3 containers could not be removed.'
    ])
    expect(run.stdout).toContain('PASSED: Management tunnel works')
    expect(run.exitCode).toBe(0)
  })
})
