// Removing secrets from text and from the RunReport (src/report/redact.ts).
import { describe, expect, it } from '@jest/globals'
import { cutLine } from '../../../src/docker/logs.js'
import { Redactor } from '../../../src/report/redact.js'

describe('Redactor.text', () => {
  const redactor = new Redactor([
    'hunter2-secret',
    'hunter2',
    'pw',
    '-----BEGIN KEY-----\nMIIEvQIBADAN\n-----END KEY-----'
  ])

  it('replaces every occurrence, a secret that contains another whole', () => {
    expect(redactor.text('db hunter2-secret, again hunter2-secret and hunter2.')).toBe('db ***, again *** and ***.')
  })

  it('replaces each line of a multi-line secret, wherever it stands', () => {
    expect(redactor.text('key:\n  -----BEGIN KEY-----\n  MIIEvQIBADAN\n')).toBe('key:\n  ***\n  ***\n')
  })

  it('hides secrets that overlap, or a whole secret that ends with the start of another, as one', () => {
    const overlapping = new Redactor(['abcdefgh', 'efghijkl', 'xxxxabcd', 'zzabcdQQ'])
    expect(overlapping.text('[abcdefghijkl]')).toBe('[***]')
    expect(overlapping.text('end xxxxabcd')).toBe('end ***')
    // Cut after `zzabcd`: the longest start of any secret goes.
    expect(overlapping.text('cut zzabcd')).toBe('cut ***')
  })

  it('leaves values too short to mask alone', () => {
    expect(redactor.text('pw is pw')).toBe('pw is pw')
  })

  it('removes the start of a secret that a cut left at the end of a line', () => {
    expect(redactor.text('probe said: db hunter2-sec\nnext')).toBe('probe said: db ***\nnext')
    expect(redactor.text('output: MIIEv')).toBe('output: ***')
    // Three characters are too few to tell a cut secret from a word.
    expect(redactor.text('ends with hun')).toBe('ends with hun')
  })

  it('removes the start of a secret that a cut log line (… (N more characters)) left before its marker', () => {
    const cut = cutLine('log: hunter2-secret and more', 14)
    expect(cut).toBe('log: hunter2-s… (14 more characters)')
    expect(redactor.text(cut)).toBe('log: ***… (14 more characters)')
    expect(redactor.text('MIIEv… and MIIEvQ…')).toBe('***… and ***…')
  })

  it('changes nothing when there is no secret', () => {
    const none = new Redactor([])
    expect(none.pieces).toEqual([])
    expect(none.text('hunter2')).toBe('hunter2')
  })
})

describe('Redactor.json', () => {
  it('redacts every string of a report, nested anywhere, and keeps the rest', () => {
    const report = {
      result: 'failed',
      durationMs: 1200,
      checks: [{ summary: 'probe printed hunter2', evidence: { last_probe: 'exit 1: hunter2', restarts: 0 } }],
      diagnostics: { vpnProbes: [{ exitCode: 1, output: 'a\nhunter2\n' }], vpnLogTail: 'password=hunter2' }
    }
    expect(new Redactor(['hunter2']).json(report)).toEqual({
      result: 'failed',
      durationMs: 1200,
      checks: [{ summary: 'probe printed ***', evidence: { last_probe: 'exit 1: ***', restarts: 0 } }],
      diagnostics: { vpnProbes: [{ exitCode: 1, output: 'a\n***\n' }], vpnLogTail: 'password=***' }
    })
    expect(report.diagnostics.vpnLogTail).toBe('password=hunter2')
  })
})
