// The post step: tears the project down according to `teardown`, whatever
// main did. A teardown problem is a warning, never a lost result.
import * as core from '@actions/core'
import { Docker } from '../docker/client.js'
import { ProcessRunner } from '../docker/command.js'
import { keptMessage, removedMessage, shouldTearDown, teardown } from '../docker/teardown.js'
import type { StartedProject } from '../engine/run.js'
import { runState } from './state.js'

export async function post(): Promise<void> {
  let started: StartedProject | undefined
  try {
    started = runState.started()
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error)
    const message = `The state main saved for this step is unreadable (${reason}), so nothing was torn down. List what is left with \`docker compose ls --all\` and remove the run's project by hand.`
    return core.warning(message, { title: 'Teardown' })
  }
  if (!started) return core.info('Nothing was started: nothing to tear down.')
  const { projectName } = started.project
  const policy = runState.teardown()
  const result = runState.result()
  if (!shouldTearDown(policy, result)) return core.info(keptMessage(projectName, policy, result))
  try {
    const docker = new Docker(new ProcessRunner((line) => core.debug(line)), started.compose)
    const report = await core.group(`Tear down ${projectName}`, () =>
      teardown(docker, started.project, { stopTimeoutSec: runState.stopTimeout(), createdSince: started.upStarted })
    )
    core.info(removedMessage(report, projectName))
    for (const problem of report.problems) core.warning(problem, { title: 'Teardown' })
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error)
    core.warning(`Teardown of ${projectName} failed: ${reason}`, { title: 'Teardown' })
  }
}
