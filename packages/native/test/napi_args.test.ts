// Argument checking of every addon function (src/cc/napi_args.cc, bind_*.cc),
// fuzzed with fast-check: wrong types, short arrays, negative/huge/fractional
// sizes and strides, overlapping outputs. A call either computes or throws a
// TypeError/RangeError naming the function — never crashes, never writes
// outside its arrays, and a call that throws has changed nothing.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { flatGemm, native } from './helpers.js'

const GUARD = 8
const SENT = -12345.5

/** A typed array living inside a larger buffer whose guard cells must never change. */
function guarded<T extends Float32Array | Float64Array | Int32Array>(Ctor: { new (n: number): T }, n: number, fillFn: (i: number) => number): { view: T, backing: T } {
  const backing = new Ctor(n + 2 * GUARD)
  backing.fill(SENT)
  const view = backing.subarray(GUARD, GUARD + n) as T
  for (let i = 0; i < n; i++) view[i] = fillFn(i)
  return { view, backing }
}

type Junk = { kind: 'value', v: unknown } | { kind: 'array', ctor: 'f32' | 'f64' | 'i32', n: number }
const ctors = { f32: Float32Array, f64: Float64Array, i32: Int32Array }

const junkArray: fc.Arbitrary<Junk> = fc.oneof(
  fc.record({ kind: fc.constant('array' as const), ctor: fc.constantFrom('f32' as const, 'f64' as const, 'i32' as const), n: fc.integer({ min: 0, max: 40 }) }),
  fc.record({ kind: fc.constant('value' as const), v: fc.constantFrom<unknown>(null, undefined, 3, 'x', {}, [], [1, 2], new ArrayBuffer(8), new DataView(new ArrayBuffer(8)), new Uint8Array(8), 1n, Symbol('s'), () => 1) }),
)
/** A packed layout (an ArrayBuffer of float64 [ndim, offset, ...shape, ...strides]): small sizes and strides of either sign, sometimes a wrong length, ndim or a fraction; or a junk value. */
const junkLayout: fc.Arbitrary<Junk> = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 0, max: 4 }).chain((nd) => fc.tuple(
    fc.integer({ min: 0, max: 30 }), fc.array(fc.integer({ min: 0, max: 5 }), { minLength: nd, maxLength: nd }), fc.array(fc.integer({ min: -8, max: 8 }), { minLength: nd, maxLength: nd }),
    fc.constantFrom(0, 0, 0, 0, -1, 1), fc.constantFrom<number | null>(null, null, null, null, null, 9, 0.5, -1, 2 ** 60),
  ).map(([offset, shape, strides, extra, bad]) => {
    const v = [nd, offset, ...shape, ...strides]
    if (bad !== null) v[Math.min(v.length - 1, 1 + (Math.abs(offset) % v.length))] = bad
    const packed = extra < 0 ? v.slice(0, -1) : extra > 0 ? [...v, 0] : v
    return { kind: 'value' as const, v: new Float64Array(packed).buffer }
  })) },
  { weight: 1, arbitrary: fc.constantFrom<unknown>(null, undefined, 3, new Float64Array([2, 0, 1, 1, 1, 1]), new ArrayBuffer(3), new ArrayBuffer(0), new SharedArrayBuffer(48), {}).map((v) => ({ kind: 'value' as const, v })) },
)
const junkNumber: fc.Arbitrary<Junk> = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: -3, max: 40 }).map((v) => ({ kind: 'value' as const, v })) },
  { weight: 3, arbitrary: fc.constantFrom<unknown>(-1, 2 ** 31, 2 ** 31 - 1, -(2 ** 31), 2 ** 53, 2 ** 60, -(2 ** 60), 1e300, NaN, Infinity, -Infinity, 1.5, -0, 0.1).map((v) => ({ kind: 'value' as const, v })) },
  { weight: 1, arbitrary: fc.constantFrom<unknown>('3', null, undefined, 3n, {}, [3], true).map((v) => ({ kind: 'value' as const, v })) },
)

function materialize(specs: Junk[]): { args: unknown[], guards: { view: ArrayLike<number>, backing: Float32Array | Float64Array | Int32Array, before: number[] }[] } {
  const guards: { view: ArrayLike<number>, backing: Float32Array | Float64Array | Int32Array, before: number[] }[] = []
  const args = specs.map((s) => {
    if (s.kind === 'value') return s.v
    const g = guarded(ctors[s.ctor] as unknown as { new (n: number): Float32Array }, s.n, (i) => (i % 7) - 3)
    guards.push({ view: g.view, backing: g.backing, before: [...g.backing] })
    return g.view
  })
  return { args, guards }
}

/** Calls fn(...args): it must return or throw TypeError/RangeError naming `name`; on a throw nothing may change; guards never change. */
function checkCall(name: string, fn: (...a: unknown[]) => unknown, specs: Junk[]): void {
  const { args, guards } = materialize(specs)
  let threw: unknown = null
  try {
    fn(...args)
  } catch (e) {
    threw = e
  }
  for (const g of guards) {
    for (let i = 0; i < GUARD; i++) {
      expect(Object.is(g.backing[i], g.before[i]), `${name}: wrote before its array`).toBe(true)
      expect(Object.is(g.backing[g.backing.length - 1 - i], g.before[g.backing.length - 1 - i]), `${name}: wrote past its array`).toBe(true)
    }
    if (threw) expect([...g.backing].every((v, i) => Object.is(v, g.before[i])), `${name}: threw after writing`).toBe(true)
  }
  if (threw) {
    expect(threw instanceof TypeError || threw instanceof RangeError, `${name}: threw ${String(threw)}`).toBe(true)
    expect((threw as Error).message.startsWith(`${name}: `), `message "${(threw as Error).message}" names ${name}`).toBe(true)
  }
}

const A = junkArray, N = junkNumber, L = junkLayout
const signatures: [string, fc.Arbitrary<Junk>[]][] = [
  ['gemm', [A, L, A, L, A, L, N, N]],
  ['softmax', [A, A, N, N]],
  ['logSoftmax', [A, A, N, N]],
  ['softmaxBackward', [A, A, A, N, N]],
  ['logSoftmaxBackward', [A, A, A, N, N]],
  ['layerNorm', [A, A, A, A, A, A, N, N, N]],
  ['layerNormBackward', [A, A, A, A, A, A, A, A, N, N]],
  ['crossEntropy', [A, A, A, A, N, N, N, N]],
  ['crossEntropyBackward', [A, A, A, A, A, N, N, N, N]],
  ['gelu', [A, A, N, N]],
  ['geluBackward', [A, A, A, N, N]],
  ['indexSelect', [A, A, N, N, N, A]],
  ['indexAdd', [A, A, N, N, N, A]],
  ['setNumThreads', [N]],
  ['setIsa', [A]],
  ['setGemmImpl', [A]],
]

describe.skipIf(!native)('argument fuzzing', () => {
  it.each(signatures)('%s: junk arguments only ever throw TypeError/RangeError, never write out of bounds', (name, sig) => {
    expect.hasAssertions()
    const fn = (native as unknown as Record<string, (...a: unknown[]) => unknown>)[name]!
    const before = native!.info()
    fc.assert(fc.property(fc.tuple(...sig), fc.integer({ min: -2, max: 2 }), (specs, drop) => {
      // also wrong argument counts
      const s = drop < 0 ? specs.slice(0, specs.length + drop) : drop > 1 ? [...specs, { kind: 'value', v: 1 } as Junk] : specs
      checkCall(name, fn, s)
    }), { numRuns: 400, seed: 42 })
    native!.setNumThreads(before.threads)
    native!.setIsa(before.isa)
    native!.setGemmImpl('auto')
  }, 60_000)
})

// --- gemm: the checks accept exactly the valid calls --------------------------

interface GemmSpec {
  batch: number; m: number; n: number; k: number
  la: number; lb: number; lc: number
  offs: [number, number, number]
  strides: [number, number, number, number, number, number, number, number]
  beta: number
  cIsA: boolean
}

const gemmSpec: fc.Arbitrary<GemmSpec> = fc.record({
  batch: fc.integer({ min: 0, max: 3 }), m: fc.integer({ min: 0, max: 5 }), n: fc.integer({ min: 0, max: 5 }), k: fc.integer({ min: 0, max: 5 }),
  la: fc.integer({ min: 0, max: 70 }), lb: fc.integer({ min: 0, max: 70 }), lc: fc.integer({ min: 0, max: 70 }),
  offs: fc.tuple(fc.integer({ min: 0, max: 20 }), fc.integer({ min: 0, max: 20 }), fc.integer({ min: 0, max: 20 })),
  strides: fc.tuple(...Array.from({ length: 8 }, () => fc.integer({ min: -4, max: 14 }))) as fc.Arbitrary<GemmSpec['strides']>,
  beta: fc.constantFrom(0, 1, 0, 1, 0.5),
  cIsA: fc.boolean(),
})

function span(off: number, dims: [number, number][]): [number, number] | null {
  let lo = off, hi = off
  for (const [e, s] of dims) {
    if (e <= 0) return null
    const r = (e - 1) * s
    if (r < 0) lo += r; else hi += r
  }
  return [lo, hi]
}

describe('gemm argument checks', () => {
  it.runIf(native)('accept exactly the calls whose every access is inside the arrays, and then compute the right numbers', () => {
    let valid = 0, invalid = 0
    fc.assert(fc.property(gemmSpec, (g) => {
      const [aBS, aRS, aCS, bBS, bRS, bCS, cBS, cRS] = g.strides
      const [aOff, bOff, cOff] = g.offs
      const a = new Float32Array(g.la).map((_, i) => ((i * 7) % 11) - 5)
      const b = new Float32Array(g.lb).map((_, i) => ((i * 5) % 13) - 6)
      const c = g.cIsA ? a : new Float32Array(g.lc).fill(SENT)
      const any = g.batch > 0 && g.m > 0 && g.n > 0
      const touchAB = any && g.k > 0
      const sa = touchAB ? span(aOff, [[g.batch, aBS], [g.m, aRS], [g.k, aCS]]) : null
      const sb = touchAB ? span(bOff, [[g.batch, bBS], [g.k, bRS], [g.n, bCS]]) : null
      const sc = any ? span(cOff, [[g.batch, cBS], [g.m, cRS], [g.n, 1]]) : null
      const inside = (s: [number, number] | null, len: number) => s === null || (s[0] >= 0 && s[1] < len)
      let ok = g.beta === 0 || g.beta === 1
      if (any && g.m > 1 && Math.abs(cRS) < g.n) ok = false
      if (any && g.batch > 1 && Math.abs(cBS) < (g.m - 1) * Math.abs(cRS) + g.n) ok = false
      if (!inside(sa, a.length) || !inside(sb, b.length) || !inside(sc, c.length)) ok = false
      if (g.cIsA && sa && sc && !(sc[1] < sa[0] || sa[1] < sc[0])) ok = false
      const before = c.slice()
      const call = () => flatGemm(native!, a, aOff, aBS, aRS, aCS, b, bOff, bBS, bRS, bCS, c, cOff, cBS, cRS, g.batch, g.m, g.n, g.k, 2, g.beta)
      if (!ok) {
        invalid++
        expect(call).toThrow(RangeError)
        expect([...c]).toEqual([...before])
        return
      }
      valid++
      call()
      // every C element: exact (small integers), everything else unchanged
      const touched = new Set<number>()
      for (let bi = 0; bi < g.batch; bi++) for (let i = 0; i < g.m; i++) for (let j = 0; j < g.n; j++) {
        let s = 0
        for (let p = 0; p < g.k; p++) s += a[aOff + bi * aBS + i * aRS + p * aCS]! * b[bOff + bi * bBS + p * bRS + j * bCS]!
        const idx = cOff + bi * cBS + i * cRS + j
        touched.add(idx)
        expect(c[idx]).toBe(2 * s + (g.beta === 1 ? before[idx]! : 0))
      }
      for (let i = 0; i < c.length; i++) if (!touched.has(i)) expect(Object.is(c[i], before[i])).toBe(true)
    }), { numRuns: 3000, seed: 7 })
    expect(valid).toBeGreaterThan(100)
    expect(invalid).toBeGreaterThan(100)
  })

  it.runIf(native)('messages name the function, the argument, what it got and what it expected', () => {
    const a = new Float32Array(6), c = new Float32Array(4)
    expect(() => flatGemm(native!, a, 0, 0, 3, 1, new Float32Array(5), 0, 0, 2, 1, c, 0, 0, 2, 1, 2, 2, 3, 1, 0)).toThrow(/^gemm: b \(Float32Array of length 5\) is too short for shape \[1, 3, 2\], strides \[0, 2, 1\], offset 0: that reaches index 5$/)
    expect(() => flatGemm(native!, a, 0, 0, 3, 1, a, 0, 0, 2, 1, new Float64Array(4), 0, 0, 2, 1, 2, 2, 3, 1, 0)).toThrow(/^gemm: c must be a Float32Array like a, got Float64Array$/)
    expect(() => flatGemm(native!, a, 0, 0, 3, 1, a, 0, 0, 2, 1, c, 0, 0, 2, 1, -2, 2, 3, 1, 0)).toThrow(/^gemm: aLayout.shape\[1\] must be an integer in \[0, 2\^53\)$/)
    expect(() => flatGemm(native!, a, 0, 0, 3, 1, a, 0, 0, 2, 1, c, 0, 0, 2, 1, 2, 2, 3, 1, 0.5)).toThrow(/^gemm: beta must be 0 or 1/)
    expect(() => flatGemm(native!, a, 0, 0, 3, 1, a, 0, 0, 2, 1, 'c' as never, 0, 0, 2, 1, 2, 2, 3, 1, 0)).toThrow(TypeError)
    expect(() => flatGemm(native!, a, 0, 0, 3, 1, a, 0, 0, 2, 1, c, 0, 0, 1, 1, 2, 2, 3, 1, 0)).toThrow(/^gemm: rows of c overlap/)
    expect(() => flatGemm(native!, a, 0, 0, 3, 1, a, 0, 0, 2, 1, a, 0, 0, 2, 1, 1, 1, 1, 1, 0)).toThrow(/^gemm: output c overlaps input a/)
    const x = new Float32Array(6)
    expect(() => native!.softmax(x, x.subarray(1), 2, 3)).toThrow(/^softmax: out \(Float32Array of length 5\) is too short for rows=2, cols=3/)
    expect(() => native!.softmax(x.subarray(0, 3), x.subarray(1, 4), 1, 3)).toThrow(/^softmax: output out overlaps input x in memory \(only exactly the same elements/)
    expect(() => native!.crossEntropy(x, new Int32Array([0, 5]), new Float32Array(2), new Float32Array(2), 2, 3, -100, 0)).toThrow(/^crossEntropy: target 5 at row 1 is out of range for 3 classes/)
    expect(() => native!.setIsa('sse9')).toThrow(/^setIsa: isa "sse9" is not available/)
  })
})
