// checkSampling (generation/sample.ts): sampling options are checked before any work.
import { Generator, ValueError, defaultGenerator } from '@adjoint/core'
import { describe, expect, it } from 'vitest'
import { checkSampling, samplingGenerator } from '../../src/index.js'

describe('checkSampling', () => {
  it('accepts what sampling can use', () => {
    for (const o of [{}, { temperature: 0 }, { temperature: 1.5, topK: 1, topP: 1 }, { topP: 0.01 }]) expect(() => checkSampling(o)).not.toThrow()
  })

  it('refuses the rest with a ValueError naming the caller, the option and the value', () => {
    expect(() => checkSampling({ temperature: -1 })).toThrow(new ValueError('generate: temperature must be a finite number >= 0, got -1'))
    expect(() => checkSampling({ temperature: NaN }, 'sample')).toThrow(/^sample: temperature must be a finite number >= 0, got NaN$/)
    expect(() => checkSampling({ temperature: Infinity })).toThrow(/temperature/)
    expect(() => checkSampling({ topK: 0 })).toThrow(/topK must be a positive integer, got 0/)
    expect(() => checkSampling({ topK: 2.5 })).toThrow(/topK/)
    expect(() => checkSampling({ topP: 0 })).toThrow(/topP must be in \(0, 1\], got 0/)
    expect(() => checkSampling({ topP: 1.01 })).toThrow(/topP/)
  })
})

describe('samplingGenerator', () => {
  it('uses the generator given, else a private one seeded by seed, else the global one', () => {
    const g = new Generator(5)
    expect(samplingGenerator({ generator: g, seed: 1 })).toBe(g)
    expect(samplingGenerator({})).toBe(defaultGenerator)
    const a = samplingGenerator({ seed: 42 }), b = samplingGenerator({ seed: 42 })
    expect(a).not.toBe(b)
    expect(a).not.toBe(defaultGenerator)
    const draws = (x: Generator) => Array.from({ length: 5 }, () => x.nextUint32())
    const ref = draws(new Generator(42))
    expect(draws(a)).toEqual(ref)
    expect(draws(b)).toEqual(ref)
    expect(draws(samplingGenerator({ seed: 43 }))).not.toEqual(ref)
  })
})
