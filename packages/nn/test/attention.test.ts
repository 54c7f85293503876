// MultiheadAttention and scaledDotProductAttention semantics: masks, unbatched
// inputs, and incremental decoding with a KV cache equal to the full forward.
import { ShapeError, Tensor, cat, manualSeed, noGrad, randn, tensor } from '@adjoint/core'
import { describe, expect, it } from 'vitest'
import { F, KVCache, MultiheadAttention, TransformerDecoder, TransformerDecoderLayer } from '../src/index.js'
import { expectClose } from './helpers.js'

const d64 = { dtype: 'float64' as const }

/** Element at a multi-index. */
function at(t: Tensor, idx: number[]): number {
  let off = t.offset
  idx.forEach((v, i) => { off += v * t.strides[i] })
  return t.storage.data[off]
}

describe('scaledDotProductAttention', () => {
  it('is softmax(q k^T / sqrt(d)) v, with masks in PyTorch 2 convention (true = attend)', () => {
    manualSeed(0)
    const q = randn([2, 3, 4], d64), k = randn([2, 5, 4], d64), v = randn([2, 5, 6], d64)
    const ref = q.matmul(k.transpose(-1, -2)).div(2).softmax(-1).matmul(v)
    expectClose(F.scaledDotProductAttention(q, k, v), ref, 1e-12)
    // isCausal: top-left aligned tril
    const allowed = tensor([[true, false, false, false, false], [true, true, false, false, false], [true, true, true, false, false]])
    expectClose(F.scaledDotProductAttention(q, k, v, { isCausal: true }), F.scaledDotProductAttention(q, k, v, { attnMask: allowed }), 1e-12)
    // a float mask of 0 / -inf is the same as the bool mask
    const additive = allowed.logicalNot().to('float64').mul(-1e300)
    expectClose(F.scaledDotProductAttention(q, k, v, { attnMask: additive }), F.scaledDotProductAttention(q, k, v, { attnMask: allowed }), 1e-12)
    expect(() => F.scaledDotProductAttention(q, randn([2, 5, 3], d64), v)).toThrow(ShapeError)
  })
})

describe('MultiheadAttention', () => {
  it('unbatched input equals a batch of one, batchFirst equals the transposed layout', () => {
    manualSeed(1)
    const m = new MultiheadAttention(8, 2, d64)
    const x = randn([5, 8], d64)
    const [y1, w1] = m.forward(x, x, x)
    const [y2, w2] = m.forward(x.unsqueeze(1), x.unsqueeze(1), x.unsqueeze(1))
    expectClose(y1, y2.squeeze(1), 1e-12)
    expectClose(w1!, w2!.squeeze(0), 1e-12)
    const bf = new MultiheadAttention(8, 2, { ...d64, batchFirst: true })
    bf.loadStateDict(m.stateDict())
    const xb = randn([3, 5, 8], d64)
    expectClose(bf.forward(xb, xb, xb)[0], m.forward(xb.transpose(0, 1), xb.transpose(0, 1), xb.transpose(0, 1))[0].transpose(0, 1), 1e-12)
  })

  it('attnMask true blocks (PyTorch MHA convention); keyPaddingMask ignores keys; isCausal = triu mask', () => {
    manualSeed(2)
    const m = new MultiheadAttention(4, 1, { ...d64, batchFirst: true })
    const x = randn([2, 4, 4], d64)
    const causal = tensor([[false, true, true, true], [false, false, true, true], [false, false, false, true], [false, false, false, false]])
    const [a, wa] = m.forward(x, x, x, { attnMask: causal })
    const [b] = m.forward(x, x, x, { isCausal: true })
    expectClose(a, b, 1e-12)
    expect(at(wa!, [0, 0, 1])).toBe(0)
    const pad = tensor([[false, false, false, true], [false, false, false, false]])
    const [, wp] = m.forward(x, x, x, { keyPaddingMask: pad })
    for (let i = 0; i < 4; i++) expect(at(wp!, [0, i, 3])).toBe(0)
    expect(at(wp!, [1, 0, 3])).toBeGreaterThan(0)
    expect(() => m.forward(x, x, x, { attnMask: tensor([[true]]) })).toThrow(/attnMask must be \[4, 4\]/)
    expect(() => m.forward(x, x, x, { keyPaddingMask: tensor([[true]]) })).toThrow(/keyPaddingMask must be \[2,4\]/)
  })

  it('incremental decoding with a KV cache equals the full causal forward', () => {
    manualSeed(3)
    const m = new MultiheadAttention(8, 2, { ...d64, batchFirst: true })
    const x = randn([2, 6, 8], d64)
    const [full] = m.forward(x, x, x, { isCausal: true, needWeights: false })
    const cache = new KVCache()
    const pieces: Tensor[] = []
    noGrad(() => {
      // a prompt of 3 tokens, then one token at a time
      const p = x.slice(1, 0, 3)
      pieces.push(m.forward(p, p, p, { isCausal: true, cache })[0])
      for (let t = 3; t < 6; t++) {
        const s = x.slice(1, t, t + 1)
        pieces.push(m.forward(s, s, s, { isCausal: true, cache })[0])
      }
    })
    expect(cache.length).toBe(6)
    expectClose(cat(pieces, 1), full, 1e-12)
  })

  it('a static cache reuses cross-attention keys and values', () => {
    manualSeed(4)
    const m = new MultiheadAttention(8, 2, { ...d64, batchFirst: true, kdim: 5, vdim: 5 })
    const q = randn([1, 3, 8], d64), mem = randn([1, 4, 5], d64)
    const [full] = m.forward(q, mem, mem)
    const cache = new KVCache({ static: true })
    const parts = [0, 1, 2].map((t) => m.forward(q.slice(1, t, t + 1), mem, mem, { cache })[0])
    expectClose(cat(parts, 1), full, 1e-12)
  })

  it('a decoder stack decodes incrementally with per-layer caches', () => {
    manualSeed(5)
    const dec = new TransformerDecoder(() => new TransformerDecoderLayer(8, 2, { dimFeedforward: 16, dropout: 0, batchFirst: true, normFirst: true, ...d64 }), 2)
    dec.eval()
    const tgt = randn([2, 5, 8], d64), mem = randn([2, 3, 8], d64)
    const full = dec.forward(tgt, mem, { tgtIsCausal: true })
    const cache = dec.makeCache()
    const parts = [0, 1, 2, 3, 4].map((t) => dec.forward(tgt.slice(1, t, t + 1), mem, { tgtIsCausal: true, cache }))
    expectClose(cat(parts, 1), full, 1e-12)
  })

  it('dropout on attention weights only in training mode', () => {
    manualSeed(6)
    const m = new MultiheadAttention(4, 2, { dropout: 0.5, batchFirst: true })
    const x = randn([1, 3, 4])
    m.eval()
    const [a] = m.forward(x, x, x)
    const [b] = m.forward(x, x, x)
    expect(a.toList()).toEqual(b.toList())
    m.train()
    expect(m.forward(x, x, x)[0].toList()).not.toEqual(a.toList())
  })
})

