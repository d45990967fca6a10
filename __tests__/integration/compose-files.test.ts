// Compose's own file rules against the real Compose: the default file lookup
// and `include:` in a full run, and the model of every include fixture held
// to `docker compose config --format json`.
import { describe, expect, it } from '@jest/globals'
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { loadComposeModel } from '../../src/compose/model.js'
import { composeSources } from '../../src/compose/project.js'
import { composeArgv } from '../../src/docker/argv.js'
import { ComposeFileError } from '../../src/errors.js'
import { compareWithCompose } from '../../src/preflight/compare.js'
import { annotations, PROJECT_PREFIX, runAction, trackProjects } from './harness.js'

const MINUTES = 60_000
const INCLUDE = fileURLToPath(new URL('../fixtures/compose/include/', import.meta.url))
const project = trackProjects()

describe('full mode on a directory that holds only compose.yaml, whose services all come through include', () => {
  it(
    'finds compose.yaml without compose-file, reads the included services, and passes',
    () => {
      const name = project('included')
      const run = runAction({
        'working-directory': 'included',
        'project-name': name,
        'probe-targets': '10.8.0.10',
        'health-timeout': '120'
      })
      expect(run.main.stderr).toBe('')
      expect(annotations(run.main, 'error')).toEqual([])
      expect(annotations(run.main, 'warning')).toEqual([])
      expect(run.main.stdout).toContain('5 services read; 0 errors, 0 warnings')
      expect(run.main.stdout).toMatch(
        /^::debug::\$ docker compose --project-directory \S+\/included --project-name \S+ --file \S+\/included\/compose\.yaml up --detach$/m
      )
      expect(run.main.outputs.get('result')).toBe('passed')
      expect(run.main.outputs.get('management-subnet')).toBe('10.8.0.0/24')
      for (const service of ['celery', 'celery_monitoring']) {
        const checks = run.report!.checks.filter((c: { service: string }) => c.service === service)
        expect(checks.map((c: { check: string; verdict: string }) => `${c.check} ${c.verdict}`)).toEqual([
          'namespace passed',
          'route passed',
          'reach passed'
        ])
      }
      expect(run.main.exitCode).toBe(0)
      expect(run.post!.exitCode).toBe(0)
    },
    5 * MINUTES
  )
})

/** What Compose makes of a fixture: the argv the action uses, run where a
 * user would run it (Compose before 2.27 resolves a relative
 * `project_directory` from its own working directory). */
function composeConfig(dir: string, file: string): ReturnType<typeof spawnSync> {
  const sources = composeSources(dir, [join(dir, file)], [], [], {})
  const argv = composeArgv(['docker', 'compose'], { ...sources, projectName: `${PROJECT_PREFIX}-config` }, [
    'config',
    '--format',
    'json'
  ])
  return spawnSync(argv[0]!, argv.slice(1), { cwd: dir, encoding: 'utf8', timeout: 60_000 })
}

describe('the model of the include fixtures against `docker compose config`', () => {
  it.each([
    ['short', 'compose.yaml', ['celery', 'celery_monitoring']],
    ['long', 'compose.yaml', ['celery', 'celery_monitoring']],
    ['relative', 'deploy/compose.yaml', ['celery']],
    ['conflict', 'identical.yaml', []],
    ['conflict', 'diamond.yaml', ['celery', 'celery_monitoring']]
  ])('%s/%s: the same services, images and tunnel wiring', (fixture, file, tunnelServices) => {
    const dir = join(INCLUDE, fixture)
    const result = composeConfig(dir, file)
    expect(result.stderr).toBe('')
    const config = JSON.parse(String(result.stdout)) as { services: Record<string, { image?: string }> }
    const model = loadComposeModel(composeSources(dir, [join(dir, file)], [], [], {}), {})
    const images = (services: [string, { image?: string }][]) =>
      Object.fromEntries(services.map(([name, service]) => [name, service.image]))
    expect(images([...model.services])).toEqual(images(Object.entries(config.services)))
    const options = { vpnService: 'openvpn', tunnelServices, healthTimeoutSec: 600 }
    expect(compareWithCompose(model, config, options)).toEqual([])
  })

  it.each([
    ['conflict', 'compose.yaml', 'services.openvpn conflicts with imported resource'],
    ['conflict', 'twice.yaml', 'services.openvpn conflicts with imported resource'],
    ['cycle', 'a.yaml', 'include cycle detected'],
    ['cycle', 'self.yaml', 'include cycle detected']
  ])('%s/%s: refused by both', (fixture, file, composeSays) => {
    const dir = join(INCLUDE, fixture)
    const result = composeConfig(dir, file)
    expect(result.status).not.toBe(0)
    expect(result.stderr).toContain(composeSays)
    expect(() => loadComposeModel(composeSources(dir, [join(dir, file)], [], [], {}), {})).toThrow(ComposeFileError)
  })
})
