// The addon from worker_threads (src/cc/threadpool.cc is process-wide and the
// module is context-aware): several workers load it and compute at once, on
// their own memory and on halves of one SharedArrayBuffer, while the main
// thread computes too; and @adjoint/native imported in a worker registers into
// that worker's @adjoint/core.
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { Worker } from 'node:worker_threads'
import { assertClose } from '@adjoint/core/testing'
import { describe, expect, it } from 'vitest'
import { flatGemm, native, rng, withPoolWorkers } from './helpers.js'

const addonPath = fileURLToPath(new URL('../build/Release/adjoint_native.node', import.meta.url))

function runWorker(code: string, workerData: unknown): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const w = new Worker(code, { eval: true, workerData })
    w.once('message', resolve)
    w.once('error', reject)
    w.once('exit', (c) => { if (c !== 0) reject(new Error(`worker exited with ${c}`)) })
  })
}

// CommonJS worker: C = A @ B (n x n) `reps` times through the addon, checked against a naive loop.
const gemmWorker = `
const { workerData, parentPort } = require('node:worker_threads')
const addon = require(workerData.addonPath)
const { n, reps, seed } = workerData
const sq = new Float64Array([2, 0, n, n, n, 1]).buffer // packed layout of a contiguous n x n matrix
let s = seed
const rand = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648) * 2 - 1
const a = new Float32Array(n * n).map(rand), b = new Float32Array(n * n).map(rand)
const want = new Float64Array(n * n)
for (let i = 0; i < n; i++) for (let p = 0; p < n; p++) for (let j = 0; j < n; j++) want[i * n + j] += a[i * n + p] * b[p * n + j]
let maxErr = 0
for (let r = 0; r < reps; r++) {
  const c = new Float32Array(n * n)
  addon.gemm(a, sq, b, sq, c, sq, 1, 0)
  for (let i = 0; i < n * n; i++) maxErr = Math.max(maxErr, Math.abs(c[i] - want[i]))
  const y = new Float32Array(n * n)
  addon.softmax(c, y, n, n)
}
parentPort.postMessage({ maxErr, isa: addon.info().isa })
`

// CommonJS worker: rows [r0, r1) of C = A @ B, all three in SharedArrayBuffers.
const halfWorker = `
const { workerData, parentPort } = require('node:worker_threads')
const addon = require(workerData.addonPath)
const { a, b, c, n, r0, r1 } = workerData
const rows = new Float64Array([2, r0 * n, r1 - r0, n, n, 1]).buffer, sq = new Float64Array([2, 0, n, n, n, 1]).buffer // packed layouts
addon.gemm(a, rows, b, sq, c, rows, 1, 0)
parentPort.postMessage('done')
`

describe('worker_threads', () => {
  it.runIf(native)('three workers and the main thread compute at the same time, each correct', async () => {
    const n = 160
    const jobs = [1, 2, 3].map((seed) => runWorker(gemmWorker, { addonPath, n, reps: 15, seed }))
    // the main thread keeps the pool busy meanwhile
    const r = rng(4), a = new Float32Array(300 * 300).map(() => r() - 0.5), c = new Float32Array(300 * 300)
    for (let i = 0; i < 10; i++) flatGemm(native!, a, 0, 0, 300, 1, a, 0, 0, 300, 1, c, 0, 0, 300, 1, 300, 300, 300, 1, 0)
    const results = (await Promise.all(jobs)) as { maxErr: number, isa: string }[]
    for (const res of results) {
      expect(res.maxErr).toBeLessThan(1e-4)
      expect(res.isa).toBe(native!.info().isa)
    }
  })

  it.runIf(native)('two workers fill halves of one SharedArrayBuffer result', async () => {
    const n = 128
    const r = rng(9)
    const a = new Float32Array(new SharedArrayBuffer(4 * n * n)).map(() => r() - 0.5)
    const b = new Float32Array(new SharedArrayBuffer(4 * n * n)).map(() => r() - 0.5)
    const c = new Float32Array(new SharedArrayBuffer(4 * n * n))
    await Promise.all([
      runWorker(halfWorker, { addonPath, a, b, c, n, r0: 0, r1: 61 }),
      runWorker(halfWorker, { addonPath, a, b, c, n, r0: 61, r1: n }),
    ])
    const want = new Float32Array(n * n)
    flatGemm(native!, a, 0, 0, n, 1, b, 0, 0, n, 1, want, 0, 0, n, 1, n, n, n, 1, 0)
    // (OpenBLAS may pick other edge kernels for 61 rows than for 128: equal up to rounding)
    assertClose(c, want, { rtol: 0, atol: 1e-5 })
    expect(c.every((v) => v !== 0)).toBe(true)
  })

  it.runIf(native)('importing @adjoint/native in a worker registers the kernels there', async () => {
    const entry = fileURLToPath(new URL('./fixtures/worker-entry.ts', import.meta.url))
    const code = `import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(entry)}) })`
    const res = (await runWorker(code, null)) as { backend: string, info: { loaded: boolean }, maxErr: number }
    expect(res.backend).toMatch(/native\(.*gemm/)
    expect(res.info.loaded).toBe(true)
    expect(res.maxErr).toBeLessThan(1e-5)
  })
})

// utime + stime of one of this process's threads, in clock ticks (/proc/self/task/<tid>/stat, fields 14 and 15).
function threadTicks(tid: number): number {
  const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ') // fields from 3 on
  return Number(fields[11]) + Number(fields[12])
}
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describe('the pool when idle', () => {
  it.runIf(native && process.platform === 'linux')('its workers run tasks, then stop spinning by themselves and use no CPU while the process idles', async () => {
    const n = 256, r = rng(5), a = new Float32Array(n * n).map(() => r() - 0.5), c = new Float32Array(n * n)
    const threads = native!.info().threads
    native!.setNumThreads(2)
    try {
      const before = native!.poolState()
      withPoolWorkers(() => flatGemm(native!, a, 0, 0, n, 1, a, 0, 0, n, 1, c, 0, 0, n, 1, n, n, n, 1, 0))
      const after = native!.poolState()
      expect(after.workerTasks).toBeGreaterThan(before.workerTasks)
      expect(after.tids.length).toBeGreaterThanOrEqual(1)
      // every worker blocks on its own once its spin (ADJOINT_SPIN_US, 50 µs) is over: a deadline, not a timing
      const deadline = performance.now() + 20_000
      while (native!.poolState().awake > 0 && performance.now() < deadline) await sleep(5)
      const idle = native!.poolState()
      expect(idle.awake).toBe(0)
      expect(idle.sleeps).toBeGreaterThan(before.sleeps)
      // a blocked thread runs nothing: its CPU time stays put over half a second of idling (a spinning one would take ~50 ticks)
      const ticks0 = idle.tids.map(threadTicks)
      await sleep(500)
      const ticks1 = idle.tids.map(threadTicks)
      for (let i = 0; i < ticks0.length; i++) expect(ticks1[i]! - ticks0[i]!, `worker ${idle.tids[i]}`).toBeLessThanOrEqual(1)
      expect(native!.poolState().sleeps).toBe(idle.sleeps)
    } finally {
      native!.setNumThreads(threads)
    }
  })
})

describe('setSpinMicros', () => {
  it.runIf(native)('sets how long workers spin before they block, returns the previous value, refuses out of range', () => {
    const threads = native!.info().threads
    native!.setNumThreads(2)
    const initial = native!.setSpinMicros(50)
    try {
      expect(native!.setSpinMicros(0)).toBe(50)
      // spin 0: a worker blocks after every region, so back-to-back empty regions find it asleep
      const s0 = native!.poolState().sleeps
      native!.poolRoundTrip(200)
      expect(native!.poolState().sleeps - s0).toBeGreaterThan(0)
      // spin 100 ms: back-to-back regions all find it awake, and it never blocks in between
      expect(native!.setSpinMicros(100_000)).toBe(0)
      native!.poolRoundTrip(10) // wakes it
      const s1 = native!.poolState().sleeps
      const [, joined] = native!.poolRoundTrip(500)
      expect(native!.poolState().sleeps).toBe(s1)
      expect(joined, "a worker that spins takes part in (nearly) every region").toBeGreaterThan(0.5)
      for (const bad of [-1, 100_001, 2.5]) expect(() => native!.setSpinMicros(bad)).toThrow(/setSpinMicros: us/)
    } finally {
      native!.setSpinMicros(initial)
      native!.setNumThreads(threads)
    }
  })
})

// A worker that the OS runs late: the caller takes its task back (src/cc/threadpool.cc, Dekker's
// handshake on the slot's Ack and Cancel lines). poolTestDelay makes every worker sleep before it
// takes its task (1: the caller sees no ack and runs the task; the worker then finds it taken back)
// or between taking it and checking (2: the caller sees the ack, waits, and the worker gives it back).
describe('a late worker', () => {
  const cases: [string, number, number, number, boolean][] = [
    // [what, m, k, n, B transposed]: a region of whole-product parts (Wake::All) and a decode split (Wake::Awake)
    ['a 256 x 256 x 256 product cut in two', 256, 256, 256, false],
    ['a one-row product cut over the awake worker', 1, 128, 384, true],
  ]
  for (const where of [1, 2] as const) {
    for (const [what, m, k, n, trans] of cases) {
      it.runIf(native)(`${what}: the result of one thread, the task given back (${where === 1 ? 'before the worker takes it' : 'after it took it'})`, () => {
        const r = rng(40 + where), a = new Float32Array(m * k).map(() => r() - 0.5), b = new Float32Array(k * n).map(() => r() - 0.5)
        const product = () => {
          const c = new Float32Array(m * n).fill(0.25)
          // beta 1: a part computed twice (by the caller and a worker) would show in C
          if (trans) flatGemm(native!, a, 0, 0, k, 1, b, 0, 0, 1, k, c, 0, 0, n, 1, m, n, k, 1, 1)
          else flatGemm(native!, a, 0, 0, k, 1, b, 0, 0, n, 1, c, 0, 0, n, 1, m, n, k, 1, 1)
          return c
        }
        const threads = native!.info().threads
        native!.setGemmImpl('builtin')
        try {
          native!.setNumThreads(1)
          const want = product()
          native!.setNumThreads(2)
          for (let i = 0; i < 50; i++) product() // the decode split needs the worker awake: back to back calls wake it
          native!.poolTestDelay(where, 2000)
          const before = native!.poolState().givenBack
          const deadline = performance.now() + 20_000
          let got: Float32Array
          do {
            got = product()
            expect([...got], what).toEqual([...want])
          } while (native!.poolState().givenBack === before && performance.now() < deadline)
          expect(native!.poolState().givenBack, 'a worker gave a task back').toBeGreaterThan(before)
        } finally {
          native!.poolTestDelay(0, 0)
          native!.setNumThreads(threads)
          native!.setGemmImpl('auto')
        }
      })
    }
  }
})
