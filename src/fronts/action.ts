// The GitHub Action front: inputs from the workflow, results as annotations,
// a job summary and outputs. The post step (post.ts) tears down.
import { writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as core from '@actions/core'
import { ProcessRunner } from '../docker/command.js'
import { ComposeFileError } from '../compose/model.js'
import { DockerUnavailableError } from '../docker/client.js'
import { annotationsFor, summaryMarkdown } from '../report/render.js'
import { execute, runBudgetMs, WATCHDOG_GRACE_MS, type Log, type RunReport } from '../engine/run.js'
import { InputError, readSettings } from '../settings.js'
import { armWatchdog, onCancel } from './shutdown.js'
import { STATE } from './state.js'

const actionLog: Log = {
  info: (message) => core.info(message),
  debug: (message) => core.debug(message),
  group: (name, run) => core.group(name, run)
}

export async function main(environment: NodeJS.ProcessEnv = process.env): Promise<void> {
  core.saveState(STATE.isPost, 'true')
  try {
    const settings = readSettings((name) => core.getInput(name), environment)
    core.saveState(STATE.teardown, settings.teardown)
    const runner = new ProcessRunner((line) => core.debug(line))
    // Cut short, main fails and leaves the cleaning to the post step, which
    // the runner still runs.
    const fail = (message: string): void => core.setFailed(`${message} The post step tears the project down.`)
    onCancel(runner, fail)
    armWatchdog(runBudgetMs(settings) + WATCHDOG_GRACE_MS, runner, fail)
    const report = await execute(settings, runner, actionLog, environment, (target, compose) => {
      // Saved before anything starts, so that the post step cleans up even
      // when this step fails, times out or is cancelled.
      core.saveState(STATE.target, JSON.stringify(target))
      core.saveState(STATE.compose, JSON.stringify(compose))
    })
    core.saveState(STATE.result, report.result)
    await publish(report, environment)
  } catch (error) {
    failClearly(error)
  }
}

async function publish(report: RunReport, environment: NodeJS.ProcessEnv): Promise<void> {
  const workspace = environment.GITHUB_WORKSPACE || process.cwd()
  for (const annotation of annotationsFor(report, workspace)) {
    const { level, message, ...properties } = annotation
    core[level](message, properties)
  }
  // One file per step (a job may run the action several times on one project).
  const reportPath = join(
    environment.RUNNER_TEMP || tmpdir(),
    `openwisp-tunnel-check-${report.project}-${process.pid}.json`
  )
  writeFileSync(reportPath, `${JSON.stringify(report, null, 2)}\n`)
  core.setOutput('result', report.result)
  core.setOutput('healthy-after', report.healthyAfterSec ?? '')
  core.setOutput('management-subnet', report.managementSubnets.join(','))
  core.setOutput('report', reportPath)
  if (environment.GITHUB_STEP_SUMMARY) await core.summary.addRaw(summaryMarkdown(report, workspace)).write()
  if (report.result === 'failed') process.exitCode = 1
}

/** One error annotation that says what is wrong and what to do; no stack trace. */
function failClearly(error: unknown): void {
  if (error instanceof ComposeFileError && error.location) {
    const { file, line, column } = error.location
    core.error(error.message, { title: 'Compose file error', file, startLine: line, startColumn: column })
    process.exitCode = 1
  } else if (
    error instanceof InputError ||
    error instanceof ComposeFileError ||
    error instanceof DockerUnavailableError
  ) {
    core.setFailed(error.message)
  } else {
    core.debug(error instanceof Error ? (error.stack ?? error.message) : String(error))
    core.setFailed(
      `Unexpected error: ${error instanceof Error ? error.message : String(error)}. Re-run with debug logging (ACTIONS_STEP_DEBUG) and report it.`
    )
  }
}
