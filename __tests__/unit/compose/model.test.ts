import { describe, expect, it } from '@jest/globals'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { loadComposeModel, type ComposeModel } from '../../../src/compose/model.js'
import type { ServiceModel } from '../../../src/compose/service.js'
import { composeFileError, loadProject, projectDir, type LoadFixtureOptions } from '../../helpers/compose.js'

const FIXTURES = fileURLToPath(new URL('../../fixtures/compose/', import.meta.url))

/** Loads a fixture project: `dir` under fixtures/compose, its files relative to it. */
function load(dir: string, files?: string[], options: LoadFixtureOptions = {}): ComposeModel {
  return loadProject(join(FIXTURES, dir), files, options)
}

function service(model: ComposeModel, name: string): ServiceModel {
  const found = model.services.get(name)
  if (!found) throw new Error(`no service ${name}`)
  return found
}

describe('anchors, aliases and merge keys', () => {
  const model = load('reader/anchors')
  const file = join(FIXTURES, 'reader/anchors/docker-compose.yml')

  it('takes the first mapping of a merge-key list, and says so with the merge key line', () => {
    const vpn = service(model, 'vpn')
    expect(vpn.restart).toEqual({
      value: 'unless-stopped',
      at: expect.objectContaining({ file, line: 3, column: 12 }),
      via: 'merge key `<<: *hardened` (docker-compose.yml:22)'
    })
    expect(vpn.privileged).toMatchObject({
      value: true,
      at: { line: 9 },
      via: 'merge key `<<: *always` (docker-compose.yml:22)'
    })
    expect(vpn.capAdd).toMatchObject([{ value: 'NET_ADMIN', at: { line: 5 } }])
  })

  it('resolves an alias to the anchored mapping and keeps its lines', () => {
    const healthcheck = service(model, 'vpn').healthcheck
    expect(healthcheck?.at.line).toBe(23)
    expect(healthcheck?.test).toMatchObject({
      value: ['CMD', 'grep', '-q', 'tun0', '/proc/net/route'],
      at: { line: 12 },
      via: 'alias `*probe` (docker-compose.yml:23)'
    })
    expect(healthcheck?.interval).toMatchObject({ value: 5, at: { line: 13 } })
  })

  it("lets a mapping's own keys win over merged ones", () => {
    const worker = service(model, 'worker')
    expect(worker.networkMode).toMatchObject({
      value: 'service:vpn',
      at: { line: 16 },
      via: 'merge key `<<: *tunnel` (docker-compose.yml:27)'
    })
    expect(worker.restart).toEqual({ value: 'no', at: expect.objectContaining({ line: 28 }) })
  })

  it('locates each service at its key', () => {
    expect(service(model, 'worker').at).toMatchObject({ file, line: 25, column: 3 })
  })
})

describe('interpolation from .env, extra env files and the environment', () => {
  const dir = 'reader/interpolation'
  const dotEnv = join(FIXTURES, dir, '.env')
  const extra = join(FIXTURES, dir, 'extra.env')

  it('reads .env beside the project and records the line that set each variable', () => {
    const vpn = service(load(dir), 'vpn')
    expect(vpn.image).toBe('vpn:1.0')
    expect(vpn.healthcheck?.retries).toMatchObject({
      value: 5,
      variables: [{ name: 'RETRIES', value: '5', source: 'env-file', at: { file: dotEnv, line: 8 } }]
    })
  })

  it('lets a later env file override .env, and expands variables inside it', () => {
    const vpn = service(load(dir, undefined, { envFiles: [extra] }), 'vpn')
    expect(vpn.image).toBe('vpn:2.0')
    expect(vpn.healthcheck?.retries).toMatchObject({
      value: 50,
      variables: [{ name: 'RETRIES', source: 'env-file', at: { file: extra, line: 2 } }]
    })
  })

  it('lets the process environment win over every env file', () => {
    const model = load(dir, undefined, { envFiles: [extra], environment: { TAG: '3.0' } })
    expect(service(model, 'vpn').image).toBe('vpn:3.0')
  })

  it('applies `:-` to an empty value and keeps the variable that was empty', () => {
    expect(service(load(dir), 'vpn').restart).toMatchObject({
      value: 'always',
      at: { line: 4 },
      variables: [{ name: 'RESTART_POLICY', value: '', source: 'env-file', at: { line: 4 } }]
    })
  })

  it('records a default used for an unset variable', () => {
    expect(service(load(dir), 'vpn').healthcheck?.interval).toMatchObject({
      value: 90,
      variables: [{ name: 'INTERVAL', value: undefined, source: 'default' }]
    })
  })

  it("parses values like Compose's dotenv: quotes, comments, export, spaces around =", () => {
    const vpn = service(load(dir), 'vpn')
    expect(vpn.options.get('hostname')?.value).toBe('$HOST-literal $TAG')
    expect(vpn.healthcheck?.test?.value).toEqual(['CMD-SHELL', 'grep -q tun0 /proc/net/route # not a comment'])
    expect(service(load(dir), 'worker').dependsOn[0]?.required).toMatchObject({ value: false, at: { line: 18 } })
  })

  it('reads durations such as 500ms', () => {
    expect(service(load(dir), 'vpn').healthcheck?.timeout?.value).toBe(0.5)
  })

  it('applies `-` only to an unset variable', () => {
    expect(service(load(dir), 'worker').networkMode?.value).toBe('service:vpn')
    const emptied = load(dir, undefined, { environment: { WORKER_MODE: '' } })
    expect(service(emptied, 'worker').networkMode).toMatchObject({
      value: '',
      variables: [{ name: 'WORKER_MODE', value: '', source: 'environment' }]
    })
  })
})

describe('several compose files', () => {
  const resetDir = projectDir({
    'compose.yml': [
      'services:',
      '  openvpn:',
      '    image: vpn',
      '  extra:',
      '    image: x',
      '    depends_on: [openvpn]'
    ],
    'drop.yml': ['services:', '  extra: !reset null', '  never: !reset {}'],
    'extends-reset.yml': ['services:', '  extra: !reset null', '  b:', '    extends: extra']
  })

  it('drops a service that a later file resets with `!reset`, as Compose does', () => {
    expect([...loadProject(resetDir, ['compose.yml', 'drop.yml']).services.keys()]).toEqual(['openvpn'])
    expect([...loadProject(resetDir, ['drop.yml', 'compose.yml']).services.keys()].sort()).toEqual(['extra', 'openvpn'])
  })

  it('refuses to extend a service written `!reset`, as Compose does', () => {
    expect(composeFileError(() => loadProject(resetDir, ['extends-reset.yml'])).message).toBe(
      'service b extends extra, which is not a service of extends-reset.yml'
    )
  })

  const dir = 'reader/overrides'
  const model = load(dir, ['docker-compose.yml', 'docker-compose.override.yml'])
  const override = join(FIXTURES, dir, 'docker-compose.override.yml')

  it('replaces scalars and says which file did', () => {
    expect(service(model, 'vpn').image).toBe('vpn:2')
    expect(service(model, 'worker').networkMode).toMatchObject({
      value: 'service:vpn',
      at: { file: override, line: 16 },
      via: 'override file docker-compose.override.yml'
    })
  })

  it('appends sequences without duplicates', () => {
    expect(service(model, 'vpn').capAdd.map((cap) => cap.value)).toEqual(['NET_ADMIN', 'SYS_MODULE'])
    expect(service(model, 'vpn').devices.map((device) => device.value)).toEqual(['/dev/net/tun'])
  })

  it('merges the healthcheck key by key, and replaces its test whole', () => {
    const healthcheck = service(model, 'vpn').healthcheck
    expect(healthcheck?.test?.value).toEqual(['CMD', 'grep', '-q', 'tun0', '/proc/net/route'])
    expect(healthcheck?.interval).toMatchObject({ value: 5, at: { file: override } })
    expect(healthcheck?.retries).toMatchObject({
      value: 30,
      at: { file: join(FIXTURES, dir, 'docker-compose.yml'), line: 11 }
    })
    expect(healthcheck?.retries?.via).toBeUndefined()
  })

  it('merges a list-form depends_on with a map-form one', () => {
    const [vpn] = service(model, 'worker').dependsOn
    expect(vpn).toMatchObject({
      service: 'vpn',
      listForm: false,
      condition: { value: 'service_healthy', at: { file: override, line: 19 } },
      required: { value: true }
    })
  })

  it('honours !override and !reset', () => {
    expect(service(model, 'vpn').options.get('ports')?.value).toEqual(['1195:1194/udp'])
    expect(service(model, 'worker').options.has('dns')).toBe(false)
  })
})

describe('depends_on forms', () => {
  it('reads the list form as service_started, required, no restart, located at the item', () => {
    const celery = service(load('history/middle-step'), 'celery')
    expect(celery.dependsOn.map((dependency) => dependency.service)).toEqual(['postgres', 'dashboard', 'openvpn'])
    expect(celery.dependsOn[2]).toMatchObject({
      listForm: true,
      at: { line: 15, column: 9 },
      condition: { value: 'service_started', at: { line: 15 } },
      required: { value: true },
      restart: { value: false }
    })
  })

  it('reads the map form with its defaults, located at the service key', () => {
    const [postgres, , openvpn] = service(load('history/current'), 'celery').dependsOn
    expect(postgres).toMatchObject({
      listForm: false,
      required: { value: true },
      restart: { value: false, at: { line: 5 } }
    })
    expect(openvpn).toMatchObject({
      listForm: false,
      at: { line: 9, column: 5 },
      condition: { value: 'service_healthy', at: { line: 11 } },
      required: { value: false, at: { line: 10 } }
    })
  })
})

describe('profiles', () => {
  const dir = 'reader/profiles'

  it('enables only services without profiles when none is active', () => {
    const model = load(dir)
    expect([...model.services.keys()]).toEqual(['db'])
    expect([...model.disabledServices.keys()]).toEqual(['vpn', 'worker'])
    expect([...model.services.keys(), ...model.disabledServices.keys()].sort()).toEqual(['db', 'vpn', 'worker'])
  })

  it('enables a service when one of its profiles is active', () => {
    expect([...load(dir, undefined, { profiles: ['debug'] }).services.keys()]).toEqual(['worker', 'db'])
    expect([...load(dir, undefined, { profiles: ['tunnel'] }).services.keys()]).toEqual(['vpn', 'worker', 'db'])
    expect(load(dir, undefined, { profiles: ['*'] }).services.size).toBe(3)
  })

  it('falls back to COMPOSE_PROFILES', () => {
    expect([...load(dir, undefined, { environment: { COMPOSE_PROFILES: 'debug, other' } }).services.keys()]).toEqual([
      'worker',
      'db'
    ])
  })
})

describe('extends', () => {
  const model = load('reader/extends')

  it('inherits from a service of the same file, own keys first', () => {
    const worker = service(model, 'worker')
    expect(worker.networkMode).toMatchObject({
      value: 'service:vpn',
      at: { line: 5 },
      via: 'extends: service base-worker (docker-compose.yml:11)'
    })
    expect(worker.restart).toMatchObject({ value: 'on-failure', at: { line: 12 } })
    expect(worker.restart?.via).toBeUndefined()
    expect(worker.dependsOn[0]?.condition.value).toBe('service_healthy')
    expect(worker.at.line).toBe(10)
  })

  it('inherits from another file, through a chain', () => {
    const vpn = service(model, 'vpn')
    const common = join(FIXTURES, 'reader/extends/common/vpn.yml')
    expect(vpn.image).toBe('vpn:local')
    expect(vpn.capAdd).toMatchObject([
      {
        value: 'NET_ADMIN',
        at: { file: common, line: 10 },
        via: 'extends: service vpn-base of vpn.yml (docker-compose.yml:15)'
      }
    ])
    expect(vpn.devices).toMatchObject([{ value: '/dev/net/tun', at: { file: common, line: 5 } }])
    expect(vpn.devices[0]?.via).toBe(
      'extends: service vpn-root (vpn.yml:8), then extends: service vpn-base of vpn.yml (docker-compose.yml:15)'
    )
  })

  it('refuses a cycle', () => {
    expect(composeFileError(() => load('reader/invalid', ['extends-cycle.yml'])).message).toMatch(/circular extends/)
  })
})

describe('project name', () => {
  it('takes the interpolated top-level name, normalised', () => {
    expect(load('reader/project-name').projectName).toBe('my_projectname')
    expect(load('reader/project-name', undefined, { environment: { PROJECT: 'Tunnel-Check' } }).projectName).toBe(
      'tunnel-check'
    )
  })

  it('lets COMPOSE_PROJECT_NAME win over the name, as Compose documents', () => {
    expect(load('reader/project-name', undefined, { environment: { COMPOSE_PROJECT_NAME: 'ci_42' } }).projectName).toBe(
      'ci_42'
    )
  })

  it("falls back to the project directory's name", () => {
    const file = join(FIXTURES, 'reader/anchors/docker-compose.yml')
    const sources = { workingDirectory: '/srv/Docker OpenWISP', files: [file], envFiles: [], profiles: [] }
    const model = loadComposeModel(sources, {})
    expect(model.projectName).toBe('dockeropenwisp')
  })
})

describe('files Compose would refuse', () => {
  const dir = join(FIXTURES, 'reader/invalid')

  const emptyDir = projectDir({
    'empty.yml': [],
    'comments.yml': ['# nothing here yet', ''],
    'compose.yml': ['services:', '  openvpn:', '    image: vpn'],
    'null-services.yml': ['services:']
  })

  it('refuses `services:` with nothing after it, alone or over other files, as Compose does', () => {
    for (const files of [['null-services.yml'], ['compose.yml', 'null-services.yml']])
      expect(composeFileError(() => loadProject(emptyDir, files)).message).toContain('`services` must be a mapping')
  })

  it('refuses a project whose files hold nothing, as Compose does, and takes one empty file beside others', () => {
    for (const files of [['empty.yml'], ['empty.yml', 'comments.yml']])
      expect(composeFileError(() => loadProject(emptyDir, files)).message).toMatch(
        /^empty compose file: .*empty\.yml.* nothing, and Compose refuses a project with no content\./
      )
    expect([...loadProject(emptyDir, ['empty.yml', 'compose.yml']).services.keys()]).toEqual(['openvpn'])
  })

  it('reports a YAML syntax error at its own line and column', () => {
    const error = composeFileError(() => load('reader/invalid', ['syntax-error.yml']))
    expect(error.location).toEqual({ file: join(dir, 'syntax-error.yml'), line: 6, column: 7 })
    expect(error.message).toContain(
      'syntax-error.yml:6:7: Flow sequence in block collection must be sufficiently indented and end with a ]'
    )
  })

  it('reports ${VAR:?message} with the message at the value', () => {
    const error = composeFileError(() => load('reader/invalid', ['required-variable.yml']))
    expect(error.message).toContain('required variable TAG is missing a value: set TAG to the release')
    expect(error.location).toMatchObject({ file: join(dir, 'required-variable.yml'), line: 3, column: 12 })
  })

  it('reports a duration without a unit', () => {
    expect(composeFileError(() => load('reader/invalid', ['bad-duration.yml'])).location).toMatchObject({ line: 5 })
  })

  it('reports a missing compose file and a missing env file', () => {
    expect(composeFileError(() => load('reader/invalid', ['absent.yml'])).message).toMatch(
      /cannot read compose file .*absent\.yml/
    )
    expect(
      composeFileError(() => load('reader/anchors', undefined, { envFiles: [join(dir, 'absent.env')] })).message
    ).toMatch(/cannot read env file/)
  })
})
