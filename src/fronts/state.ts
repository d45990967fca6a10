// What main saves for the post step, with typed accessors (in the manner of
// actions/checkout's state-helper): the post step reads the project main
// started, never one it works out again.
import * as core from '@actions/core'
import type { ComposeProject } from '../compose/project.js'
import { COMPOSE_COMMANDS } from '../docker/argv.js'
import { DEFAULT_STOP_TIMEOUT_SEC, isStopTimeout, TEARDOWN_POLICIES, type TeardownPolicy } from '../docker/teardown.js'
import type { StartedProject } from '../engine/run.js'

import type { RunReport } from '../report/schema.js'

const KEYS = {
  project: 'composeProject',
  compose: 'composeCommand',
  upStarted: 'upStarted',
  teardown: 'teardown',
  stopTimeout: 'stopTimeout',
  result: 'result'
} as const

export const runState = {
  /** Saved only for a project this run may call its own (see claimProject). */
  saveStarted: ({ project, compose, upStarted }: StartedProject): void => {
    core.saveState(KEYS.project, JSON.stringify(project))
    core.saveState(KEYS.compose, JSON.stringify(compose))
    core.saveState(KEYS.upStarted, upStarted.toISOString())
  },
  /** Throws when the saved state is not what main saves: the post step
   * then touches nothing rather than run commands it cannot vouch for. */
  started: (): StartedProject | undefined => {
    const project = core.getState(KEYS.project)
    if (!project) return undefined
    const started = {
      project: parseJson(project) as ComposeProject,
      compose: parseJson(core.getState(KEYS.compose)) as string[],
      upStarted: new Date(core.getState(KEYS.upStarted))
    }
    if (!isStartedProject(started)) throw new Error('the saved project, compose command or start time is malformed')
    return started
  },

  saveTeardown: (policy: TeardownPolicy): void => core.saveState(KEYS.teardown, policy),
  /** `always` (the input's default: the project is this run's own) when main
   * ended before it read its inputs, or saved something else. */
  teardown: (): TeardownPolicy => {
    const saved = core.getState(KEYS.teardown)
    return (TEARDOWN_POLICIES as readonly string[]).includes(saved) ? (saved as TeardownPolicy) : 'always'
  },

  saveStopTimeout: (seconds: number): void => core.saveState(KEYS.stopTimeout, String(seconds)),
  /** The default when main ended before it read its inputs, or saved something else. */
  stopTimeout: (): number => {
    const saved = core.getState(KEYS.stopTimeout)
    return isStopTimeout(saved) ? Number(saved) : DEFAULT_STOP_TIMEOUT_SEC
  },

  saveResult: (result: RunReport['result']): void => core.saveState(KEYS.result, result),
  /** `failed` when main ended before its verdict. */
  result: (): RunReport['result'] => (core.getState(KEYS.result) as RunReport['result']) || 'failed'
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown
  } catch {
    return undefined
  }
}

function isStartedProject(started: { project: unknown; compose: unknown; upStarted: Date }): boolean {
  const project = started.project as Partial<ComposeProject> | undefined
  const strings = (value: unknown): boolean => Array.isArray(value) && value.every((item) => typeof item === 'string')
  return (
    typeof project?.projectName === 'string' &&
    typeof project.workingDirectory === 'string' &&
    strings(project.files) &&
    strings(project.envFiles) &&
    strings(project.profiles) &&
    strings(started.compose) &&
    COMPOSE_COMMANDS.some((command) => command.join(' ') === (started.compose as string[]).join(' ')) &&
    !Number.isNaN(started.upStarted.getTime())
  )
}
