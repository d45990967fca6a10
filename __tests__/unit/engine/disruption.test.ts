// The resilience events as commands: `docker restart` on the vpn container,
// or a redeploy that changes the vpn service's configuration in an extra
// compose file (the user's files untouched) and converges the whole project.
import { existsSync, mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { describe, expect, it } from '@jest/globals'
import { Docker } from '../../../src/docker/client.js'
import type { CommandResult, RunOptions } from '../../../src/docker/command.js'
import { disrupt, eventAction } from '../../../src/engine/disruption.js'
import { readSettings } from '../../../src/settings/settings.js'
import { container } from '../../helpers/containers.js'
import { FakeRunner } from '../../helpers/fake-runner.js'

const workspace = mkdtempSync(join(tmpdir(), 'otc-disruption-'))
const project = {
  workingDirectory: workspace,
  files: [join(workspace, 'compose.yml')],
  envFiles: [],
  profiles: [],
  projectName: 'p1'
}
const vpn = container({ id: 'vpn-id', name: 'p1-openvpn-1' })

function settingsWith(inputs: Record<string, string>) {
  return readSettings((name) => inputs[name] ?? '', { GITHUB_WORKSPACE: workspace })
}

/** Keeps, for each compose call, the extra file it was given as it was then. */
class ComposeFiles extends FakeRunner {
  readonly overrides: { path: string; text: string }[] = []
  constructor() {
    super([])
  }
  override async run(argv: string[], options: RunOptions): Promise<CommandResult> {
    const path = argv.filter((word) => word.endsWith('redeploy.compose.yml')).at(0)
    if (path) this.overrides.push({ path, text: readFileSync(path, 'utf8') })
    return super.run(argv, options)
  }
}

describe('eventAction', () => {
  it('words a restart as the docker command run on the vpn container', () => {
    expect(eventAction(settingsWith({}), 'restart', vpn)).toBe('docker restart p1-openvpn-1')
  })

  it('words a redeploy as compose up with the run up-flags, after a change to the vpn service', () => {
    expect(eventAction(settingsWith({ 'up-flags': '--wait --no-build' }), 'recreate', vpn)).toBe(
      "docker compose up --detach --wait --no-build, after a change to openvpn's configuration"
    )
  })
})

describe('disrupt', () => {
  it('restarts the vpn container by its id', async () => {
    const runner = new FakeRunner([])
    const settings = settingsWith({})
    await disrupt(
      { settings, project, docker: new Docker(runner, ['docker', 'compose']) },
      'restart',
      vpn,
      Date.now() + 5000
    )
    expect(runner.calls).toEqual([['docker', 'restart', 'vpn-id']])
  })

  it('redeploys the whole project with a new label on the vpn service, in a file removed afterwards', async () => {
    const runner = new ComposeFiles()
    const settings = settingsWith({ 'up-flags': '--no-build' })
    const docker = new Docker(runner, ['docker', 'compose'])
    await disrupt({ settings, project, docker }, 'recreate', vpn, Date.now() + 5000)
    const [call] = runner.calls
    const [override] = runner.overrides
    expect(call.slice(-3)).toEqual(['up', '--detach', '--no-build'])
    // The user's file first, the change last, so that the change wins.
    const files = call.flatMap((word, i) => (call[i - 1] === '--file' ? [word] : []))
    expect(files).toEqual([project.files[0], override.path])
    const labels = JSON.parse(override.text).services.openvpn.labels
    expect(Object.keys(labels)).toEqual(['org.openwisp-tunnel-check.redeploy'])
    expect(existsSync(dirname(override.path))).toBe(false)
  })
})
