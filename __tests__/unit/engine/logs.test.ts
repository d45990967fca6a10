// The `logs` input: which runs show the containers' logs, one log group per
// container in the step log and the same in the report, read all at once.
import { describe, expect, it } from '@jest/globals'
import type { CommandRunner } from '../../../src/docker/command.js'
import { execute, type Log } from '../../../src/engine/run.js'
import { showsLogs } from '../../../src/engine/record.js'
import type { RunReport } from '../../../src/report/schema.js'
import { readSettings } from '../../../src/settings/settings.js'
import {
  engine,
  LO_DEV,
  LO_ONLY,
  PROJECT,
  tunnelNamespace,
  verifyInputs,
  vpn,
  worker,
  type ScriptedEngine
} from '../../helpers/scripted-engine.js'

const ROOT = `${import.meta.dirname}/../../..`

/** A log that keeps what the front would print, groups marked as the runner marks them. */
function recordingLog(): Log & { lines: string[] } {
  const lines: string[] = []
  return {
    lines,
    info: (message) => void lines.push(message),
    debug: () => undefined,
    mask: () => undefined,
    group: async (name, run) => {
      lines.push(`::group::${name}`)
      return run()
    }
  }
}

async function run(runner: CommandRunner, logs?: string): Promise<{ report: RunReport; printed: string[] }> {
  const inputs: Record<string, string> = { ...verifyInputs, ...(logs ? { logs } : {}) }
  const settings = readSettings((name) => inputs[name] ?? '', { GITHUB_WORKSPACE: ROOT })
  const log = recordingLog()
  const report = await execute(settings, runner, log, {})
  return { report, printed: log.lines }
}

/** After the engine restarted openvpn: celery is in its old namespace, celery_monitoring has no container. */
function staleNamespace(): ScriptedEngine {
  return engine({
    vpn: { ...vpn, restartCount: 1, startedAt: '2026-11-28T12:00:09Z' },
    workers: [worker('celery')],
    namespaces: { 'openvpn-id': tunnelNamespace, 'celery-id': { id: 'net:[4026532187]', route: LO_ONLY, dev: LO_DEV } }
  })
}

function healthy(): ScriptedEngine {
  return engine({
    vpn,
    workers: [worker('celery'), worker('celery_monitoring')],
    namespaces: { 'openvpn-id': tunnelNamespace, 'celery-id': tunnelNamespace, 'celery_monitoring-id': tunnelNamespace }
  })
}

const groups = (printed: string[]): string[] => printed.filter((line) => line.startsWith('::group::Log of'))
const logCalls = (runner: ScriptedEngine): string[] => runner.calls.filter((call) => call.startsWith('docker logs'))

describe('showsLogs', () => {
  it.each([
    ['on-failure', 'failed', true],
    ['on-failure', 'passed', false],
    ['always', 'failed', true],
    ['always', 'passed', true],
    ['never', 'failed', false],
    ['never', 'passed', false]
  ] as const)('%s, %s run: %s', (policy, result, shown) => {
    expect(showsLogs(policy, result)).toBe(shown)
  })
})

describe('logs of a failed run (logs: on-failure, the default)', () => {
  it('prints one group per container of the vpn and the tunnel services, after the probes', async () => {
    const runner = staleNamespace()
    const { report, printed } = await run(runner)
    expect(report.result).toBe('failed')
    expect(printed.filter((line) => line.startsWith('::group::Diagnostics'))).toEqual([
      "::group::Diagnostics: openvpn's last health probes"
    ])
    expect(groups(printed)).toEqual([
      `::group::Log of openvpn (${PROJECT}-openvpn-1): all of it, 2 lines`,
      `::group::Log of celery (${PROJECT}-celery-1): all of it, 1 line`
    ])
    // Each group holds that container's own lines.
    const celery = printed.indexOf(groups(printed)[1]!)
    expect(printed[celery + 1]).toBe('2026-11-28T12:00:08.5Z worker: ready')
    expect(printed[printed.indexOf(groups(printed)[0]!) + 1]).toContain('Initialization Sequence Completed')
    expect(printed.indexOf("::group::Diagnostics: openvpn's last health probes")).toBeLessThan(
      printed.indexOf(groups(printed)[0]!)
    )
    // Read beside the checks, then again at the verdict, as the run failed.
    const reads = [
      'docker logs --tail 10000 --timestamps openvpn-id',
      'docker logs --tail 10000 --timestamps celery-id'
    ]
    expect(logCalls(runner)).toEqual([...reads, ...reads])
  })

  it('shows what a worker wrote after the checks began: a failed run reads the logs again at the verdict', async () => {
    const scripted = staleNamespace()
    let celeryReads = 0
    const runner: CommandRunner = {
      run: async (argv, options) => {
        // The first read of celery's log comes before it wrote a line.
        const early = argv[1] === 'logs' && argv.at(-1) === 'celery-id' && celeryReads++ === 0
        return scripted.run(argv, early ? { ...options, onLine: undefined } : options)
      }
    }
    const { printed } = await run(runner)
    expect(groups(printed)[1]).toBe(`::group::Log of celery (${PROJECT}-celery-1): all of it, 1 line`)
    expect(printed[printed.indexOf(groups(printed)[1]!) + 1]).toBe('2026-11-28T12:00:08.5Z worker: ready')
  })

  it('reads the logs all at once', async () => {
    const scripted = staleNamespace()
    let reading = 0
    let most = 0
    const runner: CommandRunner = {
      run: async (argv, options) => {
        if (argv[1] !== 'logs') return scripted.run(argv, options)
        most = Math.max(most, ++reading)
        await new Promise((resolve) => setTimeout(resolve, 20))
        reading--
        return scripted.run(argv, options)
      }
    }
    await run(runner)
    expect(most).toBe(2)
  })

  it('keeps the same logs in the report, vpn first', async () => {
    const { report } = await run(staleNamespace())
    expect(report.diagnostics?.logs?.map((log) => [log.service, log.container, log.lines, log.cutLines])).toEqual([
      ['openvpn', `${PROJECT}-openvpn-1`, 2, 0],
      ['celery', `${PROJECT}-celery-1`, 1, 0]
    ])
    expect(report.diagnostics?.vpnLogTail).toBe(report.diagnostics?.logs?.[0]?.text)
  })
})

describe('logs: never', () => {
  it('reads no log and prints none, also when the run failed', async () => {
    const runner = staleNamespace()
    const { report, printed } = await run(runner, 'never')
    expect(report.result).toBe('failed')
    expect(groups(printed)).toEqual([])
    expect(logCalls(runner)).toEqual([])
    expect(report.diagnostics).toMatchObject({ vpnLogTail: '' })
    expect(report.diagnostics).not.toHaveProperty('logs')
  })
})

describe('logs of a passed run', () => {
  it('are neither printed nor kept by default', async () => {
    const { report, printed } = await run(healthy())
    expect(report.result).toBe('passed')
    expect(groups(printed)).toEqual([])
    expect(report.diagnostics).not.toHaveProperty('logs')
    // The vpn's tail is kept as schema 1.0 promised.
    expect(report.diagnostics?.vpnLogTail).toContain('Initialization Sequence Completed')
  })

  it('are printed and kept under logs: always', async () => {
    const { report, printed } = await run(healthy(), 'always')
    expect(report.result).toBe('passed')
    expect(groups(printed)).toEqual([
      `::group::Log of openvpn (${PROJECT}-openvpn-1): all of it, 2 lines`,
      `::group::Log of celery (${PROJECT}-celery-1): all of it, 1 line`,
      `::group::Log of celery_monitoring (${PROJECT}-celery_monitoring-1): all of it, 1 line`
    ])
    expect(printed.some((line) => line.startsWith('::group::Diagnostics'))).toBe(false)
    expect(report.diagnostics?.logs).toHaveLength(3)
  })
})
