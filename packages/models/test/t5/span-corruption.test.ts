// T5's span corruption (t5/span-corruption.ts).
import { Generator } from '@adjoint/core'
import { describe, expect, it } from 'vitest'
import { ConfigError, DataError } from '../../src/errors.js'
import { fillSpans, numNoiseSpans, randomSpansNoiseMask, spanCorrupt } from '../../src/t5/span-corruption.js'

describe('span corruption', () => {
  const sentinels = Array.from({ length: 100 }, (_, i) => 1000 + i)
  const EOS = 999

  it('input + target reconstruct the original exactly', () => {
    const g = new Generator(5)
    for (let trial = 0; trial < 150; trial++) {
      const n = 2 + g.int(0, 120)
      const ids = Array.from({ length: n }, () => g.int(0, 500))
      const { input, target, noiseMask } = spanCorrupt(ids, { sentinelIds: sentinels, eosId: EOS, generator: g })
      expect(fillSpans(input, target, sentinels, EOS)).toEqual(ids)
      expect(input[input.length - 1]).toBe(EOS)
      // the target starts with the first sentinel, the input's sentinels are in order
      expect(target[0]).toBe(1000)
      const inS = input.filter((t) => t >= 1000), tgS = target.filter((t) => t >= 1000)
      expect(inS).toEqual(sentinels.slice(0, inS.length))
      expect(tgS).toEqual(inS)
      expect(noiseMask[0]).toBe(0) // T5 starts with kept tokens
    }
  })

  it('drops about 15% of tokens in spans of mean length 3', () => {
    const g = new Generator(6)
    let noise = 0, total = 0, spans = 0
    for (let trial = 0; trial < 500; trial++) {
      const mask = randomSpansNoiseMask(100, 0.15, 3, g)
      for (let i = 0; i < mask.length; i++) {
        total++
        if (mask[i]) { noise++; if (i === 0 || !mask[i - 1]) spans++ }
      }
    }
    expect(noise / total).toBeCloseTo(0.15, 3) // exactly round(100 * 0.15) per sequence
    expect(noise / spans).toBeCloseTo(3, 0) // round(15 / 3) = 5 spans of 15 tokens
    // span lengths vary (a random segmentation, not fixed spans of 3)
    const lens = new Set<number>()
    const m = randomSpansNoiseMask(200, 0.15, 3, new Generator(7))
    let run = 0
    for (let i = 0; i <= m.length; i++) { if (i < m.length && m[i]) run++; else if (run) { lens.add(run); run = 0 } }
    expect(lens.size).toBeGreaterThan(1)
    expect(numNoiseSpans(100)).toBe(5)
  })

  it('refuses sequences it cannot corrupt', () => {
    expect(() => spanCorrupt([1], { sentinelIds: sentinels })).toThrow(DataError)
    expect(() => spanCorrupt([1, 2, 3, 1000], { sentinelIds: sentinels })).toThrow(DataError)
    expect(() => spanCorrupt(Array.from({ length: 100 }, (_, i) => i), { sentinelIds: sentinels.slice(0, 2) })).toThrow(ConfigError)
  })
})
