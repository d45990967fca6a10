// Text from containers cannot issue workflow commands (src/fronts/inert.ts),
// read the way the runner reads a step's output.
import { describe, expect, it } from '@jest/globals'
import { inert } from '../../../src/fronts/inert.js'
import { workflowCommands } from '../../helpers/workflow-commands.js'

/** Printed by containers: every form the runner acts on. */
const HOSTILE = [
  '::error title=INJECTED::pwned',
  '::set-output name=result::passed',
  '   \t::warning::indented',
  '\u00a0::notice::after a no-break space',
  'text\r::error::after a carriage return',
  'prefix ##[error]legacy form mid-line',
  '::stop-commands::mine',
  '::mine::',
  '::add-mask::a'
]

describe('the runner reading (the test helper)', () => {
  it('finds every hostile command in raw output', () => {
    const issued = workflowCommands(HOSTILE.join('\n'))
    expect(issued.map((c) => `${c.name}:${c.data}`)).toEqual([
      'error:pwned',
      'set-output:passed',
      'warning:indented',
      'notice:after a no-break space',
      'error:after a carriage return',
      'error:legacy form mid-line',
      // then ::stop-commands::mine swallows the rest until ::mine::, and add-mask follows
      'add-mask:a'
    ])
    expect(issued[0]!.properties).toEqual({ title: 'INJECTED' })
  })
})

describe('inert', () => {
  it.each(HOSTILE)('makes %j issue nothing, and prints it as it is', (line) => {
    const text = `probe output:\n${line}\nend`
    const printed = inert(text)
    expect(workflowCommands(printed)).toEqual([])
    expect(printed.split('\n').slice(1, -1).join('\n')).toBe(text)
  })

  it('leaves commands after the text working', () => {
    const printed = `${inert(HOSTILE.join('\n'))}\n::error title=ours::the run failed\n`
    expect(workflowCommands(printed)).toEqual([
      { name: 'error', properties: { title: 'ours' }, data: 'the run failed' }
    ])
  })

  it('uses a new token each time', () => {
    const token = (printed: string): string => printed.split('\n')[0]!
    expect(token(inert('::x'))).not.toBe(token(inert('::x')))
  })

  it('leaves text in which the runner can find no command alone', () => {
    expect(inert('✓ health openvpn-1: healthy after 3 s\nroute 10.8.0.0/24 dev tun0')).toBe(
      '✓ health openvpn-1: healthy after 3 s\nroute 10.8.0.0/24 dev tun0'
    )
  })
})
