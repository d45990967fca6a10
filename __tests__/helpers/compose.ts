// Loads a compose project from test files, the way the engine does.
import { afterAll } from '@jest/globals'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { loadComposeModel, type ComposeModel } from '../../src/compose/model.js'
import { composeSources } from '../../src/compose/project.js'
import { ComposeFileError } from '../../src/errors.js'

export interface LoadFixtureOptions {
  envFiles?: string[]
  profiles?: string[]
  environment?: Record<string, string | undefined>
}

/** `files` are relative to `workingDirectory`; `.env` there is read as Compose does. */
export function loadProject(
  workingDirectory: string,
  files: string[] = ['docker-compose.yml'],
  options: LoadFixtureOptions = {}
): ComposeModel {
  const sources = composeSources(
    workingDirectory,
    files.map((file) => join(workingDirectory, file)),
    options.envFiles ?? [],
    options.profiles ?? [],
    options.environment ?? {}
  )
  return loadComposeModel(sources, options.environment ?? {})
}

/** The ComposeFileError that `run` throws; any other outcome fails the test. */
export function composeFileError(run: () => unknown): ComposeFileError {
  try {
    run()
  } catch (error) {
    if (error instanceof ComposeFileError) return error
    throw error
  }
  throw new Error('expected a ComposeFileError')
}

/** A project directory holding the given files (name: lines), removed after the test file. */
export function projectDir(files: Record<string, string[]>): string {
  const dir = mkdtempSync(join(tmpdir(), 'otc-project-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))
  for (const [name, lines] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true })
    writeFileSync(join(dir, name), [...lines, ''].join('\n'))
  }
  return dir
}
