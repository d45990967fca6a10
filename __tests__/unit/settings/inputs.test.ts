import { describe, expect, it } from '@jest/globals'
import { InputError } from '../../../src/errors.js'
import { fromOptions, list } from '../../../src/settings/inputs.js'

describe('list', () => {
  it('splits on commas and newlines and drops blanks', () => {
    expect(list(' a, b\n\nc ,')).toEqual(['a', 'b', 'c'])
  })
})

describe('fromOptions (the CLI)', () => {
  it('joins a repeated list option, and gives an option not given as empty', () => {
    const input = fromOptions({ 'probe-targets': ['10.8.0.10', '10.8.0.11'], mode: ['lint'] })
    expect(input('probe-targets')).toBe('10.8.0.10,10.8.0.11')
    expect(input('mode')).toBe('lint')
    expect(input('project-name')).toBe('')
  })

  it('refuses a single-value option given twice, naming it', () => {
    const input = fromOptions({ mode: ['lint', 'full'], 'up-flags': ['--build', '--wait'] })
    expect(() => input('mode')).toThrow(
      new InputError('mode', 'given 2 times; it takes one value. Give the option once.')
    )
    expect(() => input('up-flags')).toThrow(InputError)
  })
})
