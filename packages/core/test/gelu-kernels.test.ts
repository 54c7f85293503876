// GELU's backend kernels (gelu, geluBackward) against the composed Tensor-op
// rule and the float64 formulas, and the op's two backward paths.
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { Generator, Tensor, autogradGrad, referenceBackend, registerKernels, resetKernels } from '../src/index.js'
import { assertClose } from '../src/testing/index.js'
import { geluComposed, geluTanhComposed } from '../src/ops/elementwise.js'

const gen = new Generator(11)
const n = 2000
// normal values times 3, plus the table's edges and beyond
const xs = [...Array.from({ length: n }, () => gen.normal() * 3), -6, 6, -5.99, 5.99, -7, 7, 0, -20, 20]

/** Every element within atol of the reference (NaN never passes). */
function expectWithin(a: ArrayLike<number>, b: ArrayLike<number>, atol: number): void {
  assertClose(a, b, { rtol: 0, atol })
}

describe('geluBackward kernel vs the composed rule', () => {
  for (const approximate of [false, true]) {
    for (const dtype of ['float64', 'float32'] as const) {
      it(`${approximate ? 'tanh' : 'exact'}, ${dtype}`, () => {
        const x = Tensor.fromArray(Float64Array.from(xs), [xs.length], 'float64')
        const g = Tensor.fromArray(Float64Array.from(xs, () => gen.normal()), [xs.length], 'float64')
        const expected = (approximate ? geluTanhComposed : geluComposed)(g, x).contiguousData()
        const xd = x.to(dtype), gd = g.to(dtype)
        const gx = Tensor.empty(x.shape, dtype)
        referenceBackend().geluBackward(xd.contiguousData() as Float64Array, gd.contiguousData() as Float64Array, gx.storage.data as Float64Array, xs.length, approximate)
        // float32: the inputs rounded to float32 on both sides
        const ref = dtype === 'float64' ? expected : (approximate ? geluTanhComposed : geluComposed)(gd.double(), xd.double()).contiguousData()
        expectWithin(gx.contiguousData(), ref, dtype === 'float64' ? 1e-14 : 1e-6)
      })
    }
  }
})

// PyTorch 1.13's float64 GELU and derivative (fixtures/generate_gelu_fixtures.py):
// a reference independent of adjoint's formulas.
const torchGelu = JSON.parse(readFileSync(new URL('./fixtures/torch-gelu.json', import.meta.url), 'utf8')) as { x: number[], none: { y: number[], dydx: number[] }, tanh: { y: number[], dydx: number[] } }

describe('gelu kernels against PyTorch', () => {
  for (const approximate of [false, true]) {
    const want = torchGelu[approximate ? 'tanh' : 'none']
    const n = torchGelu.x.length
    it(`${approximate ? 'tanh' : 'exact'}: float64 forward and backward`, () => {
      // (1e-14 absolute: PyTorch's tanh saturates to exactly -1 sooner; x Phi(x) cancels for x < -4)
      const x = Float64Array.from(torchGelu.x), y = new Float64Array(n), gx = new Float64Array(n)
      referenceBackend().gelu(x, y, n, approximate)
      referenceBackend().geluBackward(x, new Float64Array(n).fill(1), gx, n, approximate)
      assertClose(y, want.y, { rtol: 1e-12, atol: 1e-14, what: 'gelu' })
      assertClose(gx, want.dydx, { rtol: 1e-12, atol: 1e-14, what: 'geluBackward' })
    })
    it(`${approximate ? 'tanh' : 'exact'}: float32 forward and backward`, () => {
      // PyTorch's values at the float32-rounded inputs are not in the fixture: stay on exact float32 inputs
      const exact = torchGelu.x.map((v, i) => [v, i] as const).filter(([v]) => Math.fround(v) === v)
      const x = Float32Array.from(exact, ([v]) => v), y = new Float32Array(x.length), gx = new Float32Array(x.length)
      referenceBackend().gelu(x, y, x.length, approximate)
      referenceBackend().geluBackward(x, new Float32Array(x.length).fill(1), gx, x.length, approximate)
      assertClose(y, exact.map(([, i]) => want.y[i]), { rtol: 1e-6, atol: 1e-6, what: 'gelu float32' })
      assertClose(gx, exact.map(([, i]) => want.dydx[i]), { rtol: 1e-6, atol: 1e-6, what: 'geluBackward float32' })
    })
  }
})

describe('gelu kernel', () => {
  for (const approximate of [false, true]) {
    it(`${approximate ? 'tanh' : 'exact'}: float32 (table) within 1e-6 of float64`, () => {
      const x64 = Float64Array.from(xs, (v) => Math.fround(v))
      const y64 = new Float64Array(xs.length), y32 = new Float32Array(xs.length)
      referenceBackend().gelu(x64, y64, xs.length, approximate)
      referenceBackend().gelu(Float32Array.from(x64), y32, xs.length, approximate)
      expectWithin(y32, y64, 1e-6)
    })
    it(`${approximate ? 'tanh' : 'exact'}: NaN stays NaN, +-inf give inf and 0 (float32)`, () => {
      const y = new Float32Array(3)
      referenceBackend().gelu(Float32Array.of(NaN, Infinity, -Infinity), y, 3, approximate)
      expect(Number.isNaN(y[0])).toBe(true)
      expect(y[1]).toBe(Infinity)
      expect(y[2]).toBe(0)
    })
  }
})

describe('gelu op backward paths', () => {
  for (const approximate of ['none', 'tanh'] as const) {
    it(`${approximate}: first order (kernel) equals create-graph (composed)`, () => {
      const x = Tensor.fromArray(Float64Array.from(xs.slice(0, 200)), [10, 20], 'float64').requiresGrad_()
      const g = Tensor.fromArray(Float64Array.from({ length: 200 }, () => gen.normal()), [10, 20], 'float64')
      let calls = 0
      registerKernels('test', { geluBackward: (...a) => { calls++; referenceBackend().geluBackward(...a) } })
      try {
        const [k] = autogradGrad(x.gelu({ approximate }), x, g)
        expect(calls).toBe(1)
        const [c] = autogradGrad(x.gelu({ approximate }), x, g, { createGraph: true })
        expect(calls).toBe(1)
        expect(c!.requiresGrad).toBe(true)
        expectWithin(k!.contiguousData(), c!.contiguousData(), 1e-14)
      } finally {
        resetKernels(['geluBackward'])
      }
    })
  }
})
