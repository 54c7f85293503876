// The gemm shapes bench:native measures (GPT reference config: 12 x 64 tokens,
// 128 wide, 4 heads of 32, MLP 512, vocabulary 65) and how one is timed: inside
// C++ (addon.timeGemm, no N-API per call), best of many samples, by the
// calling thread's CPU time for one thread (what the neighbours on a shared
// machine disturb least) and by wall time for two; 2-thread scaling as the
// median of adjacent 1-thread / 2-thread pairs (thread-pairs.ts).
import { getBackend, Layout as CoreLayout, zeros } from '@adjoint/core'
import { type NativeAddon, packLayout } from '@adjoint/native'
import { bestOf, runRounds, type Sample, type Sampler, type Scaling, scalingOf } from './thread-pairs.js'

export type Layout = 'nn' | 'nt' | 'tn'
export interface GemmShape { name: string, m: number, k: number, n: number, layout: Layout }

const s = (name: string, m: number, k: number, n: number, layout: Layout): GemmShape => ({ name, m, k, n, layout })
export const GEMM_SHAPES: GemmShape[] = [
  s('512 (square)', 512, 512, 512, 'nn'),
  s('1024 (square)', 1024, 1024, 1024, 'nn'),
  s('qkv projection x @ W^T', 768, 128, 384, 'nt'),
  s('attention output x @ W^T', 768, 128, 128, 'nt'),
  s('MLP up x @ W^T', 768, 128, 512, 'nt'),
  s('MLP down x @ W^T', 768, 512, 128, 'nt'),
  s('LM head x @ wte^T', 768, 128, 65, 'nt'),
  s('qkv dX = dY @ W', 768, 384, 128, 'nn'),
  s('MLP up dX = dY @ W', 768, 512, 128, 'nn'),
  s('MLP down dX = dY @ W', 768, 128, 512, 'nn'),
  s('qkv dW = dY^T @ X', 384, 768, 128, 'tn'),
  s('MLP down dW = dY^T @ X', 128, 768, 512, 'tn'),
  s('LM head dW = dY^T @ X', 65, 768, 128, 'tn'),
  s('attention scores q @ k^T (per head)', 64, 32, 64, 'nt'),
  s('attention att @ v (per head)', 64, 64, 32, 'nn'),
  s('attention dV = att^T @ dY (per head)', 64, 64, 32, 'tn'),
]

/** Decoding: one query row. */
export const DECODE_SHAPES: GemmShape[] = [
  s('qkv x @ W^T', 1, 128, 384, 'nt'),
  s('LM head x @ wte^T', 1, 128, 65, 'nt'),
  s('MLP down x @ W^T', 1, 512, 128, 'nt'),
  s('attention att @ v', 1, 64, 32, 'nn'),
]

export interface Timing { cpu: number, wall: number }
export type How = 'own' | 'cblas'
/** The FMA probe interleaved with a shape's samples: addon.fmaPeak(isa, iters, 1 or 2 threads). */
export interface ProbePlan { isa: string, iters: number }
/** How a shape is measured: which kernels, on 1 thread or on 1 and 2, in how many rounds, with or without the probe. */
export interface ShapePlan { hows: How[], twoThreads: boolean, rounds: number, probe: ProbePlan | null }
/** One kernel on one shape: GFLOP/s, best of the rounds, on 1 thread and 2; 2T / 1T as the median of the rounds' pairs. */
export interface KernelTimes { how: How, one: Timing, two: Timing | null, scaling: Scaling | null }
/**
 * probe: the FMA probe's 2T / 1T; apart: the own kernel on one thread, run on both cores at once
 * (timeGemm 'apart'), over one thread alone: what the two cores give this very kernel at that
 * moment, the ceiling of its split's 2T / 1T (both medians of pairs; null unless probed).
 */
export interface ShapeTimes { kernels: KernelTimes[], probe: Scaling | null, apart: Scaling | null }

/** Rounds per shape when none are asked for (BENCH_NATIVE_ROUNDS): enough pairs for a stable median. */
export const DEFAULT_ROUNDS = 150

/**
 * A shape's kernels measured in `plan.rounds` rounds (thread-pairs.ts): in each, every kernel's
 * 1-thread and 2-thread samples back to back, the FMA probe's pair (what the two cores could
 * give at that moment), and, with the probe, the own kernel's 1-thread sample next to the same
 * product run on one thread on both cores at once ('apart': what the cores give this kernel
 * together, with no split and no hand-off); the order reverses every round, so that each side of a pair leads in half
 * the rounds and none always runs in the caches another just left. A sample is ~1 ms (or one
 * call, when a call takes longer), timed inside C++ (addon.timeGemm, no N-API per call): on a
 * machine shared with other jobs, a short sample is more often one that nothing else interrupted.
 * GFLOP/s: best of the rounds, by the calling thread's CPU time (cpu) and by wall time (wall);
 * 2T / 1T: the median over the rounds of (1-thread wall / 2-thread wall) of the round's pair.
 * Each sample starts with untimed calls (timeGemm's): on 2 threads, until one of the own pool's
 * workers took part in one (a worker that slept since the last sample takes 50-300 µs to run again
 * once woken in a VM), or for 1 ms for OpenBLAS, so that samples time back-to-back products with
 * awake threads, as in a training step; the operands stay allocated from one sample of a shape to the next (timeGemm keeps them), as a
 * training step's buffers do, for own and OpenBLAS alike.
 */
export function timeShape(addon: NativeAddon, g: GemmShape, plan: ShapePlan): ShapeTimes {
  const flops = 2 * g.m * g.n * g.k
  const iters = Math.max(1, Math.round(1e-3 * 100e9 / flops))
  const threads = plan.twoThreads ? [1, 2] : [1]
  for (const how of plan.hows) for (const t of threads) addon.timeGemm(g.m, g.n, g.k, 1, how, g.layout, t) // warm up
  const gemm = (how: How, t: number): Sampler => () => {
    const [wall, cpu] = addon.timeGemm(g.m, g.n, g.k, iters, how, g.layout, t)
    return { wall, cpu }
  }
  const units = plan.hows.map((how) => threads.map((t) => gemm(how, t)))
  const probe = plan.twoThreads ? plan.probe : null
  if (probe) units.push([probeSampler(addon, probe, 1), probeSampler(addon, probe, 2)])
  const apart = probe !== null && plan.hows.includes('own')
  if (apart) {
    // two products in the 'apart' sample's time: per product, half of it (the pair's ratio is then 2 x 1T / apart)
    units.push([gemm('own', 1), () => {
      const [wall, cpu] = addon.timeGemm(g.m, g.n, g.k, iters, 'apart', g.layout, 2)
      return { wall: wall / 2, cpu }
    }])
  }
  const rounds = runRounds(units, plan.rounds)
  const gflops = (s: Sample): Timing => ({ cpu: flops / s.cpu / 1e9, wall: flops / s.wall / 1e9 })
  return {
    kernels: plan.hows.map((how, h) => ({
      how,
      one: gflops(bestOf(rounds[h]!, 0)),
      two: plan.twoThreads ? gflops(bestOf(rounds[h]!, 1)) : null,
      scaling: plan.twoThreads ? scalingOf(rounds[h]!) : null,
    })),
    probe: probe ? scalingOf(rounds[plan.hows.length]!) : null,
    apart: apart ? scalingOf(rounds[units.length - 1]!) : null,
  }
}

/** The FMA probe on `threads` threads as a sample: seconds per GFLOP of the total (2 threads do twice the work, so the pair's ratio is 2T GFLOP/s / 1T GFLOP/s). */
export function probeSampler(addon: NativeAddon, p: ProbePlan, threads: number): Sampler {
  return () => {
    const [wall, cpu] = addon.fmaPeak(p.isa, p.iters, threads)
    return { wall: 1 / wall, cpu: 1 / cpu }
  }
}

/** Iterations of the isa's FMA probe that take about `seconds` on one thread (from the best of 5 timed runs of 10^5). */
export function probePlan(addon: NativeAddon, isa: string, seconds = 1e-3): ProbePlan {
  const n = 1e5
  let best = Infinity
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now()
    addon.fmaPeak(isa, n, 1)
    best = Math.min(best, (performance.now() - t0) / 1e3)
  }
  return { isa, iters: Math.max(1, Math.round(n * seconds / best)) }
}

/**
 * The shapes whose name or "m x k x n layout" contains one of the comma-separated parts of `filter`
 * (BENCH_NATIVE_SHAPES, e.g. "512x512x512,LM head"); all of them without one. Throws when none match.
 */
export function selectShapes(shapes: readonly GemmShape[], filter = process.env.BENCH_NATIVE_SHAPES ?? ''): GemmShape[] {
  const parts = filter.split(',').map((p) => p.trim()).filter(Boolean)
  if (parts.length === 0) return [...shapes]
  const picked = shapes.filter((g) => parts.some((p) => g.name.includes(p) || shapeDims(g).includes(p)))
  if (picked.length === 0) throw new Error(`BENCH_NATIVE_SHAPES="${filter}" matches none of: ${shapes.map(shapeDims).join(', ')}`)
  return picked
}

/** "768x128x384 nt": m x k x n and the layout. */
export const shapeDims = (g: GemmShape): string => `${g.m}x${g.k}x${g.n} ${g.layout}`

/** Rounds per shape asked for in BENCH_NATIVE_ROUNDS (default DEFAULT_ROUNDS); at least 1. */
export function roundsFromEnv(value = process.env.BENCH_NATIVE_ROUNDS): number {
  const n = value === undefined || value === '' ? DEFAULT_ROUNDS : Number(value)
  if (!Number.isInteger(n) || n < 1) throw new Error(`BENCH_NATIVE_ROUNDS must be a whole number >= 1, got "${value}"`)
  return n
}

/**
 * What the machine allows a decode call of shape g right now, in µs per call (a reference measured in
 * the same rounds as the calls, not a bound the kernel could not beat by a hair): the empty call
 * (addon.gemm with m = 0: N-API and argument checks) plus A's row and B read once at one core's read
 * peak (addon.readPeak, the median of 50 passes over a buffer of their size); on 2 threads (wall) that read
 * halved plus the pool's hand-off round trip (addon.poolRoundTrip). cpu: the 1-thread floor, wall: the
 * better of it and the 2-thread one (a product too small to split runs on one thread).
 */
export function decodeFloor(addon: NativeAddon, isa: string, g: GemmShape, twoThreads: boolean, setThreads: (n: number) => void): Sampler {
  const { m, k, n } = g
  const a = new Float32Array(m * k), b = new Float32Array(k * n), c = new Float32Array(m * n)
  const aL = packLayout(CoreLayout.contiguous([0, k])), bL = packLayout(CoreLayout.contiguous([k, n])), cL = packLayout(CoreLayout.contiguous([0, n]))
  const empty = () => {
    for (let i = 0; i < 200; i++) addon.gemm(a, aL, b, bL, c, cL, 1, 0)
    const t0 = performance.now()
    for (let i = 0; i < 2000; i++) addon.gemm(a, aL, b, bL, c, cL, 1, 0)
    return (performance.now() - t0) * 1e3 / 2000
  }
  const kib = Math.ceil((m * k + k * n) * 4 / 1024)  // the calls read A's row too
  return () => {
    const call = empty()
    const read = kib * 1024 / (addon.readPeak(isa, kib, 50)[1] * 1e3)  // µs
    const one = call + read
    if (!twoThreads) return { cpu: one, wall: one }
    setThreads(2)
    // a product too small to split runs on one thread: the better of the two
    return { cpu: one, wall: Math.min(one, call + (read + addon.poolRoundTrip(2000)[0] * 1e6) / 2) }
  }
}

/**
 * µs per call of core's registered gemm (the native forwarder: layouts packed, N-API call,
 * argument checks, product) on one decode shape, for each thread count in `threads` (set with
 * setThreads): `rounds` rounds in which each thread count runs 300 untimed and 2000 timed calls,
 * back to back, the order alternating; per round, one sample per thread count (wall, and process
 * CPU, which includes the pool's workers, spinning between calls too), and with `floor`
 * (decodeFloor) its sample after them.
 */
export function decodeRounds(g: GemmShape, threads: number[], setThreads: (n: number) => void, rounds = 40, floor: Sampler | null = null): Sample[][] {
  const { m, k, n, layout } = g
  // allocated as core allocates a tensor's data (with the native package loaded: from 4 KiB on a 64-byte line)
  const array = (len: number, fill: () => number) => {
    const t = zeros([len]).data as Float32Array
    for (let i = 0; i < len; i++) t[i] = fill()
    return t
  }
  const a = array(m * k, () => Math.random() - 0.5), b = array(k * n, () => Math.random() - 0.5), c = array(m * n, () => 0)
  const aL = CoreLayout.contiguous([m, k]), bL = layout === 'nt' ? new CoreLayout([k, n], [1, k], 0) : CoreLayout.contiguous([k, n]), cL = CoreLayout.contiguous([m, n])
  const gemm = getBackend().gemm
  const call = () => gemm(a, aL, b, bL, c, cL, 1, 0)
  const calls = (t: number): Sampler => () => {
    setThreads(t)
    for (let i = 0; i < 300; i++) call()
    const c0 = process.cpuUsage(), t0 = performance.now()
    for (let i = 0; i < 2000; i++) call()
    const wall = (performance.now() - t0) * 1e3 / 2000
    const d = process.cpuUsage(c0)
    return { wall, cpu: (d.user + d.system) / 2000 }
  }
  if (!floor) return runRounds([threads.map(calls)], rounds)[0]!
  // the floor as one more sample at the end of each round's samples
  const [got, floors] = runRounds([threads.map(calls), [floor]], rounds)
  return got!.map((r, i) => [...r, floors![i]![0]!])
}

/** Per thread count, the best of the rounds; for two thread counts, the median over the rounds of (first's wall / second's wall). */
export function decodeSummary(rounds: Sample[][], threadCounts: number): { best: Timing[], scaling: Scaling | null } {
  return { best: Array.from({ length: threadCounts }, (_, j) => bestOf(rounds, j)), scaling: threadCounts === 2 ? scalingOf(rounds) : null }
}

/** decodeRounds, summarized (decodeSummary). */
export function timeDecodeCalls(g: GemmShape, threads: number[], setThreads: (n: number) => void, rounds = 40): { best: Timing[], scaling: Scaling | null } {
  return decodeSummary(decodeRounds(g, threads, setThreads, rounds), threads.length)
}

/** What the OpenBLAS child prints (one JSON line after this marker). */
export const CHILD_MARKER = 'OPENBLAS-RESULT '
export interface ChildResult {
  core: string
  /** Per shape: the own kernel and OpenBLAS, measured interleaved in the same process. */
  shapes: { name: string, own1: Timing, blas1: Timing, own2: Timing | null, blas2: Timing | null, ownScaling: Scaling | null, blasScaling: Scaling | null, probe: Scaling | null, apart: Scaling | null }[]
  /** Per decode shape: OpenBLAS on one thread. */
  decode: { name: string, us: Timing }[]
}
