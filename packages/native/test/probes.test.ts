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
