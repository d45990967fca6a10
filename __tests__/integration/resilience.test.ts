// The resilience check against a real engine: after the tunnel checks pass,
// the vpn container is restarted (`docker restart`) or recreated by a
// redeploy (`docker compose up -d` after a change to its configuration), and
// the workers must come back within recovery-timeout. Each stack either comes
// back or does not, and the fix the failure suggests is run and proven.
import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import { describe, expect, it } from '@jest/globals'
import { annotations, composeDown, runAction, STACKS, trackProjects, type ActionRun } from './harness.js'

const MINUTES = 60_000
const project = trackProjects()

function checks(run: ActionRun, kind: string, event?: string): Record<string, any>[] {
  return run.report!.checks.filter((c: any) => c.check === kind && c.event === event)
}

function verdicts(run: ActionRun, event: string): string[] {
  return run
    .report!.checks.filter((c: any) => c.event === event)
    .map((c: any) => `${c.check} ${c.service} ${c.verdict}`)
}

/** The command a failed recovery check suggests first, as an argument vector. */
function suggestedFix(check: Record<string, any>): string[] {
  const command = /^Put it back: `([^`]+)`/.exec(check.fix)
  expect(command).not.toBeNull()
  return command![1].split(' ')
}

/** Runs a suggested `docker …` command the way an operator would, in the stack's directory. */
function runFix(argv: string[], stack: string, env: Record<string, string> = {}): void {
  expect(argv[0]).toBe('docker')
  execFileSync('docker', argv.slice(1), {
    cwd: join(STACKS, stack),
    env: { ...process.env, ...env },
    stdio: 'pipe',
    timeout: 2 * MINUTES
  })
}

describe('resilience: restart', () => {
  it(
    'fails a stack whose workers stay in the old namespace, names every one, and its fix works',
    () => {
      const name = project('restart-stranded')
      try {
        const run = runAction({
          'working-directory': 'demo',
          'project-name': name,
          'probe-targets': '10.8.0.10',
          resilience: 'restart',
          'recovery-timeout': '20',
          teardown: 'never'
        })
        expect(run.main.exitCode).toBe(1)
        // The checks before the event passed: the event is what broke the tunnel.
        expect(run.report!.checks.filter((c: any) => !c.event).every((c: any) => c.verdict === 'passed')).toBe(true)
        expect(checks(run, 'health', 'restart')[0]).toMatchObject({ verdict: 'passed' })
        const stranded = checks(run, 'recovery', 'restart')
        expect(stranded.map((c: any) => `${c.container} ${c.verdict}`).sort()).toEqual([
          `${name}-celery-1 failed`,
          `${name}-celery_monitoring-1 failed`
        ])
        for (const check of stranded) {
          // The evidence: still in the namespace the vpn had, which is not the vpn's now, and only lo.
          expect(check.evidence.namespace_after).toBe(check.evidence.namespace_before)
          expect(check.evidence.namespace_before).toBe(check.evidence.vpn_namespace_before)
          expect(check.evidence.vpn_namespace_after).not.toBe(check.evidence.vpn_namespace_before)
          expect(check.evidence.routes).toBe('none at all (interfaces: lo)')
          expect(check.evidence.restarts).toBe(0)
          expect(check.summary).toContain('did not come back within recovery-timeout (20 s)')
          // Truthful about restart: true, which the demo stack has.
          expect(check.fix).toContain('its depends_on.openvpn.restart: true covers only restarts Compose makes')
        }
        const errors = annotations(run.main, 'error').join('\n')
        expect(errors).toContain(`celery: recovery check failed after restart`)
        expect(errors).toContain(`celery_monitoring: recovery check failed after restart`)
        expect(run.main.outputs.get('recovered-after')).toBe('')
        expect(run.report!.resilience).toMatchObject([{ event: 'restart', result: 'failed' }])
        expect(run.report!.resilience[0].workers.every((w: any) => w.recoveredAfterMs === undefined)).toBe(true)
        expect(run.main.summary).toContain('did not survive restart')
        // The fix the message gives puts the workers back.
        for (const check of stranded) runFix(suggestedFix(check), 'demo')
        const verify = runAction({
          mode: 'verify',
          'working-directory': 'demo',
          'project-name': name,
          'probe-targets': '10.8.0.10'
        })
        expect(verify.main.outputs.get('result')).toBe('passed')
      } finally {
        composeDown(name)
      }
    },
    5 * MINUTES
  )
})

describe('resilience: restart and recreate, on a stack that survives both', () => {
  it(
    'passes, with each worker back in the new namespace and its time, and leaves nothing',
    () => {
      const name = project('self-healing')
      const run = runAction({
        'working-directory': 'self-healing',
        'project-name': name,
        'probe-targets': '10.8.0.10',
        resilience: 'restart, recreate',
        'recovery-timeout': '90'
      })
      expect(annotations(run.main, 'error')).toEqual([])
      expect(run.main.exitCode).toBe(0)
      expect(run.report!.resilience.map((e: any) => `${e.event} ${e.result}`)).toEqual([
        'restart passed',
        'recreate passed'
      ])
      for (const event of ['restart', 'recreate']) {
        expect(verdicts(run, event)).toEqual(
          expect.arrayContaining([
            'health openvpn passed',
            'tunnel openvpn passed',
            'namespace celery passed',
            'reach celery_monitoring passed',
            'recovery celery passed',
            'recovery celery_monitoring passed',
            // The checks after the event held for the containers as they were.
            'stability openvpn passed'
          ])
        )
        const record = run.report!.resilience.find((e: any) => e.event === event)
        expect(record.workers).toHaveLength(2)
        for (const worker of record.workers) {
          expect(worker.recoveredAfterMs).toBeGreaterThan(0)
          expect(worker.namespaceAfter).toBe(record.vpn.namespaceAfter)
        }
      }
      const [restart, recreate] = run.report!.resilience
      // A restart keeps the vpn's container; the engine restarts the workers into its new namespace.
      expect(restart.vpn.containerAfter).toBe(restart.vpn.containerBefore)
      expect(checks(run, 'recovery', 'restart')[0].summary).toMatch(/the engine restarted it: restart count 0 → \d/)
      // A redeploy gives the vpn a new container, and Compose recreates the workers with it.
      expect(recreate.vpn.containerAfter).not.toBe(recreate.vpn.containerBefore)
      expect(checks(run, 'recovery', 'recreate')[0].summary).toContain('(Compose recreated it)')
      const slowest = Math.max(restart.recoveredAfterMs, recreate.recoveredAfterMs)
      expect(Number(run.main.outputs.get('recovered-after'))).toBe(Math.round(slowest / 100) / 10)
      const labels = run.report!.timeline.map((entry: any) => entry.label)
      expect(labels).toEqual(expect.arrayContaining(['restart started', 'back after restart', 'recreate survived']))
      expect(run.main.summary).toContain('### Resilience')
      expect(run.main.stdout).toContain('::group::Resilience: restart openvpn')
    },
    5 * MINUTES
  )
})

describe('resilience: recreate', () => {
  it(
    'passes a stack whose workers follow the vpn service (network_mode: service:openvpn)',
    () => {
      const name = project('recreate-follows')
      const run = runAction({
        'working-directory': 'demo',
        'project-name': name,
        'probe-targets': '10.8.0.10',
        resilience: 'recreate',
        'recovery-timeout': '90'
      })
      expect(run.main.exitCode).toBe(0)
      expect(checks(run, 'recovery', 'recreate').map((c: any) => c.verdict)).toEqual(['passed', 'passed'])
      expect(Number(run.main.outputs.get('recovered-after'))).toBeGreaterThan(0)
      expect(run.report!.resilience[0].action).toBe(
        "docker compose up --detach, after a change to openvpn's configuration"
      )
    },
    5 * MINUTES
  )

  it(
    'fails a stack whose worker joined the vpn container by name, and its fix works',
    () => {
      const name = project('recreate-joined')
      const env = { VPN_CONTAINER: `${name}-vpn` }
      const inputs = {
        'working-directory': 'joined-by-name',
        'project-name': name,
        'tunnel-services': 'celery',
        'probe-targets': '10.8.0.10',
        // The preflight predicts it (network-mode, depends-on); the event proves it.
        preflight: 'report'
      }
      try {
        const run = runAction(
          { ...inputs, resilience: 'recreate', 'recovery-timeout': '20', teardown: 'never' },
          { env }
        )
        expect(run.main.exitCode).toBe(1)
        expect(run.report!.findings.map((f: any) => f.rule)).toEqual(expect.arrayContaining(['network-mode']))
        const [recovery] = checks(run, 'recovery', 'recreate')
        expect(recovery).toMatchObject({ container: `${name}-celery-1`, verdict: 'failed' })
        expect(recovery.summary).toContain('the one openvpn had before the redeploy')
        const [before, after] = recovery.evidence.vpn_container.split(' → ')
        expect(after).not.toBe(before)
        // Compose keeps the name, or resolves it to the id when the vpn container
        // already exists as it creates celery (that depends on the order it creates
        // them in). A name now names the new container, so a restart puts celery
        // back; the old id is gone, so only a recreate does.
        const byName = recovery.evidence.network_mode === `container:${env.VPN_CONTAINER}`
        if (!byName) expect(recovery.evidence.network_mode).toMatch(new RegExp(`^container:${before}`))
        expect(suggestedFix(recovery).slice(0, 2)).toEqual(byName ? ['docker', 'restart'] : ['docker', 'compose'])
        expect(recovery.fix).toContain('Set network_mode: "service:openvpn" on celery')
        runFix(suggestedFix(recovery), 'joined-by-name', env)
        const verify = runAction({ ...inputs, mode: 'verify' }, { env })
        // The preflight's errors stand (the file is still wrong); the tunnel is back.
        expect(verify.report!.checks.map((c: any) => `${c.check} ${c.verdict}`)).toEqual([
          'health passed',
          'tunnel passed',
          'namespace passed',
          'route passed',
          'reach passed',
          'stability passed'
        ])
      } finally {
        composeDown(name)
      }
    },
    5 * MINUTES
  )
})
