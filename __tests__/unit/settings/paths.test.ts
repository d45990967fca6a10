import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from '@jest/globals'
import { readReportPath } from '../../../src/settings/paths.js'

const workspace = mkdtempSync(join(tmpdir(), 'otc-settings-'))

describe('readReportPath', () => {
  it('takes - or a file that can be written, and refuses anything else before the run', () => {
    expect(readReportPath('-', workspace)).toBe('-')
    expect(readReportPath('report.json', workspace)).toBe(join(workspace, 'report.json'))
    expect(() => readReportPath('.', workspace)).toThrow(`Input 'json': ${workspace} is not a regular file`)
    expect(() => readReportPath('no/such/dir/report.json', workspace)).toThrow(
      `Input 'json': ${join(workspace, 'no/such/dir/report.json')} cannot be written`
    )
  })
})
