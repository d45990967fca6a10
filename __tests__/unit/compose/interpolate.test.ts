import { afterAll, describe, expect, it } from '@jest/globals'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ComposeFileError } from '../../../src/errors.js'
import { loadEnvironment, parseEnvFile } from '../../../src/compose/dotenv.js'
import { interpolate, InterpolationError, type Binding, type Lookup } from '../../../src/compose/interpolate.js'

const ENV_LINE = { file: '/project/.env', line: 7, column: 1 }

/** SET=value (from line 7 of .env), EMPTY= (from the environment), UNSET not set. */
const lookup: Lookup = (name) => {
  const bindings: Record<string, Binding> = {
    SET: { value: 'value', source: 'env-file', at: ENV_LINE },
    EMPTY: { value: '', source: 'environment' },
    lower_case: { value: 'lc', source: 'environment' }
  }
  return bindings[name]
}

const value = (template: string): string => interpolate(template, lookup).value

describe('interpolate', () => {
  it.each([
    ['$SET', 'value'],
    ['${SET}', 'value'],
    ['a-${SET}-b', 'a-value-b'],
    ['$SET.txt', 'value.txt'],
    ['$lower_case', 'lc'],
    ['${UNSET}', ''],
    ['$UNSET', '']
  ])('substitutes %s', (template, expected) => {
    expect(value(template)).toBe(expected)
  })

  it.each([
    ['${SET:-d}', 'value'],
    ['${EMPTY:-d}', 'd'],
    ['${UNSET:-d}', 'd'],
    ['${SET-d}', 'value'],
    ['${EMPTY-d}', ''],
    ['${UNSET-d}', 'd'],
    ['${SET:+r}', 'r'],
    ['${EMPTY:+r}', ''],
    ['${UNSET:+r}', ''],
    ['${SET+r}', 'r'],
    ['${EMPTY+r}', 'r'],
    ['${UNSET+r}', ''],
    ['${SET:?m}', 'value'],
    ['${EMPTY?m}', ''],
    ['${UNSET:-}', '']
  ])('applies the modifier in %s', (template, expected) => {
    expect(value(template)).toBe(expected)
  })

  it.each([
    ['$$SET', '$SET'],
    ['$${SET}', '${SET}'],
    ['cost: 5$', 'cost: 5$'],
    ['$ 1', '$ 1'],
    ['$1', '$1']
  ])('keeps a literal dollar in %s', (template, expected) => {
    expect(value(template)).toBe(expected)
  })

  it('expands nested defaults', () => {
    expect(value('${UNSET:-${SET}}')).toBe('value')
    expect(value('${UNSET:-${ALSO_UNSET:-deep}}')).toBe('deep')
    expect(value('${UNSET-service:${SET}}-x')).toBe('service:value-x')
  })

  it('fails on ${VAR:?message} and ${VAR?message} with the message', () => {
    expect(() => value('${EMPTY:?set EMPTY}')).toThrow(
      new InterpolationError('required variable EMPTY is missing a value: set EMPTY')
    )
    expect(() => value('${UNSET?need ${SET}}')).toThrow('required variable UNSET is missing a value: need value')
  })

  it('fails on a malformed template', () => {
    expect(() => value('${SET')).toThrow(InterpolationError)
    expect(() => value('${SET:x}')).toThrow(InterpolationError)
    expect(() => value('${}')).toThrow(InterpolationError)
  })

  it('records each variable used, where it was set, and whether a default stood in', () => {
    expect(interpolate('${SET}${EMPTY:-d}${UNSET-d}$UNSET2', lookup).variables).toEqual([
      { name: 'SET', value: 'value', source: 'env-file', at: ENV_LINE },
      { name: 'EMPTY', value: '', source: 'environment', at: undefined },
      { name: 'UNSET', value: undefined, source: 'default' },
      { name: 'UNSET2', value: undefined, source: 'unset' }
    ])
  })

  it('records variables of a default only when the default is used', () => {
    expect(interpolate('${SET:-${OTHER}}', lookup).variables.map((variable) => variable.name)).toEqual(['SET'])
    expect(interpolate('${UNSET:-${SET}}', lookup).variables.map((variable) => variable.name)).toEqual(['UNSET', 'SET'])
  })
})

describe('parseEnvFile', () => {
  const parse = (text: string, outer: Lookup = () => undefined): Record<string, [string, number]> =>
    Object.fromEntries(parseEnvFile(text, '/p/.env', outer).map((entry) => [entry.name, [entry.value, entry.at.line]]))

  it('reads NAME=value lines, skipping comments and blank lines, with their line numbers', () => {
    expect(parse('# comment\n\nA=1\n  B = two words  \nexport C=3\nD: 4\n')).toEqual({
      A: ['1', 3],
      B: ['two words', 4],
      C: ['3', 5],
      D: ['4', 6]
    })
  })

  it('keeps empty values', () => {
    expect(parse('EMPTY=\nQUOTED=""\n')).toEqual({ EMPTY: ['', 1], QUOTED: ['', 2] })
  })

  it('ends an unquoted value at " #" only', () => {
    expect(parse('A=x # comment\nB=x#y\n')).toEqual({ A: ['x', 1], B: ['x#y', 2] })
  })

  it('reads single quotes literally and double quotes with escapes, over several lines', () => {
    expect(parse('A=\'$B \\n\'\nB="tab\\there\\n$$ \\$x"\nC="two\nlines"\nD=1\n')).toEqual({
      A: ['$B \\n', 1],
      B: ['tab\there\n$ $x', 2],
      C: ['two\nlines', 3],
      D: ['1', 5]
    })
  })

  it('expands variables from the file itself, then from outside', () => {
    const outer: Lookup = (name) => (name === 'OUT' ? { value: 'o', source: 'environment' } : undefined)
    expect(parse('A=1\nB=${A}-${OUT}-${NONE:-d}\n', outer)).toEqual({ A: ['1', 1], B: ['1-o-d', 2] })
  })

  it('lets a later line win', () => {
    expect(parse('A=1\nA=2\n')).toEqual({ A: ['2', 2] })
  })

  it('ignores a bare NAME (it only passes on the environment)', () => {
    expect(parse('NAME\nA=1\n')).toEqual({ A: ['1', 2] })
  })

  it('rejects what Compose rejects, at the line', () => {
    expect(() => parse('A=1\nB C=2\n')).toThrow(ComposeFileError)
    expect(() => parse('A="open\n')).toThrow(/\/p\/.env:1: unterminated quoted value/)
    expect(() => parse('A=${B:?needed}\n')).toThrow(/required variable B is missing a value: needed/)
  })
})

describe('loadEnvironment', () => {
  const dir = mkdtempSync(join(tmpdir(), 'env-'))
  const first = join(dir, 'first.env')
  const second = join(dir, 'second.env')
  writeFileSync(first, 'A=first\nB=first\nC=first\n')
  writeFileSync(second, 'B=second\nC=${A}+second\n')
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('lets later files win, and the process environment over all', () => {
    const environment = loadEnvironment({ C: 'process', UNSET: undefined }, [first, second])
    expect(environment.get('A')).toEqual({
      value: 'first',
      source: 'env-file',
      at: { file: first, line: 1, column: 1 }
    })
    expect(environment.get('B')).toEqual({
      value: 'second',
      source: 'env-file',
      at: { file: second, line: 1, column: 1 }
    })
    expect(environment.get('C')).toEqual({ value: 'process', source: 'environment' })
    expect(environment.has('UNSET')).toBe(false)
  })

  it('expands a value with earlier files and the process environment', () => {
    expect(loadEnvironment({}, [first, second]).get('C')?.value).toBe('first+second')
    expect(loadEnvironment({ A: 'p' }, [first, second]).get('C')?.value).toBe('p+second')
  })
})
