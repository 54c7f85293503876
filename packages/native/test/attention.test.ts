// The addon's attention kernels (src/cc/attention.cc, kernels_attention.inl,
// bind_attention.cc, forwarded by src/kernels.ts) against core's TS
// reference kernels, on every kernel set this CPU runs: random shapes (vector
// tails), strided and broadcast q/k/v, interleaved heads, float masks with
// -inf, causal with any queryOffset (rows that see nothing give NaN, as the
// reference does), accumulation into the gradient of one packed projection;
// threaded runs equal single-threaded ones bit for bit; float64 gradcheck of
// scaledDotProductAttention running on these kernels.
import { Generator, Layout, backendInfo, gradcheck, randn, referenceBackend, scaledDotProductAttention, type AttentionInputs, type Backend, type Tensor } from '@adjoint/core'
import { compareClose } from '@adjoint/core/testing'
import fc from 'fast-check'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { forwarder } from '../src/forward.js'
import { packLayout, type PackedLayout } from '../src/layout-pack.js'
import { nativeKernels } from '../src/kernels.js'
import { restoreIsaAndThreadsAfterAll, type FloatArray, type FloatCtor, builtIsas, skipTestsUnlessCpuRuns, native, rng, withPoolWorkers, withTuning } from './helpers.js'

const ref = referenceBackend()
const original = restoreIsaAndThreadsAfterAll()

type Kind = 'bhrc' | 'brhc' | 'col' | 'strided' | 'bcast'
const KINDS: Kind[] = ['bhrc', 'brhc', 'col', 'strided', 'bcast']

/** An attention kernel's operand: an array and its 4-D Layout [batch, head, row, col]. */
interface Operand { data: FloatArray; layout: Layout }

/** A [B, H, rows, cols] operand laid out as `kind` inside a padded array of random values. */
function operand4(Ctor: FloatCtor, r: () => number, B: number, H: number, rows: number, cols: number, kind: Kind): Operand {
  const n = rows * cols
  const strides = {
    bhrc: [H * n, n, cols, 1], // contiguous
    brhc: [rows * H * cols, cols, H * cols, 1], // heads interleaved in rows (split from one projection)
    col: [H * n, n, 1, rows], // transposed
    strided: [2 * H * n, 2 * n, 2 * cols, 2],
    bcast: [0, n, cols, 1], // one batch broadcast
  }[kind]
  const offset = Math.floor(r() * 4)
  let reach = 0
  ;[B, H, rows, cols].forEach((d, i) => { reach += (d - 1) * strides[i] })
  const data = new Ctor(offset + reach + 1 + Math.floor(r() * 3))
  for (let i = 0; i < data.length; i++) data[i] = r() * 2 - 1
  return { data, layout: new Layout([B, H, rows, cols], strides, offset) }
}

const copyOf = (o: Operand): Operand => ({ ...o, data: o.data.slice() })
/** A contiguous [B, H, rows, cols] operand of zeros. */
const dense = (Ctor: FloatCtor, B: number, H: number, rows: number, cols: number): Operand => ({ data: new Ctor(B * H * rows * cols), layout: Layout.contiguous([B, H, rows, cols]) })
type AttentionArgs = Parameters<Backend['attention']>[0]
type AttentionBackwardArgs = Parameters<Backend['attentionBackward']>[0]
/** The operand fields `name` and `nameLayout` of a kernel call (null ones for an absent operand). */
function fields<N extends string>(name: N, o: Operand | null): Record<N, FloatArray | null> & Record<`${N}Layout`, Layout | null> {
  return { [name]: o && o.data, [`${name}Layout`]: o && o.layout } as Record<N, FloatArray | null> & Record<`${N}Layout`, Layout | null>
}

interface Case {
  B: number; H: number; L: number; S: number; E: number; Ev: number
  lq: Kind; lk: Kind; lv: Kind; outInterleaved: boolean
  mask: 'none' | 'full' | 'shared' | 'blocked'
  causal: boolean; qoff: number; scale: number | null; seed: number
}

const caseArb: fc.Arbitrary<Case> = fc.record({
  B: fc.integer({ min: 1, max: 3 }), H: fc.integer({ min: 1, max: 3 }),
  L: fc.integer({ min: 1, max: 9 }), S: fc.integer({ min: 1, max: 11 }),
  E: fc.integer({ min: 1, max: 19 }), Ev: fc.integer({ min: 1, max: 19 }),
  lq: fc.constantFrom(...KINDS), lk: fc.constantFrom(...KINDS), lv: fc.constantFrom(...KINDS), outInterleaved: fc.boolean(),
  mask: fc.constantFrom('none' as const, 'full' as const, 'shared' as const, 'blocked' as const),
  causal: fc.boolean(), qoff: fc.integer({ min: -2, max: 8 }), scale: fc.option(fc.double({ min: -2, max: 2, noNaN: true })), seed: fc.integer(),
})

/** Arrays of a call: inputs, and outputs filled with NaN (a kernel must overwrite them) or, accumulating, with values. */
function build(Ctor: FloatCtor, c: Case) {
  const r = rng(c.seed)
  const { B, H, L, S, E, Ev } = c
  const q = operand4(Ctor, r, B, H, L, E, c.lq), k = operand4(Ctor, r, B, H, S, E, c.lk), v = operand4(Ctor, r, B, H, S, Ev, c.lv)
  let mask: Operand | null = null
  if (c.mask !== 'none') {
    mask = operand4(Ctor, r, c.mask === 'shared' ? 1 : B, c.mask === 'shared' ? 1 : H, L, S, 'bhrc')
    if (c.mask === 'shared') mask.layout = mask.layout.expand([B, H, L, S])
    if (c.mask === 'blocked') for (let i = 0; i < mask.data.length; i++) if (r() < 0.3) mask.data[i] = -Infinity
  }
  const fresh = (rows: number, cols: number, fill: () => number): Operand => {
    const o = operand4(Ctor, r, B, H, rows, cols, c.outInterleaved ? 'brhc' : 'bhrc')
    o.data.fill(NaN)
    const [s0, s1, s2] = o.layout.strides, off = o.layout.offset
    for (let b = 0; b < B; b++) for (let h = 0; h < H; h++) for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) o.data[off + b * s0 + h * s1 + i * s2 + j] = fill()
    return o
  }
  const gOut = operand4(Ctor, r, B, H, L, Ev, c.lq === 'bcast' ? 'bhrc' : c.lq)
  const inputs = { ...fields('q', q), ...fields('k', k), ...fields('v', v), scale: c.scale ?? 1 / Math.sqrt(E), causal: c.causal, queryOffset: c.qoff, probs: new Ctor(B * H * L * S).fill(NaN) } as AttentionInputs
  return { inputs, mask, gOut, fresh, r }
}

/** attentionBackward's argument: the forward's inputs, gOut, gScores and the gradients [gq, gk, gv] (null: not wanted). */
function backwardArgs(inputs: AttentionInputs, gOut: Operand, gScores: FloatArray, [gq, gk, gv]: (Operand | null)[], accumulate: boolean): AttentionBackwardArgs {
  return { ...inputs, ...fields('gOut', gOut), gScores, ...fields('gq', gq), ...fields('gk', gk), ...fields('gv', gv), accumulate } as AttentionBackwardArgs
}

const tolOf = (Ctor: FloatCtor) => (Ctor === Float32Array ? { atol: 2e-5, rtol: 2e-4 } : { atol: 1e-12, rtol: 1e-10 })
/** The addon's kernels for every call (no size rule), through the forwarders kernels.ts uses. */
const kernels: Pick<Backend, 'attention' | 'attentionBackward'> | null = native
  ? {
      attention: forwarder('attention', native.attention, native.kernelSpecs().attention!, referenceBackend, null),
      attentionBackward: forwarder('attentionBackward', native.attentionBackward, native.kernelSpecs().attentionBackward!, referenceBackend, null),
    }
  : null

/** '' or the first difference (NaN must match NaN). */
function differs(got: ArrayLike<number>, want: ArrayLike<number>, Ctor: FloatCtor): string {
  return compareClose(got, want, tolOf(Ctor)).message
}

/** Runs forward and backward (overwriting, then accumulating) on the addon and the reference; '' if they agree. */
function checkCase(Ctor: FloatCtor, c: Case, impl: Pick<Backend, 'attention' | 'attentionBackward'> = kernels!): string {
  const { inputs, mask, gOut, fresh, r } = build(Ctor, c)
  const { L, S, E, Ev } = c
  const out = fresh(L, Ev, () => NaN)
  const mine = { ...inputs, probs: inputs.probs.slice() }, outMine = copyOf(out)
  ref.attention({ ...inputs, ...fields('mask', mask), ...fields('out', out) } as AttentionArgs)
  impl.attention({ ...mine, ...fields('mask', mask), ...fields('out', outMine) } as AttentionArgs)
  const what = JSON.stringify(c)
  let d = differs(mine.probs, inputs.probs, Ctor) || differs(outMine.data, out.data, Ctor)
  if (d) return `forward ${what}: ${d}`
  for (const accumulate of [false, true]) {
    const fill = accumulate ? () => Math.round(r() * 8) / 4 : () => NaN
    const gq = fresh(L, E, fill), gk = fresh(S, E, fill), gv = fresh(S, Ev, fill)
    const [gq0, gk0, gv0] = [gq, gk, gv].map(copyOf)
    const gScores = new Ctor(inputs.probs.length).fill(NaN), gsMine = gScores.slice()
    const [gqMine, gkMine, gvMine] = [gq, gk, gv].map(copyOf)
    ref.attentionBackward(backwardArgs(inputs, gOut, gScores, [gq, gk, gv], accumulate))
    impl.attentionBackward(backwardArgs(inputs, gOut, gsMine, [gqMine, gkMine, gvMine], accumulate))
    d = differs(gsMine, gScores, Ctor) || differs(gqMine.data, gq.data, Ctor) || differs(gkMine.data, gk.data, Ctor) || differs(gvMine.data, gv.data, Ctor)
    if (d) return `backward (accumulate ${accumulate}) ${what}: ${d}`
    // without gScores (dS not wanted, kept in scratch): the same gradients, bit for bit, on both kernels
    for (const [who, k, want] of [['addon', impl, [gqMine, gkMine, gvMine]], ['reference', ref, [gq, gk, gv]]] as const) {
      const fresh3 = [gq0, gk0, gv0].map(copyOf)
      k.attentionBackward({ ...backwardArgs(inputs, gOut, gScores, fresh3, accumulate), gScores: null } as unknown as AttentionBackwardArgs)
      const i = fresh3.findIndex((o, j) => Buffer.compare(Buffer.from(o.data.buffer), Buffer.from(want[j].data.buffer)) !== 0)
      if (i >= 0) return `backward without gScores (${who}, accumulate ${accumulate}) ${what}: gradient ${'qkv'[i]} differs`
    }
  }
  return ''
}

const dtypes: FloatCtor[] = [Float32Array, Float64Array]

describe.each(builtIsas)('attention kernels on isa %s', (isa) => {
  skipTestsUnlessCpuRuns(isa)
  afterEach(() => { native?.setIsa(original!.isa) })
  describe.each(dtypes)('%o', (Ctor) => {
    it.runIf(native)('match the reference over random shapes, strides, masks, causal and queryOffset', () => {
      native!.setIsa(isa)
      fc.assert(fc.property(caseArb, (c) => {
        const d = checkCase(Ctor, c)
        if (d) throw new Error(d)
      }), { seed: 11, numRuns: 150 })
    })

    it.runIf(native)('GPT-sized heads (T 64, head dim 32, causal; the vector loops without tails)', () => {
      native!.setIsa(isa)
      for (const causal of [false, true]) {
        const c: Case = { B: 2, H: 2, L: 64, S: 64, E: 32, Ev: 32, lq: 'brhc', lk: 'brhc', lv: 'brhc', outInterleaved: true, mask: 'none', causal, qoff: 0, scale: null, seed: 5 }
        expect(checkCase(Ctor, c)).toBe('')
        // decoding: 3 new queries against a 61-key cache
        expect(checkCase(Ctor, { ...c, L: 3, qoff: 61, lq: 'bhrc' })).toBe('')
      }
    })

    it.runIf(native)('sizes past whole transpose tiles (k^T and v^T packed in register tiles of one vector a row, L x L lanes, then their edges)', () => {
      native!.setIsa(isa)
      for (const [L, S, E, Ev] of [[20, 37, 35, 19], [16, 48, 16, 33], [5, 17, 8, 24]]) {
        for (const lk of ['brhc', 'col'] as const) {
          const c: Case = { B: 2, H: 2, L, S, E, Ev, lq: 'brhc', lk, lv: lk, outInterleaved: true, mask: 'none', causal: true, qoff: S - L, scale: null, seed: L + S }
          expect(checkCase(Ctor, c)).toBe('')
        }
      }
    })
  })
})

describe.skipIf(!native)('attention kernels on the thread pool', () => {
  afterEach(() => { native!.setNumThreads(original!.threads) })

  /** out, probs, gScores and the gradients of one call on `threads` threads (tuned so that tiny work is split). */
  function run(threads: number, c: Case, share: 'separate' | 'packed' | 'same' | 'overlapping') {
    native!.setNumThreads(threads)
    return withTuning({ minFlopsPerThread: 1 }, () => {
      const { inputs, mask, gOut, fresh } = build(Float32Array, c)
      const out = fresh(c.L, c.Ev, () => NaN)
      kernels!.attention({ ...inputs, ...fields('mask', mask), ...fields('out', out) } as AttentionArgs)
      const gScores = new Float32Array(inputs.probs.length)
      let grads: Operand[]
      if (share === 'separate') grads = [fresh(c.L, c.E, () => 0), fresh(c.S, c.E, () => 0), fresh(c.S, c.Ev, () => 0)]
      else {
        // one [B, T, 3 H D] gradient: q, k, v at column offsets 0, HD, 2HD ('packed'), all at 0 ('same'),
        // or at 0, D/2, D: overlapping across heads, which must run serially ('overlapping')
        const { B, H, L, E } = c, row = 3 * H * E
        const data = new Float32Array(B * L * row)
        const at = (off: number): Operand => ({ data, layout: new Layout([B, c.H, L, E], [L * row, E, row, 1], off) })
        const offs = { packed: [0, H * E, 2 * H * E], same: [0, 0, 0], overlapping: [0, E >> 1, E] }[share]
        grads = offs.map(at)
      }
      kernels!.attentionBackward(backwardArgs(inputs, gOut, gScores, grads, share !== 'separate'))
      return [out.data, inputs.probs, gScores, ...grads.map((g) => g.data)]
    })
  }

  it('split over heads gives the same bits as one thread, and runs on the workers', () => {
    const c: Case = { B: 3, H: 4, L: 17, S: 17, E: 8, Ev: 8, lq: 'brhc', lk: 'brhc', lv: 'brhc', outInterleaved: true, mask: 'shared', causal: true, qoff: 0, scale: null, seed: 9 }
    for (const share of ['separate', 'packed', 'same'] as const) {
      const one = run(1, c, share)
      const two = withPoolWorkers(() => run(2, c, share))
      two.forEach((a, i) => expect(Buffer.compare(Buffer.from(a.buffer), Buffer.from(one[i].buffer)), `${share}: array ${i}`).toBe(0))
    }
  })

  it('gradients overlapping across heads are accumulated serially (same bits, no lost update)', () => {
    const c: Case = { B: 2, H: 3, L: 6, S: 6, E: 4, Ev: 4, lq: 'bhrc', lk: 'bhrc', lv: 'bhrc', outInterleaved: false, mask: 'none', causal: false, qoff: 0, scale: null, seed: 4 }
    const one = run(1, c, 'overlapping'), two = run(2, c, 'overlapping')
    two.forEach((a, i) => expect(Buffer.compare(Buffer.from(a.buffer), Buffer.from(one[i].buffer)), `array ${i}`).toBe(0))
    // and equal to the reference accumulating into the same layout
    const { inputs, gOut } = build(Float32Array, c)
    const data = new Float32Array(one[3].length)
    const row = 3 * c.H * c.E, at = (off: number): Operand => ({ data, layout: new Layout([c.B, c.H, c.L, c.E], [c.L * row, c.E, row, 1], off) })
    ref.attention({ ...inputs, ...fields('mask', null), ...fields('out', dense(Float32Array, c.B, c.H, c.L, c.Ev)) } as AttentionArgs)
    ref.attentionBackward(backwardArgs(inputs, gOut, new Float32Array(inputs.probs.length), [at(0), at(c.E >> 1), at(c.E)], true))
    expect(differs(one[3], data, Float32Array)).toBe('')
  })
})

describe.skipIf(!native)('attention kernels: arguments', () => {
  it('mixed float types and one query row (decoding) go to the reference kernels, with the reference\'s result', () => {
    const c: Case = { B: 1, H: 2, L: 3, S: 4, E: 5, Ev: 3, lq: 'bhrc', lk: 'bhrc', lv: 'bhrc', outInterleaved: false, mask: 'full', causal: true, qoff: 1, scale: null, seed: 2 }
    const addonCalls = vi.fn()
    const watched = nativeKernels({ ...native!, attention: addonCalls }, referenceBackend) as Pick<Backend, 'attention'>
    for (const [what, L, maskCtor] of [['float64 mask', 3, Float64Array], ['one query row', 1, Float32Array]] as const) {
      const { inputs, mask } = build(Float32Array, { ...c, L })
      const m = { ...mask!, data: maskCtor.from(mask!.data) }
      const out = dense(Float32Array, c.B, c.H, L, c.Ev)
      const mine = { ...inputs, probs: inputs.probs.slice() }, outMine = copyOf(out)
      watched.attention({ ...mine, ...fields('mask', m), ...fields('out', outMine) } as AttentionArgs)
      expect(addonCalls, what).not.toHaveBeenCalled()
      ref.attention({ ...inputs, ...fields('mask', m), ...fields('out', out) } as AttentionArgs)
      expect(Buffer.compare(Buffer.from(outMine.data.buffer), Buffer.from(out.data.buffer)), what).toBe(0)
    }
    // two rows do go native
    const { inputs } = build(Float32Array, { ...c, L: 2 })
    watched.attention({ ...inputs, ...fields('mask', null), ...fields('out', dense(Float32Array, c.B, c.H, 2, c.Ev)) } as AttentionArgs)
    expect(addonCalls).toHaveBeenCalledTimes(1)
  })

  it('bad layouts, sizes and overlaps throw RangeError / TypeError naming the function and the argument', () => {
    const f = new Float32Array(64)
    // the raw binding takes layouts packed (what the forwarders pass)
    const lay = (offset = 0, strides = [4, 4, 2, 1], shape = [1, 1, 2, 2]) => packLayout(new Layout(shape, strides, offset))
    type Op = [FloatArray, PackedLayout]
    // batch 1, heads 1, L = S = E = Ev = 2: every operand [1, 1, 2, 2]
    const call = (o: { q?: Op; k?: Op; mask?: [FloatArray | null, PackedLayout | null]; out?: Op } = {}) => () => {
      const [q, ql] = o.q ?? [f, lay()], [k, kl] = o.k ?? [f, lay()], [m, ml] = o.mask ?? [null, null], [out, outl] = o.out ?? [new Float32Array(4), lay()]
      native!.attention(q, ql, k, kl, f, lay(), 1, false, 0, new Float32Array(4), m, ml, out, outl)
    }
    expect(call()).not.toThrow()
    expect(call({ mask: [new Float32Array(4), lay()] })).not.toThrow()
    expect(call({ q: [f, lay(63)] })).toThrow(RangeError) // q past its array
    expect(call({ q: [f, lay(63)] })).toThrow(/^attention: q \(Float32Array of length 64\) is too short for shape \[1, 1, 2, 2\], strides \[4, 4, 2, 1\], offset 63/)
    expect(call({ q: [f, lay(0, [4, 2, 1], [1, 2, 2])] })).toThrow(/^attention: qLayout must be 4-D \[batch, heads, rows, cols\], got shape \[1, 2, 2\]/)
    expect(call({ k: [f, lay(0, [4, 4, 3, 1], [1, 1, 2, 3])] })).toThrow(/^attention: kLayout has shape \[1, 1, 2, 3\], expected \[1, 1, 2, 2\]/)
    expect(call({ mask: [new Float32Array(4), null] })).toThrow(/^attention: mask and maskLayout must both be given or both be null/)
    expect(call({ mask: [new Float32Array(6), lay(0, [6, 6, 3, 1], [1, 1, 2, 3])] })).toThrow(/^attention: maskLayout has shape \[1, 1, 2, 3\], expected \[1, 1, 2, 2\]/)
    expect(call({ out: [new Float32Array(16), lay(0, [4, 4, 2, 2])] })).toThrow(/^attention: out must have a unit column stride/)
    expect(call({ out: [f, lay(2)] })).toThrow(/^attention: output out overlaps input q/) // out over q's elements
    expect(call({ q: [new Float64Array(64), lay()] })).toThrow(TypeError)
  })
})

describe.skipIf(!native)('scaledDotProductAttention on the native kernels', () => {
  it('float64 gradcheck: q, k, v and a float mask, causal, strided heads', () => {
    expect(backendInfo().overrides.attentionBackward).toBe('native')
    const generator = new Generator(17)
    const qkv = randn([2, 5, 12], { dtype: 'float64', generator }).requiresGrad_()
    const mask = randn([5, 5], { dtype: 'float64', generator }).requiresGrad_()
    const fn = (x: Tensor, m: Tensor) => {
      const heads = (t: Tensor) => t.reshape([2, 5, 2, 2]).transpose(1, 2)
      const [q, k, v] = [0, 1, 2].map((i) => heads(x.narrow(2, 4 * i, 4)))
      return scaledDotProductAttention(q, k, v, { attnMask: m, isCausal: true })
    }
    expect(gradcheck(fn, [qkv, mask])).toBe(true)
    const kv = randn([1, 2, 7, 3], { dtype: 'float64', generator }).requiresGrad_(), q = randn([1, 2, 2, 3], { dtype: 'float64', generator }).requiresGrad_()
    expect(gradcheck((a: Tensor, b: Tensor) => scaledDotProductAttention(a, b, b, { isCausal: true, queryOffset: 5 }), [q, kv])).toBe(true)
  })
})
