// Top-level `include:` as Compose reads it. The expected values are what
// `docker compose config` (2.26) printed for these fixtures; the real-engine
// test compose-config.test.ts holds the model to Compose on them.
import { describe, expect, it } from '@jest/globals'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { ComposeModel } from '../../../src/compose/model.js'
import type { ServiceModel } from '../../../src/compose/service.js'
import { ComposeFileError } from '../../../src/errors.js'
import { preflight } from '../../../src/preflight/rules.js'
import { composeFileError, loadProject } from '../../helpers/compose.js'

const INCLUDE = fileURLToPath(new URL('../../fixtures/compose/include/', import.meta.url))

function load(dir: string, file = 'compose.yaml'): ComposeModel {
  return loadProject(join(INCLUDE, dir), [file])
}

function service(model: ComposeModel, name: string): ServiceModel {
  const found = model.services.get(name)
  if (!found) throw new Error(`no service ${name}`)
  return found
}

function loadError(dir: string, file: string): ComposeFileError {
  return composeFileError(() => load(dir, file))
}

describe('include, short form', () => {
  const model = load('short')

  it('takes the services of the included files into the model', () => {
    expect([...model.services.keys()].sort()).toEqual(['celery', 'celery_monitoring', 'openvpn'])
  })

  it('locates every value in the file that wrote it', () => {
    const vpn = service(model, 'openvpn')
    expect(vpn.at).toMatchObject({ file: join(INCLUDE, 'short/vpn/compose.yaml'), line: 3 })
    expect(vpn.healthcheck?.test).toMatchObject({ at: { file: join(INCLUDE, 'short/vpn/compose.yaml'), line: 11 } })
    expect(service(model, 'celery').networkMode).toMatchObject({
      value: 'service:openvpn',
      at: { file: join(INCLUDE, 'short/workers.yaml'), line: 6 }
    })
  })

  it('interpolates an included file with the .env of its own project directory', () => {
    expect(service(model, 'openvpn').image).toBe('vpn:from-included-dotenv')
    expect(service(model, 'openvpn').capAdd).toMatchObject([{ value: 'NET_ADMIN' }])
  })

  it('puts a finding about an included service on the included file and line', () => {
    const findings = preflight(model, {
      vpnService: 'openvpn',
      tunnelServices: ['celery', 'celery_monitoring'],
      healthTimeoutSec: 600
    })
    expect(findings.filter((f) => f.rule === 'service-missing')).toEqual([])
    const dependsOn = findings.filter((f) => f.rule === 'depends-on')
    expect(dependsOn).toMatchObject([
      {
        level: 'error',
        service: 'celery_monitoring',
        location: { file: join(INCLUDE, 'short/workers.yaml'), line: 17 }
      }
    ])
  })

  it('locates the services key of the included file when the including file has none', () => {
    expect(model.servicesAt).toMatchObject({ file: join(INCLUDE, 'short/vpn/compose.yaml'), line: 2 })
  })
})

describe('include, long form', () => {
  const model = load('long')
  const vpnFile = join(INCLUDE, 'long/vpn/compose.yaml')

  it('joins included services to those of the including file', () => {
    expect([...model.services.keys()].sort()).toEqual(['celery', 'celery_monitoring', 'dashboard', 'openvpn'])
  })

  it("reads the entry's env_file (relative to the including project) instead of the included directory's .env", () => {
    expect(service(model, 'openvpn').image).toBe('vpn:from-env-file')
  })

  it("lets the including project's variables win over the included env file", () => {
    expect(service(model, 'openvpn').healthcheck?.retries).toMatchObject({
      value: 7,
      at: { file: vpnFile, line: 13 },
      variables: [{ name: 'VPN_RETRIES', value: '7', at: { file: join(INCLUDE, 'long/.env'), line: 2 } }]
    })
  })

  it('merges later paths of an entry over the first, like further compose files', () => {
    expect(service(model, 'openvpn').healthcheck?.test).toMatchObject({
      value: ['CMD', 'grep', '-q', 'tun0', '/proc/net/route'],
      at: { file: join(INCLUDE, 'long/vpn/hardening.yaml'), line: 5 },
      via: 'override file hardening.yaml'
    })
    expect(service(model, 'openvpn').healthcheck?.interval).toMatchObject({ value: 5, at: { file: vpnFile } })
  })

  it("reads project_directory's .env, relative to the including project", () => {
    expect(service(model, 'celery').networkMode).toMatchObject({
      value: 'service:openvpn',
      at: { file: join(INCLUDE, 'long/workers/compose.yaml'), line: 10 },
      variables: [{ name: 'VPN_SERVICE', at: { file: join(INCLUDE, 'long/workers-project/.env'), line: 1 } }]
    })
  })

  it("resolves a nested include from the included project's directory", () => {
    expect(service(model, 'celery_monitoring').networkMode).toMatchObject({
      value: 'service:openvpn',
      at: { file: join(INCLUDE, 'long/workers-project/monitoring.yaml'), line: 5 }
    })
  })
})

describe('include, relative paths', () => {
  it('resolves from the project directory, not from the directory of the including file', () => {
    const model = load('relative', 'deploy/compose.yaml')
    expect(service(model, 'openvpn').image).toBe('vpn:relative')
    expect(service(model, 'openvpn').at.file).toBe(join(INCLUDE, 'relative/stack/vpn.yaml'))
    expect(service(model, 'celery').at.file).toBe(join(INCLUDE, 'relative/stack/workers.yaml'))
  })
})

describe('include conflicts', () => {
  it('refuses a service defined both in the including file and in an included one, at the local definition', () => {
    const error = loadError('conflict', 'compose.yaml')
    expect(error.location).toMatchObject({ file: join(INCLUDE, 'conflict/compose.yaml'), line: 4 })
    expect(error.message).toContain('services.openvpn is defined at compose.yaml:4 and also at vpn.yaml:2')
    expect(error.message).toContain('"services.openvpn conflicts with imported resource"')
    expect(error.message).toContain('override file')
  })

  it('refuses a service that two included files define differently', () => {
    const error = loadError('conflict', 'twice.yaml')
    expect(error.message).toContain('services.openvpn is defined at vpn.yaml:2 and also at other-vpn.yaml:2')
    expect(error.location).toMatchObject({ file: join(INCLUDE, 'conflict/vpn.yaml'), line: 2 })
  })

  it('accepts the same definition twice', () => {
    expect(service(load('conflict', 'identical.yaml'), 'openvpn').image).toBe('vpn:included')
    const diamond = load('conflict', 'diamond.yaml')
    expect([...diamond.services.keys()].sort()).toEqual(['celery', 'celery_monitoring', 'openvpn'])
  })
})

describe('include cycles and bad entries', () => {
  it('refuses a file that includes itself through another', () => {
    const error = loadError('cycle', 'a.yaml')
    expect(error.message).toMatch(/^include cycle: a\.yaml includes b\/b\.yaml includes a\.yaml\./)
    expect(error.location).toMatchObject({ file: join(INCLUDE, 'cycle/b/b.yaml'), line: 3 })
  })

  it('refuses a file that includes itself', () => {
    expect(loadError('cycle', 'self.yaml').message).toMatch(/^include cycle: self\.yaml includes self\.yaml\./)
  })

  it.each([
    ['not-a-list.yaml', 1, '`include` must be a list'],
    ['unknown-key.yaml', 3, 'not envfile. Fix the key.'],
    ['no-path.yaml', 2, 'needs a `path`'],
    ['missing.yaml', 2, `included compose file ${join(INCLUDE, 'invalid/absent.yaml')} does not exist`],
    ['missing-env.yaml', 3, `env file ${join(INCLUDE, 'invalid/absent.env')} does not exist`]
  ])('%s: says what is wrong, at the line', (file, line, message) => {
    const error = loadError('invalid', file)
    expect(error.message).toContain(message)
    expect(error.location).toMatchObject({ file: join(INCLUDE, 'invalid', file), line })
  })
})
