// Hostile compose and env files: each ends in one clear, located error, read
// within bounded time and memory, instead of a crash or a hang.
import { execFileSync } from 'node:child_process'
import { isUtf8 } from 'node:buffer'
import { mkdirSync, mkdtempSync, truncateSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from '@jest/globals'
import { interpolate, InterpolationError, MAX_NESTING } from '../../../src/compose/interpolate.js'
import { MAX_EXTENDS_CHAIN } from '../../../src/compose/merge.js'
import { MAX_FILE_READS } from '../../../src/compose/model.js'
import { invalidUtf8At, MAX_FILE_BYTES, readSourceFile, utf8Text } from '../../../src/compose/source-file.js'
import { plain, type MapNode } from '../../../src/compose/located-tree.js'
import { MAX_COPIED_VALUES } from '../../../src/compose/yaml-anchors.js'
import { MAX_DEPTH, MAX_VALUES } from '../../../src/compose/yaml-document.js'
import { parseYamlTree } from '../../../src/compose/yaml-tree.js'
import { ComposeFileError } from '../../../src/errors.js'
import { composeFileError as failure, loadProject } from '../../helpers/compose.js'

const FILE = '/project/docker-compose.yml'

const parse = (text: string): MapNode => parseYamlTree(text, FILE)

/** Ten anchors, each a list of ten aliases of the one before: 10^10 values once expanded. */
function billionLaughs(): string {
  const lines = ['x-a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
  for (let i = 1; i <= 9; i++)
    lines.push(
      `x-a${i}: &a${i} [${Array(10)
        .fill(`*a${i - 1}`)
        .join(',')}]`
    )
  return [...lines, 'services:', '  openvpn:', '    image: x', '    environment: *a9', ''].join('\n')
}

/** An anchored mapping of 1,000 values (itself and 999 entries), aliased by `uses` services. */
function anchoredLabels(uses: number): string {
  const keys = Array.from({ length: 999 }, (_, i) => `  k${i}: v`).join('\n')
  const services = Array.from({ length: uses }, (_, i) => `  s${i}: {image: x, labels: *big}`).join('\n')
  return `x-big: &big\n${keys}\nservices:\n${services}\n`
}

describe('aliases', () => {
  it('refuses a billion laughs at the alias that crosses the bound, with one clear error', () => {
    const error = failure(() => parse(billionLaughs()))
    expect(error.message).toBe(
      `${FILE}:6: aliases expand this file to more than 400,000 values (at *a4); a compose file needs a few thousand at most. Use fewer aliases, or aliases of smaller values.`
    )
    expect(error.location).toMatchObject({ file: FILE, line: 6, column: 16 })
  })

  it('counts every copy: an anchor of 1,000 values may be used 400 times, not 401', () => {
    expect(MAX_COPIED_VALUES).toBe(400_000)
    const tree = parse(anchoredLabels(400))
    expect(plain(tree.entries.get('services')!)).toMatchObject({ s399: { labels: { k998: 'v' } } })
    expect(failure(() => parse(anchoredLabels(401))).message).toMatch(/:1402: aliases expand this file to more than/)
  })

  it('refuses an alias inside its own anchor', () => {
    expect(failure(() => parse('x-a: &a {b: [*a]}\n')).message).toBe(`${FILE}:1: alias *a is inside its own anchor`)
  })

  it('counts the nesting an alias brings where it is used', () => {
    const deep = (depth: number): string => '['.repeat(depth) + ']'.repeat(depth)
    // Each anchor nests 60 deep on its own; the second holds the first 60 deeper.
    const text = `x-a: &a ${deep(60)}\nx-b: &b ${'['.repeat(59)}*a${']'.repeat(59)}\n`
    const error = failure(() => parse(text))
    expect(error.message).toBe(
      `${FILE}:2: values are nested more than ${MAX_DEPTH} levels deep here; a compose file needs fewer than 10. Flatten the value.`
    )
  })
})

describe('nesting', () => {
  const flow = (depth: number): string => `x: ${'['.repeat(depth)}${']'.repeat(depth)}\n`
  const block = (depth: number): string =>
    Array.from({ length: depth }, (_, i) => `${'  '.repeat(i)}k${i}:`).join('\n') + ` v\n`

  it.each([
    ['flow', flow(2000), 1],
    ['block', block(2000), 101]
  ])('refuses %s collections 2,000 deep at the level that crosses the bound', (_kind, text, line) => {
    const error = failure(() => parse(text))
    expect(error.message).toBe(
      `${FILE}:${line}: values are nested more than 100 levels deep here; a compose file needs fewer than 10. Flatten the value.`
    )
    expect(error.location).toMatchObject({ file: FILE, line })
  })

  it('reads exactly MAX_DEPTH levels', () => {
    // The top-level mapping is one level; the flow lists the other 99, and 100 of them one too many.
    expect(() => parse(flow(MAX_DEPTH - 1))).not.toThrow()
    expect(() => parse(flow(MAX_DEPTH))).toThrow(ComposeFileError)
    expect(() => parse(block(MAX_DEPTH))).not.toThrow()
    expect(() => parse(block(MAX_DEPTH + 1))).toThrow(ComposeFileError)
  })
})

describe('size', () => {
  it('refuses more than MAX_VALUES values in one file, where the count is crossed', () => {
    const items = (count: number): string => `x: [${Array(count).fill('1').join(',')}]\n`
    // The key `x` and the list are values too.
    expect(plain(parse(items(MAX_VALUES - 2)).entries.get('x')!)).toHaveLength(MAX_VALUES - 2)
    const error = failure(() => parse(items(MAX_VALUES - 1)))
    expect(error.message).toBe(
      `${FILE}:1: more than 100,000 values (keys included) in one file; a compose file has a few thousand. Check that it is the right file.`
    )
  })

  it('reads a mapping of 40,000 keys, and finds a key written twice', () => {
    const keys = Array.from({ length: 40_000 }, (_, i) => `  K${i}: v`)
    expect(parse(`x:\n${keys.join('\n')}\n`).entries.get('x')).toMatchObject({ entries: expect.any(Map) })
    const error = failure(() => parse(`x:\n${keys.join('\n')}\n  K7: again\n`))
    expect(error.message).toBe(`YAML syntax error in ${FILE}:40002:3: the key K7 is already defined at line 9`)
    expect(error.location).toMatchObject({ line: 40_002, column: 3 })
  })

  it('refuses a file larger than MAX_FILE_BYTES unread', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'otc-size-')), 'docker-compose.yml')
    writeFileSync(file, '')
    truncateSync(file, MAX_FILE_BYTES + 1)
    const error = failure(() => readSourceFile(file, 'compose file'))
    expect(error.message).toBe(
      `compose file ${file} is 2,097,153 bytes, more than the 2 MiB this action reads; a compose file is rarely more than 100 KiB. Check that it is the right file.`
    )
    expect(error.location).toEqual({ file, line: 1, column: 1 })
  })

  it('refuses a second YAML document', () => {
    expect(failure(() => parse('a: 1\n---\nb: 2\n')).message).toBe(
      `YAML syntax error in ${FILE}:2:1: a compose file holds one YAML document, this one several`
    )
  })
})

describe('UTF-8', () => {
  const bytes = (...values: number[]): Buffer => Buffer.from(values)

  it.each([
    ['ASCII', bytes(0x61, 0x0a), -1],
    ['2, 3 and 4 byte sequences', Buffer.from('é€😀'), -1],
    ['a lone continuation byte', bytes(0x61, 0x80), 1],
    ['an overlong 2-byte form', bytes(0xc0, 0x80), 0],
    ['an overlong 3-byte form', bytes(0xe0, 0x80, 0x80), 0],
    ['a UTF-16 surrogate', bytes(0xed, 0xa0, 0x80), 0],
    ['a code point above U+10FFFF', bytes(0xf4, 0x90, 0x80, 0x80), 0],
    ['a sequence cut short by the end', bytes(0x61, 0xe2, 0x82), 1],
    ['a sequence cut short by ASCII', bytes(0xc3, 0x28), 0]
  ])('finds the first bad byte: %s', (_name, input, offset) => {
    expect(invalidUtf8At(input)).toBe(offset)
    expect(isUtf8(input)).toBe(offset === -1)
  })

  it("agrees with Node's own check on random bytes", () => {
    let seed = 7
    const random = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % 256
    for (let round = 0; round < 2000; round++) {
      const input = Buffer.from(Array.from({ length: 1 + (round % 12) }, () => (random() < 128 ? 0xc0 : 0) | random()))
      expect(invalidUtf8At(input) === -1).toBe(isUtf8(input))
    }
  })

  it('says where the first bad byte is, by offset, line and column', () => {
    const text = Buffer.concat([Buffer.from('services:\n  openvpn:\n    command: "café '), bytes(0xc3, 0x28, 0xff)])
    const error = failure(() => utf8Text(text, FILE))
    expect(error.message).toBe(
      `${FILE}:3:20: byte 41 (0xC3) is not valid UTF-8; Compose reads only UTF-8 and refuses the file. Save the file as UTF-8.`
    )
    expect(error.location).toEqual({ file: FILE, line: 3, column: 20 })
  })
})

describe('extends', () => {
  /** Services s1..s`links` each extending the one before, listed in `order`. */
  function chain(links: number, order: 'forward' | 'backward'): string {
    const numbers = Array.from({ length: links }, (_, i) => i + 1)
    const services = (order === 'forward' ? numbers : numbers.reverse()).map((i) => `  s${i}: {extends: s${i - 1}}`)
    return ['services:', '  s0: {image: x}', ...services, ''].join('\n')
  }

  function loadText(text: string, envFile?: string): void {
    const dir = mkdtempSync(join(tmpdir(), 'otc-limits-'))
    writeFileSync(join(dir, 'docker-compose.yml'), text)
    if (envFile) execFileSync('mkfifo', [join(dir, envFile)])
    loadProject(dir)
  }

  it.each(['forward', 'backward'] as const)('refuses a chain of more than 50, listed %s', (order) => {
    expect(() => loadText(chain(MAX_EXTENDS_CHAIN, order))).not.toThrow()
    expect(failure(() => loadText(chain(MAX_EXTENDS_CHAIN + 1, order))).message).toMatch(
      /^service s\d+ extends a chain of more than 50 services; real chains are two or three long. Shorten it.$/
    )
  })

  it('counts what services copy from the one they extend', () => {
    const labels = Array.from({ length: 10_000 }, (_, i) => `      k${i}: v`).join('\n')
    const extenders = Array.from({ length: 100 }, (_, i) => `  s${i}: {extends: big}`).join('\n')
    const error = failure(() => loadText(`services:\n  big:\n    image: x\n    labels:\n${labels}\n${extenders}\n`))
    expect(error.message).toMatch(
      /docker-compose.yml:10044: services that extend others copy more than 400,000 values \(at service s39\); a compose file copies a few thousand at most/
    )
  })

  it('refuses a .env that is a FIFO without opening it', () => {
    expect(failure(() => loadText('services: {}\n', '.env')).message).toMatch(
      /^cannot read env file .*\/\.env: it is a named pipe \(FIFO\), not a file$/
    )
  })
})

describe('interpolation', () => {
  const nested = (depth: number): string => '${A:-'.repeat(depth) + 'x' + '}'.repeat(depth)

  it('refuses defaults nested more than MAX_NESTING deep', () => {
    expect(interpolate(nested(MAX_NESTING), () => undefined).value).toBe('x')
    expect(() => interpolate(nested(5000), () => undefined)).toThrow(
      new InterpolationError('more than 20 ${...} are nested in one another. Nest fewer.')
    )
  })
})

describe('include', () => {
  function project(files: Record<string, string>): string {
    const dir = mkdtempSync(join(tmpdir(), 'otc-include-'))
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text)
    return dir
  }

  it('refuses more than MAX_FILE_READS file reads: each file including the next twice would read 2^22', () => {
    const files: Record<string, string> = { 'docker-compose.yml': 'include: [f0.yml, f0.yml]\nservices: {}\n' }
    for (let i = 0; i < 21; i++) files[`f${i}.yml`] = `include: [f${i + 1}.yml, f${i + 1}.yml]\nx-${i}: 1\n`
    files['f21.yml'] = 'services: {s: {image: x}}\n'
    const error = failure(() => loadProject(project(files)))
    expect(error.message).toMatch(
      new RegExp(
        `^more than ${MAX_FILE_READS} compose files read for one project \\(.*/f\\d+\\.yml is one; a file that several include entries name counts once for each\\)\\. Include each file once\\.$`
      )
    )
  })

  it('names an included path that is a directory or a FIFO, without opening it', () => {
    const dir = project({ 'docker-compose.yml': 'include: [folder.yml]\nservices: {}\n' })
    mkdirSync(join(dir, 'folder.yml'))
    expect(failure(() => loadProject(dir)).message).toBe(
      `included compose file ${join(dir, 'folder.yml')} is a directory, not a file (an \`include\` entry's relative paths start at ${dir}). Fix the path.`
    )
    const fifo = project({ 'docker-compose.yml': 'include: [pipe.yml]\nservices: {}\n' })
    execFileSync('mkfifo', [join(fifo, 'pipe.yml')])
    expect(failure(() => loadProject(fifo)).message).toMatch(/pipe\.yml is a named pipe \(FIFO\), not a file/)
  })
})
