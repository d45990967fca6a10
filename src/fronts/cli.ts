#!/usr/bin/env node
// The terminal front: the same engine and options as the action, for
// operators and cron on a deployment host. Exit codes: 0 passed, 1 failed,
// 2 bad input or no usable Docker. A project with no container on the engine
// is a failed check (1), not bad input: for a nightly verify it is the
// deployment being down, and the report says which projects the engine holds.
import { writeFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { Docker } from '../docker/client.js'
import { ProcessRunner } from '../docker/command.js'
import { removedMessage, shouldTearDown, teardown } from '../docker/teardown.js'
import { execute, type Log, type StartedProject } from '../engine/run.js'
import { UserError } from '../errors.js'
import { place } from '../report/annotations.js'
import { textReport } from '../report/text.js'
import { fromOptions, INPUTS } from '../settings/inputs.js'
import { readReportPath } from '../settings/paths.js'
import { readSettings } from '../settings/settings.js'
import { inert } from './inert.js'
import { guardRun } from './shutdown.js'
import packageJson from '../../package.json' with { type: 'json' }

const USAGE = `Usage: openwisp-tunnel-check [--option value ...]

Checks an OpenWISP deployment's management tunnel. Options are the action's
inputs (see the README): ${Object.keys(INPUTS)
  .map((o) => `--${o}`)
  .join(', ')}.
Lists take commas, and a list option may be repeated. Also:
  --json FILE   write the JSON report to FILE (- for standard output)
  --verbose     show every command run
  --version     the version
  -h, --help    this text
Exit codes: 0 passed; 1 failed (also when the project has no container on the
engine: the deployment is down, or the name or engine is wrong; the report
lists the projects the engine holds); 2 bad input or no usable Docker.`

/** In a workflow's `run:` step the runner reads the CLI's output for
 * workflow commands too: text from containers must not issue any. */
const shown = process.env.GITHUB_ACTIONS === 'true' ? inert : (text: string): string => text

/** Progress goes to standard output, or to standard error when the JSON
 * report takes standard output. `muted`: from when on the log says nothing. */
function consoleLog(verbose: boolean, toStderr: boolean, muted: () => boolean = () => false): Log {
  const print = toStderr ? console.error : console.log
  const say = (message: string): void => (muted() ? undefined : print(shown(message)))
  return {
    info: say,
    debug: (message) => (verbose ? say(message) : undefined),
    group: async (name, run) => {
      say(`── ${name}`)
      return run()
    },
    // A terminal masks nothing: the engine removes the secrets from every line itself.
    mask: () => undefined
  }
}

/** What the CLI awaits once a cancel or the deadline has taken over: the
 * shutdown tears down and ends the process itself. */
const UNTIL_EXIT = new Promise<never>(() => {})

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    options: {
      ...Object.fromEntries(Object.keys(INPUTS).map((name) => [name, { type: 'string', multiple: true }] as const)),
      json: { type: 'string' },
      verbose: { type: 'boolean' },
      version: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' }
    },
    strict: true
  }).values
}

async function cli(argv: string[]): Promise<number> {
  const values = parse(argv)
  if (values.help || values.version) {
    console.log(values.help ? USAGE : packageJson.version)
    return 0
  }
  const settings = readSettings(fromOptions(values as Record<string, string[] | undefined>), process.env, process.cwd())
  // Checked before anything starts: a report that cannot be written is bad input.
  const jsonPath = values.json === undefined ? undefined : readReportPath(values.json, settings.workspace)
  const verbose = Boolean(values.verbose)
  const log = consoleLog(verbose, jsonPath === '-')
  // Once a cancel or the deadline has taken over, what the engine goes on to
  // say about the commands that were stopped under it is noise, and its
  // verdict is no verdict: the shutdown has the last word.
  const engineLog = consoleLog(verbose, jsonPath === '-', () => shutdown.stopping)
  const runner = new ProcessRunner((line) => engineLog.debug(line))
  // The CLI has no post step: it tears down itself, also on Ctrl-C, SIGTERM
  // and when the run overruns its deadline, and only once.
  let tearDown: (() => Promise<void>) | undefined
  const shutdown = guardRun(settings, runner, async (message) => {
    console.error(`error: ${message}${tearDown ? ' Removing what this run started…' : ''}`)
    await tearDown?.()
  })
  const report = await execute(settings, runner, engineLog, process.env, (started) => {
    tearDown = once(() => tearDownStarted(started, settings.stopTimeoutSec, log))
  }).catch((error: unknown) => (shutdown.stopping ? UNTIL_EXIT : Promise.reject(error)))
  if (shutdown.stopping) return UNTIL_EXIT
  if (tearDown && shouldTearDown(settings.teardown, report.result)) await log.group('Teardown', tearDown)
  if (shutdown.stopping) return UNTIL_EXIT
  const json = `${JSON.stringify(report, null, 2)}\n`
  if (jsonPath === '-') process.stdout.write(json)
  else console.log(shown(textReport(report, settings.workspace)))
  if (jsonPath && jsonPath !== '-') writeFileSync(jsonPath, json)
  return report.result === 'passed' ? 0 : 1
}

/** Removes what the run started. Its commands run apart from the run's own,
 * which a cancel stops: a second signal cannot cut the teardown short. */
async function tearDownStarted(
  { project, compose, upStarted }: StartedProject,
  stopTimeoutSec: number,
  log: Log
): Promise<void> {
  const docker = new Docker(new ProcessRunner((line) => log.debug(line)), compose)
  const removed = await teardown(docker, project, { stopTimeoutSec, createdSince: upStarted })
  log.info(removedMessage(removed, project.projectName))
  for (const problem of removed.problems) console.error(shown(`warning: ${problem}`))
}

/** The first call runs `run`; later calls share its promise. */
function once(run: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | undefined
  return () => (running ??= run())
}

function report(error: unknown): void {
  const parseError = (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')
  const located = error instanceof UserError ? place(error.location, process.cwd()) : {}
  const where = located.file ? `${located.file}:${located.startLine}:${located.startColumn}: ` : ''
  const message = error instanceof Error ? error.message : String(error)
  console.error(`error: ${where}${message}${parseError ? ' (see --help)' : ''}`)
  if (!(error instanceof UserError) && !parseError)
    console.error('This is unexpected; please report it with the output of --verbose.')
}

try {
  process.exitCode = await cli(process.argv.slice(2))
} catch (error) {
  report(error)
  process.exitCode = 2
}
