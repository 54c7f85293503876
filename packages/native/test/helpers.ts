// Shared by the native tests: the addon (or null: tests then skip with a
// reason), a seeded RNG, a naive gemm oracle and strided operand builders.
import { afterAll, beforeEach } from 'vitest'
import type { NativeAddon } from '../src/addon.js'
import { Layout as CoreLayout } from '@adjoint/core'
import { packLayout } from '../src/layout-pack.js'
import { loadAddon } from '../src/loader.js'

const loaded = loadAddon()
export const native: NativeAddon | null = loaded.addon
export const skipReason = loaded.addon ? '' : `native addon not built: ${loaded.reason}`
if (!native) console.warn(`[native tests] skipped: ${skipReason}`)

/** Kernel sets this CPU runs; tests of each of them run. */
export const isas: string[] = native ? native.info().isas : []
/**
 * Every kernel set built into the addon. Tests iterate over these and skip, by
 * name, the ones this CPU cannot run, so an ISA path never vanishes silently
 * from the closing lines of `pnpm test`.
 */
export const builtIsas: string[] = native ? native.info().compiledIsas : []
export const isaSkipped = (isa: string): boolean => !isas.includes(isa)
/** In a suite of one ISA: every test of it is reported skipped, by name, when this CPU cannot run that ISA. */
export function skipTestsUnlessCpuRuns(isa: string): void {
  beforeEach((ctx) => { if (isaSkipped(isa)) ctx.skip(`${isa}: this CPU cannot run it`) })
}

/**
 * Runs fn (which must give the same result each time) until the pool's worker
 * threads have run at least one of its tasks, and returns that result: a
 * parallel test that never left the calling thread would prove nothing. A
 * worker the OS wakes late finds no work left (the pool's design), so on a
 * busy machine one try may not reach it; `attempts` tries that all stay on
 * the caller mean the pool is broken.
 */
export function withPoolWorkers<T>(fn: () => T, seconds = 30): T {
  // A worker joins a parallel region only if the OS runs it while the caller is
  // still in it; on a loaded machine that can take many tries, so retry until a
  // deadline (not a fixed count): a pass needs one try where a worker ran a task.
  const deadline = performance.now() + seconds * 1000
  let tries = 0
  do {
    const before = native!.info().poolWorkerTasks
    const out = fn()
    tries++
    if (native!.info().poolWorkerTasks > before) return out
  } while (performance.now() < deadline)
  throw new Error(`no pool worker thread ran a task in ${tries} tries over ${seconds} s: the multi-threaded path was not exercised`)
}

export type FloatCtor = Float32ArrayConstructor | Float64ArrayConstructor
export type FloatArray = Float32Array | Float64Array

/** Small deterministic PRNG (mulberry32). */
export function rng(seed: number): () => number {
  let s = seed >>> 0
  return () => {
    s = (s + 0x6d2b79f5) >>> 0
    let t = s
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export function randInt(r: () => number, lo: number, hi: number): number {
  return lo + Math.floor(r() * (hi - lo + 1))
}

export type Layout = 'row' | 'col' | 'strided' | 'bcast' | 'neg'

/** A rows x cols operand (times `batch`) stored through strides inside a larger buffer. */
export interface Operand {
  arr: FloatArray
  offset: number
  batchStride: number
  rowStride: number
  colStride: number
  get(b: number, i: number, j: number): number
}

/**
 * Builds an operand with the given layout: 'row' (row-major, padded rows),
 * 'col' (a transposed view), 'strided' (both strides > 1), 'bcast' (row stride
 * 0: every row the same, like an expanded view), 'neg' (negative row stride).
 * shared = batch stride 0 (one matrix broadcast over the batch).
 */
export function operand(Ctor: FloatCtor, r: () => number, batch: number, rows: number, cols: number, layout: Layout, shared: boolean): Operand {
  const pad = randInt(r, 0, 3)
  let rowStride: number, colStride: number, span: number, base = 0
  switch (layout) {
    case 'row': colStride = 1; rowStride = cols + pad; span = Math.max(0, (rows - 1) * rowStride + cols); break
    case 'col': rowStride = 1; colStride = rows + pad; span = Math.max(0, (cols - 1) * colStride + rows); break
    case 'strided': colStride = 2; rowStride = 2 * cols + 1 + pad; span = Math.max(0, (rows - 1) * rowStride + (cols - 1) * 2 + 1); break
    case 'bcast': colStride = 1; rowStride = 0; span = cols; break
    case 'neg': colStride = 1; rowStride = -(cols + pad); span = Math.max(0, (rows - 1) * (cols + pad) + cols); base = Math.max(0, (rows - 1) * (cols + pad)); break
  }
  if (rows === 0 || cols === 0) span = 0
  const batchStride = shared ? 0 : span + randInt(r, 0, 2)
  const offset = randInt(r, 0, 4) + base
  const len = offset - base + (shared ? span : Math.max(0, (batch - 1) * batchStride + span)) + randInt(r, 0, 3)
  const arr = new Ctor(Math.max(len, 1))
  for (let i = 0; i < arr.length; i++) arr[i] = r() * 2 - 1
  return {
    arr, offset, batchStride, rowStride, colStride,
    get: (b, i, j) => arr[offset + b * batchStride + i * rowStride + j * colStride],
  }
}

export interface GemmCase {
  batch: number; m: number; n: number; k: number; alpha: number; beta: 0 | 1
  A: Operand; B: Operand
  c: FloatArray; cOffset: number; cBatchStride: number; cRowStride: number
}

export const SENTINEL = 7777

export function makeCase(Ctor: FloatCtor, r: () => number, batch: number, m: number, n: number, k: number, la: Layout, lb: Layout, opts: { shareA?: boolean, shareB?: boolean, beta?: 0 | 1, alpha?: number } = {}): GemmCase {
  const A = operand(Ctor, r, batch, m, k, la, opts.shareA ?? false)
  const B = operand(Ctor, r, batch, k, n, lb, opts.shareB ?? false)
  const cRowStride = n + randInt(r, 0, 2)
  const cBatchStride = Math.max(0, (m - 1) * cRowStride + n) + randInt(r, 0, 2)
  const cOffset = randInt(r, 0, 3)
  const c = new Ctor(cOffset + Math.max(0, (batch - 1) * cBatchStride + (m - 1) * cRowStride + n) + 3)
  c.fill(SENTINEL)
  const beta = opts.beta ?? 0
  for (let b = 0; b < batch; b++) for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
    c[cOffset + b * cBatchStride + i * cRowStride + j] = beta === 1 ? r() * 2 - 1 : NaN // beta 0 must ignore NaN
  }
  return { batch, m, n, k, alpha: opts.alpha ?? 1, beta, A, B, c, cOffset, cBatchStride, cRowStride }
}

export function callGemm(addon: NativeAddon, g: GemmCase): void {
  flatGemm(addon,
    g.A.arr, g.A.offset, g.A.batchStride, g.A.rowStride, g.A.colStride,
    g.B.arr, g.B.offset, g.B.batchStride, g.B.rowStride, g.B.colStride,
    g.c, g.cOffset, g.cBatchStride, g.cRowStride, g.batch, g.m, g.n, g.k, g.alpha, g.beta,
  )
}

/**
 * addon.gemm on batch x (m x k) @ (k x n) operands given by offset, batch stride, row stride
 * and column stride each (C's column stride 1): their 3-D layouts packed.
 */
export function flatGemm(addon: NativeAddon,
  a: FloatArray, aOffset: number, aBatchStride: number, aRowStride: number, aColStride: number,
  b: FloatArray, bOffset: number, bBatchStride: number, bRowStride: number, bColStride: number,
  c: FloatArray, cOffset: number, cBatchStride: number, cRowStride: number,
  batch: number, m: number, n: number, k: number, alpha: number, beta: number): void {
  addon.gemm(
    a, packLayout(new CoreLayout([batch, m, k], [aBatchStride, aRowStride, aColStride], aOffset)),
    b, packLayout(new CoreLayout([batch, k, n], [bBatchStride, bRowStride, bColStride], bOffset)),
    c, packLayout(new CoreLayout([batch, m, n], [cBatchStride, cRowStride, 1], cOffset)), alpha, beta)
}

/**
 * Compares g.c (after the call) with a float64 triple loop over the inputs
 * (cBefore = c before the call); error allowed per element is
 * eps * (k + 2) * sum_p |a_ip b_pj| * 4. Also checks that nothing outside C's
 * elements changed. Returns a description of the first mismatch, or ''.
 */
export function checkGemm(g: GemmCase, cBefore: FloatArray): string {
  const eps = g.c instanceof Float32Array ? 1.2e-7 : 2.3e-16
  const touched = new Uint8Array(g.c.length)
  for (let b = 0; b < g.batch; b++) for (let i = 0; i < g.m; i++) for (let j = 0; j < g.n; j++) {
    let s = 0, mag = 0
    for (let p = 0; p < g.k; p++) {
      const prod = g.A.get(b, i, p) * g.B.get(b, p, j)
      s += prod
      mag += Math.abs(prod)
    }
    const idx = g.cOffset + b * g.cBatchStride + i * g.cRowStride + j
    touched[idx] = 1
    const want = g.alpha * s + (g.beta === 1 ? cBefore[idx] : 0)
    const tol = 4 * eps * (g.k + 2) * (Math.abs(g.alpha) * mag + Math.abs(want)) + 1e-30
    const got = g.c[idx]
    if (!(Math.abs(got - want) <= tol)) return `C[${b}][${i}][${j}] = ${got}, expected ${want} (tol ${tol})`
  }
  for (let i = 0; i < g.c.length; i++) {
    if (!touched[i] && !Object.is(g.c[i], cBefore[i])) return `element ${i} outside C changed: ${cBefore[i]} -> ${g.c[i]}`
  }
  return ''
}

export interface Tuning { minFlopsPerThread?: number, blasMinFlops?: number, rowsParallelMinElements?: number, streamMinBytes?: number, decodeSplitMinBytes?: number }

/** Runs fn with some of the addon's tuning knobs changed, then restores them. */
export function withTuning<T>(t: Tuning, fn: () => T): T {
  const cur = native!.setTuning(1, 0, 1, 0)
  native!.setTuning(cur[0]!, cur[1]!, cur[2]!, cur[3]!, cur[4]!)
  native!.setTuning(t.minFlopsPerThread ?? cur[0]!, t.blasMinFlops ?? cur[1]!, t.rowsParallelMinElements ?? cur[2]!, t.streamMinBytes ?? cur[3]!, t.decodeSplitMinBytes ?? cur[4]!)
  try {
    return fn()
  } finally {
    native!.setTuning(cur[0]!, cur[1]!, cur[2]!, cur[3]!, cur[4]!)
  }
}

/** Puts back, after the file's tests, the ISA and thread count the addon had when the file started (its tests switch them). */
export function restoreIsaAndThreadsAfterAll(): ReturnType<NativeAddon['info']> | undefined {
  const original = native?.info()
  afterAll(() => {
    if (!native || !original) return
    native.setIsa(original.isa)
    native.setNumThreads(original.threads)
  })
  return original
}
