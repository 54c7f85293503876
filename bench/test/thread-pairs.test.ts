// bench:native's 2-thread scaling: which sample runs when in a round, and the
// median of the per-pair ratios 1-thread wall / 2-thread wall.
import { describe, expect, it } from 'vitest'
import { bestOf, roundOrder, runRounds, type Sample, scalingOf, scalingText, spreadText } from '../src/thread-pairs.js'

const s = (wall: number, cpu = wall): Sample => ({ wall, cpu })

describe('roundOrder', () => {
  it('runs the units one after another, each unit\'s samplers back to back, and reverses it all in odd rounds', () => {
    expect(roundOrder([2, 2, 1], 0)).toEqual([[0, 0], [0, 1], [1, 0], [1, 1], [2, 0]])
    expect(roundOrder([2, 2, 1], 1)).toEqual([[2, 0], [1, 1], [1, 0], [0, 1], [0, 0]])
    expect(roundOrder([2, 2, 1], 2)).toEqual(roundOrder([2, 2, 1], 0))
  })

  it('keeps the two samples of a pair adjacent, the first leading in even rounds and the second in odd ones', () => {
    for (let round = 0; round < 4; round++) {
      const order = roundOrder([2, 2, 2], round)
      for (let u = 0; u < 3; u++) {
        const i0 = order.findIndex(([x, j]) => x === u && j === 0), i1 = order.findIndex(([x, j]) => x === u && j === 1)
        expect(Math.abs(i0 - i1)).toBe(1)
        expect(i0 < i1).toBe(round % 2 === 0)
      }
    }
  })
})

describe('runRounds', () => {
  it('calls the samplers in roundOrder and gives each unit its samples per round in the unit\'s own order', () => {
    const log: string[] = []
    let t = 0
    const sampler = (name: string) => () => { log.push(name); return s(++t) }
    const [own, probe] = runRounds([[sampler('own1'), sampler('own2')], [sampler('probe1'), sampler('probe2')]], 2)
    expect(log).toEqual(['own1', 'own2', 'probe1', 'probe2', 'probe2', 'probe1', 'own2', 'own1'])
    expect(own).toEqual([[s(1), s(2)], [s(8), s(7)]])
    expect(probe).toEqual([[s(3), s(4)], [s(6), s(5)]])
  })

  it('takes single samplers as units of one', () => {
    const [only] = runRounds([[() => s(3)]], 3)
    expect(only).toEqual([[s(3)], [s(3)], [s(3)]])
  })
})

describe('bestOf', () => {
  it('takes the smallest wall and the smallest CPU time of one sampler, each from whichever round had it', () => {
    const rounds = [[s(5, 4), s(9)], [s(3, 6), s(1)], [s(7, 2), s(8)]]
    expect(bestOf(rounds, 0)).toEqual({ wall: 3, cpu: 2 })
    expect(bestOf(rounds, 1)).toEqual({ wall: 1, cpu: 1 })
    expect(() => bestOf([], 0)).toThrow(/no rounds/)
  })
})

describe('scalingOf', () => {
  it('is the median of 1-thread wall / 2-thread wall over the pairs, not the ratio of the best samples', () => {
    // the host's speed drifts 1.5x between rounds; within each pair the 2-thread sample is 1.9x faster
    const rounds = [1, 1.5, 1, 1.2, 0.8].map((speed) => [s(1.9 / speed), s(1 / speed)])
    const sc = scalingOf(rounds)
    expect(sc.pairs).toBe(5)
    for (const v of [sc.median, sc.q1, sc.q3, sc.min, sc.max]) expect(v).toBeCloseTo(1.9, 12)
  })

  it('does not divide the best 1-thread sample by the best 2-thread one, which may come from different moments', () => {
    // three pairs at 2x; in the fourth the 1-thread sample caught a fast moment and the 2-thread one a slow one
    const rounds = [[s(2), s(1)], [s(2), s(1)], [s(2), s(1)], [s(1.5), s(1.2)]]
    expect(scalingOf(rounds).median).toBe(2)
    expect(bestOf(rounds, 0).wall / bestOf(rounds, 1).wall).toBe(1.5)
  })

  it('counts every pair: an outlier moves the extremes and the quartiles, not the median', () => {
    const ratios = [1.9, 2.0, 1.8, 1.85, 0.5]
    const close = (x: number) => expect.closeTo(x, 12)
    expect(scalingOf(ratios.map((r) => [s(r), s(1)]))).toEqual({ pairs: 5, median: close(1.85), q1: close(1.8), q3: close(1.9), min: close(0.5), max: close(2.0) })
  })

  it('uses wall time only (a 2-thread sample\'s CPU time is the calling thread\'s)', () => {
    expect(scalingOf([[s(2, 2), s(1, 100)]]).median).toBe(2)
  })

  it('refuses no pairs and a round without both samples', () => {
    expect(() => scalingOf([])).toThrow(/no rounds/)
    expect(() => scalingOf([[s(1)]])).toThrow(/round 0 has 1 samples/)
    expect(() => scalingOf([[s(1), s(1)], [s(1), s(1), s(1)]])).toThrow(/round 1 has 3 samples/)
  })
})

describe('scalingText / spreadText', () => {
  it('writes the median and the middle half, or a dash for none', () => {
    const sc = scalingOf([[s(1.9), s(1)], [s(2), s(1)], [s(1.7), s(1)]])
    expect(scalingText(sc)).toBe('1.90x')
    expect(spreadText(sc)).toBe('1.80-1.95')
    expect(scalingText(null)).toBe('—')
    expect(spreadText(undefined)).toBe('—')
  })
})
