// Layers and losses against PyTorch 1.13 forward values and gradients (fixtures/gen_layers.py).
import { Tensor, autograd, type DType } from '@adjoint/core'
import { describe, expect, it } from 'vitest'
import { F, Module, MultiheadAttention, TransformerDecoderLayer, TransformerEncoderLayer, type StateDict } from '../src/index.js'
import { expectClose, fixture, fromJson, type TJson } from './helpers.js'

const fx = fixture('layers.json')
const RT = 1e-10, AT = 1e-12 // float64 against float64

/** Gradients of sum(out * gout) with respect to `wrt`. */
function grads(out: Tensor, gout: TJson, wrt: Tensor[]): Tensor[] {
  return autograd.grad(out, wrt, fromJson(gout, out.dtype)).map((g) => g!)
}

const leaf = (t: TJson, dtype: DType = 'float64') => fromJson(t, dtype).requiresGrad_(true)
const snakeToCamel = (k: string) => k.split('.').map((s) => s.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase())).join('.')
const torchStateDict = (sd: Record<string, TJson>): StateDict => Object.fromEntries(Object.entries(sd).map(([k, v]) => [snakeToCamel(k), fromJson(v)]))
const mask = (t: TJson | null) => (t === null ? null : fromJson(t, typeof t.data[0] === 'boolean' ? 'bool' : 'float64'))

describe('layerNorm (fused kernel) matches PyTorch', () => {
  for (const c of fx.layerNorm) {
    for (const dtype of ['float64', 'float32'] as const) {
      const [rt, at] = dtype === 'float64' ? [RT, AT] : [2e-5, 2e-6]
      it(`normalizedShape ${JSON.stringify(c.normalizedShape)}${c.weight ? '' : ' (no affine)'} ${dtype}`, () => {
        const x = leaf(c.x, dtype)
        const w = c.weight ? leaf(c.weight, dtype) : null, b = c.bias ? leaf(c.bias, dtype) : null
        const y = F.layerNorm(x, c.normalizedShape, w, b, c.eps)
        expectClose(y, c.out, rt, at, 'out')
        const g = grads(y, c.gout, [x, ...(w ? [w, b!] : [])])
        expectClose(g[0], c.gx, rt, at, 'gx')
        if (w) { expectClose(g[1], c.gw, rt, at, 'gw'); expectClose(g[2], c.gb, rt, at, 'gb') }
      })
    }
  }
})

describe('crossEntropy matches PyTorch', () => {
  for (const c of fx.crossEntropy) {
    for (const dtype of ['float64', 'float32'] as const) {
      const [rt, at] = dtype === 'float64' ? [RT, AT] : [2e-5, 2e-6]
      it(`${c.name} ${dtype}`, () => {
        const x = leaf(c.x, dtype)
        const target = fromJson(c.target, c.probs ? dtype : 'int32')
        const opts = { ...c.options, weight: c.options.weight ? fromJson(c.options.weight, dtype) : undefined }
        const y = F.crossEntropy(x, target, opts)
        expectClose(y, c.out, rt, at, 'loss')
        expectClose(grads(y, c.gout, [x])[0], c.gx, rt, at, 'gx')
      })
    }
  }
})

describe('other losses and embedding match PyTorch', () => {
  const L = fx.losses
  it('nllLoss with weight and ignoreIndex', () => {
    const c = L.nll_weight
    const x = leaf(c.x)
    const y = F.nllLoss(x, fromJson(c.target, 'int32'), { weight: fromJson(c.weight) })
    expectClose(y, c.out, RT, AT, 'loss')
    expectClose(grads(y, c.gout, [x])[0], c.gx, RT, AT, 'gx')
  })
  for (const red of ['mean', 'sum', 'none'] as const) {
    for (const [name, fn] of [['mse', F.mseLoss], ['l1', F.l1Loss]] as const) {
      it(`${name}Loss ${red}`, () => {
        const c = L[`${name}_${red}`]
        const x = leaf(c.x)
        const y = fn(x, fromJson(c.target), { reduction: red })
        expectClose(y, c.out, RT, AT, 'loss')
        expectClose(grads(y, c.gout, [x])[0], c.gx, RT, AT, 'gx')
      })
    }
  }
  it('binaryCrossEntropyWithLogits with weight and posWeight', () => {
    const c = L.bce_logits
    const x = leaf(c.x)
    const y = F.binaryCrossEntropyWithLogits(x, fromJson(c.target), { weight: fromJson(c.weight), posWeight: fromJson(c.posWeight) })
    expectClose(y, c.out, RT, AT, 'loss')
    expectClose(grads(y, c.gout, [x])[0], c.gx, RT, AT, 'gx')
    const d = L.bce_logits_none
    const x2 = leaf(d.x)
    const y2 = F.binaryCrossEntropyWithLogits(x2, fromJson(d.target), { reduction: 'none' })
    expectClose(y2, d.out, RT, AT, 'loss none')
    expectClose(grads(y2, d.gout, [x2])[0], d.gx, RT, AT, 'gx none')
  })
  it('embedding with paddingIdx: the padding row gets no gradient', () => {
    const c = L.embedding_padding
    const w = leaf(c.weight)
    const y = F.embedding(fromJson(c.ids, 'int32'), w, { paddingIdx: 2 })
    expectClose(y, c.out, RT, AT, 'out')
    expectClose(grads(y, c.gout, [w])[0], c.gw, RT, AT, 'gw')
  })
})

describe('MultiheadAttention with given weights matches PyTorch', () => {
  for (const c of fx.mha) {
    it(c.name, () => {
      const m = new MultiheadAttention(c.embedDim, c.numHeads, { kdim: c.kdim, vdim: c.vdim, bias: c.bias, batchFirst: c.batchFirst, dtype: 'float64' })
      m.loadStateDict(torchStateDict(c.stateDict))
      const q = leaf(c.query)
      const k = c.key === null ? q : leaf(c.key)
      const v = c.value === null ? q : c.value === 'key' ? k : leaf(c.value)
      const [y, w] = m.forward(q, k, v, { attnMask: mask(c.attnMask), keyPaddingMask: mask(c.keyPaddingMask), averageAttnWeights: c.averageAttnWeights })
      expectClose(y, c.out, RT, AT, 'out')
      expectClose(w!, c.weights, RT, AT, 'weights')
      const wrt: [string, Tensor][] = [['gquery', q]]
      if (c.gkey) wrt.push(['gkey', k])
      if (c.gvalue) wrt.push(['gvalue', v])
      if (c.ginProjWeight) wrt.push(['ginProjWeight', m.inProjWeight!])
      if (c.goutProjWeight) wrt.push(['goutProjWeight', m.outProj.weight])
      const g = grads(y, c.gout, wrt.map(([, t]) => t))
      wrt.forEach(([name], i) => expectClose(g[i], c[name], RT, AT, name))
    })
  }
})

describe('Transformer layers with given weights match PyTorch', () => {
  for (const c of fx.transformer) {
    it(`${c.kind} ${c.normFirst ? 'pre-LN' : 'post-LN'} ${c.activation}`, () => {
      const opts = { dimFeedforward: c.dimFeedforward, dropout: 0, activation: c.activation, batchFirst: true, normFirst: c.normFirst, dtype: 'float64' as const }
      const m: Module = c.kind === 'encoder' ? new TransformerEncoderLayer(c.dModel, c.nhead, opts) : new TransformerDecoderLayer(c.dModel, c.nhead, opts)
      m.loadStateDict(torchStateDict(c.stateDict))
      if (c.kind === 'encoder') {
        const src = leaf(c.src)
        const y = (m as TransformerEncoderLayer).forward(src, { srcKeyPaddingMask: mask(c.srcKeyPaddingMask) })
        expectClose(y, c.out, RT, AT, 'out')
        expectClose(grads(y, c.gout, [src])[0], c.gsrc, RT, AT, 'gsrc')
      } else {
        const tgt = leaf(c.tgt), mem = leaf(c.memory)
        const y = (m as TransformerDecoderLayer).forward(tgt, mem, { tgtMask: mask(c.tgtMask), memoryKeyPaddingMask: mask(c.memoryKeyPaddingMask) })
        expectClose(y, c.out, RT, AT, 'out')
        const [gt, gm] = grads(y, c.gout, [tgt, mem])
        expectClose(gt, c.gtgt, RT, AT, 'gtgt')
        expectClose(gm, c.gmemory, RT, AT, 'gmemory')
      }
    })
  }

  it('the state dict keys are PyTorch\'s, camelCased', () => {
    const c = fx.transformer.find((t: { kind: string }) => t.kind === 'decoder')
    const m = new TransformerDecoderLayer(8, 2, { dimFeedforward: 16 })
    expect(Object.keys(m.stateDict())).toEqual(Object.keys(c.stateDict).map(snakeToCamel))
  })
})
