// SpiralTrainer: the training tab's model learns in Node too.
import { describe, expect, it } from 'vitest'
import { SpiralTrainer, makeSpirals } from '../src/training.js'

describe('SpiralTrainer', () => {
  it('lowers the loss within 60 SGD steps and gives a probability per grid cell', () => {
    const t = new SpiralTrainer(makeSpirals(50))
    for (let i = 0; i < 60; i++) t.step(1)
    expect(t.losses).toHaveLength(60)
    expect(t.losses[59]).toBeLessThan(t.losses[0] * 0.95)
    const p = t.probabilities(8, 1.25)
    expect(p).toHaveLength(64)
    expect(p.every((v) => v >= 0 && v <= 1)).toBe(true)
  })
})
