// A failed run's logs and the project it ran, against a real engine: one log
// group per service in the step log and the same in the summary, none under
// `logs: never`; the `project-name` output names the project, which stays up
// for later steps of the job, and which the post step removes.
import { execFileSync } from 'node:child_process'
import { describe, expect, it } from '@jest/globals'
import { composeDown, leftovers, PROJECT_PREFIX, runAction, runPost, type ActionRun, type StepRun } from './harness.js'

const MINUTES = 60_000
/** The no-tunnel stack: the vpn turns healthy without a tunnel, the run fails at once. */
const failing = { 'working-directory': 'no-tunnel', preflight: 'report', 'route-timeout': '2' }

/** A workflow run of its own, so that the action makes the project's name up
 * itself from the run's id: otc-<run>-… (the test prefix, as it starts with otc-). */
function workflowRun(name: string): { env: Record<string, string>; prefix: string } {
  const run = `${PROJECT_PREFIX.replace(/^otc-/, '')}-${name}-${process.pid}-${Date.now().toString(36)}`
  return { env: { GITHUB_RUN_ID: run, GITHUB_RUN_ATTEMPT: '1', GITHUB_JOB: 'logs' }, prefix: `otc-${run}-` }
}

/** The project main saved for its post step (there whatever the outputs say). */
function savedProject(run: ActionRun): string {
  return (JSON.parse(run.main.state.get('composeProject')!) as { projectName: string }).projectName
}

function logGroups(step: StepRun): string[] {
  return step.stdout.split('\n').filter((line) => line.startsWith('::group::Log of'))
}

/** The container's lines in the step-log group whose title starts with
 * `title` (each starts with its timestamp; workflow commands are left out). */
function groupLines(step: StepRun, title: string): string[] {
  const lines = step.stdout.split('\n')
  const start = lines.findIndex((line) => line.startsWith(`::group::${title}`))
  const end = lines.indexOf('::endgroup::', start)
  return lines.slice(start + 1, end).filter((line) => !line.startsWith('::'))
}

describe('a failed run', () => {
  it(
    'shows one log group per service in the step log and the summary; its project-name output names the project that later steps use and the post step removes',
    () => {
      const { env, prefix } = workflowRun('failed')
      const run = runAction(failing, { env, post: false })
      const saved = savedProject(run)
      try {
        expect(run.main.exitCode).toBe(1)
        expect(run.main.outputs.get('result')).toBe('failed')
        const project = run.main.outputs.get('project-name')!
        expect(project.startsWith(prefix)).toBe(true)
        expect(project).toBe(saved)

        expect(logGroups(run.main)).toEqual([
          expect.stringMatching(
            new RegExp(`^::group::Log of openvpn \\(${project}-openvpn-1\\): all of it, \\d+ lines?$`)
          ),
          `::group::Log of celery (${project}-celery-1): all of it, 1 line`,
          `::group::Log of celery_monitoring (${project}-celery_monitoring-1): last 100 lines; 50 earlier lines cut`
        ])
        expect(groupLines(run.main, 'Log of openvpn').join('\n')).toContain('NO_TUNNEL=1')
        expect(groupLines(run.main, 'Log of celery (')).toEqual([expect.stringMatching(/Z celery: worker ready$/)])
        const monitoring = groupLines(run.main, 'Log of celery_monitoring')
        expect(monitoring).toHaveLength(100)
        expect(monitoring[0]).toMatch(/Z celery_monitoring: check 51$/)
        expect(monitoring[99]).toMatch(/Z celery_monitoring: check 150$/)

        const titles = [...run.main.summary.matchAll(/<summary>(Log of .*)<\/summary>/g)].map((match) => match[1])
        expect(titles).toEqual(logGroups(run.main).map((group) => group.replace('::group::', '')))
        expect(run.main.summary).toContain('celery: worker ready')
        expect(run.report!.diagnostics.logs.map((log: { service: string }) => log.service)).toEqual([
          'openvpn',
          'celery',
          'celery_monitoring'
        ])

        // A later step of the job, before the post step: the stack is still up.
        const logs = execFileSync('docker', ['compose', '-p', project, 'logs', '--no-color', 'celery'], {
          encoding: 'utf8',
          timeout: 60_000
        })
        expect(logs).toContain('celery: worker ready')

        // The post step removes exactly the project the output named.
        const post = runPost(failing, run.main.state, { env })
        expect(post.stdout).toMatch(new RegExp(`Removed .* of project ${project}; nothing of it is left\\.`))
        expect(leftovers(project)).toEqual([])
      } finally {
        composeDown(saved)
      }
    },
    3 * MINUTES
  )
})

describe('logs: never', () => {
  it(
    'shows no log, in the step log, the summary or the report',
    () => {
      const { env, prefix } = workflowRun('never')
      const run = runAction({ ...failing, logs: 'never' }, { env })
      const project = savedProject(run)
      expect(project.startsWith(prefix)).toBe(true)
      expect(run.main.outputs.get('result')).toBe('failed')
      expect(logGroups(run.main)).toEqual([])
      expect(run.main.summary).not.toContain('Log of')
      expect(run.report!.diagnostics).not.toHaveProperty('logs')
      expect(run.report!.diagnostics.vpnLogTail).toBe('')
      expect(leftovers(project)).toEqual([])
    },
    3 * MINUTES
  )
})
