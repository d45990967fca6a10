// Finds a working engine and Compose v2, or explains what is missing; and
// reads meanwhile what needs no answer from the connection, so that it costs
// no round trip of its own.
import type { ComposeProject } from '../compose/project.js'
import { DockerUnavailableError } from '../errors.js'
import { COMPOSE_PLUGIN, COMPOSE_STANDALONE, composeArgv } from './argv.js'
import { Docker, firstLine, LIMITS, type EngineReads } from './client.js'
import type { CommandResult, CommandRunner } from './command.js'

/** Finds a working engine and Compose v2, or explains what is missing. */
export async function connectDocker(runner: CommandRunner): Promise<Docker> {
  const version = (compose: string[]): Promise<CommandResult> =>
    runner.run([...compose, 'version', '--short'], { timeoutMs: LIMITS.query })
  // The engine and the plugin are asked at once; only the fallback waits.
  const [client, plugin] = await Promise.all([
    runner.run(['docker', 'version', '--format', '{{.Server.Version}}'], { timeoutMs: LIMITS.query }),
    version(COMPOSE_PLUGIN)
  ])
  if (client.exitCode === 127) {
    throw new DockerUnavailableError(
      'The docker CLI is not installed or not on PATH. Install Docker (a GitHub-hosted Ubuntu runner has it) or run with mode: lint.'
    )
  }
  if (client.exitCode !== 0) {
    throw new DockerUnavailableError(
      `The Docker daemon does not answer: ${sentence(whyNoAnswer(client))} Start it, or set DOCKER_HOST / a Docker context that reaches it.`
    )
  }
  if (isComposeV2(plugin)) return new Docker(runner, COMPOSE_PLUGIN)
  if (isComposeV2(await version(COMPOSE_STANDALONE))) return new Docker(runner, COMPOSE_STANDALONE)
  throw new DockerUnavailableError(
    'Docker Compose v2 is not available: neither the `docker compose` plugin nor a standalone `docker-compose` v2 binary answered. Install the Compose plugin.'
  )
}

/** Connects, and meanwhile runs what only reads, so that it costs no round
 * trip of its own: a Compose subcommand that needs no daemon (`config`)
 * with the plugin, run again only when the Compose found is a standalone
 * docker-compose; and `read`, which asks the engine alone. Its promise is
 * the caller's to await, after the connection's own errors (no engine, no
 * Compose), which come first. */
export async function connectAndRead<T>(
  runner: CommandRunner,
  project: ComposeProject,
  subcommand: string[],
  read: (engine: EngineReads) => Promise<T>
): Promise<{ docker: Docker; result: CommandResult; read: Promise<T> }> {
  const reading = read(new Docker(runner, COMPOSE_PLUGIN))
  reading.catch(() => undefined)
  const [docker, early] = await Promise.all([
    connectDocker(runner),
    runner.run(composeArgv(COMPOSE_PLUGIN, project, subcommand), { timeoutMs: LIMITS.query })
  ])
  const result = docker.compose === COMPOSE_PLUGIN ? early : await docker.composeRun(project, subcommand, LIMITS.query)
  return { docker, result, read: reading }
}

function isComposeV2(result: CommandResult): boolean {
  return result.exitCode === 0 && /^v?([2-9]|\d{2,})\./.test(result.stdout.trim())
}

/** Docker's own message may end in a question mark or a full stop already. */
function sentence(text: string): string {
  return /[.?!]$/.test(text) ? text : `${text}.`
}

/** Why `docker version` got no answer: a daemon that hangs says nothing, and
 * is stopped at the time limit. */
function whyNoAnswer(result: CommandResult): string {
  if (result.killed)
    return `it did not answer within ${LIMITS.query / 1000} s (\`docker version\` was stopped at that time limit)`
  return firstLine(result.stderr) || `\`docker version\` failed with exit code ${result.exitCode} and no message`
}
