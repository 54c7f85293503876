// The statistics of an interleaved pair measurement (bench:train): rounds in
// which each side runs K training steps back to back, so that a host whose
// speed drifts over minutes slows both sides of a round alike. The ratio is
// the median of the per-round ratios (each round's median step of side a over
// side b's), its spread the quartiles and the extremes of those ratios.

/** One side's K steps of a round: wall and process CPU time of each step (ms), and the CPU time its process used while it waited for this round (the other side's turn: ~0 when the waiting side does not compete). */
export interface RoundTimes {
  times_ms: number[]
  cpu_ms: number[]
  idle_cpu_ms?: number
}

/** A round of the pair: side a's steps and side b's (in either order). */
export interface PairRound {
  a: RoundTimes
  b: RoundTimes
}

export interface PairStats {
  rounds: number
  /** Median step over all rounds (wall, ms) and median CPU time per step (ms), each side. */
  a: { median_ms: number; cpu_ms: number }
  b: { median_ms: number; cpu_ms: number }
  /** Median of the per-round ratios a / b of the rounds' median steps. */
  ratio: number
  /** Quartiles and extremes of the per-round ratios. */
  q1: number
  q3: number
  min: number
  max: number
  /** The same, of the rounds' median CPU times per step (a / b). */
  cpuRatio: number
  /** Median CPU time each side's process used while waiting for a round (ms; NaN if not reported). */
  idleCpuMs: { a: number; b: number }
}

/** The q-quantile (0..1) of the values, linearly interpolated between order statistics; NaN for none. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return NaN
  const s = [...values].sort((x, y) => x - y)
  const pos = (s.length - 1) * q, lo = Math.floor(pos), hi = Math.ceil(pos)
  return s[lo]! + (s[hi]! - s[lo]!) * (pos - lo)
}

export const median = (values: readonly number[]): number => quantile(values, 0.5)

/** The pair's figures from its rounds (throws on no rounds or a round with no steps: a ratio of nothing is no figure). */
export function pairStats(rounds: readonly PairRound[]): PairStats {
  if (rounds.length === 0) throw new Error('pairStats: no rounds to take a ratio of')
  for (const [i, r] of rounds.entries()) {
    for (const side of [r.a, r.b]) {
      if (side.times_ms.length === 0 || side.times_ms.length !== side.cpu_ms.length) throw new Error(`pairStats: round ${i} has ${side.times_ms.length} step times and ${side.cpu_ms.length} CPU times (expected the same number, at least 1)`)
    }
  }
  const ratios = rounds.map((r) => median(r.a.times_ms) / median(r.b.times_ms))
  const side = (pick: (r: PairRound) => RoundTimes) => ({
    median_ms: median(rounds.flatMap((r) => pick(r).times_ms)),
    cpu_ms: median(rounds.flatMap((r) => pick(r).cpu_ms)),
  })
  return {
    rounds: rounds.length,
    a: side((r) => r.a),
    b: side((r) => r.b),
    ratio: median(ratios),
    q1: quantile(ratios, 0.25),
    q3: quantile(ratios, 0.75),
    min: Math.min(...ratios),
    max: Math.max(...ratios),
    cpuRatio: median(rounds.map((r) => median(r.a.cpu_ms) / median(r.b.cpu_ms))),
    idleCpuMs: { a: idle(rounds.map((r) => r.a)), b: idle(rounds.map((r) => r.b)) },
  }
}

const idle = (sides: RoundTimes[]): number => median(sides.flatMap((s) => (s.idle_cpu_ms === undefined ? [] : [s.idle_cpu_ms])))

/** Which side runs first in round i: a in even rounds, b in odd ones (each side leads half the rounds). */
export const aFirst = (round: number): boolean => round % 2 === 0

/** A side of the pair: runs k training steps and gives their times. */
export interface PairSide {
  run(steps: number): Promise<RoundTimes>
}

export interface PairPlan {
  rounds: number
  /** Timed steps per side and round. */
  steps: number
  /** Untimed steps of each side before the first round. */
  warmup: number
}

/** The interleaved measurement: both sides warm up, then `rounds` rounds of `steps` steps each, the side that leads alternating. */
export async function runPair(a: PairSide, b: PairSide, plan: PairPlan, onRound?: (i: number, r: PairRound) => void): Promise<PairRound[]> {
  if (plan.warmup > 0) {
    await a.run(plan.warmup)
    await b.run(plan.warmup)
  }
  const rounds: PairRound[] = []
  for (let i = 0; i < plan.rounds; i++) {
    let ra: RoundTimes, rb: RoundTimes
    if (aFirst(i)) { ra = await a.run(plan.steps); rb = await b.run(plan.steps) }
    else { rb = await b.run(plan.steps); ra = await a.run(plan.steps) }
    rounds.push({ a: ra, b: rb })
    onRound?.(i, rounds[i]!)
  }
  return rounds
}

/** A config's rows of a report table (see pairReport): adjoint (side a) and PyTorch (side b), tokensPerStep for the rates. */
export function pairRows(s: PairStats, threads: number, steps: number, tokensPerStep: number, torchName: string): string[] {
  const f1 = (v: number) => v.toFixed(1), x = (v: number) => `${v.toFixed(2)}x`
  const rate = (ms: number) => Math.round(tokensPerStep / ms * 1000)
  return [
    `| adjoint, ${threadsText(threads)} | ${f1(s.a.median_ms)} | ${f1(s.a.cpu_ms)} | ${rate(s.a.median_ms)} | **${x(s.ratio)}** | ${x(s.q1)}-${x(s.q3)} | ${x(s.min)}-${x(s.max)} | ${x(s.cpuRatio)} | ${s.rounds} x ${steps} |`,
    `| ${torchName}, ${threadsText(threads)} | ${f1(s.b.median_ms)} | ${f1(s.b.cpu_ms)} | ${rate(s.b.median_ms)} | 1.00x | | | | ${s.rounds} x ${steps} |`,
  ]
}

export const threadsText = (n: number): string => `${n} thread${n === 1 ? '' : 's'}`

/** The pairs' part of a report section: how they were measured, the table (one pair per thread count), what the waiting sides used. */
export function pairReport(plan: PairPlan, pairs: readonly { threads: number; stats: PairStats }[], tokensPerStep: number, torchName: string): string {
  return `Measured in interleaved rounds: after ${plan.warmup} untimed steps on each side, ${plan.rounds} rounds in which adjoint runs ${plan.steps} steps and then PyTorch ${plan.steps} (the other order in every other round), both sides alive all along (PyTorch in a child process that waits for its turn), so that a host whose speed drifts slows both sides of a round alike. The ratio is the median over the rounds of (adjoint's median step / PyTorch's median step in that round); the middle half and the extremes of those per-round ratios show its spread. CPU per step is the process's CPU time (all its threads): CPU above the wall time means the side used more than one core.

| | median step (ms) | CPU per step (ms, median) | tokens/s | ratio (median of the rounds' ratios) | rounds' ratios, middle half | rounds' ratios, min-max | CPU ratio (median of rounds) | rounds x steps per side |
| --- | --- | --- | --- | --- | --- | --- | --- | --- |
${pairs.flatMap((p) => pairRows(p.stats, p.threads, plan.steps, tokensPerStep, torchName)).join('\n')}

CPU each side's process used while it waited for the other's ${plan.steps} steps (median per round): ${pairs.map((p) => `${threadsText(p.threads)}: adjoint ${p.stats.idleCpuMs.a.toFixed(1)} ms, PyTorch ${p.stats.idleCpuMs.b.toFixed(1)} ms`).join('; ')}.`
}
