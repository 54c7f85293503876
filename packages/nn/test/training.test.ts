// End to end: an MLP and a 2-layer transformer encoder learn; a training run
// resumed from a checkpoint continues bit for bit (dropout on, so RNG state matters).
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Tensor, arange, manualSeed, randn, tensor, defaultGenerator } from '@adjoint/core'
import { afterAll, describe, expect, it } from 'vitest'
import {
  AdamW, DataLoader, Dropout, Embedding, F, LayerNorm, Linear, Module, ReLU, Sequential, encodeSafetensors, TensorDataset,
  TransformerEncoder, TransformerEncoderLayer, WarmupCosineLR, clipGradNorm_, decodeCheckpoint, encodeCheckpoint, getBatch, loadCheckpoint, saveCheckpoint,
} from '../src/index.js'

const dir = mkdtempSync(join(tmpdir(), 'adjoint-train-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

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

describe('training checkpoints', () => {
  const V = 11, T = 6
  const data = Int32Array.from({ length: 400 }, (_, i) => (i * 7 + (i % 5)) % V)

  class Net extends Module {
    emb = new Embedding(V, 16)
    mlp = new Sequential(new Linear(16, 32), new ReLU(), new Dropout(0.3), new Linear(32, V))
    override forward(ids: Tensor): Tensor { return this.mlp.forward(this.emb.forward(ids)) }
  }

  function setup() {
    const model = new Net()
    const decay = model.parameters().filter((p) => p.ndim >= 2), noDecay = model.parameters().filter((p) => p.ndim < 2)
    const optimizer = new AdamW([{ params: decay, weightDecay: 0.1 }, { params: noDecay, weightDecay: 0 }], { lr: 1e-2, betas: [0.9, 0.95] })
    const scheduler = new WarmupCosineLR(optimizer, { warmupIters: 3, lrDecayIters: 15 })
    return { model, optimizer, scheduler }
  }

  function train(s: ReturnType<typeof setup>, steps: number): number[] {
    const losses = []
    for (let i = 0; i < steps; i++) {
      const [x, y] = getBatch(data, T, 4) // draws from the global generator, as dropout does
      const loss = F.crossEntropy(s.model.forward(x).reshape([-1, V]), y.reshape([-1]))
      s.optimizer.zeroGrad()
      loss.backward()
      clipGradNorm_(s.model.parameters(), 0.5)
      s.optimizer.step()
      s.scheduler.step()
      losses.push(loss.item())
    }
    return losses
  }

  const bytesOf = (m: Module) => Object.values(m.stateDict()).map((t) => Array.from(new Uint8Array(t.contiguousData().buffer.slice(0))))

  it('20 steps straight == 10 steps, save, load into fresh objects, 10 steps (bit for bit)', () => {
    manualSeed(123)
    const a = setup()
    const straight = train(a, 20)

    manualSeed(123)
    const b = setup()
    const firstHalf = train(b, 10)
    const path = join(dir, 'ckpt.safetensors')
    saveCheckpoint(path, { ...b, step: 10, extra: { config: { V, T } } })

    manualSeed(999) // the loaded RNG state must override this
    randn([17])
    const c = setup() // fresh weights, fresh optimizer and scheduler
    const { step, extra } = loadCheckpoint(path, c)
    expect(step).toBe(10)
    expect(extra).toEqual({ config: { V, T } })
    const secondHalf = train(c, 10)

    expect([...firstHalf, ...secondHalf]).toEqual(straight)
    expect(bytesOf(c.model)).toEqual(bytesOf(a.model))
    expect(c.optimizer.paramGroups.map((g) => g.lr)).toEqual(a.optimizer.paramGroups.map((g) => g.lr))
    expect(c.scheduler.lastEpoch).toBe(20)
    expect(c.optimizer.state.size).toBe(a.optimizer.state.size)
  })

  it('without restoring the RNG the resumed run differs (the test above is not vacuous)', () => {
    manualSeed(123)
    const a = setup()
    const straight = train(a, 20)
    manualSeed(123)
    const b = setup()
    train(b, 10)
    const bytes = encodeCheckpoint({ ...b, step: 10 })
    manualSeed(5)
    const c = setup()
    decodeCheckpoint(bytes, { model: c.model, optimizer: c.optimizer, scheduler: c.scheduler, generators: {} })
    expect(train(c, 10)).not.toEqual(straight.slice(10))
  })

  it('rejects checkpoints that do not fit', () => {
    const s = setup()
    const bytes = encodeCheckpoint({ model: s.model })
    expect(() => decodeCheckpoint(bytes, { model: new Net(), optimizer: setup().optimizer }, { source: 'm.ckpt' })).toThrow(/m\.ckpt: the checkpoint has no optimizer state/)
    const plain = new Linear(2, 2)
    expect(() => decodeCheckpoint(bytes, { model: plain })).toThrow(/missing keys: weight, bias/)
    expect(() => decodeCheckpoint(encodeSafetensors({ w: tensor([1]) }), { model: plain })).toThrow(/not a training checkpoint/)
  })
})

