// 2-thread scaling measured in adjacent pairs (bench:native): on a host whose
// cores' speed drifts from one second to the next, the best 1-thread sample
// and the best 2-thread sample come from different moments, and their ratio
// says as much about the drift as about the kernel. Here every round takes a
// 1-thread sample and a 2-thread sample back to back (which goes first
// alternating), and the scaling is the median over the rounds of
// (1-thread wall / 2-thread wall) of the pair: pair-rounds' statistics, with
// side a = 1 thread and b = 2 threads. Every round is kept.
import { aFirst, pairStats, type RoundTimes } from './pair-rounds.js'

/** One timed sample: wall and CPU seconds per unit of work (the same work on both sides of a pair). */
export interface Sample { wall: number, cpu: number }
export type Sampler = () => Sample

/**
 * The order in which round `round` runs its samplers, as [unit, index in the unit]: the units (one
 * sampler, or a pair [1 thread, 2 threads]) one after the other, the samplers of a unit back to
 * back; in the given order in even rounds and all reversed in odd ones (aFirst), so that each side
 * of a pair leads in half the rounds and no unit always runs in the caches another just left.
 */
export function roundOrder(unitSizes: readonly number[], round: number): [number, number][] {
  const order = unitSizes.flatMap((size, u) => Array.from({ length: size }, (_, j): [number, number] => [u, j]))
  return aFirst(round) ? order : order.reverse()
}

/** Runs `rounds` rounds of every unit's samplers (in roundOrder); per unit, per round, its samples in the unit's own order. */
export function runRounds(units: readonly (readonly Sampler[])[], rounds: number): Sample[][][] {
  const out = units.map((): Sample[][] => [])
  for (let i = 0; i < rounds; i++) {
    const got = units.map((u) => new Array<Sample>(u.length))
    for (const [u, j] of roundOrder(units.map((x) => x.length), i)) got[u]![j] = units[u]![j]!()
    got.forEach((s, u) => out[u]!.push(s))
  }
  return out
}

/** The smallest wall time and the smallest CPU time of sampler `j` of a unit over its rounds (each may come from a different round). */
export function bestOf(rounds: readonly (readonly Sample[])[], j: number): Sample {
  if (rounds.length === 0) throw new Error('bestOf: no rounds')
  return { wall: Math.min(...rounds.map((r) => r[j]!.wall)), cpu: Math.min(...rounds.map((r) => r[j]!.cpu)) }
}

/** 2-thread scaling over the pairs: median and spread of the per-pair ratios 1-thread wall / 2-thread wall. */
export interface Scaling {
  pairs: number
  median: number
  q1: number
  q3: number
  min: number
  max: number
}

const side = (s: Sample): RoundTimes => ({ times_ms: [s.wall * 1e3], cpu_ms: [s.cpu * 1e3] })

/** The scaling of a unit [1 thread, 2 threads] from its rounds (every pair counts; throws on none or on a round without both samples). */
export function scalingOf(rounds: readonly (readonly Sample[])[]): Scaling {
  rounds.forEach((r, i) => {
    if (r.length !== 2 || !r[0] || !r[1]) throw new Error(`scalingOf: round ${i} has ${r.filter(Boolean).length} samples (expected a 1-thread and a 2-thread one)`)
  })
  const s = pairStats(rounds.map(([one, two]) => ({ a: side(one!), b: side(two!) })))
  return { pairs: s.rounds, median: s.ratio, q1: s.q1, q3: s.q3, min: s.min, max: s.max }
}

/** "1.93x", or "—" for none. */
export const scalingText = (s: Scaling | null | undefined): string => (s ? `${s.median.toFixed(2)}x` : '—')
/** The middle half of the pairs' ratios, "1.81-2.01" ("—" for none). */
export const spreadText = (s: Scaling | null | undefined): string => (s ? `${s.q1.toFixed(2)}-${s.q3.toFixed(2)}` : '—')
