// action.yml is what the runner reads; INPUTS is what settings accepts. They
// must name the same inputs with the same defaults.
import { describe, expect, it } from '@jest/globals'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse } from 'yaml'
import { INPUTS } from '../../../src/settings/inputs.js'

interface ActionYml {
  description: string
  runs: { using: string; main: string; post: string }
  inputs: Record<string, { description: string; default?: string; required?: boolean }>
  outputs: Record<string, { description: string }>
}

const ROOT = join(import.meta.dirname, '..', '..', '..')
const action = parse(readFileSync(join(ROOT, 'action.yml'), 'utf8')) as ActionYml

describe('action.yml', () => {
  it('declares exactly the inputs settings reads', () => {
    expect(Object.keys(action.inputs).sort()).toEqual(Object.keys(INPUTS).sort())
  })

  it.each(Object.entries(INPUTS))('gives %s the default settings uses (%j)', (name, value) => {
    expect(String(action.inputs[name]?.default ?? '')).toBe(value)
  })

  it('has a description the Marketplace accepts (under 125 characters)', () => {
    expect(action.description.length).toBeLessThan(125)
  })

  it('runs main and post from bundles of their own, both built into dist/', () => {
    expect([action.runs.main, action.runs.post]).toEqual(['dist/index.js', 'dist/post/index.js'])
    for (const bundle of [action.runs.main, action.runs.post]) expect(existsSync(join(ROOT, bundle))).toBe(true)
  })

  it('describes every input', () => {
    for (const [name, input] of Object.entries(action.inputs))
      expect([name, input.description.trim()]).not.toEqual([name, ''])
  })

  it('declares exactly the outputs the action sets, each described', () => {
    const source = readFileSync(join(ROOT, 'src/fronts/action.ts'), 'utf8')
    const set = [...source.matchAll(/core\.setOutput\('([a-z-]+)'/g)].map((match) => match[1])
    expect(Object.keys(action.outputs).sort()).toEqual([...new Set(set)].sort())
    for (const [name, output] of Object.entries(action.outputs))
      expect([name, output.description.trim()]).not.toEqual([name, ''])
  })
})
