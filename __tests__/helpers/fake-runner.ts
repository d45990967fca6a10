import type { CommandResult, CommandRunner, RunOptions } from '../../src/docker/command.js'

/** A runner that answers from a table of argv prefixes and records every call. */
export class FakeRunner implements CommandRunner {
  readonly calls: string[][] = []
  constructor(private readonly answers: [string, Partial<CommandResult>][]) {}
  async run(argv: string[], _options: RunOptions): Promise<CommandResult> {
    this.calls.push(argv)
    const line = argv.join(' ')
    const answer = this.answers.find(([prefix]) => line.startsWith(prefix))?.[1] ?? {}
    return { argv, exitCode: 0, stdout: '', stderr: '', killed: false, durationMs: 1, ...answer }
  }
}
