// The argument vectors asked of Docker and Compose, and what is read back.
import { describe, expect, it } from '@jest/globals'
import { composeArgv, eventsArgv, parseEvent, removalArgvs } from '../../../src/docker/argv.js'

const target = {
  workingDirectory: '/w',
  files: ['/w/a.yml', '/w/b.yml'],
  envFiles: ['/w/.env'],
  profiles: ['vpn'],
  projectName: 'p1'
}

describe('argument vectors', () => {
  it('names the project, files, env files and profiles explicitly', () => {
    expect(composeArgv(['docker', 'compose'], target, ['up', '--detach'])).toEqual([
      'docker',
      'compose',
      '--project-directory',
      '/w',
      '--project-name',
      'p1',
      '--file',
      '/w/a.yml',
      '--file',
      '/w/b.yml',
      '--env-file',
      '/w/.env',
      '--profile',
      'vpn',
      'up',
      '--detach'
    ])
  })

  it('keeps hostile words as single arguments', () => {
    const argv = composeArgv(['docker-compose'], { ...target, files: ['/w/x; rm -rf /.yml'] }, ['up'])
    expect(argv).toContain('/w/x; rm -rf /.yml')
  })

  it('removes containers before the networks and volumes they hold, and asks nothing of an empty kind', () => {
    expect(removalArgvs({ containers: ['c1', 'c2'], networks: [], volumes: ['v1'] })).toEqual([
      ['docker', 'rm', '--force', '--volumes', 'c1', 'c2'],
      ['docker', 'volume', 'rm', '--force', 'v1']
    ])
    expect(removalArgvs({ containers: [], networks: ['n1'], volumes: [] })).toEqual([['docker', 'network', 'rm', 'n1']])
  })

  it('streams only the project container events, with a replay window', () => {
    expect(eventsArgv('p1', '1700000000.000')).toEqual([
      'docker',
      'events',
      '--since',
      '1700000000.000',
      '--filter',
      'type=container',
      '--filter',
      'label=com.docker.compose.project=p1',
      '--format',
      '{{json .}}'
    ])
  })
})

describe('parseEvent', () => {
  it('reads action, container, service and engine time', () => {
    const line = JSON.stringify({
      Action: 'health_status: healthy',
      Actor: { ID: 'abc', Attributes: { 'com.docker.compose.service': 'openvpn' } },
      timeNano: 1700000000123456789
    })
    expect(parseEvent(line)).toEqual({
      action: 'health_status: healthy',
      containerId: 'abc',
      service: 'openvpn',
      timeMs: 1700000000123.4568
    })
    expect(parseEvent('not json')).toBeUndefined()
  })
})
