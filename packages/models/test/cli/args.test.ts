// The CLI's argument parsing: negative numbers reach the flag's own check.
import { describe, expect, it } from 'vitest'
import { UsageError, int, num, parse, type Flags } from '../../src/cli/args.js'

const flags: Flags = {
  steps: { type: 'string', help: 'N: steps' },
  lr: { type: 'string', help: 'LR: rate' },
  resume: { type: 'boolean', help: 'resume' },
}

describe('parse', () => {
  it('reads "--steps -5" as the value -5, so int() gives its one-line message', () => {
    const p = parse('train', ['--steps', '-5', '--lr', '-.5', '--resume'], flags)
    expect(p.values).toMatchObject({ steps: '-5', lr: '-.5', resume: true })
    expect(() => int(p, 'steps')).toThrow(new UsageError('--steps must be an integer >= 1, got "-5"'))
    expect(() => num(p, 'lr', { min: 0 })).toThrow(/^--lr must be a number >= 0, got "-.5"$/)
  })

  it('still refuses a flag followed by another flag, in one line', () => {
    let message = ''
    try { parse('train', ['--steps', '--resume'], flags) } catch (e) { message = (e as Error).message }
    expect(message).toMatch(/--steps/)
    expect(message).not.toContain('\n')
  })
})
