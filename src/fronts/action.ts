// The GitHub Action front: inputs from the workflow, results as annotations,
// a job summary and outputs. The post step (post.ts) tears down.
import { writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as core from '@actions/core'
import { ProcessRunner } from '../docker/command.js'
import { execute, type Log } from '../engine/run.js'
import { UserError } from '../errors.js'
import { annotationsFor, place } from '../report/annotations.js'
import type { RunReport } from '../report/schema.js'
import { summaryMarkdown } from '../report/summary.js'
import { defaultWorkspace } from '../settings/paths.js'
import { readSettings } from '../settings/settings.js'
import { inert } from './inert.js'
import { guardRun, type Shutdown } from './shutdown.js'
import { runState } from './state.js'

/** The one place the engine's text reaches the log. */
const actionLog: Log = {
  info: (message) => core.info(inert(message)),
  debug: (message) => core.debug(message),
  group: (name, run) => core.group(name, run),
  mask: (value) => core.setSecret(value)
}

export async function main(environment: NodeJS.ProcessEnv = process.env): Promise<void> {
  let shutdown: Shutdown | undefined
  try {
    const settings = readSettings((name) => core.getInput(name), environment)
    runState.saveTeardown(settings.teardown)
    runState.saveStopTimeout(settings.stopTimeoutSec)
    const runner = new ProcessRunner((line) => core.debug(line))
    // Cut short, main fails and leaves the cleaning to the post step, which
    // the runner still runs.
    shutdown = guardRun(settings, runner, (message) =>
      core.setFailed(`${message} The post step tears the project down.`)
    )
    // Saved before anything starts, so that the post step cleans up even
    // when this step fails, times out or is cancelled; never for a project
    // that already existed, so that the post step leaves that one alone.
    // Given out at once, so that later steps find the project then too.
    const report = await execute(settings, runner, actionLog, environment, (started) => {
      runState.saveStarted(started)
      core.setOutput('project-name', started.project.projectName)
    })
    // Cut short, the verdict is about commands that were stopped under it:
    // the shutdown has failed the step and says why.
    if (shutdown.stopping) return
    runState.saveResult(report.result)
    await publish(report, settings.workspace, environment)
  } catch (error) {
    if (!shutdown?.stopping) failClearly(error, defaultWorkspace(environment))
  }
}

async function publish(report: RunReport, workspace: string, environment: NodeJS.ProcessEnv): Promise<void> {
  for (const { level, message, ...properties } of annotationsFor(report, workspace)) core[level](message, properties)
  // One file per step (a job may run the action several times on one project).
  const reportPath = join(
    environment.RUNNER_TEMP || tmpdir(),
    `openwisp-tunnel-check-${report.project}-${process.pid}.json`
  )
  writeFileSync(reportPath, `${JSON.stringify(report, null, 2)}\n`)
  core.setOutput('result', report.result)
  core.setOutput('project-name', report.project)
  core.setOutput('healthy-after', report.healthyAfterSec ?? '')
  core.setOutput('management-subnet', report.managementSubnets.join(','))
  core.setOutput('report', reportPath)
  core.setOutput('recovered-after', report.recoveredAfterSec ?? '')
  if (environment.GITHUB_STEP_SUMMARY) await core.summary.addRaw(summaryMarkdown(report, workspace)).write()
  if (report.result === 'failed') process.exitCode = 1
}

/** One error annotation that says what is wrong and what to do; no stack trace. */
function failClearly(error: unknown, workspace: string): void {
  if (error instanceof UserError) {
    core.error(error.message, { title: error.title, ...place(error.location, workspace) })
  } else {
    core.debug(error instanceof Error ? (error.stack ?? error.message) : String(error))
    const reason = error instanceof Error ? error.message : String(error)
    core.error(`Unexpected error: ${reason}. Re-run with debug logging (ACTIONS_STEP_DEBUG) and report it.`)
  }
  process.exitCode = 1
  // A workflow that reads `result` sees the failure too, unless the failure
  // is the outputs file itself: the error above already says so.
  try {
    core.setOutput('result', 'failed')
  } catch {
    // Nothing more can be said where the runner reads outputs.
  }
}
