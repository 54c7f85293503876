// The addon's float32 ReLU kernels (unary 'relu', reluBackward; kernels_unary.inl,
// rows.cc) against core's TS reference, bit for bit, on every kernel set this CPU
// runs, with vector-loop tails, special values (NaN, -0, infinities), in-place
// calls, threads and bad arguments.
import { referenceBackend } from '@adjoint/core'
import { describe, expect, it } from 'vitest'
import '../src/index.js'
import { restoreIsaAndThreadsAfterAll, builtIsas, skipTestsUnlessCpuRuns, native, rng, withPoolWorkers, withTuning } from './helpers.js'

const ref = referenceBackend()
const original = restoreIsaAndThreadsAfterAll()

const lengths = [0, 1, 3, 7, 8, 9, 15, 16, 17, 33, 1031]
const specials = [NaN, Infinity, -Infinity, 0, -0, 1e-45, -1e-45, 3e-39, -3e-39, 1e30, -1e30]

function inputs(n: number, seed: number): Float32Array {
  const r = rng(seed)
  const x = new Float32Array(n)
  for (let i = 0; i < n; i++) x[i] = i < specials.length && n > 100 ? specials[i]! : r() * 2 - 1
  return x
}

/** Object.is per element (tells -0 from 0, NaN equals NaN): the first index that differs, or -1. */
function firstDiff(got: ArrayLike<number>, want: ArrayLike<number>): number {
  if (got.length !== want.length) return 0
  for (let i = 0; i < got.length; i++) if (!Object.is(got[i], want[i])) return i
  return -1
}

describe.each(builtIsas)('relu kernels on isa %s', (isa) => {
  skipTestsUnlessCpuRuns(isa)
  it.runIf(native)('relu and reluBackward equal the TS kernels, also in place', () => {
    native!.setIsa(isa)
    try {
      for (const n of lengths) {
        const x = inputs(n, n + 1), gy = inputs(n, n + 2)
        if (n > 100) gy[0] = NaN // a NaN gradient where x is NaN: 0, as the reference
        const y = new Float32Array(n).fill(7), want = new Float32Array(n)
        native!.unary('relu', x, y, n)
        ref.unary('relu', x, want, n)
        expect(firstDiff(y, want), `relu n=${n}`).toBe(-1)
        const gx = new Float32Array(n).fill(7), gwant = new Float32Array(n)
        native!.reluBackward(x, gy, gx, n)
        ref.reluBackward(x, gy, gwant, n)
        expect(firstDiff(gx, gwant), `reluBackward n=${n}`).toBe(-1)
        const xi = x.slice()
        native!.unary('relu', xi, xi, n)
        expect(firstDiff(xi, y), `relu in place n=${n}`).toBe(-1)
        const gi = gy.slice()
        native!.reluBackward(x, gi, gi, n)
        expect(firstDiff(gi, gx), `reluBackward in place n=${n}`).toBe(-1)
      }
    } finally {
      native!.setIsa(original!.isa)
    }
  })
})

describe('relu kernels: threads and bad arguments', () => {
  it.runIf(native)('an input split over the pool equals the TS kernels', () => {
    const n = 100_003
    const x = inputs(n, 5), gy = inputs(n, 6)
    const y = new Float32Array(n), want = new Float32Array(n), gx = new Float32Array(n), gwant = new Float32Array(n)
    native!.setNumThreads(3)
    try {
      withTuning({ rowsParallelMinElements: 1000 }, () => withPoolWorkers(() => {
        native!.unary('relu', x, y, n)
        native!.reluBackward(x, gy, gx, n)
      }))
    } finally {
      native!.setNumThreads(original!.threads)
    }
    ref.unary('relu', x, want, n)
    ref.reluBackward(x, gy, gwant, n)
    expect(firstDiff(y, want)).toBe(-1)
    expect(firstDiff(gx, gwant)).toBe(-1)
  })

  it.runIf(native)('rejects other ops, float64, short arrays and partial overlap with named errors', () => {
    const x = new Float32Array(8), y = new Float32Array(8)
    expect(() => native!.unary('exp', x, y, 8)).toThrow(/unary.*relu.*'exp'/)
    expect(() => native!.unary('relu', new Float64Array(8), new Float64Array(8), 8)).toThrow(/unary/)
    expect(() => native!.unary('relu', x, y, 9)).toThrow(/unary.*n=9/)
    expect(() => native!.reluBackward(x, y, new Float32Array(4), 8)).toThrow(/reluBackward.*n=8/)
    expect(() => native!.reluBackward(x, y, x.subarray(1), 7)).toThrow(/reluBackward/)
  })
})
