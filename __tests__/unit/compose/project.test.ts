// Which files are read when compose-file is empty: Compose's own lookup
// (compose-go cli/options.go), in a directory made for each case.
import { afterAll, describe, expect, it } from '@jest/globals'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadComposeModel } from '../../../src/compose/model.js'
import { composeSources, type ComposeSources } from '../../../src/compose/project.js'
import { ComposeFileError } from '../../../src/errors.js'
import { preflight } from '../../../src/preflight/rules.js'
import { composeFileError } from '../../helpers/compose.js'

const root = mkdtempSync(join(tmpdir(), 'otc-lookup-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))

let count = 0
/** A new directory holding the given files (name -> text); a service named after each compose file. */
function directory(files: Record<string, string> | string[]): string {
  const dir = join(root, `case-${++count}`)
  mkdirSync(dir)
  const entries = Array.isArray(files)
    ? files.map((name) => [name, `services:\n  ${name.replace(/\W/g, '_')}:\n    image: x\n`])
    : Object.entries(files)
  for (const [name, text] of entries) writeFileSync(join(dir, name), text)
  return dir
}

function lookUp(dir: string, environment: Record<string, string> = {}): ComposeSources {
  return composeSources(dir, [], [], [], environment)
}

function lookupError(dir: string, environment: Record<string, string> = {}): ComposeFileError {
  return composeFileError(() => lookUp(dir, environment))
}

describe("Compose's default file names", () => {
  it.each(['compose.yaml', 'compose.yml', 'docker-compose.yml', 'docker-compose.yaml'])('finds a lone %s', (name) => {
    const dir = directory([name])
    expect(lookUp(dir)).toMatchObject({ files: [join(dir, name)], passedOver: [] })
  })

  it.each([
    [['compose.yaml', 'compose.yml', 'docker-compose.yml', 'docker-compose.yaml'], 'compose.yaml'],
    [['compose.yml', 'docker-compose.yml', 'docker-compose.yaml'], 'compose.yml'],
    [['docker-compose.yml', 'docker-compose.yaml'], 'docker-compose.yml'],
    [['compose.yaml', 'docker-compose.yml'], 'compose.yaml']
  ])('prefers as Compose does, and names the files passed over: %j', (names, chosen) => {
    const dir = directory(names)
    const sources = lookUp(dir)
    expect(sources.files).toEqual([join(dir, chosen)])
    expect(sources.passedOver).toEqual(names.filter((name) => name !== chosen).map((name) => join(dir, name)))
  })

  it.each([
    [['compose.yaml', 'compose.override.yaml'], ['compose.yaml', 'compose.override.yaml'], []],
    [['docker-compose.yml', 'docker-compose.override.yml'], ['docker-compose.yml', 'docker-compose.override.yml'], []],
    [['compose.yaml', 'docker-compose.override.yaml'], ['compose.yaml', 'docker-compose.override.yaml'], []],
    [
      ['compose.yaml', 'compose.override.yaml', 'compose.override.yml'],
      ['compose.yaml', 'compose.override.yml'],
      ['compose.override.yaml']
    ]
  ])('picks up the override file: %j', (names, files, passedOver) => {
    const dir = directory(names)
    expect(lookUp(dir)).toEqual(
      expect.objectContaining({
        files: files.map((name) => join(dir, name)),
        passedOver: passedOver.map((name) => join(dir, name))
      })
    )
  })

  it('finds no override file alone', () => {
    const dir = directory(['compose.override.yaml'])
    expect(lookupError(dir).message).toContain('no compose file in')
  })

  it('lists the names looked for when none exists, and does not search parent directories', () => {
    const parent = directory(['compose.yaml'])
    const dir = join(parent, 'empty')
    mkdirSync(dir)
    const error = lookupError(dir)
    expect(error.message).toBe(
      `no compose file in ${dir}: looked for compose.yaml, compose.yml, docker-compose.yml, docker-compose.yaml, as Compose does without -f (parent directories are not searched). Name the files in compose-file, or set working-directory to the directory that holds them.`
    )
  })

  it('does not look when files are given', () => {
    const dir = directory(['compose.yaml', 'compose.override.yaml', 'other.yml'])
    expect(composeSources(dir, [join(dir, 'other.yml')], [], [], { COMPOSE_FILE: 'compose.yaml' }).files).toEqual([
      join(dir, 'other.yml')
    ])
  })
})

describe('COMPOSE_FILE', () => {
  it('takes the files it lists from the environment, relative to the directory, instead of the default names', () => {
    const dir = directory(['compose.yaml', 'compose.override.yaml', 'base.yml', 'extra.yml'])
    expect(lookUp(dir, { COMPOSE_FILE: 'base.yml:extra.yml' })).toMatchObject({
      files: [join(dir, 'base.yml'), join(dir, 'extra.yml')]
    })
    expect(lookUp(dir, { COMPOSE_FILE: 'base.yml;extra.yml', COMPOSE_PATH_SEPARATOR: ';' }).files).toEqual([
      join(dir, 'base.yml'),
      join(dir, 'extra.yml')
    ])
  })

  it('takes it from .env too, and says where it was set when a file is missing', () => {
    const dir = directory({ '.env': '# files\nCOMPOSE_FILE=base.yml:absent.yml\n', 'base.yml': 'services: {}\n' })
    const error = lookupError(dir)
    expect(error.message).toBe(
      `COMPOSE_FILE (set in ${join(dir, '.env')}:2) names ${join(dir, 'absent.yml')}, which does not exist. Fix COMPOSE_FILE, or name the files in compose-file.`
    )
    expect(error.location).toMatchObject({ file: join(dir, '.env'), line: 2 })
  })
})

describe('the model from the lookup', () => {
  it('reads a directory that holds only compose.yaml', () => {
    const dir = directory(['compose.yaml'])
    const model = loadComposeModel(lookUp(dir), {})
    expect(model.files).toEqual([join(dir, 'compose.yaml')])
    expect([...model.services.keys()]).toEqual(['compose_yaml'])
  })

  it('warns about a file passed over, at the file', () => {
    const dir = directory(['compose.yaml', 'compose.override.yml', 'docker-compose.yml'])
    const model = loadComposeModel(lookUp(dir), {})
    const options = { vpnService: 'compose_yaml', tunnelServices: ['compose_override_yml'], healthTimeoutSec: 600 }
    const passedOver = preflight(model, options).filter((finding) => finding.rule === 'compose-file-passed-over')
    expect(passedOver).toEqual([
      {
        level: 'warning',
        rule: 'compose-file-passed-over',
        message:
          'docker-compose.yml is not read: without compose-file, Compose reads only the first of its default names that exists, here compose.yaml and compose.override.yml.',
        fix: 'Remove or rename the file that is not meant to be used, or name the files in compose-file.',
        location: { file: join(dir, 'docker-compose.yml'), line: 1, column: 1 }
      }
    ])
  })
})
