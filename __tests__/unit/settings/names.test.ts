import { describe, expect, it } from '@jest/globals'
import { uniqueProjectName } from '../../../src/settings/names.js'

describe('uniqueProjectName', () => {
  const job = { GITHUB_RUN_ID: '9', GITHUB_RUN_ATTEMPT: '1', GITHUB_JOB: 'Build & Test', GITHUB_ACTION: '__self' }
  const VALID = /^[a-z0-9][a-z0-9_-]{0,62}$/

  it('names the run, attempt, job and step, and ends with the random part', () => {
    expect(uniqueProjectName(job, 'a1b2c3d4')).toBe('otc-9-1-build---test-__self-a1b2c3d4')
  })

  it('differs between two uses in one job, and between the legs of a matrix', () => {
    // Two steps of one job: the same run and job, another step id.
    const second = uniqueProjectName({ ...job, GITHUB_ACTION: '__self_2' }, 'a1b2c3d4')
    expect(second).not.toBe(uniqueProjectName(job, 'a1b2c3d4'))
    // Matrix legs share every variable: the random part alone tells them apart.
    const legs = new Set(Array.from({ length: 50 }, () => uniqueProjectName(job)))
    expect(legs.size).toBe(50)
    for (const name of legs) expect(name).toMatch(VALID)
  })

  it('stays a valid Compose name of at most 63 characters, random part included', () => {
    const long = { ...job, GITHUB_JOB: 'Ünïcode JOB '.repeat(20), GITHUB_ACTION: 'step.with:odd/chars' }
    const name = uniqueProjectName(long, 'a1b2c3d4')
    expect(name).toMatch(VALID)
    expect(name).toHaveLength(63)
    expect(name.endsWith('-a1b2c3d4')).toBe(true)
  })

  it('outside a runner, is made of the time, the process and the random part', () => {
    expect(uniqueProjectName({})).toMatch(/^otc-[a-z0-9]+-[a-z0-9]+-[0-9a-f]{8}$/)
    expect(uniqueProjectName({})).not.toBe(uniqueProjectName({}))
  })
})
