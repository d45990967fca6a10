// The compose project as the command line names it: its directory, files,
// env files, profiles and name. One value serves the model reader and every
// `docker compose` call, so that both read the same project.
import { existsSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { ComposeFileError } from '../errors.js'
import { loadEnvironment, type Environment } from './dotenv.js'
import type { Binding } from './interpolate.js'

/** What Compose reads. Paths are absolute. */
export interface ComposeSources {
  workingDirectory: string
  /** Compose files, in order. */
  files: string[]
  /** When Compose's default lookup chose the files: those it found but passed
   * over, because a name it prefers exists too. */
  passedOver?: string[]
  /** Env files, in order; later ones win. */
  envFiles: string[]
  /** Active profiles; when empty, COMPOSE_PROFILES applies as in Compose. */
  profiles: string[]
}

export interface ComposeProject extends ComposeSources {
  projectName: string
}

/** Compose's default file names, in its order of preference (compose-go
 * cli/options.go, DefaultFileNames and DefaultOverrideFileNames; note `.yml`
 * before `.yaml` for docker-compose and for overrides). */
export const DEFAULT_FILE_NAMES = ['compose.yaml', 'compose.yml', 'docker-compose.yml', 'docker-compose.yaml']
export const DEFAULT_OVERRIDE_NAMES = [
  'compose.override.yml',
  'compose.override.yaml',
  'docker-compose.override.yml',
  'docker-compose.override.yaml'
]

/** Compose reads the project's `.env` only when no --env-file is given. The
 * env-file input adds to `.env` rather than replacing it, so `.env` (when it
 * exists) comes first and is named explicitly, for the reader and Compose alike.
 * No files given: Compose's own lookup (see `lookUpFiles`). */
export function composeSources(
  workingDirectory: string,
  files: string[],
  envFiles: string[],
  profiles: string[],
  processEnvironment: Record<string, string | undefined>
): ComposeSources {
  const dotEnv = join(workingDirectory, '.env')
  const allEnvFiles = existsSync(dotEnv) ? [dotEnv, ...envFiles] : envFiles
  const found =
    files.length > 0 ? { files } : lookUpFiles(workingDirectory, loadEnvironment(processEnvironment, allEnvFiles))
  return { workingDirectory, ...found, envFiles: allEnvFiles, profiles }
}

type FoundFiles = Pick<ComposeSources, 'files' | 'passedOver'>

/** What `docker compose` without -f reads (compose-go cli/options.go,
 * WithConfigFileEnv then WithDefaultConfigPath): the files COMPOSE_FILE lists
 * (from the environment or an env file), else the first default name that
 * exists and the first override name beside it. Compose goes on to parent
 * directories when none exists; this does not: working-directory is explicit,
 * and a file above it (outside the checkout, in a runner's workspace) would be
 * one the workflow never meant. */
function lookUpFiles(directory: string, environment: Environment): FoundFiles {
  const listed = environment.get('COMPOSE_FILE')
  if (listed && listed.value !== '') {
    const separator = environment.get('COMPOSE_PATH_SEPARATOR')?.value || ':'
    return { files: composeFileList(listed, separator, directory) }
  }
  const [main, ...otherMains] = existing(directory, DEFAULT_FILE_NAMES)
  if (main === undefined) {
    throw new ComposeFileError(
      `no compose file in ${directory}: looked for ${DEFAULT_FILE_NAMES.join(', ')}, as Compose does without -f (parent directories are not searched). Name the files in compose-file, or set working-directory to the directory that holds them.`
    )
  }
  const [override, ...otherOverrides] = existing(directory, DEFAULT_OVERRIDE_NAMES)
  return { files: override ? [main, override] : [main], passedOver: [...otherMains, ...otherOverrides] }
}

function existing(directory: string, names: string[]): string[] {
  return names.map((name) => join(directory, name)).filter((file) => existsSync(file))
}

/** COMPOSE_FILE's paths, split at COMPOSE_PATH_SEPARATOR (`:` on Linux),
 * relative to the directory Compose would run in; each must exist, as Compose requires. */
function composeFileList(listed: Binding, separator: string, directory: string): string[] {
  const source = listed.at ? `${listed.at.file}:${listed.at.line}` : 'the environment'
  return listed.value
    .split(separator)
    .filter((path) => path !== '')
    .map((path) => {
      const file = resolve(directory, path)
      if (!existsSync(file))
        throw new ComposeFileError(
          `COMPOSE_FILE (set in ${source}) names ${file}, which does not exist. Fix COMPOSE_FILE, or name the files in compose-file.`,
          listed.at
        )
      return file
    })
}
