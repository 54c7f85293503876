import { Generator } from '@adjoint/core'
import { describe, expect, it } from 'vitest'
import { BROWN_3_GENRES, CharTokenizer, brownGenreTask, loadBrownText } from '../../src/index.js'

describe('the Brown genre tasks', () => {
  const { train, val } = loadBrownText()
  const tok = CharTokenizer.fromText(train + val)

  it('brown-3: three genres, held-out passages from their validation files, balanced draws', () => {
    const t = brownGenreTask(tok, 64, { genres: BROWN_3_GENRES, perDoc: 4 })
    expect(t.labels).toEqual(['press: reportage', 'learned', 'fiction: romance'])
    expect(new Set(t.heldOut.labels)).toEqual(new Set([0, 1, 2]))
    expect(t.heldOut.ids.every((p) => p.length === 64)).toBe(true)
    const counts = (labels: ArrayLike<number>) => [0, 1, 2].map((c) => Array.from(labels).filter((l) => l === c).length / labels.length)
    // by text, learned is the most common of the three; balanced draws give each about a third
    const natural = counts(t.trainLabelSample(new Generator(1), 3000))
    expect(natural[1]).toBeGreaterThan(0.45)
    counts(t.sample(new Generator(2), 3000, { balanced: true }).labels).forEach((f) => expect(Math.abs(f - 1 / 3)).toBeLessThan(0.05))
  })
})
