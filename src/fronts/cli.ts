#!/usr/bin/env node
// The terminal front: the same engine and options as the action, for
// operators and cron on a deployment host. Exit codes: 0 passed, 1 failed,
// 2 bad input or no usable Docker.
import { writeFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { ProcessRunner } from '../docker/command.js'
import { ComposeFileError } from '../compose/model.js'
import { Docker, DockerUnavailableError } from '../docker/client.js'
import { textReport } from '../report/render.js'
import { execute, runBudgetMs, WATCHDOG_GRACE_MS, type Log } from '../engine/run.js'
import { INPUT_DEFAULTS, InputError, readSettings, type Settings } from '../settings.js'
import { armWatchdog, onCancel } from './shutdown.js'
import { describeResources, teardown } from '../docker/teardown.js'

const OPTIONS = [
  ...Object.keys(INPUT_DEFAULTS),
  'project-name',
  'env-file',
  'profiles',
  'management-subnet',
  'probe-targets',
  'up-flags'
]

const USAGE = `Usage: openwisp-tunnel-check [--option value ...]

Checks an OpenWISP deployment's management tunnel. Options are the action's
inputs (see the README): ${OPTIONS.map((o) => `--${o}`).join(', ')}.
Lists take commas; an option may be repeated. Also:
  --json FILE   write the JSON report to FILE
  --verbose     show every command run
  --help        this text
Exit codes: 0 passed, 1 failed, 2 bad input or no usable Docker.`

function consoleLog(verbose: boolean): Log {
  return {
    info: (message) => console.log(message),
    debug: (message) => (verbose ? console.log(message) : undefined),
    group: async (name, run) => {
      console.log(`── ${name}`)
      return run()
    }
  }
}

async function cli(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      ...Object.fromEntries(OPTIONS.map((name) => [name, { type: 'string', multiple: true }] as const)),
      json: { type: 'string' },
      verbose: { type: 'boolean' },
      help: { type: 'boolean' }
    },
    strict: true
  })
  if (values.help) {
    console.log(USAGE)
    return 0
  }
  const option = (name: string): string => ((values as Record<string, string[] | undefined>)[name] ?? []).join(',')
  const settings = readSettings(option, { ...process.env, GITHUB_WORKSPACE: process.cwd() })
  const log = consoleLog(Boolean(values.verbose))
  const runner = new ProcessRunner((line) => log.debug(line))
  // Set once something may start: the CLI has no post step, so it tears down
  // itself, also on Ctrl-C, SIGTERM and when the run overruns its deadline.
  let started: (() => Promise<void>) | undefined
  const cutShort = async (message: string): Promise<void> => {
    console.error(`error: ${message}`)
    await started?.()
  }
  onCancel(runner, cutShort)
  armWatchdog(runBudgetMs(settings) + WATCHDOG_GRACE_MS, runner, cutShort)
  const report = await execute(settings, runner, log, process.env, (target, compose) => {
    started = async () => {
      const removed = await teardown(new Docker(runner, compose), target)
      log.info(
        `Removed ${describeResources(removed.removed)} of project ${target.projectName}.${removed.problems.map((p) => `\nwarning: ${p}`).join('')}`
      )
    }
  })
  if (started && shouldTearDown(settings, report.result)) await log.group('Teardown', started)
  console.log(textReport(report, process.cwd()))
  if (values.json) writeFileSync(values.json, `${JSON.stringify(report, null, 2)}\n`)
  return report.result === 'passed' ? 0 : 1
}

function shouldTearDown(settings: Settings, result: string): boolean {
  return settings.teardown === 'always' || (settings.teardown === 'on-success' && result === 'passed')
}

try {
  process.exitCode = await cli(process.argv.slice(2))
} catch (error) {
  const known =
    error instanceof InputError ||
    error instanceof ComposeFileError ||
    error instanceof DockerUnavailableError ||
    (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')
  const where =
    error instanceof ComposeFileError && error.location
      ? `${error.location.file}:${error.location.line}:${error.location.column}: `
      : ''
  console.error(
    `error: ${where}${error instanceof Error ? error.message : String(error)}${(error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS') ? ' (see --help)' : ''}`
  )
  if (!known) console.error('This is unexpected; please report it with the output of --verbose.')
  process.exitCode = 2
}
