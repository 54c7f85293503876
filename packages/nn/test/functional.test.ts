// gradcheck / gradgradcheck (float64) of every differentiable function nn adds,
// and checks that layerNorm / crossEntropy really run the backend's fused kernels.
import { Generator, autograd, getBackend, gradcheck, gradgradcheck, randn, tensor } from '@adjoint/core'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { F, MultiheadAttention, RMSNorm, TransformerEncoderLayer } from '../src/index.js'

const gen = new Generator(42)
const r = (shape: number[], scale = 1) => randn(shape, { dtype: 'float64', generator: gen }).mul(scale).requiresGrad_(true)
const ids = (v: number[], shape?: number[]) => tensor(v, { dtype: 'int32', shape })

describe('gradcheck of nn functions (float64)', () => {
  it('layerNorm: fused first-order backward, composed second-order', () => {
    const x = r([3, 4]), w = r([4]), b = r([4])
    expect(gradcheck((x, w, b) => F.layerNorm(x, [4], w, b), [x, w, b])).toBe(true)
    expect(gradgradcheck((x, w, b) => F.layerNorm(x, [4], w, b), [x, w, b])).toBe(true)
    const x3 = r([2, 2, 3])
    expect(gradcheck((x) => F.layerNorm(x, [2, 3], null, null, 1e-3), [x3])).toBe(true)
    expect(gradgradcheck((x) => F.layerNorm(x, [2, 3], null, null, 1e-3), [x3])).toBe(true)
  })

  it('linearGelu: fused kernel backward, composed second-order, equal to linear then gelu', () => {
    const x = r([2, 3, 4]), w = r([5, 4]), b = r([5])
    for (const approximate of ['none', 'tanh'] as const) {
      expect(gradcheck((x, w, b) => F.linearGelu(x, w, b, { approximate }), [x, w, b])).toBe(true)
      expect(gradgradcheck((x, w, b) => F.linearGelu(x, w, b, { approximate }), [x, w, b])).toBe(true)
      const diff = F.linearGelu(x, w, b, { approximate }).sub(F.gelu(F.linear(x, w, b), { approximate })).abs().amax().item()
      expect(diff).toBeLessThan(1e-12)
    }
  })

  it('rmsNorm', () => {
    const x = r([3, 5]), w = r([5])
    expect(gradcheck((x, w) => F.rmsNorm(x, [5], w, 1e-6), [x, w])).toBe(true)
    expect(gradgradcheck((x, w) => F.rmsNorm(x, [5], w, 1e-6), [x, w])).toBe(true)
  })

  it('crossEntropy: indices (fused), ignoreIndex, labelSmoothing, weights, probabilities', () => {
    const x = r([4, 5], 2)
    const t = ids([1, -100, 4, 0])
    for (const opts of [{}, { labelSmoothing: 0.1 }, { reduction: 'sum' as const, labelSmoothing: 0.3 }, { reduction: 'none' as const }]) {
      expect(gradcheck((x) => F.crossEntropy(x, t, opts), [x])).toBe(true)
      expect(gradgradcheck((x) => F.crossEntropy(x, t, opts), [x])).toBe(true)
    }
    const w = randn([5], { dtype: 'float64', generator: gen }).abs().add(0.5)
    expect(gradcheck((x) => F.crossEntropy(x, t, { weight: w, labelSmoothing: 0.2 }), [x])).toBe(true)
    const p = randn([4, 5], { dtype: 'float64', generator: gen }).softmax(-1)
    expect(gradcheck((x) => F.crossEntropy(x, p, { labelSmoothing: 0.1 }), [x])).toBe(true)
    const xs = r([2, 3, 2])
    expect(gradcheck((x) => F.crossEntropy(x, ids([0, 2, -100, 1], [2, 2])), [xs])).toBe(true)
  })

  it('nllLoss, mseLoss, l1Loss, binaryCrossEntropyWithLogits', () => {
    const x = r([3, 4]), y = randn([3, 4], { dtype: 'float64', generator: gen })
    expect(gradcheck((x) => F.nllLoss(x.logSoftmax(-1), ids([3, 0, -100]), { weight: tensor([1, 2, 3, 4], { dtype: 'float64' }) }), [x])).toBe(true)
    expect(gradcheck((x) => F.mseLoss(x, y), [x])).toBe(true)
    expect(gradcheck((x) => F.l1Loss(x, y, { reduction: 'sum' }), [x])).toBe(true)
    const t = randn([3, 4], { dtype: 'float64', generator: gen }).sigmoid()
    expect(gradcheck((x) => F.binaryCrossEntropyWithLogits(x, t, { posWeight: tensor([1, 2, 0.5, 3], { dtype: 'float64' }) }), [x])).toBe(true)
    expect(gradgradcheck((x) => F.binaryCrossEntropyWithLogits(x, t), [x])).toBe(true)
  })

  it('scaledDotProductAttention with causal, bool and float masks', () => {
    const q = r([2, 3, 4]), k = r([2, 5, 4]), v = r([2, 5, 2])
    const bool = tensor([[true, true, false, true, true], [true, false, true, true, true], [true, true, true, true, false]])
    expect(gradcheck((q, k, v) => F.scaledDotProductAttention(q, k, v), [q, k, v])).toBe(true)
    expect(gradcheck((q, k, v) => F.scaledDotProductAttention(q, k, v, { isCausal: true }), [q, k, v])).toBe(true)
    expect(gradcheck((q, k, v) => F.scaledDotProductAttention(q, k, v, { attnMask: bool }), [q, k, v])).toBe(true)
    const fm = randn([3, 5], { dtype: 'float64', generator: gen })
    expect(gradcheck((q, k, v) => F.scaledDotProductAttention(q, k, v, { attnMask: fm, scale: 0.3 }), [q, k, v])).toBe(true)
    expect(gradgradcheck((q, k, v) => F.scaledDotProductAttention(q, k, v, { isCausal: true }), [q, k, v])).toBe(true)
  })

  it('dropout (a fixed mask per evaluation) and embedding with paddingIdx', () => {
    const x = r([3, 4])
    expect(gradcheck((x) => F.dropout(x, 0.4, true, { generator: new Generator(5) }), [x])).toBe(true)
    const w = r([5, 3])
    // the padding row's gradient is zero by definition (not the true derivative), so the
    // ids here avoid it: this checks the custom backward; layers.test.ts checks the padding row
    expect(gradcheck((w) => F.embedding(ids([0, 3, 3, 4], [2, 2]), w, { paddingIdx: 2 }), [w])).toBe(true)
    expect(gradgradcheck((w) => F.embedding(ids([0, 3, 3, 4], [2, 2]), w, { paddingIdx: 2 }).square(), [w])).toBe(true)
  })

  it('MultiheadAttention and a transformer encoder layer (inputs and weights)', () => {
    const m = new MultiheadAttention(4, 2, { dtype: 'float64' })
    const x = r([3, 2, 4])
    expect(gradcheck((x, w) => { void w; return m.forward(x, x, x, { isCausal: true })[0] }, [x, m.inProjWeight!])).toBe(true)
    const enc = new TransformerEncoderLayer(4, 2, { dimFeedforward: 6, dropout: 0, batchFirst: true, normFirst: true, dtype: 'float64' })
    const src = r([1, 3, 4])
    expect(gradcheck((s) => enc.forward(s), [src])).toBe(true)
    const rms = new RMSNorm(4, { dtype: 'float64' })
    expect(gradcheck((s) => rms.forward(s), [src])).toBe(true)
  })
})

describe('fused kernels are what the ops call (the seam native plugs into)', () => {
  // spy on the active kernels (whatever registered them: ts or native), restored after each test
  afterEach(() => { vi.restoreAllMocks() })

  it('layerNorm and crossEntropy call the backend kernels (first-order backward too)', () => {
    const b = getBackend()
    const spies = (['layerNorm', 'layerNormBackward', 'crossEntropy', 'crossEntropyBackward'] as const).map((k) => vi.spyOn(b, k))
    const x = randn([4, 6]).requiresGrad_(true)
    const h = F.layerNorm(x, [6])
    F.crossEntropy(h, ids([1, 2, 3, 4])).backward()
    for (const s of spies) expect(s).toHaveBeenCalledTimes(1)
  })

  it('with createGraph the backward is composed of ops (so it is differentiable)', () => {
    const spy = vi.spyOn(getBackend(), 'layerNormBackward')
    const x = randn([2, 3], { dtype: 'float64' }).requiresGrad_(true)
    const y = F.layerNorm(x, [3]).square().sum()
    const [gx] = autograd.grad(y, x, null, { createGraph: true })
    expect(gx!.requiresGrad).toBe(true)
    expect(spy).not.toHaveBeenCalled()
  })
})

describe('functional argument checks and small ops', () => {
  it('oneHot', () => {
    expect(F.oneHot(ids([2, 0, 1])).toList()).toEqual([0, 0, 1, 1, 0, 0, 0, 1, 0])
    expect(F.oneHot(ids([1, 0], [2, 1]), 3).shape).toEqual([2, 1, 3])
    expect(() => F.oneHot(ids([3]), 3)).toThrow(/class index 3 out of range for 3 classes/)
    expect(() => F.oneHot(tensor([1.5]))).toThrow(/int32/)
  })

  it('errors name the op, what it got and what it expected', () => {
    const x = randn([4, 5])
    expect(() => F.crossEntropy(x, ids([0, 1, 9, 2]))).toThrow(/crossEntropy: target 9 out of range for 5 classes/)
    expect(() => F.crossEntropy(x, ids([0, 1]))).toThrow(/crossEntropy: target of shape \[2\] does not match input \[4,5\] \(expected target shape \[4\]\)/)
    expect(() => F.crossEntropy(x, tensor([true, false, true, true]))).toThrow(/int32 class indices or float probabilities, got bool/)
    expect(() => F.crossEntropy(x, ids([0, 1, 2, 3]), { labelSmoothing: 2 })).toThrow(/labelSmoothing must be in \[0, 1\], got 2/)
    expect(() => F.crossEntropy(x, ids([0, 1, 2, 3]), { reduction: 'avg' as never })).toThrow(/reduction must be 'mean', 'sum' or 'none', got "avg"/)
    expect(() => F.layerNorm(x, [4])).toThrow(/layerNorm: input of shape \[4,5\] does not end with normalizedShape \[4\]/)
    expect(() => F.layerNorm(x, [5], randn([4]))).toThrow(/layerNorm: weight must have shape \[5\]/)
    expect(() => F.layerNorm(ids([1, 2]), [2])).toThrow(/layerNorm: input must be float32 or float64, got int32/)
    expect(() => F.mseLoss(x, randn([5, 4]))).toThrow(/mseLoss: input \[4,5\] and target \[5,4\] must have the same shape/)
    expect(() => F.dropout(x, 1.5)).toThrow(/dropout: probability must be between 0 and 1, got 1.5/)
    expect(() => F.embedding(ids([0]), randn([3, 2]), { paddingIdx: 3 })).toThrow(/paddingIdx 3 out of range for 3 embeddings/)
  })

  it('dropout: identity in eval, p = 1 zeroes, the kept elements are scaled', () => {
    const x = randn([1000]).abs().add(1)
    expect(F.dropout(x, 0.5, false)).toBe(x)
    expect(F.dropout(x, 1).abs().sum().item()).toBe(0)
    const y = F.dropout(x, 0.25, true, { generator: new Generator(1) })
    const kept = y.toList().map((v, i) => [v, x.toList()[i]]).filter(([v]) => v !== 0)
    for (const [v, orig] of kept) expect(v).toBeCloseTo(orig / 0.75, 5)
    expect(kept.length).toBeGreaterThan(700)
    expect(kept.length).toBeLessThan(800)
  })

  it('crossEntropy with every target ignored is NaN for mean (as PyTorch), 0 for sum', () => {
    const x = randn([2, 3]).requiresGrad_(true)
    expect(Number.isNaN(F.crossEntropy(x, ids([-100, -100])).item())).toBe(true)
    const s = F.crossEntropy(x, ids([-100, -100]), { reduction: 'sum' })
    expect(s.item()).toBe(0)
    s.backward()
    expect(x.grad!.abs().sum().item()).toBe(0)
  })
})
