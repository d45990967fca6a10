// The action's main step with @actions/core and the process runner replaced:
// what it reads, saves for the post step, outputs and annotates.
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { CommandRunner } from '../../../src/docker/command.js'
import { emptyRecord, mockCore, type Recorded } from '../../helpers/core-mock.js'
import { ENGINE_TIME, healthyDemo, PROJECT, verifyInputs } from '../../helpers/scripted-engine.js'

const ROOT = join(import.meta.dirname, '..', '..', '..')
let recorded: Recorded
let runner: CommandRunner

jest.unstable_mockModule('../../../src/docker/command.js', () => ({
  ProcessRunner: class {
    run: CommandRunner['run'] = (argv, options) => runner.run(argv, options)
    stopAll = async () => {}
  }
}))

async function runMain(inputs: Record<string, string>, environment: NodeJS.ProcessEnv = {}): Promise<Recorded> {
  recorded = emptyRecord(inputs)
  mockCore(recorded)
  const { main } = await import('../../../src/fronts/action.js')
  const temp = mkdtempSync(join(tmpdir(), 'otc-action-'))
  await main({
    GITHUB_WORKSPACE: ROOT,
    RUNNER_TEMP: temp,
    GITHUB_STEP_SUMMARY: join(temp, 'summary.md'),
    ...environment
  })
  return recorded
}

beforeEach(() => {
  jest.resetModules()
  process.exitCode = undefined
})
afterEach(() => {
  process.exitCode = undefined
})

describe('main', () => {
  it('verify: outputs the verdict and subnets, writes the report, saves nothing to tear down', async () => {
    runner = healthyDemo()
    const r = await runMain(verifyInputs)
    expect(r.outputs.get('result')).toBe('passed')
    expect(r.outputs.get('project-name')).toBe(PROJECT)
    expect(r.outputs.get('management-subnet')).toBe('10.8.0.0/24')
    expect(JSON.parse(readFileSync(r.outputs.get('report')!, 'utf8'))).toMatchObject({
      result: 'passed',
      project: PROJECT
    })
    expect(r.annotations).toEqual([
      expect.objectContaining({ level: 'notice', properties: { title: 'Tunnel verified' } })
    ])
    expect(r.state.has('composeProject')).toBe(false)
    expect(r.summary.join('')).toContain('## ✅ Management tunnel works')
    expect(process.exitCode).toBeUndefined()
  })

  it('full: saves the project for the post step before it runs up, then passes', async () => {
    const scripted = healthyDemo({ full: true })
    runner = scripted
    const r = await runMain({ ...verifyInputs, mode: 'full', 'stop-timeout': '4' })
    expect(r.state.get('stopTimeout')).toBe('4')
    const saved = JSON.parse(r.state.get('composeProject')!) as { projectName: string; files: string[] }
    expect(saved.projectName).toBe(PROJECT)
    expect(saved.files).toEqual([join(ROOT, 'fixtures/stacks/demo/docker-compose.yml')])
    expect(JSON.parse(r.state.get('composeCommand')!)).toEqual(['docker', 'compose'])
    expect(r.state.get('upStarted')).toBe(new Date(ENGINE_TIME).toISOString())
    expect(scripted.calls.some((call) => /^docker compose .* up --detach$/.test(call))).toBe(true)
    expect(r.state.get('result')).toBe('passed')
    expect(r.outputs.get('result')).toBe('passed')
  })

  it('full: lists what the project holds after Compose has given its model, just before up', async () => {
    // Whatever someone else creates after the listings is taken for this
    // run's; `config` can take seconds (a slow env_file), so the listings
    // must not run beside it. The engine's time is asked before them.
    const scripted = healthyDemo({ full: true })
    runner = scripted
    await runMain({ ...verifyInputs, mode: 'full' })
    const first = (pattern: RegExp): number => scripted.calls.findIndex((call) => pattern.test(call))
    const config = first(/^docker compose .* config --format json$/)
    const listing = first(/^docker ps --all --quiet --no-trunc --filter label=com.docker.compose.project=/)
    expect(config).toBeGreaterThanOrEqual(0)
    expect(first(/^docker info --format/)).toBeLessThan(listing)
    expect(listing).toBeGreaterThan(config)
    expect(first(/^docker volume ls --quiet$/)).toBeGreaterThan(config)
    expect(first(/^docker compose .* up --detach$/)).toBeGreaterThan(listing)
  })

  it('full: outputs the project it named for the run, the one the post step removes', async () => {
    runner = healthyDemo({ full: true })
    const { 'project-name': _, ...inputs } = verifyInputs
    const r = await runMain(
      { ...inputs, mode: 'full' },
      { GITHUB_RUN_ID: '77', GITHUB_RUN_ATTEMPT: '2', GITHUB_JOB: 'tunnel' }
    )
    const name = r.outputs.get('project-name')!
    expect(name).toMatch(/^otc-77-2-tunnel-/)
    expect(JSON.parse(r.state.get('composeProject')!)).toMatchObject({ projectName: name })
    expect(JSON.parse(readFileSync(r.outputs.get('report')!, 'utf8'))).toMatchObject({ project: name })
  })

  it('full on a project that exists: one error annotation naming it, nothing started, nothing saved to tear down', async () => {
    const scripted = healthyDemo()
    runner = scripted
    const r = await runMain({ ...verifyInputs, mode: 'full' })
    expect(r.annotations).toEqual([
      {
        level: 'error',
        // The scripted engine does not answer the inspect template: counts without names.
        message: expect.stringMatching(
          /^Input 'project-name': project 'schema-unit' already exists on this Docker engine: 3 containers\. .* use mode: verify\.$/
        ),
        properties: { title: 'Bad input' }
      }
    ])
    expect(scripted.calls.filter((call) => / (up|down|rm|stop|kill|restart) /.test(`${call} `))).toEqual([])
    expect(r.state.has('composeProject')).toBe(false)
    expect(r.outputs.get('result')).toBe('failed')
    // Not this run's project: no output names it.
    expect(r.outputs.has('project-name')).toBe(false)
    expect(process.exitCode).toBe(1)
  })

  it('bad input: one error annotation, result failed, nothing saved to tear down, no stack trace', async () => {
    runner = healthyDemo()
    const r = await runMain({ ...verifyInputs, mode: 'fast' })
    expect(r.annotations).toEqual([
      {
        level: 'error',
        message: "Input 'mode': 'fast' is not one of full, verify, lint. Use one of those values.",
        properties: { title: 'Bad input' }
      }
    ])
    expect(r.outputs.get('result')).toBe('failed')
    expect(r.state.has('composeProject')).toBe(false)
    expect(r.log.join('\n')).not.toMatch(/\n\s+at .+:\d+:\d+/)
    expect(process.exitCode).toBe(1)
  })
})
