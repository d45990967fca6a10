import { describe, expect, it } from '@jest/globals'
import { readFileSync } from 'node:fs'
import { validateReport } from '../helpers/report-schema.js'

describe('smoke', () => {
  it('validates real reports', () => {
    for (const f of ['/tmp/openwisp-tunnel-check-schema-try-1.json', '/tmp/openwisp-tunnel-check-schema-try-2.json']) {
      expect(validateReport(JSON.parse(readFileSync(f, 'utf8')))).toEqual([])
    }
    expect(validateReport({ schemaVersion: 2 })).toEqual([])
  })
})
