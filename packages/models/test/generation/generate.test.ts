import { Generator, manualSeed, noGrad, tensor } from '@adjoint/core'
import { describe, expect, it } from 'vitest'
import { GPT, generate, sampleLogits } from '../../src/index.js'

describe('sampleLogits', () => {
  const logits = [1, 3, 2, 0.5]
  it('is greedy at temperature 0, and with topK 1 or a tiny topP', () => {
    const g = new Generator(0)
    expect(sampleLogits(logits, { temperature: 0 }, g)).toBe(1)
    for (let i = 0; i < 20; i++) {
      expect(sampleLogits(logits, { topK: 1 }, g)).toBe(1)
      expect(sampleLogits(logits, { topP: 0.01 }, g)).toBe(1)
    }
  })

  it('only draws from the top k, and follows the softmax', () => {
    const g = new Generator(1)
    const counts = [0, 0, 0, 0]
    for (let i = 0; i < 4000; i++) counts[sampleLogits(logits, { topK: 2 }, g)]++
    expect(counts[0] + counts[3]).toBe(0)
    expect(counts[1] / counts[2]).toBeCloseTo(Math.E, 0)
  })
})

describe('generate', () => {
  const cfg = { vocabSize: 25, blockSize: 12, nLayer: 2, nHead: 2, nEmbd: 16 }

  it('gives the same tokens with and without the KV cache while the sequence fits in the block', () => {
    manualSeed(0)
    const model = new GPT(cfg)
    for (const opts of [{ seed: 7 }, { seed: 8, temperature: 0.8, topK: 5 }, { temperature: 0 }, { seed: 3, topP: 0.9 }]) {
      const a = generate(model, [1, 2, 3], 9, { ...opts, useCache: true })
      const b = generate(model, [1, 2, 3], 9, { ...opts, useCache: false })
      expect(a.shape).toEqual([1, 12])
      expect(a.toArray()).toEqual(b.toArray())
    }
  })

  it('past the block size, the cache restarts from the last half window: each token is the uncached greedy token of that context', () => {
    manualSeed(3)
    const model = new GPT(cfg).eval()
    const prompt = [1, 2, 3, 4, 5]
    // count the forward passes over more than one position (prefills)
    let prefills = 0
    const forward = model.forward.bind(model)
    model.forward = (idx, targets, opts) => { if (idx.shape[1] > 1) prefills++; return forward(idx, targets, opts) }
    const seq = (generate(model, prompt, 40, { temperature: 0 }).toArray() as number[][])[0]
    model.forward = forward
    let start = 0, refills = 0 // the cached context is seq[start .. len)
    for (let len = prompt.length; len < seq.length; len++) {
      if (len - start > cfg.blockSize) { start = len - cfg.blockSize / 2; refills++ }
      const logits = noGrad(() => model.forward(tensor([seq.slice(start, len)], { dtype: 'int32' }), null, { lastOnly: true }).logits)
      expect(logits.argmax().item()).toBe(seq[len])
    }
    expect(refills).toBe(5) // 45 tokens: refills at lengths 13, 20, 27, 34 and 41
    expect(prefills).toBe(1 + refills) // the prompt, then once per refill: every other token is one row
    // without the cache, the context is the last blockSize tokens: same tokens until the block is full
    const uncached = (generate(model, prompt, 40, { temperature: 0, useCache: false }).toArray() as number[][])[0]
    expect(uncached.slice(0, cfg.blockSize + 1)).toEqual(seq.slice(0, cfg.blockSize + 1))
  })

  it('is reproducible from a seed, samples batches row by row, and streams tokens', () => {
    manualSeed(1)
    const model = new GPT(cfg)
    const seen: number[] = []
    const a = generate(model, [4, 5], 10, { seed: 42, onToken: (_row, id) => seen.push(id) })
    expect(generate(model, [4, 5], 10, { seed: 42 }).toArray()).toEqual(a.toArray())
    expect(model.generate([4, 5], 10, { seed: 42 }).toArray()).toEqual(a.toArray())
    expect(seen).toEqual((a.toArray() as number[][])[0].slice(2))
    expect(model.training).toBe(true) // restored
  })

  it('stops a row at the stop token', () => {
    manualSeed(2)
    const model = new GPT(cfg)
    const greedy = (generate(model, [1], 6, { temperature: 0 }).toArray() as number[][])[0]
    const stop = greedy[2]
    const out = (generate(model, [1], 6, { temperature: 0, stopToken: stop }).toArray() as number[][])[0]
    expect(out.slice(0, 3)).toEqual(greedy.slice(0, 3))
    expect(out.slice(2).every((t) => t === stop)).toBe(true)
  })

  it('rejects bad options', () => {
    const model = new GPT(cfg)
    expect(() => generate(model, [1], 2, { temperature: -1 })).toThrow(/temperature must be/)
    expect(() => generate(model, [1], 2, { topK: 0 })).toThrow(/topK must be a positive integer/)
    expect(() => generate(model, [1], 2, { topP: 1.5 })).toThrow(/topP must be in/)
    expect(() => generate(model, [], 2)).toThrow(/non-empty/)
  })
})
