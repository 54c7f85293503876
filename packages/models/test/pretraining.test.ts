// The pre-training data transforms: BERT's masking recipe and T5's span corruption.
import { Generator, Tensor } from '@adjoint/core'
import { describe, expect, it } from 'vitest'
import { ConfigError, DataError } from '../src/errors.js'
import { maskTokens, maskTokensTensor } from '../src/pretraining/mlm-masking.js'
import { fillSpans, numNoiseSpans, randomSpansNoiseMask, spanCorrupt } from '../src/pretraining/span-corruption.js'

describe('MLM masking', () => {
  const CLS = 100, SEP = 101, PAD = 102, MASK = 103
  const opts = { maskTokenId: MASK, specialTokenIds: [CLS, SEP, PAD], randomVocabSize: 100 }

  it('chooses 15% of ordinary tokens; 80% [MASK], 10% random, 10% unchanged; labels only there', () => {
    const g = new Generator(1)
    const rowLength = 64
    const rows = 400
    const ids = new Int32Array(rows * rowLength)
    for (let r = 0; r < rows; r++) {
      for (let i = 0; i < rowLength; i++) ids[r * rowLength + i] = g.int(0, 100)
      ids[r * rowLength] = CLS
      ids[r * rowLength + 40] = SEP
      for (let i = 41; i < rowLength; i++) ids[r * rowLength + i] = PAD
    }
    const { inputIds, labels } = maskTokens(ids, { ...opts, rowLength, generator: new Generator(2) })
    let ordinary = 0, chosen = 0, masked = 0, random = 0, same = 0, bad = 0
    for (let i = 0; i < ids.length; i++) {
      const special = ids[i] >= 100
      if (special) {
        if (labels[i] !== -100 || inputIds[i] !== ids[i]) bad++
        continue
      }
      ordinary++
      if (labels[i] === -100) { if (inputIds[i] !== ids[i]) bad++; continue }
      chosen++
      if (labels[i] !== ids[i]) bad++
      if (inputIds[i] === MASK) masked++
      else if (inputIds[i] === ids[i]) same++
      else { random++; if (inputIds[i] >= 100) bad++ }
    }
    expect(bad).toBe(0)
    // 400 rows x 39 ordinary tokens = 15600; sd of the chosen fraction ~ 0.003
    expect(Math.abs(chosen / ordinary - 0.15)).toBeLessThan(0.012)
    expect(Math.abs(masked / chosen - 0.8)).toBeLessThan(0.03)
    // a random draw can equal the original (1 in 100): "unchanged" is 10% + 0.1%
    expect(Math.abs(random / chosen - 0.1)).toBeLessThan(0.025)
    expect(Math.abs(same / chosen - 0.1)).toBeLessThan(0.025)
  })

  it('is seeded, leaves its input alone, chooses at least one token per row, and checks its options', () => {
    const ids = Int32Array.from([CLS, 5, 6, SEP])
    const a = maskTokens(ids, { ...opts, mlmProbability: 0.01, generator: new Generator(3) })
    const b = maskTokens(ids, { ...opts, mlmProbability: 0.01, generator: new Generator(3) })
    expect(a).toEqual(b)
    expect([...ids]).toEqual([CLS, 5, 6, SEP])
    expect(a.labels.filter((l) => l !== -100).length).toBe(1)
    expect(() => maskTokens(ids, { ...opts, maskFraction: 0.95, randomFraction: 0.1 })).toThrow(ConfigError)
    expect(() => maskTokens(ids, { ...opts, rowLength: 3 })).toThrow(DataError)
    const t = maskTokensTensor(Tensor.fromArray(Int32Array.from([CLS, 1, 2, 3, 4, SEP, CLS, 7, 8, 9, SEP, PAD]), [2, 6], 'int32'), opts)
    expect(t.inputIds.shape).toEqual([2, 6])
    expect(t.labels.dtype).toBe('int32')
  })
})

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
