import { Tensor, linear, manualSeed, randn } from '@adjoint/core'
import { assertClose } from '@adjoint/core/testing'
import { afterEach, describe, expect, it } from 'vitest'
import { GPT, fusedCausalAttention, useFusedKernels } from '../../src/index.js'

function close(a: Tensor, b: Tensor, tol: number) {
  assertClose(a.contiguousData(), b.contiguousData(), { rtol: tol, atol: tol })
}

afterEach(() => { useFusedKernels(true) })

describe('linear (the core op behind every GPT projection)', () => {
  for (const withBias of [true, false]) {
    it(`matches x W^T${withBias ? ' + b' : ''} and its gradients`, () => {
      manualSeed(2)
      const x = randn([3, 5, 7], { requiresGrad: true }), w = randn([4, 7], { requiresGrad: true }), b = withBias ? randn([4], { requiresGrad: true }) : null
      const g = randn([3, 5, 4])
      linear(x, w, b).backward(g)
      const [x2, w2, b2] = [x, w, b].map((t) => (t ? t.detach().double().requiresGrad_() : null))
      const y2 = x2!.matmul(w2!.t())
      ;(b2 ? y2.add(b2) : y2).backward(g.double())
      close(x.grad!, x2!.grad!, 1e-5)
      close(w.grad!, w2!.grad!, 1e-5)
      if (b) close(b.grad!, b2!.grad!, 1e-5)
    })
  }
})

describe('fused causal attention', () => {
  it('matches the composed attention (values and gradients)', () => {
    manualSeed(1)
    const [B, T, H, E] = [3, 7, 2, 8]
    const qkv = randn([B, T, 3 * E], { requiresGrad: true })
    const g = randn([B, T, E])
    const y = fusedCausalAttention(qkv, H)
    y.backward(g)
    // reference: heads, causal mask, softmax, in float64
    const q64 = qkv.detach().double().requiresGrad_()
    const heads = (t: Tensor) => t.reshape([B, T, H, E / H]).transpose(1, 2)
    const [q, k, v] = [0, 1, 2].map((i) => heads(q64.narrow(2, i * E, E)))
    const mask = Tensor.fromArray(Uint8Array.from({ length: T * T }, (_, i) => (i % T > Math.floor(i / T) ? 1 : 0)), [T, T], 'bool')
    const att = q.matmul(k.transpose(-2, -1)).mul(1 / Math.sqrt(E / H)).maskedFill(mask, -Infinity).softmax(-1)
    const y2 = att.matmul(v).transpose(1, 2).reshape([B, T, E])
    y2.backward(g.double())
    close(y, y2, 1e-5)
    close(qkv.grad!, q64.grad!, 1e-5)
  })

  it('a GPT gives the same loss and gradients with and without the fused kernels', () => {
    const cfg = { vocabSize: 20, blockSize: 8, nLayer: 2, nHead: 2, nEmbd: 16 }
    const x = Tensor.fromArray(Int32Array.from({ length: 16 }, (_, i) => (i * 7) % 20), [2, 8], 'int32')
    const y = Tensor.fromArray(Int32Array.from({ length: 16 }, (_, i) => (i * 3) % 20), [2, 8], 'int32')
    const run = (fusedOn: boolean) => {
      useFusedKernels(fusedOn)
      manualSeed(5)
      const m = new GPT(cfg)
      const { loss } = m.forward(x, y)
      loss!.backward()
      return { loss: loss!.item(), grads: m.parameters().map((p) => p.grad!) }
    }
    const a = run(true), b = run(false)
    expect(a.loss).toBeCloseTo(b.loss, 5)
    a.grads.forEach((g, i) => close(g, b.grads[i], 1e-4))
  })
})
