import { describe, expect, it } from '@jest/globals'
import { describeEngine, parseComposeProjects, withoutCredentials } from '../../../src/docker/engine.js'

describe('withoutCredentials', () => {
  it.each([
    ['unix:///var/run/docker.sock', 'unix:///var/run/docker.sock'],
    ['ssh://deploy@openwisp.example.org', 'ssh://openwisp.example.org'],
    ['ssh://deploy:s3cret@host:22/path?token=abc#x', 'ssh://host:22/path'],
    ['tcp://user:pa/ss@wo@rd@[::1]:2376', 'tcp://[::1]:2376'],
    ['tcp://10.0.0.5:2376', 'tcp://10.0.0.5:2376'],
    ['deploy@host', 'host']
  ])('%s -> %s', (host, expected) => {
    expect(withoutCredentials(host)).toBe(expected)
  })
})

describe('describeEngine', () => {
  it('names DOCKER_HOST when it is set, since it overrides contexts', () => {
    expect(describeEngine('default ssh://u:pw@h', 'ssh://u:pw@h')).toBe('DOCKER_HOST ssh://h')
  })

  it('names the context and its endpoint otherwise', () => {
    expect(describeEngine('prod ssh://deploy@openwisp.example.org', undefined)).toBe(
      'Docker context prod (ssh://openwisp.example.org)'
    )
    expect(describeEngine('', undefined)).toBe('the Docker engine of the current context')
  })
})

describe('parseComposeProjects', () => {
  it('reads `docker compose ls --all --format json`', () => {
    const json = '[{"Name":"docker-openwisp","Status":"running(9)","ConfigFiles":"/opt/x/docker-compose.yml"}]'
    expect(parseComposeProjects(json)).toEqual([{ name: 'docker-openwisp', status: 'running(9)' }])
  })

  it('reads nothing from output it does not understand', () => {
    expect(parseComposeProjects('')).toEqual([])
    expect(parseComposeProjects('{"Name":"x"}')).toEqual([])
  })
})
