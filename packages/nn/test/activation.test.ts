// The stateless activation modules (modules/activation.ts) and Identity: each is
// its functional op, in a Sequential, with the repr PyTorch would print.
import { Tensor, tensor } from '@adjoint/core'
import { assertClose } from '@adjoint/core/testing'
import { describe, expect, it } from 'vitest'
import { Identity, Sequential, SiLU, Sigmoid, Softmax, Tanh } from '../src/index.js'

const x = tensor([[-2, -0.5, 0], [0.5, 1, 3]], { dtype: 'float64' })
const sig = (v: number) => 1 / (1 + Math.exp(-v))

describe('activation modules', () => {
  it.each([
    ['SiLU', new SiLU(), (v: number) => v * sig(v)],
    ['Tanh', new Tanh(), Math.tanh],
    ['Sigmoid', new Sigmoid(), sig],
    ['Identity', new Identity(), (v: number) => v],
  ] as const)('%s applies its formula elementwise', (_name, m, f) => {
    const y = m.forward(x)
    expect(y.shape).toEqual([2, 3])
    assertClose(y, x.toList().map(f), { rtol: 1e-14, atol: 1e-15 })
  })

  it('Identity returns its input itself (no copy, gradient flows)', () => {
    const t = tensor([1, 2], { requiresGrad: true })
    expect(new Identity().forward(t)).toBe(t)
  })

  it('Softmax normalizes along its dim', () => {
    const rows = new Softmax(1).forward(x)
    for (let r = 0; r < 2; r++) {
      const e = x.toList().slice(3 * r, 3 * r + 3).map(Math.exp)
      const s = e.reduce((a, b) => a + b)
      assertClose(rows.toList().slice(3 * r, 3 * r + 3), e.map((v) => v / s), { rtol: 1e-14, atol: 0 })
    }
    const cols = new Softmax(0).forward(x)
    assertClose(cols.sum(0), [1, 1, 1], { rtol: 1e-14, atol: 0 })
    expect(new Softmax(-1).toString()).toMatch(/Softmax\(dim=-1\)/)
  })

  it('compose in a Sequential and backpropagate', () => {
    const t = x.detach().requiresGrad_(true)
    const y = new Sequential(new Tanh(), new Sigmoid(), new SiLU(), new Identity()).forward(t) as Tensor
    y.sum().backward()
    expect(t.grad!.contiguousData().every((g) => Number.isFinite(g) && g > 0)).toBe(true)
  })
})
