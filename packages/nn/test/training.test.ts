// End to end: an MLP and a 2-layer transformer encoder learn.
import { Tensor, arange, manualSeed, defaultGenerator } from '@adjoint/core'
import { describe, expect, it } from 'vitest'
import { AdamW, DataLoader, Embedding, F, LayerNorm, Linear, Module, ReLU, Sequential, TensorDataset, TransformerEncoder, TransformerEncoderLayer, clipGradNorm_ } from '../src/index.js'

describe('models learn', () => {
  it('an MLP learns a nonlinear 2-D classification (loss falls far below its start)', () => {
    manualSeed(0)
    // two concentric rings: not linearly separable
    const n = 256
    const x = Tensor.empty([n, 2], 'float32'), y = Tensor.empty([n], 'int32')
    for (let i = 0; i < n; i++) {
      const cls = i % 2, r = cls ? 2 : 0.8, a = defaultGenerator.uniform() * 2 * Math.PI
      x.storage.data[2 * i] = r * Math.cos(a) + 0.1 * defaultGenerator.normal()
      x.storage.data[2 * i + 1] = r * Math.sin(a) + 0.1 * defaultGenerator.normal()
      y.storage.data[i] = cls
    }
    const model = new Sequential(new Linear(2, 32), new ReLU(), new Linear(32, 32), new ReLU(), new Linear(32, 2))
    const opt = new AdamW(model.parameters(), { lr: 1e-2, weightDecay: 0 })
    const loader = new DataLoader(new TensorDataset(x, y), { batchSize: 64, shuffle: true })
    const epochLoss = () => F.crossEntropy(model.forward(x), y).item()
    const start = epochLoss()
    for (let epoch = 0; epoch < 40; epoch++) {
      for (const [xb, yb] of loader) {
        opt.zeroGrad()
        F.crossEntropy(model.forward(xb), yb).backward()
        opt.step()
      }
    }
    const end = epochLoss()
    expect(start).toBeGreaterThan(0.6)
    expect(end).toBeLessThan(0.05)
    const acc = model.forward(x).argmax(-1).eq(y).float().mean().item()
    expect(acc).toBeGreaterThan(0.98)
  })

  it('a 2-layer transformer encoder learns to copy the previous token (needs attention)', () => {
    manualSeed(1)
    const V = 8, T = 8, D = 32
    class Tiny extends Module {
      tok = new Embedding(V, D)
      pos = new Embedding(T, D)
      encoder = new TransformerEncoder(() => new TransformerEncoderLayer(D, 2, { dimFeedforward: 64, dropout: 0, batchFirst: true, normFirst: true }), 2, { norm: new LayerNorm(D) })
      head = new Linear(D, V)
      override forward(ids: Tensor): Tensor {
        const h = this.tok.forward(ids).add(this.pos.forward(arange(0, ids.shape[1], 1, { dtype: 'int32' })))
        return this.head.forward(this.encoder.forward(h, { isCausal: true }))
      }
    }
    const model = new Tiny()
    expect(Object.keys(model.stateDict())).toContain('encoder.layers.1.selfAttn.inProjWeight')
    const opt = new AdamW(model.parameters(), { lr: 3e-3, weightDecay: 0.01 })
    const batch = () => {
      const x = Tensor.empty([16, T], 'int32')
      for (let i = 0; i < x.numel(); i++) x.storage.data[i] = defaultGenerator.int(0, V)
      // target at position t is the token at t - 1 (position 0 predicts itself)
      const y = x.slice(1, 0, 1).cat([x.slice(1, 0, T - 1)], 1).contiguous()
      return [x, y]
    }
    const losses: number[] = []
    for (let step = 0; step < 150; step++) {
      const [x, y] = batch()
      const loss = F.crossEntropy(model.forward(x).reshape([-1, V]), y.reshape([-1]))
      opt.zeroGrad()
      loss.backward()
      clipGradNorm_(model.parameters(), 1)
      opt.step()
      losses.push(loss.item())
    }
    const first = losses.slice(0, 5).reduce((a, b) => a + b) / 5
    const last = losses.slice(-10).reduce((a, b) => a + b) / 10
    expect(first).toBeGreaterThan(1.8) // ~ log(8) = 2.08
    expect(last).toBeLessThan(0.2)
  })
})
