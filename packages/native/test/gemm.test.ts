// The addon's gemm (src/cc/gemm.cc + kernels.inl) against a float64 triple
// loop: every kernel set this CPU runs, OpenBLAS and the built-in kernel, all
// transpose/stride combinations, batches with a shared (batch stride 0) operand.
import { Layout as CoreLayout, referenceBackend } from '@adjoint/core'
import { afterAll, describe, expect, it } from 'vitest'
import { packLayout } from '../src/layout-pack.js'
import { restoreIsaAndThreadsAfterAll, skipTestsUnlessCpuRuns, builtIsas, callGemm, flatGemm, checkGemm, isaSkipped, withPoolWorkers, type FloatArray, type FloatCtor, type Layout, makeCase, native, randInt, rng, withTuning } from './helpers.js'

const original = restoreIsaAndThreadsAfterAll()
afterAll(() => native?.setGemmImpl('auto'))

const layouts: Layout[] = ['row', 'col', 'strided', 'bcast', 'neg']
// Edge sizes: 0, 1, primes, around the tiles (MR 6/12, the 13-16 row ends split 8 + 8, NR 8/16/32) and blocks (KC 192/256, MC 120).
const edge = [0, 1, 2, 5, 7, 13, 16, 17, 31, 33, 97]

function run(Ctor: FloatCtor, seed: number, batch: number, m: number, n: number, k: number, la: Layout, lb: Layout, opts = {}): void {
  const r = rng(seed)
  const g = makeCase(Ctor, r, batch, m, n, k, la, lb, opts)
  const before = g.c.slice()
  callGemm(native!, g)
  const err = checkGemm(g, before)
  expect(err, `${Ctor.name} batch=${batch} m=${m} n=${n} k=${k} A:${la} B:${lb} ${JSON.stringify(opts)}`).toBe('')
}

const impls = native?.info().openblasLinked ? ['openblas', 'builtin'] as const : ['builtin'] as const

/** Runs fn with `isa` and `impl` selected; 'openblas' also sends small products to OpenBLAS (by default they stay on the own kernel). */
function using(isa: string, impl: 'openblas' | 'builtin', fn: () => void): void {
  native!.setIsa(isa)
  native!.setGemmImpl(impl)
  withTuning({ blasMinFlops: impl === 'openblas' ? 0 : undefined }, fn)
}

describe.each(builtIsas)('gemm on isa %s', (isa) => {
  describe.skipIf(isaSkipped(isa)).each(impls)('impl %s', (impl) => {
    it.runIf(native)('all layout combinations, edge sizes', () => {
      using(isa, impl, () => {
        const r = rng(1)
        let seed = 100
        for (const la of layouts) for (const lb of layouts) {
          for (let t = 0; t < 6; t++) {
            const m = edge[randInt(r, 0, edge.length - 1)]!, n = edge[randInt(r, 0, edge.length - 1)]!, k = edge[randInt(r, 0, edge.length - 1)]!
            run(Float32Array, seed++, 1, m, n, k, la, lb, { beta: t % 2 as 0 | 1, alpha: t === 3 ? -0.5 : 1 })
          }
        }
      })
    })

    it.runIf(native)('sizes that cross the cache blocks (k > KC, m > MC, n > NR * several, n > NC)', () => {
      using(isa, impl, () => {
        run(Float32Array, 1, 1, 127, 131, 301, 'row', 'row')
        run(Float32Array, 2, 1, 250, 67, 520, 'row', 'col', { beta: 1 })
        run(Float32Array, 3, 1, 61, 263, 200, 'col', 'row')
        run(Float64Array, 4, 1, 125, 71, 300, 'col', 'col', { beta: 1, alpha: 2 })
        run(Float32Array, 5, 1, 30, 1100, 40, 'row', 'col', { beta: 1 }) // n > NC (avx512 float: 1024)
      })
    })

    it.runIf(native)('row-major A packed by register transposes (k a multiple of the vector width or not), B read in place with a packed edge strip', () => {
      using(isa, impl, () => {
        // wide n: A is packed, its row groups transposed in registers (k = 100: a scalar tail; k = 64: none)
        run(Float32Array, 11, 1, 40, 600, 100, 'row', 'row')
        run(Float32Array, 12, 1, 70, 600, 64, 'row', 'row', { beta: 1 })
        run(Float64Array, 13, 1, 40, 600, 100, 'row', 'row')
        run(Float64Array, 14, 1, 70, 300, 64, 'row', 'row', { beta: 1 })
        // small B with unit column stride: its full strips are read in place, the last columns packed
        run(Float32Array, 15, 1, 30, 45, 50, 'row', 'row')
        run(Float32Array, 16, 1, 64, 32, 64, 'col', 'row', { beta: 1 })
        run(Float64Array, 17, 1, 29, 21, 33, 'row', 'row')
      })
    })

    it.runIf(native)('heights split into runs of equal strips (64 = 4 x 12 + 2 x 8, 40 = 2 x 12 + 2 x 8 on AVX-512), A in place and packed, small and large C', () => {
      using(isa, impl, () => {
        let seed = 40
        for (const m of [64, 40, 28]) {
          for (const la of ['row', 'col', 'strided'] as const) {
            run(Float32Array, seed++, 1, m, 32, 64, la, 'row', { beta: (seed % 2) as 0 | 1 }) // A and B in place, C in L1
            run(Float32Array, seed++, 1, m, 40, 300, la, 'col', { beta: 1 }) // packed, k > KC
            run(Float64Array, seed++, 1, m, 16, 24, la, 'row', { alpha: -0.5 })
          }
          run(Float32Array, seed++, 1, m, 2200, 16, 'row', 'row', { beta: 1 }) // C larger than L1: its rows prefetched
        }
      })
    })

    it.runIf(native)('batches, with A or B shared across the batch (batch stride 0)', () => {
      using(isa, impl, () => {
        let seed = 7
        for (const [batch, m, n, k] of [[3, 5, 7, 9], [4, 16, 16, 16], [7, 13, 1, 5], [2, 1, 33, 17], [5, 24, 24, 8]] as const) {
          run(Float32Array, seed++, batch, m, n, k, 'row', 'row')
          run(Float32Array, seed++, batch, m, n, k, 'row', 'col', { shareB: true })
          run(Float32Array, seed++, batch, m, n, k, 'col', 'row', { shareA: true, beta: 1 })
          run(Float64Array, seed++, batch, m, n, k, 'strided', 'row', { shareA: true })
        }
      })
    })

    it.runIf(native)('one row of A (decoding): every chunk width, tails, B rows aligned at any offset, B transposed', () => {
      using(isa, impl, () => {
        const r = rng(31)
        for (const Ctor of [Float32Array, Float64Array]) {
          for (const n of [1, 3, 8, 15, 16, 17, 31, 33, 47, 64, 65, 95, 127, 128, 129, 130, 200, 257]) {
            for (const k of [1, 3, 8, 16, 129]) {
              const trans = r() < 0.4
              const pad = 16 - (n % 16 || 16) // rows a whole number of 64-byte lines (float32)
              // transposed: columns a whole number of 64-byte lines apart (the aligned path) or not
              const colPad = r() < 0.5 ? randInt(r, 0, 2) : 16 - (k % 16 || 16) + 16 * randInt(r, 0, 1)
              const rowStride = trans ? 1 : n + pad, colStride = trans ? k + colPad : 1
              const offset = randInt(r, 0, 17), batch = randInt(r, 1, 2)
              const batchStride = (k - 1) * rowStride + (n - 1) * colStride + 1 + randInt(r, 0, 3)
              const arr = new Ctor(offset + batch * batchStride).map(() => r() * 2 - 1)
              const B = { arr, offset, batchStride, rowStride, colStride, get: (b: number, i: number, j: number) => arr[offset + b * batchStride + i * rowStride + j * colStride]! }
              const g = makeCase(Ctor, r, batch, 1, n, k, 'row', 'row', { beta: (n % 2) as 0 | 1 })
              g.B = B
              const before = g.c.slice()
              callGemm(native!, g)
              expect(checkGemm(g, before), `${Ctor.name} 1x${k}x${n} batch ${batch} ${trans ? 'B transposed' : `B offset ${offset}`}`).toBe('')
            }
          }
        }
      })
    })

    it.runIf(native)('float64, all layouts', () => {
      using(isa, impl, () => {
        let seed = 900
        for (const la of layouts) for (const lb of layouts) run(Float64Array, seed++, 2, 11, 9, 14, la, lb, { beta: (seed % 2) as 0 | 1 })
      })
    })
  })
})

describe.each(builtIsas)('one-row gemm on isa %s', (isa) => {
  skipTestsUnlessCpuRuns(isa)
  it.runIf(native)('B surrounded by NaN, Infinity and denormals: the aligned vectors read around its rows leave no trace', () => {
    using(isa, 'builtin', () => {
      const r = rng(43)
      for (const Ctor of [Float32Array, Float64Array]) {
        for (const [k, n, trans] of [[64, 32, false], [16, 37, false], [33, 20, true], [128, 65, true], [7, 130, false]] as const) {
          for (const offset of [1, 3, 5, 16]) {
            const rowStride = trans ? 1 : n, colStride = trans ? k : 1
            const arr = new Ctor(offset + k * n + 40)
            for (let i = 0; i < arr.length; i++) arr[i] = [NaN, Infinity, -Infinity, 1e-40, 5e-324][i % 5]!
            for (let p = 0; p < k; p++) for (let j = 0; j < n; j++) arr[offset + p * rowStride + j * colStride] = r() * 2 - 1
            const B = { arr, offset, batchStride: 0, rowStride, colStride, get: (_b: number, i: number, j: number) => arr[offset + i * rowStride + j * colStride]! }
            const g = makeCase(Ctor, r, 1, 1, n, k, 'row', 'row')
            g.B = B
            const before = g.c.slice()
            callGemm(native!, g)
            expect(checkGemm(g, before), `${Ctor.name} 1x${k}x${n} ${trans ? 'B transposed' : 'B row-major'} at offset ${offset}`).toBe('')
          }
        }
      }
    })
  })

  it.runIf(native)('one row of A: any column range gives bitwise the columns of the whole product (a thread may compute one)', () => {
    using(isa, 'builtin', () => {
      const r = rng(41)
      for (const Ctor of [Float32Array, Float64Array]) {
        for (const [k, n] of [[128, 384], [129, 70], [37, 45], [16, 33], [5, 20], [512, 130]] as const) {
          for (const trans of [true, false]) {
            // columns (B transposed) or rows a whole number of 64-byte lines apart (the aligned chunks), or not
            const padded = r() < 0.5
            const lines = (x: number) => x + (16 - (x % 16 || 16))
            const rowStride = trans ? 1 : padded ? lines(n) : n + 1, colStride = trans ? (padded ? lines(k) : k + 3) : 1
            const offset = randInt(r, 0, 17)
            const b = new Ctor(offset + (k - 1) * rowStride + (n - 1) * colStride + 1).map(() => r() * 2 - 1)
            const a = new Ctor(k).map(() => r() * 2 - 1)
            const product = (j0: number, j1: number) => {
              const c = new Ctor(j1 - j0)
              flatGemm(native!, a, 0, 0, k, 1, b, offset + j0 * colStride, 0, rowStride, colStride, c, 0, 0, j1 - j0, 1, 1, j1 - j0, k, 1, 0)
              return [...c]
            }
            const whole = product(0, n)
            for (let t = 0; t < 6; t++) {
              const j0 = randInt(r, 0, n - 1), j1 = randInt(r, j0 + 1, n)
              expect(product(j0, j1), `${Ctor.name} 1x${k}x${n} ${trans ? 'B transposed' : 'B row-major'} columns [${j0}, ${j1})`).toEqual(whole.slice(j0, j1))
            }
          }
        }
      }
    })
  })
})

type Shape = [batch: number, m: number, n: number, k: number, la: Layout, lb: Layout, opts: object]

/**
 * Each shape on 1, 2 and 3 threads (the builtin kernel, even small products split): every result
 * right and bitwise the same. Products of more than 100k multiply-adds must have used a pool worker
 * (on tiny ones the caller may finish every task before a worker wakes: by design).
 */
function sameOnThreads(shapes: Shape[], firstSeed: number): void {
  native!.setGemmImpl('builtin')
  try {
    withTuning({ minFlopsPerThread: 1 }, () => {
      for (const Ctor of [Float32Array, Float64Array]) {
        let seed = firstSeed
        for (const [batch, m, n, k, la, lb, opts] of shapes) {
          const g = makeCase(Ctor, rng(seed), batch, m, n, k, la, lb, opts)
          const before = g.c.slice()
          const product = () => {
            g.c.set(before)
            callGemm(native!, g)
            return g.c.slice()
          }
          const results: FloatArray[] = []
          for (const threads of [1, 2, 3]) {
            native!.setNumThreads(threads)
            results.push(threads > 1 && batch * m * n * k > 100_000 ? withPoolWorkers(product) : product())
            g.c.set(results[results.length - 1]!)
            expect(checkGemm(g, before), `${Ctor.name} ${threads} threads ${batch}x${m}x${n}x${k}`).toBe('')
          }
          expect([...results[1]!], `2 threads ${batch}x${m}x${n}x${k}`).toEqual([...results[0]!])
          expect([...results[2]!], `3 threads ${batch}x${m}x${n}x${k}`).toEqual([...results[0]!])
          seed++
        }
      }
    })
  } finally {
    native!.setNumThreads(original!.threads)
    native!.setGemmImpl('auto')
  }
}

describe('gemm threading', () => {
  it.runIf(native)('1, 2 and 3 threads give bitwise the same results, split by rows, columns and batch items', () => {
    sameOnThreads([
      [1, 200, 37, 64, 'row', 'row', {}], [1, 37, 300, 64, 'row', 'col', {}], [1, 5, 5, 5, 'row', 'row', {}],
      [3, 20, 20, 20, 'row', 'row', { shareB: true }], [8, 9, 10, 11, 'col', 'row', {}], [1, 70, 3100, 300, 'row', 'col', { beta: 1 }],
      // by columns because n >= m; by rows into parts whose row blocks differ (120 rows: one
      // block of 120; the 130 of the other part: two of 72), which share one workspace
      [1, 100, 300, 70, 'col', 'row', {}], [1, 250, 67, 520, 'row', 'row', {}],
    ], 50)
  })

  it.runIf(native)('odd shapes on 1, 2 and 3 threads: parts of one tile, fewer tiles than threads, k = 1, a cut through a block edge', () => {
    sameOnThreads([
      [1, 13, 7, 300, 'col', 'col', {}], [1, 2, 500, 3, 'row', 'col', { beta: 1 }], [1, 241, 33, 1, 'neg', 'row', {}],
      [2, 97, 31, 17, 'strided', 'bcast', {}], [5, 25, 65, 9, 'row', 'row', { shareA: true }], [1, 121, 129, 257, 'col', 'neg', { alpha: 0.5 }],
    ], 70)
  })

  describe.each(builtIsas)('on isa %s', (isa) => {
  skipTestsUnlessCpuRuns(isa)
  it.runIf(native)('one row of A (decoding) cut over the awake workers: bitwise the 1-thread result, B rows at any offset, B transposed', () => {
    native!.setGemmImpl('builtin')
    // [n, k, B transposed, large enough for a cut (ranges start on 64-byte lines of B's rows)]
    const shapes: [number, number, boolean, boolean][] = [
      [400, 40, false, true], [1000, 3, false, true], [300, 33, true, true], [65, 128, true, true], [257, 16, true, true],
      [129, 9, false, true], [47, 5, true, true], [9, 7, false, false], [2, 7, true, false],
    ]
    try {
      withTuning({ decodeSplitMinBytes: 0 }, () => {
        {
          native!.setIsa(isa)
          for (const Ctor of [Float32Array, Float64Array]) {
            let seed = 80
            for (const [n, k, trans, cut] of shapes) {
              // one case (the same memory) for every thread count
              const r = rng(seed)
              const offset = randInt(r, 0, 17), colStride = k + randInt(r, 0, 2) * (r() < 0.5 ? 1 : 16), rowStride = n + randInt(r, 0, 17)
              const arr = new Ctor(offset + (k - 1) * (trans ? 1 : rowStride) + (n - 1) * (trans ? colStride : 1) + 1).map(() => r() * 2 - 1)
              const B = { arr, offset, batchStride: 0, rowStride: trans ? 1 : rowStride, colStride: trans ? colStride : 1, get: (_b: number, i: number, j: number) => arr[offset + i * B.rowStride + j * B.colStride]! }
              const g = makeCase(Ctor, r, 1, 1, n, k, 'row', 'row', { beta: (n % 2) as 0 | 1 })
              g.B = B
              const before = g.c.slice()
              const product = () => {
                // back to back, like decoding steps: a worker is awake only if the previous region was
                // a moment ago (the first calls wake it, without waiting for it)
                for (let i = 0; i < 40; i++) {
                  g.c.set(before)
                  callGemm(native!, g)
                }
                expect(checkGemm(g, before), `${isa} ${Ctor.name} 1x${k}x${n} ${trans ? 'B transposed' : `B offset ${offset}`}`).toBe('')
                return g.c.slice()
              }
              const results: FloatArray[] = []
              for (const threads of [1, 2, 3]) {
                native!.setNumThreads(threads)
                results.push(threads > 1 && cut ? withPoolWorkers(product) : product())
              }
              expect([...results[1]!], `${isa} ${Ctor.name} 2 threads 1x${k}x${n}`).toEqual([...results[0]!])
              expect([...results[2]!], `${isa} ${Ctor.name} 3 threads 1x${k}x${n}`).toEqual([...results[0]!])
              seed++
            }
          }
        }
      })
    } finally {
      native!.setIsa(original!.isa)
      native!.setNumThreads(original!.threads)
      native!.setGemmImpl('auto')
    }
  })
  })

  it.runIf(native)('a large product through the default dispatch', () => {
    native!.setGemmImpl('auto')
    run(Float32Array, 77, 1, 256, 384, 128, 'row', 'col')
    run(Float32Array, 78, 48, 64, 64, 32, 'row', 'row')
  })
})

describe('gemm semantics', () => {
  it.runIf(native)('beta 0 ignores NaN in C; k = 0 gives beta * C; alpha scales', () => {
    for (const impl of impls) {
      native!.setGemmImpl(impl)
      const c = new Float32Array([NaN, NaN, NaN, NaN])
      const a = new Float32Array([1, 2]), b = new Float32Array([3, 4])
      flatGemm(native!, a, 0, 0, 1, 1, b, 0, 0, 2, 1, c, 0, 0, 2, 1, 2, 2, 1, 2, 0)
      expect([...c]).toEqual([6, 8, 12, 16])
      const c2 = new Float32Array([5, NaN])
      flatGemm(native!, a, 0, 0, 1, 1, b, 0, 0, 1, 1, c2, 0, 0, 1, 1, 2, 1, 0, 1, 0) // k = 0, beta 0
      expect([...c2]).toEqual([0, 0])
      const c3 = new Float32Array([5, 6])
      flatGemm(native!, a, 0, 0, 1, 1, b, 0, 0, 1, 1, c3, 0, 0, 1, 1, 2, 1, 0, 1, 1) // k = 0, beta 1
      expect([...c3]).toEqual([5, 6])
    }
    native!.setGemmImpl('auto')
  })

  it.runIf(native)('reads subarray views at their byteOffset', () => {
    const backing = new Float32Array(100).fill(1000)
    const a = backing.subarray(3, 3 + 6) // 2 x 3
    a.set([1, 2, 3, 4, 5, 6])
    const b = new Float32Array([1, 0, 0, 1, 1, 1]) // 3 x 2
    const out = new Float32Array(50).fill(-1)
    const c = out.subarray(7, 11)
    flatGemm(native!, a, 0, 0, 3, 1, b, 0, 0, 2, 1, c, 0, 0, 2, 1, 2, 2, 3, 1, 0)
    expect([...c]).toEqual([4, 5, 10, 11])
    expect(out[6]).toBe(-1)
    expect(out[11]).toBe(-1)
  })

  it.runIf(native)('works on SharedArrayBuffer memory', () => {
    const a = new Float32Array(new SharedArrayBuffer(4 * 4)).fill(1)
    const c = new Float32Array(new SharedArrayBuffer(4 * 4))
    flatGemm(native!, a, 0, 0, 2, 1, a, 0, 0, 2, 1, c, 0, 0, 2, 1, 2, 2, 2, 1, 0)
    expect([...c]).toEqual([2, 2, 2, 2])
  })
})

describe('gemm over layouts', () => {
  const L = (shape: number[], strides: number[], offset = 0) => new CoreLayout(shape, strides, offset)
  /** The addon and core's TS kernel on the same call: the same numbers, the same elements written. */
  function againstReference(Ctor: FloatCtor, aL: CoreLayout, bL: CoreLayout, cL: CoreLayout, alen: number, blen: number, clen: number, beta: 0 | 1 = 0): void {
    const a = new Ctor(alen).map((_, i) => Math.sin(i * 0.7)), b = new Ctor(blen).map((_, i) => Math.cos(i * 1.1))
    const want = new Ctor(clen).map((_, i) => (i % 5) - 2), got = want.slice()
    referenceBackend().gemm(a, aL, b, bL, want, cL, 0.5, beta)
    native!.gemm(a, packLayout(aL), b, packLayout(bL), got, packLayout(cL), 0.5, beta)
    const tol = Ctor === Float32Array ? 1e-5 : 1e-12
    for (let i = 0; i < clen; i++) expect(Math.abs(got[i]! - want[i]!), `element ${i}: ${got[i]} vs ${want[i]}`).toBeLessThanOrEqual(tol)
  }

  it.runIf(native)('several batch dims: mergeable, permuted (walked one by one), broadcast, size 1; 2-D without batch', () => {
    for (const Ctor of [Float32Array, Float64Array]) {
      const m = 3, k = 5, n = 7
      // [2, 3] batch contiguous in all three: merged into one batch of 6
      againstReference(Ctor, L([2, 3, m, k], [3 * m * k, m * k, k, 1]), L([2, 3, k, n], [3 * k * n, k * n, n, 1]), L([2, 3, m, n], [3 * m * n, m * n, n, 1]), 6 * m * k, 6 * k * n, 6 * m * n)
      // A's batch dims swapped, B broadcast over dim 0 and transposed, C with gaps and an offset, beta 1
      againstReference(Ctor, L([2, 3, m, k], [m * k, 2 * m * k, k, 1], 1), L([2, 3, k, n], [0, k * n, 1, k]), L([2, 3, m, n], [3 * (m * n + 2), m * n + 2, n, 1], 4), 1 + 6 * m * k, 3 * k * n, 4 + 6 * (m * n + 2), 1)
      // size-1 batch dims between others, and a one-row product (the gemv path) over a batch
      againstReference(Ctor, L([2, 1, 3, 1, k], [3 * k, 0, k, k, 1]), L([2, 1, 3, k, n], [0, 0, k * n, n, 1]), L([2, 1, 3, 1, n], [3 * n, 3 * n, n, n, 1]), 6 * k, 3 * k * n, 6 * n)
      againstReference(Ctor, L([m, k], [1, m]), L([k, n], [n, 1]), L([m, n], [n, 1]), m * k, k * n, m * n)
    }
  })

  it.runIf(native)('refuses layouts that do not make a product, a C without contiguous rows, and overlapping matrices of C', () => {
    const a = new Float32Array(64), b = new Float32Array(64), c = new Float32Array(64)
    const call = (aL: CoreLayout, bL: CoreLayout, cL: CoreLayout) => () => native!.gemm(a, packLayout(aL), b, packLayout(bL), c, packLayout(cL), 1, 0)
    expect(call(L([2, 3], [3, 1]), L([3, 2], [2, 1]), L([1, 2, 2], [4, 2, 1]))).toThrow(/^gemm: aLayout, bLayout and cLayout must have one ndim >= 2, got shapes \[2, 3\], \[3, 2\] and \[1, 2, 2\]$/)
    expect(call(L([2, 3], [3, 1]), L([4, 2], [2, 1]), L([2, 2], [2, 1]))).toThrow(/^gemm: shapes \[2, 3\] @ \[4, 2\] -> \[2, 2\] do not make \[...batch, m, k\] @ \[...batch, k, n\] -> \[...batch, m, n\]$/)
    expect(call(L([2, 2, 3], [6, 3, 1]), L([3, 2, 3], [0, 2, 1]), L([2, 2, 2], [4, 2, 1]))).toThrow(/do not make/)
    expect(call(L([2, 3], [3, 1]), L([3, 2], [2, 1]), L([2, 2], [1, 2]))).toThrow(/^gemm: c's rows must be contiguous \(cLayout's last stride 1\), got shape \[2, 2\], strides \[1, 2\], offset 0$/)
    expect(call(L([2, 2, 3], [6, 3, 1]), L([2, 3, 2], [6, 2, 1]), L([2, 2, 2], [3, 2, 1]))).toThrow(/^gemm: matrices of c overlap: shape \[2, 2, 2\], strides \[3, 2, 1\], offset 0 reaches an element twice$/)
    expect(call(L([2, 3, 1, 3], [9, 3, 3, 1]), L([2, 3, 3, 2], [0, 0, 2, 1]), L([2, 3, 1, 2], [2, 3, 2, 1]))).toThrow(/^gemm: matrices of c overlap/)
    expect(() => native!.gemm(a, new Float64Array(6) as never, b, packLayout(L([3, 2], [2, 1])), c, packLayout(L([2, 2], [2, 1])), 1, 0)).toThrow(/^gemm: aLayout must be a packed layout \(an ArrayBuffer of float64 \[ndim, offset, ...shape, ...strides\]: packLayout\(\) of @adjoint\/native\), got Float64Array$/)
    expect(() => native!.gemm(a, new Float64Array([2, 0, 2, 3, 3]).buffer, b, packLayout(L([3, 2], [2, 1])), c, packLayout(L([2, 2], [2, 1])), 1, 0)).toThrow(/^gemm: aLayout: a packed layout of 2 dims needs 6 numbers, got 5$/)
    expect(() => native!.gemm(a, new Float64Array([9, 0]).buffer, b, packLayout(L([3, 2], [2, 1])), c, packLayout(L([2, 2], [2, 1])), 1, 0)).toThrow(/^gemm: aLayout: a packed layout starts with its ndim, an integer in \[0, 8\]$/)
    expect(() => native!.gemm(a, new Float64Array([2, 0.5, 2, 3, 3, 1]).buffer, b, packLayout(L([3, 2], [2, 1])), c, packLayout(L([2, 2], [2, 1])), 1, 0)).toThrow(/^gemm: aLayout.offset must be an integer in \[0, 2\^53\)$/)
    expect(() => native!.gemm(a, new Float64Array([2, 0, 2, 3, 3, 1.5]).buffer, b, packLayout(L([3, 2], [2, 1])), c, packLayout(L([2, 2], [2, 1])), 1, 0)).toThrow(/^gemm: aLayout.strides\[1\] must be an integer/)
  })
})

describe('the test oracle', () => {
  it.runIf(native)('catches a wrong element and a write outside C', () => {
    const g = makeCase(Float32Array, rng(3), 2, 4, 5, 6, 'row', 'col')
    const before = g.c.slice()
    callGemm(native!, g)
    expect(checkGemm(g, before)).toBe('')
    const i = g.cOffset + g.cBatchStride + g.cRowStride + 2
    g.c[i] += 1e-3
    expect(checkGemm(g, before)).toMatch(/expected/)
    g.c[i] -= 1e-3
    g.c[g.c.length - 1] = 0
    expect(checkGemm(g, before)).toMatch(/outside C changed/)
  })
})
