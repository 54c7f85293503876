// BERT's masked-LM masking recipe (bert/mlm-masking.ts).
import { Generator, Tensor } from '@adjoint/core'
import { describe, expect, it } from 'vitest'
import { ConfigError, DataError } from '../../src/errors.js'
import { maskTokens, maskTokensTensor } from '../../src/bert/mlm-masking.js'

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
