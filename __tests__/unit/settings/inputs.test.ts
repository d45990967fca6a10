import { describe, expect, it } from '@jest/globals'
import { list } from '../../../src/settings/inputs.js'

describe('list', () => {
  it('splits on commas and newlines and drops blanks', () => {
    expect(list(' a, b\n\nc ,')).toEqual(['a', 'b', 'c'])
  })
})
