// The benchmark probes bench:native reads (src/cc/bind_probes.cc): each returns
// finite positive figures and refuses bad arguments by name.
import { describe, expect, it } from 'vitest'
import { native } from './helpers.js'

describe('benchmark probes', () => {
  it.runIf(native)('fmaPeak on 1 and 2 threads at once: [wall total, caller CPU] GFLOP/s', () => {
    const isa = native!.info().isa
    for (const threads of [1, 2]) {
      const [wall, cpu] = native!.fmaPeak(isa, 20000, threads)
      expect(Number.isFinite(wall) && wall > 0, `wall ${wall}`).toBe(true)
      expect(Number.isFinite(cpu) && cpu > 0, `cpu ${cpu}`).toBe(true)
    }
    expect(() => native!.fmaPeak(isa, 10, 0)).toThrow(/fmaPeak.*threads/)
    expect(() => native!.fmaPeak('no-such-isa', 10)).toThrow(/no-such-isa/)
  })

  it.runIf(native)('readPeak: [best, median] GB/s of one core reading a buffer, for every ISA the CPU has', () => {
    for (const isa of native!.info().isas) {
      for (const kib of [1, 37, 256]) {
        const [best, med] = native!.readPeak(isa, kib, 5)
        expect(Number.isFinite(med) && med > 0, `${isa} ${kib} KiB: median ${med}`).toBe(true)
        expect(best, `${isa} ${kib} KiB: best ${best} >= median ${med}`).toBeGreaterThanOrEqual(med)
      }
    }
    expect(() => native!.readPeak('no-such-isa', 4, 1)).toThrow(/readPeak.*no-such-isa/)
    expect(() => native!.readPeak(native!.info().isa, 0, 1)).toThrow(/readPeak.*kib/)
    expect(() => native!.readPeak(native!.info().isa, 4, 0)).toThrow(/readPeak.*passes/)
  })

  it.runIf(native)('poolRoundTrip: seconds per empty 2-thread region, and how many of them a worker joined', () => {
    const threads = native!.info().threads
    try {
      native!.setNumThreads(2)
      const before = native!.poolState().workerTasks
      const [secs, joined] = native!.poolRoundTrip(200)
      expect(Number.isFinite(secs) && secs > 0, `seconds ${secs}`).toBe(true)
      expect(joined >= 0 && joined <= 1, `joined ${joined}`).toBe(true)
      // the worker's tasks in the timed regions are counted by the pool too
      expect(native!.poolState().workerTasks - before).toBeGreaterThanOrEqual(Math.round(joined * 200))
      native!.setNumThreads(1)
      expect(() => native!.poolRoundTrip(10)).toThrow(/poolRoundTrip needs 2 threads/)
      expect(() => native!.poolRoundTrip(0)).toThrow(/poolRoundTrip.*iters/)
    } finally {
      native!.setNumThreads(threads)
    }
  })

  it.runIf(native)('timeGemm: seconds per call for the own kernel on 1 and 2 threads, split or apart, every layout', () => {
    for (const how of ['own', 'apart'] as const) {
      for (const layout of ['nn', 'nt', 'tn'] as const) {
        for (const threads of [1, 2]) {
          const [wall, cpu] = native!.timeGemm(37, 29, 23, 2, how, layout, threads)
          expect(Number.isFinite(wall) && wall > 0, `${how} ${layout} ${threads}: wall ${wall}`).toBe(true)
          expect(Number.isFinite(cpu) && cpu >= 0, `${how} ${layout} ${threads}: cpu ${cpu}`).toBe(true)
        }
      }
    }
    expect(() => native!.timeGemm(4, 4, 4, 1, 'own', 'tt' as 'nn')).toThrow(/layout/)
    expect(() => native!.timeGemm(4, 4, 4, 1, 'both' as 'own')).toThrow(/timeGemm: how must be .*"apart"/)
  })

  it.runIf(native)('timeGemm apart: each thread runs the whole product on one thread (the pool is not used)', () => {
    const before = native!.poolState().workerTasks
    native!.timeGemm(256, 256, 256, 3, 'apart', 'nn', 2)
    expect(native!.poolState().workerTasks).toBe(before)
  })
})
