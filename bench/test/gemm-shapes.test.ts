// bench:native's measurement of one gemm shape (with a stand-in addon that
// logs its calls and returns chosen times), the FMA probe's samples, the shape
// filter and the rounds setting; the decode calls' round order.
import type { NativeAddon } from '@adjoint/native'
import { describe, expect, it } from 'vitest'
import { decodeFloor, DECODE_SHAPES, GEMM_SHAPES, probeSampler, roundsFromEnv, selectShapes, timeDecodeCalls, timeShape } from '../src/gemm-shapes.js'

/** timeGemm: seconds per call = base[how] / threads^speedup, times the host's speed at that call; fmaPeak: GFLOP/s. */
function fakeAddon(speedAt: (call: number, what: string) => number) {
  const log: string[] = []
  let calls = 0
  const addon = {
    timeGemm: (_m: number, _n: number, _k: number, _iters: number, how: string, _layout: string, threads: number): [number, number] => {
      log.push(`${how}${threads}`)
      // 'apart': each of the 2 threads runs the own product, 5% slower than alone
      const t = (how === 'apart' ? 1.05e-3 : (how === 'own' ? 1e-3 : 2e-3) / (threads === 2 ? 1.9 : 1)) * speedAt(calls++, how)
      return [t, t * 1.01]
    },
    fmaPeak: (_isa: string, _iters: number, threads = 1): [number, number] => {
      log.push(`probe${threads}`)
      return [100 * (threads === 2 ? 1.96 : 1) / speedAt(calls++, 'probe'), 100]
    },
  }
  return { addon: addon as unknown as NativeAddon, log }
}

const g = GEMM_SHAPES.find((x) => x.m === 768 && x.k === 128 && x.n === 384)!

describe('timeShape', () => {
  it('samples each kernel\'s 1 and 2 threads back to back, then the probe\'s pair, then own 1T and apart, all reversed every other round', () => {
    const { addon, log } = fakeAddon(() => 1)
    timeShape(addon, g, { hows: ['own', 'cblas'], twoThreads: true, rounds: 2, probe: { isa: 'avx512', iters: 10 } })
    // the four warm-up calls come first (iters 1)
    expect(log.slice(4)).toEqual(['own1', 'own2', 'cblas1', 'cblas2', 'probe1', 'probe2', 'own1', 'apart2', 'apart2', 'own1', 'probe2', 'probe1', 'cblas2', 'cblas1', 'own2', 'own1'])
  })

  it('gives best-of GFLOP/s per kernel and thread count, and 2T / 1T as the median of the pairs under a drifting host', () => {
    // the host's speed (time factor) changes from one pair to the next, by up to 1.9x; both samples of a pair see the same
    const drift = [1, 1.5, 1.2, 0.8, 1.3, 1.1]
    const { addon } = fakeAddon((c, how) => {
      if (c < 4) return 1 // warm-up calls
      return drift[Math.floor((c - 4) / 8)]! * (how === 'cblas' ? 1.1 : 1)
    })
    const flops = 2 * g.m * g.k * g.n
    const r = timeShape(addon, g, { hows: ['own', 'cblas'], twoThreads: true, rounds: 6, probe: { isa: 'avx512', iters: 10 } })
    const [own, cblas] = r.kernels
    expect(own!.how).toBe('own')
    expect(own!.one.wall).toBeCloseTo(flops / (1e-3 * 0.8) / 1e9, 6)
    expect(own!.one.cpu).toBeCloseTo(flops / (1.01e-3 * 0.8) / 1e9, 6)
    expect(own!.two!.wall).toBeCloseTo(flops / (1e-3 / 1.9 * 0.8) / 1e9, 6)
    expect(cblas!.one.wall).toBeCloseTo(flops / (2e-3 * 0.88) / 1e9, 6)
    for (const k of [own!, cblas!]) {
      expect(k.scaling!.pairs).toBe(6)
      expect(k.scaling!.median).toBeCloseTo(1.9, 12)
      expect(k.scaling!.min).toBeCloseTo(1.9, 12)
    }
    // the probe's pair: 2-thread GFLOP/s over 1-thread GFLOP/s
    expect(r.probe!.median).toBeCloseTo(1.96, 12)
    expect(r.probe!.pairs).toBe(6)
    // apart: two products in one 'apart' sample's time, against one on 1 thread: 2 x 1 / 1.05
    expect(r.apart!.median).toBeCloseTo(2 / 1.05, 12)
    expect(r.apart!.pairs).toBe(6)
  })

  it('on one thread: no 2-thread samples, no scaling, no probe', () => {
    const { addon, log } = fakeAddon(() => 1)
    const r = timeShape(addon, g, { hows: ['own'], twoThreads: false, rounds: 3, probe: { isa: 'avx512', iters: 10 } })
    expect(log.slice(1)).toEqual(['own1', 'own1', 'own1'])
    expect(r.kernels[0]!.two).toBeNull()
    expect(r.kernels[0]!.scaling).toBeNull()
    expect(r.probe).toBeNull()
    expect(r.apart).toBeNull()
  })
})

describe('probeSampler', () => {
  it('turns the probe\'s GFLOP/s into time per unit of work, so that a pair\'s ratio is 2T GFLOP/s / 1T GFLOP/s', () => {
    const calls: unknown[][] = []
    const addon = { fmaPeak: (...a: unknown[]) => { calls.push(a); return a[2] === 2 ? [300, 150] : [160, 160] } } as unknown as NativeAddon
    const one = probeSampler(addon, { isa: 'avx2', iters: 1234 }, 1)(), two = probeSampler(addon, { isa: 'avx2', iters: 1234 }, 2)()
    expect(calls).toEqual([['avx2', 1234, 1], ['avx2', 1234, 2]])
    expect(one.wall / two.wall).toBeCloseTo(300 / 160, 12)
    expect(one.cpu).toBeCloseTo(1 / 160, 12)
  })
})

describe('selectShapes', () => {
  it('keeps the shapes whose name or dims contain one of the comma-separated parts; all for none', () => {
    expect(selectShapes(GEMM_SHAPES, '')).toEqual(GEMM_SHAPES)
    expect(selectShapes(GEMM_SHAPES, '512x512x512').map((x) => x.name)).toEqual(['512 (square)'])
    expect(selectShapes(GEMM_SHAPES, ' LM head , 1024x1024x1024 nn').map((x) => x.name)).toEqual(['1024 (square)', 'LM head x @ wte^T', 'LM head dW = dY^T @ X'])
  })

  it('refuses a filter that matches nothing, listing the shapes', () => {
    expect(() => selectShapes(GEMM_SHAPES, '3x3x3')).toThrow(/BENCH_NATIVE_SHAPES="3x3x3" matches none of: 512x512x512 nn, /)
  })
})

describe('roundsFromEnv', () => {
  it('is 150 unless set, and a whole number >= 1 when set', () => {
    expect(roundsFromEnv(undefined)).toBe(150)
    expect(roundsFromEnv('')).toBe(150)
    expect(roundsFromEnv('8')).toBe(8)
    for (const bad of ['0', '-3', '2.5', 'many']) expect(() => roundsFromEnv(bad)).toThrow(/BENCH_NATIVE_ROUNDS must be a whole number >= 1, got "/)
  })
})

describe('timeDecodeCalls', () => {
  it('runs the thread counts back to back in each round, alternating which goes first, and pairs them', () => {
    const set: number[] = []
    const r = timeDecodeCalls(DECODE_SHAPES[1]!, [1, 2], (n) => set.push(n), 3)
    expect(set).toEqual([1, 2, 2, 1, 1, 2])
    expect(r.best).toHaveLength(2)
    for (const t of r.best) expect(t.wall).toBeGreaterThan(0)
    expect(r.scaling!.pairs).toBe(3)
    expect(r.scaling!.median).toBeGreaterThan(0)
  })

  it('on one thread count: no pairs', () => {
    const r = timeDecodeCalls(DECODE_SHAPES[3]!, [1], () => {}, 2)
    expect(r.best).toHaveLength(1)
    expect(r.scaling).toBeNull()
  })
})

describe('decodeFloor', () => {
  // a stand-in addon: reads at 100 GB/s, a 0.4 µs round trip; the empty call is timed for real
  function floorAddon() {
    const log: string[] = []
    const addon = {
      gemm: () => { log.push('gemm') },
      readPeak: (_isa: string, kib: number, passes: number): [number, number] => {
        log.push(`read ${kib} ${passes}`)
        return [120, 100]
      },
      poolRoundTrip: (iters: number): [number, number] => {
        log.push(`trip ${iters}`)
        return [0.4e-6, 1]
      },
    }
    return { addon: addon as unknown as NativeAddon, log }
  }

  it('is the empty call plus the read of A\'s row and B at the read peak, halved on 2 threads with the round trip', () => {
    const { addon, log } = floorAddon()
    const set: number[] = []
    const g = DECODE_SHAPES[0]! // 1 x 128 x 384: 193 KiB with A's row
    const f = decodeFloor(addon, 'avx512', g, true, (n) => set.push(n))()
    const kib = Math.ceil((g.m * g.k + g.k * g.n) * 4 / 1024)
    expect(log).toContain(`read ${kib} 50`)
    expect(log).toContain('trip 2000')
    expect(set).toEqual([2])
    const read = kib * 1024 / 100e3 // µs at 100 GB/s
    const call = f.cpu - read
    expect(call).toBeGreaterThan(0)
    expect(f.wall).toBeCloseTo(call + (read + 0.4) / 2, 6)
  })

  it('on 2 threads, never above the 1-thread floor (a product too small to split runs on one thread)', () => {
    const { addon } = floorAddon()
    const f = decodeFloor(addon, 'avx512', DECODE_SHAPES[3]!, true, () => {})() // 1 x 64 x 32: 8 KiB
    expect(f.wall).toBe(f.cpu) // 9 KiB at 100 GB/s: 0.09 µs alone, (0.09 + 0.4) / 2 split
  })

  it('on one thread: no round trip, the same figure by wall and CPU', () => {
    const { addon, log } = floorAddon()
    const f = decodeFloor(addon, 'avx2', DECODE_SHAPES[3]!, false, () => { throw new Error('no thread change on one thread') })()
    expect(log.some((l) => l.startsWith('trip'))).toBe(false)
    expect(f.wall).toBe(f.cpu)
  })
})
