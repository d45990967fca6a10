// The post step: tears the project down according to `teardown`, whatever
// main did. A teardown problem is a warning, never a lost result.
import * as core from '@actions/core'
import { ProcessRunner } from '../docker/command.js'
import { Docker, type ComposeTarget } from '../docker/client.js'
import { STATE } from './state.js'
import { countResources, describeResources, teardown } from '../docker/teardown.js'

export async function post(): Promise<void> {
  const saved = core.getState(STATE.target)
  if (!saved) return core.info('Nothing was started: nothing to tear down.')
  const target = JSON.parse(saved) as ComposeTarget
  const policy = core.getState(STATE.teardown) || 'always'
  const result = core.getState(STATE.result) || 'failed'
  if (policy === 'never' || (policy === 'on-success' && result !== 'passed')) {
    return core.info(
      `Keeping project ${target.projectName} (teardown: ${policy}, result: ${result}). Remove it with: docker compose -p ${target.projectName} down -v --remove-orphans`
    )
  }
  try {
    const docker = new Docker(
      new ProcessRunner((line) => core.debug(line)),
      JSON.parse(core.getState(STATE.compose)) as string[]
    )
    const report = await core.group(`Tear down ${target.projectName}`, () => teardown(docker, target))
    core.info(`Removed ${describeResources(report.removed)} of project ${target.projectName}.`)
    for (const problem of report.problems) core.warning(problem, { title: 'Teardown' })
    if (countResources(report.left) === 0) core.info(`Nothing of project ${target.projectName} is left.`)
  } catch (error) {
    core.warning(
      `Teardown of ${target.projectName} failed: ${error instanceof Error ? error.message : String(error)}`,
      { title: 'Teardown' }
    )
  }
}
