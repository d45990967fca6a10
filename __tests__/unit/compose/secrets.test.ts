// Which values of the compose environment are secrets (src/compose/secrets.ts).
import { describe, expect, it } from '@jest/globals'
import { join } from 'node:path'
import { isSecret, isSecretName, looksLikeCredential, maskablePieces } from '../../../src/compose/secrets.js'
import { loadProject, projectDir } from '../../helpers/compose.js'

describe('a secret by its name', () => {
  it.each([
    'DB_PASSWORD',
    'DBPASSWORD',
    'INFLUXDB_PASS',
    'DJANGO_SECRET_KEY',
    'API_TOKEN',
    'githubToken',
    'AWS_ACCESS_KEY_ID',
    'apiKey',
    'SSH_KEYS',
    'VPN_PSK',
    'SENTRY_DSN',
    'BASIC_AUTH',
    'REGISTRY_CREDENTIALS',
    'tls.privatekey',
    'PASSWD',
    'HASH_SALT'
  ])('%s is', (name) => {
    expect(isSecretName(name)).toBe(true)
  })

  it.each(['PWD', 'BYPASS_CACHE', 'KEYBOARD_LAYOUT', 'MONKEY', 'DB_USER', 'VPN_DOMAIN', 'CELERY_SERVICE_NETWORK_MODE'])(
    '%s is not',
    (name) => {
      expect(isSecretName(name)).toBe(false)
    }
  )
})

describe('a secret by its value', () => {
  it.each([
    ['a URL with a password', 'postgres://openwisp:hunter2@db:5432/openwisp'],
    ['a URL with only a password', 'redis://:hunter2@redis'],
    ['a generated key', 'k3#x$9vQ!rT7mZ2@pL'],
    ['base64', 'dGhpcyBpcyBhIHNlY3JldA+/8Q=='],
    ['mixed case and digits', 'Xk9fQ2mZ7tR4vB1n']
  ])('%s is', (_what, value) => {
    expect(looksLikeCredential(value)).toBe(true)
  })

  it.each([
    ['a URL without a password', 'https://dashboard.openwisp.org:443/admin'],
    ['an image', 'openwisp/openwisp-dashboard:24.11.0'],
    ['a network mode', 'service:openvpn'],
    ['a project name', 'openwisp-ci-20241105'],
    ['words', 'New Delhi, India 2024'],
    ['hex (two kinds of characters)', '3f2a9b7c1d0e5f4a3f2a9b7c1d0e5f4a'],
    ['short and mixed', 'Ab1!xY']
  ])('%s is not', (_what, value) => {
    expect(looksLikeCredential(value)).toBe(false)
  })
})

describe('never a secret', () => {
  it.each(['', '  ', 'true', 'False', 'yes', 'off', '0', '1', '443'])('%j, whatever the name', (value) => {
    expect(isSecret('DB_PASSWORD', value)).toBe(false)
  })

  it('but a longer number under a secret name is', () => {
    expect(isSecret('VPN_PIN_KEY', '4711')).toBe(true)
  })
})

describe('the pieces the runner can mask', () => {
  it('are the lines of a value, trimmed, each of four characters or more', () => {
    expect(maskablePieces('-----BEGIN KEY-----\r\nMIIEvQIBADAN\nab\n-----END KEY-----')).toEqual([
      '-----BEGIN KEY-----',
      'MIIEvQIBADAN',
      '-----END KEY-----'
    ])
    expect(maskablePieces('pw')).toEqual([])
    expect(maskablePieces(' admin ')).toEqual(['admin'])
  })
})

describe('the secrets of a compose project', () => {
  const dir = projectDir({
    'docker-compose.yml': [
      'services:',
      '  openvpn:',
      '    image: otc-openvpn:test',
      '    environment:',
      '      DB_PASSWORD: ${DB_PASSWORD}',
      '      API_TOKEN: ${API_TOKEN}',
      '      DEPLOY_KEY:',
      '      MODE: ${CELERY_SERVICE_NETWORK_MODE}',
      '  celery:',
      '    image: otc-worker:test',
      '    environment: [SIGNING_KEY, "PLAIN=1", UNUSED_OTHER]'
    ],
    '.env': [
      'DB_PASSWORD=otc-db-pw-5f3a',
      'DB_USER=admin',
      'CELERY_SERVICE_NETWORK_MODE=service:openvpn',
      'SESSION_BLOB=Zx9#kQ2!mP7vR4tB',
      'USE_TOKEN_AUTH=true',
      'INFLUXDB_PASS=pw',
      'DATABASE_URL=postgres://u:hunter2@db/x'
    ]
  })
  const processEnvironment = {
    API_TOKEN: 'process-token-1234',
    DEPLOY_KEY: 'deploy-key-5678',
    SIGNING_KEY: 'signing-key-9012',
    OTHER_TOKEN: 'not-used-3456',
    PATH: '/usr/bin'
  }
  const model = loadProject(dir, undefined, { environment: processEnvironment })
  const found = Object.fromEntries(model.secrets.map((secret) => [secret.name, secret.value]))

  it('are the env-file values secret by name or by value', () => {
    expect(found).toMatchObject({
      DB_PASSWORD: 'otc-db-pw-5f3a',
      SESSION_BLOB: 'Zx9#kQ2!mP7vR4tB',
      DATABASE_URL: 'postgres://u:hunter2@db/x',
      INFLUXDB_PASS: 'pw'
    })
    expect(found).not.toHaveProperty('DB_USER')
    expect(found).not.toHaveProperty('CELERY_SERVICE_NETWORK_MODE')
    expect(found).not.toHaveProperty('USE_TOKEN_AUTH')
  })

  it('and the process variables with a secret name that the files interpolate or pass on', () => {
    expect(found).toMatchObject({
      API_TOKEN: 'process-token-1234',
      DEPLOY_KEY: 'deploy-key-5678',
      SIGNING_KEY: 'signing-key-9012'
    })
    expect(found).not.toHaveProperty('OTHER_TOKEN')
    expect(found).not.toHaveProperty('PATH')
  })

  it('keep the env-file line that set them', () => {
    const secret = model.secrets.find((s) => s.name === 'DB_PASSWORD')
    expect(secret?.at).toEqual({ file: join(dir, '.env'), line: 1, column: 1 })
  })
})

describe('the secrets of an included project', () => {
  const dir = projectDir({
    'docker-compose.yml': [
      'include:',
      '  - path: vpn/compose.yml',
      '    env_file: vpn/vpn.env',
      'services:',
      '  celery: { image: otc-worker:test }'
    ],
    'vpn/compose.yml': ['services:', '  openvpn: { image: otc-openvpn:test, environment: { KEY: "${VPN_TLS_KEY}" } }'],
    'vpn/vpn.env': ['VPN_TLS_KEY=otc-tls-key-2b8d', 'VPN_DOMAIN=openvpn']
  })

  it('come from its own env files too, with their line', () => {
    const model = loadProject(dir)
    expect(model.secrets).toEqual([
      { name: 'VPN_TLS_KEY', value: 'otc-tls-key-2b8d', at: { file: join(dir, 'vpn/vpn.env'), line: 1, column: 1 } }
    ])
  })
})
