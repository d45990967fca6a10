// A stand-in for @actions/core that records what a front asked of the runner:
// inputs in, state, outputs, annotations, log lines and the summary out.
import { jest } from '@jest/globals'

export interface Recorded {
  inputs: Record<string, string>
  state: Map<string, string>
  outputs: Map<string, string>
  annotations: { level: string; message: string; properties?: Record<string, unknown> }[]
  log: string[]
  secrets: string[]
  summary: string[]
  failed: string[]
}

export function coreMock(recorded: Recorded) {
  const annotate = (level: string) => (message: string | Error, properties?: Record<string, unknown>) =>
    void recorded.annotations.push({ level, message: String(message), properties })
  const summary = {
    addRaw: (text: string) => {
      recorded.summary.push(text)
      return summary
    },
    write: async () => summary
  }
  return {
    getInput: (name: string) => recorded.inputs[name] ?? '',
    getState: (name: string) => recorded.state.get(name) ?? '',
    saveState: (name: string, value: unknown) => void recorded.state.set(name, String(value)),
    setOutput: (name: string, value: unknown) => void recorded.outputs.set(name, String(value)),
    setSecret: (value: string) => void recorded.secrets.push(value),
    setFailed: (message: string | Error) => {
      recorded.failed.push(String(message))
      process.exitCode = 1
    },
    info: (message: string) => void recorded.log.push(message),
    debug: (message: string) => void recorded.log.push(`::debug::${message}`),
    error: annotate('error'),
    warning: annotate('warning'),
    notice: annotate('notice'),
    group: async <T>(name: string, run: () => Promise<T>): Promise<T> => {
      recorded.log.push(`::group::${name}`)
      return run()
    },
    summary
  }
}

export function emptyRecord(inputs: Record<string, string> = {}): Recorded {
  return {
    inputs,
    state: new Map(),
    outputs: new Map(),
    annotations: [],
    log: [],
    secrets: [],
    summary: [],
    failed: []
  }
}

/** Replaces @actions/core for the modules imported after this call. */
export function mockCore(recorded: Recorded): void {
  jest.unstable_mockModule('@actions/core', () => coreMock(recorded))
}
