// The gemm shapes bench:native measures (GPT reference config: 12 x 64 tokens,
// 128 wide, 4 heads of 32, MLP 512, vocabulary 65) and how one is timed: inside
// C++ (addon.timeGemm, no N-API per call), best of several samples, by the
// calling thread's CPU time for one thread (what the neighbours on a shared
// machine disturb least) and by wall time for two.
import { getBackend, Layout as CoreLayout } from '@adjoint/core'
import type { NativeAddon } from '@adjoint/native'

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
/** One way of running a shape: adjoint's own kernel or cblas_sgemm, on `threads` threads. */
export interface Run { how: 'own' | 'cblas', threads: number }

/**
 * GFLOP/s of one shape for each of `runs` (e.g. own and cblas, on 1 and 2 threads), their samples
 * interleaved (so that all see the same neighbours; the order reverses every sample, so that none
 * always runs in the caches another just left), best of `samples` samples of ~1 ms each (or one
 * call, when a call takes longer): on a machine shared with other jobs, a short sample is more
 * often one that nothing else interrupted (cpu: calling thread's CPU time; wall: wall time).
 * Each sample starts with an untimed call (timeGemm's), which also wakes the pool's workers; the
 * operands stay allocated from one sample of a shape to the next (timeGemm keeps them), as a
 * training step's buffers do, for own and OpenBLAS alike.
 */
export function timeShape(addon: NativeAddon, g: GemmShape, runs: Run[], samples = 30): Timing[] {
  const flops = 2 * g.m * g.n * g.k
  const iters = Math.max(1, Math.round(1e-3 * 100e9 / flops))
  const best = runs.map(() => ({ cpu: Infinity, wall: Infinity }))
  for (const r of runs) addon.timeGemm(g.m, g.n, g.k, 1, r.how, g.layout, r.threads) // warm up
  for (let i = 0; i < samples; i++) {
    for (let j = 0; j < runs.length; j++) {
      const h = i % 2 === 0 ? j : runs.length - 1 - j
      const [w, c] = addon.timeGemm(g.m, g.n, g.k, iters, runs[h]!.how, g.layout, runs[h]!.threads)
      best[h]!.wall = Math.min(best[h]!.wall, w)
      best[h]!.cpu = Math.min(best[h]!.cpu, c)
    }
  }
  return best.map((b) => ({ cpu: flops / b.cpu / 1e9, wall: flops / b.wall / 1e9 }))
}

/**
 * µs per call of core's registered gemm (the native forwarder: layouts packed, N-API call,
 * argument checks, product) on one decode shape, for each thread count in `threads` (set with
 * setThreads): rounds of 2000 calls, the thread counts alternating, best of 20 rounds each; wall
 * and process CPU (which includes the pool's workers, spinning between calls too).
 */
export function timeDecodeCalls(g: GemmShape, threads: number[], setThreads: (n: number) => void): Timing[] {
  const { m, k, n, layout } = g
  const a = new Float32Array(m * k).map(() => Math.random() - 0.5), b = new Float32Array(k * n).map(() => Math.random() - 0.5), c = new Float32Array(m * n)
  const aL = CoreLayout.contiguous([m, k]), bL = layout === 'nt' ? new CoreLayout([k, n], [1, k], 0) : CoreLayout.contiguous([k, n]), cL = CoreLayout.contiguous([m, n])
  const gemm = getBackend().gemm
  const call = () => gemm(a, aL, b, bL, c, cL, 1, 0)
  const best = threads.map(() => ({ cpu: Infinity, wall: Infinity }))
  for (let r = 0; r < 20; r++) {
    for (let j = 0; j < threads.length; j++) {
      const h = r % 2 === 0 ? j : threads.length - 1 - j
      setThreads(threads[h]!)
      for (let i = 0; i < 300; i++) call()
      const c0 = process.cpuUsage(), t0 = performance.now()
      for (let i = 0; i < 2000; i++) call()
      best[h]!.wall = Math.min(best[h]!.wall, (performance.now() - t0) * 1e3 / 2000)
      const d = process.cpuUsage(c0)
      best[h]!.cpu = Math.min(best[h]!.cpu, (d.user + d.system) / 2000)
    }
  }
  return best
}

/** What the OpenBLAS child prints (one JSON line after this marker). */
export const CHILD_MARKER = 'OPENBLAS-RESULT '
export interface ChildResult {
  core: string
  /** Per shape: the own kernel and OpenBLAS, measured interleaved in the same process. */
  shapes: { name: string, own1: Timing, blas1: Timing, own2: Timing | null, blas2: Timing | null }[]
  /** Per decode shape: OpenBLAS on one thread. */
  decode: { name: string, us: Timing }[]
}
