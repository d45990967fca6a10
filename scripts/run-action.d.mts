// Types of run-action.mjs for the TypeScript tests.
export const ROOT: string
export interface StepRun {
  exitCode: number
  stdout: string
  stderr: string
  outputs: Map<string, string>
  state: Map<string, string>
  summary: string
  seconds: number
}
export interface ActionRun {
  main: StepRun
  post?: StepRun
  report?: Record<string, any>
  summaryPath: string
}
export function parseFileCommands(text: string): Map<string, string>
export function runAction(
  inputs: Record<string, string>,
  options?: {
    workspace?: string
    env?: Record<string, string>
    post?: boolean
    echo?: boolean
  }
): ActionRun
export function runActionWatched(
  inputs: Record<string, string>,
  options: {
    workspace?: string
    env?: Record<string, string>
    post?: boolean
    echo?: boolean
    /** `cancel` sends main SIGTERM, as the runner does on cancellation. */
    onMainLine: (line: string, cancel: () => void) => void
  }
): Promise<ActionRun>
export function runPost(
  inputs: Record<string, string>,
  state: Map<string, string>,
  options?: { workspace?: string; env?: Record<string, string>; echo?: boolean }
): StepRun
