// The interleaved pair measurement of bench:train: the order of the sides in
// each round and the ratio statistics (median of the rounds' ratios, spread).
import { describe, expect, it } from 'vitest'
import { aFirst, median, pairRows, pairStats, quantile, runPair, type PairRound, type RoundTimes } from '../src/pair-rounds.js'

const steps = (...ms: number[]): RoundTimes => ({ times_ms: ms, cpu_ms: ms.map((m) => m / 2) })

describe('quantile', () => {
  it('interpolates between order statistics, whatever the input order', () => {
    expect(quantile([3, 1, 2], 0.5)).toBe(2)
    expect(quantile([4, 1, 3, 2], 0.5)).toBe(2.5)
    expect(quantile([1, 2, 3, 4, 5], 0.25)).toBe(2)
    expect(quantile([0, 10], 0.75)).toBe(7.5)
    expect(quantile([7], 0.9)).toBe(7)
    expect(median([5, 1, 100])).toBe(5)
  })

  it('is NaN for no values', () => {
    expect(quantile([], 0.5)).toBeNaN()
  })
})

describe('pairStats', () => {
  it('takes the ratio as the median of the per-round ratios of the rounds\' median steps', () => {
    // the host slows down 2x in round 2 and 4x in round 3: both sides alike, so every round's ratio is 0.5
    const rounds: PairRound[] = [
      { a: steps(10, 11, 9), b: steps(20, 20, 21) },
      { a: steps(20, 22, 18), b: steps(40, 41, 40) },
      { a: steps(40, 44, 36), b: steps(80, 81, 80) },
    ]
    const s = pairStats(rounds)
    expect(s.rounds).toBe(3)
    expect(s.ratio).toBe(0.5)
    expect([s.min, s.q1, s.q3, s.max]).toEqual([0.5, 0.5, 0.5, 0.5])
    // over all steps, the medians of each side
    expect(s.a.median_ms).toBe(20)
    expect(s.b.median_ms).toBe(40)
    expect(s.a.cpu_ms).toBe(10)
    expect(s.cpuRatio).toBe(0.5)
    expect(s.idleCpuMs.a).toBeNaN()
  })

  it('gives the spread of the round ratios: quartiles and extremes', () => {
    const ratios = [0.8, 1.2, 0.9, 1.0, 1.1]
    const rounds = ratios.map((r) => ({ a: steps(100 * r), b: steps(100) }))
    const s = pairStats(rounds)
    expect(s.ratio).toBeCloseTo(1.0, 12)
    expect(s.q1).toBeCloseTo(0.9, 12)
    expect(s.q3).toBeCloseTo(1.1, 12)
    expect(s.min).toBeCloseTo(0.8, 12)
    expect(s.max).toBeCloseTo(1.2, 12)
  })

  it('reports the median CPU time each side used while waiting', () => {
    const r = (idleA: number, idleB: number): PairRound => ({ a: { ...steps(1), idle_cpu_ms: idleA }, b: { ...steps(1), idle_cpu_ms: idleB } })
    const s = pairStats([r(1, 0), r(3, 0.5), r(2, 0.25)])
    expect(s.idleCpuMs).toEqual({ a: 2, b: 0.25 })
  })

  it('refuses no rounds and rounds without steps, or with times and CPU times that do not pair up', () => {
    expect(() => pairStats([])).toThrow(/no rounds/)
    expect(() => pairStats([{ a: steps(), b: steps(1) }])).toThrow(/round 0 has 0 step times/)
    expect(() => pairStats([{ a: steps(1), b: { times_ms: [1, 2], cpu_ms: [1] } }])).toThrow(/round 0 has 2 step times and 1 CPU times/)
  })
})

describe('runPair', () => {
  it('warms both sides up, then alternates which side leads each round', async () => {
    const log: string[] = []
    const side = (name: string) => ({ run: async (k: number) => { log.push(`${name}${k}`); return steps(...Array<number>(k).fill(name === 'a' ? 1 : 2)) } })
    const seen: number[] = []
    const rounds = await runPair(side('a'), side('b'), { rounds: 3, steps: 2, warmup: 5 }, (i) => seen.push(i))
    expect(log).toEqual(['a5', 'b5', 'a2', 'b2', 'b2', 'a2', 'a2', 'b2'])
    expect(seen).toEqual([0, 1, 2])
    // each round keeps a's times as a and b's as b, whichever ran first
    expect(rounds.every((r) => r.a.times_ms[0] === 1 && r.b.times_ms[0] === 2)).toBe(true)
    expect([0, 1, 2, 3].map(aFirst)).toEqual([true, false, true, false])
  })

  it('skips the warm-up when it is 0', async () => {
    const log: number[] = []
    await runPair({ run: async (k) => { log.push(k); return steps(1) } }, { run: async (k) => { log.push(k); return steps(1) } }, { rounds: 1, steps: 1, warmup: 0 })
    expect(log).toEqual([1, 1])
  })
})

describe('pairRows', () => {
  it('writes both sides\' rows with the ratio, its spread and the tokens per second', () => {
    const s = pairStats([{ a: steps(50), b: steps(100) }, { a: steps(60), b: steps(100) }])
    const [adj, torch] = pairRows(s, 1, 1, 768, 'PyTorch 1.13')
    expect(adj).toBe('| adjoint, 1 thread | 55.0 | 27.5 | 13964 | **0.55x** | 0.53x-0.57x | 0.50x-0.60x | 0.55x | 2 x 1 |')
    expect(torch).toBe('| PyTorch 1.13, 1 thread | 100.0 | 50.0 | 7680 | 1.00x | | | | 2 x 1 |')
  })
})
