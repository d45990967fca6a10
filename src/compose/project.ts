// The compose project as the command line names it: its directory, files,
// env files, profiles and name. One value serves the model reader and every
// `docker compose` call, so that both read the same project.
import { existsSync } from 'node:fs'
import { join } from 'node:path'

/** What Compose reads. Paths are absolute. */
export interface ComposeSources {
  workingDirectory: string
  /** Compose files, in order. */
  files: string[]
  /** Env files, in order; later ones win. */
  envFiles: string[]
  /** Active profiles; when empty, COMPOSE_PROFILES applies as in Compose. */
  profiles: string[]
}

export interface ComposeProject extends ComposeSources {
  projectName: string
}

/** Compose reads the project's `.env` only when no --env-file is given. The
 * env-file input adds to `.env` rather than replacing it, so `.env` (when it
 * exists) comes first and is named explicitly, for the reader and Compose alike. */
export function composeSources(
  workingDirectory: string,
  files: string[],
  envFiles: string[],
  profiles: string[]
): ComposeSources {
  const dotEnv = join(workingDirectory, '.env')
  return { workingDirectory, files, envFiles: existsSync(dotEnv) ? [dotEnv, ...envFiles] : envFiles, profiles }
}
