// The paths the inputs name: the workspace and working directory, the compose
// and env files, and the CLI's report file. Each is checked before the run,
// so that a wrong path is the input's error, not a failure half way.
import { accessSync, constants, existsSync, statSync } from 'node:fs'
import { dirname, isAbsolute, resolve } from 'node:path'
import { notAFile } from '../compose/source-file.js'
import { InputError } from '../errors.js'
import { shortened } from './inputs.js'

/** Where relative paths start and annotations are placed: the runner's
 * workspace, or the current directory outside a runner. */
export function defaultWorkspace(environment: NodeJS.ProcessEnv): string {
  return environment.GITHUB_WORKSPACE || process.cwd()
}

export function readDirectory(value: string, workspace: string): string {
  const directory = isAbsolute(value) ? value : resolve(workspace, value)
  if (!existsSync(directory) || !statSync(directory).isDirectory()) {
    throw new InputError(
      'working-directory',
      `${shortened(directory)} is not a directory. Check out the repository first, or fix the path.`
    )
  }
  return directory
}

export function readFiles(name: string, values: string[], directory: string): string[] {
  return values.map((value) => {
    const file = resolve(directory, value)
    const problem = notAFile(file)
    if (problem)
      throw new InputError(name, `${shortened(file)} ${problem}. Fix the path (it is relative to working-directory).`)
    return file
  })
}

/** The CLI's --json path: `-` (standard output) or a file that can be written. */
export function readReportPath(value: string, workspace: string): string {
  if (value === '-') return value
  const file = resolve(workspace, value)
  const existing = existsSync(file) ? statSync(file) : undefined
  if (existing && !existing.isFile())
    throw new InputError('json', `${file} is not a regular file. Name a file to write.`)
  try {
    accessSync(existing ? file : dirname(file), constants.W_OK)
  } catch {
    throw new InputError(
      'json',
      `${file} cannot be written. Name a file in a writable directory, or - for standard output.`
    )
  }
  return file
}
