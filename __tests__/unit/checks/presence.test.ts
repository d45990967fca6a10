import { describe, expect, it } from '@jest/globals'
import { judgePresence } from '../../../src/checks/presence.js'
import { container } from '../../helpers/containers.js'

const facts = {
  project: 'openwisp',
  vpnService: 'openvpn',
  engine: 'Docker context prod (ssh://openwisp.example.org)',
  projects: [
    { name: 'docker-openwisp', status: 'running(9)' },
    { name: 'monitoring', status: 'exited(2)' }
  ]
}

describe('judgePresence', () => {
  it('has nothing to say when the vpn service has a container, whatever its state', () => {
    const vpn = container({ service: 'openvpn', status: 'exited' })
    expect(judgePresence({ ...facts, containers: [vpn] })).toBeUndefined()
  })

  it('names the project, the engine and the projects there when the project has no container', () => {
    const outcome = judgePresence({ ...facts, containers: [] })!
    expect(outcome.verdict).toBe('failed')
    expect(outcome.summary).toBe(
      'No container of project openwisp exists on the engine asked (Docker context prod (ssh://openwisp.example.org)): the deployment is down, or this is not its project name or engine. Compose projects on that engine: docker-openwisp (running(9)), monitoring (exited(2)).'
    )
    expect(outcome.evidence).toEqual({
      project: 'openwisp',
      engine: facts.engine,
      projects: 'docker-openwisp, monitoring'
    })
    expect(outcome.fix).toContain('set project-name')
  })

  it('says so when the engine holds no project at all', () => {
    expect(judgePresence({ ...facts, projects: [], containers: [] })!.summary).toContain(
      'The engine holds no Compose project at all.'
    )
  })

  it('lists what the project has when only the vpn service is missing', () => {
    const celery = container({ service: 'celery', name: 'openwisp-celery-1', status: 'running' })
    const outcome = judgePresence({ ...facts, containers: [celery] })!
    expect(outcome.summary).toBe(
      'Project openwisp on Docker context prod (ssh://openwisp.example.org) has no container of openvpn; it has: celery (running).'
    )
  })
})
