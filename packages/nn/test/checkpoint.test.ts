// Training checkpoints: a run resumed from a checkpoint continues bit for bit
// (dropout on, so the RNG state matters); checkpoints that do not fit are rejected.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Tensor, manualSeed, randn, tensor } from '@adjoint/core'
import { afterAll, describe, expect, it } from 'vitest'
import { AdamW, Dropout, Embedding, F, Linear, Module, ReLU, Sequential, WarmupCosineLR, clipGradNorm_, decodeCheckpoint, encodeCheckpoint, encodeSafetensors, getBatch, loadCheckpoint, saveCheckpoint } from '../src/index.js'

const dir = mkdtempSync(join(tmpdir(), 'adjoint-ckpt-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

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

