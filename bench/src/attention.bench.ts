// pnpm bench:attention: the scaled dot-product attention kernels alone on the GPT
// reference's shapes (batch 12, 4 heads, T 64, head dim 32, causal, heads split from
// one packed projection), the addon's against core's TS kernels (per-head gemm +
// softmax calls on the same backend), forward and backward, in per-process CPU
// time (less disturbed by other processes than wall time), best of N.
import { Layout, referenceBackend, type Backend } from '@adjoint/core'
import { nativeAddon, nativeInfo, setNumThreads } from '@adjoint/native'
import { cpus, loadavg } from 'node:os'
import { forwarder } from '../../packages/native/src/forward.js'

if (process.argv.includes('--help')) {
  console.log(`pnpm bench:attention [--threads N] [--reps N] [--decode S]: the attention kernels on the GPT reference's shapes
(batch 12, 4 heads, T 64, head dim 32, causal), native against core's TS kernels, forward and backward,
milliseconds of process CPU time per call (best of --reps, default 30) on --threads threads (default 1).
  --decode S  also one new query row against a cache of S keys (generation's shape)
  --help      this text`)
  process.exit(0)
}
const argOf = (name: string, dflt: number) => { const i = process.argv.indexOf(name); return i < 0 ? dflt : Number(process.argv[i + 1]) }
const THREADS = argOf('--threads', 1), REPS = argOf('--reps', 30), DECODE = argOf('--decode', 0)
const addon = nativeAddon()
if (!addon) throw new Error('bench:attention needs the native addon (pnpm build:native)')
setNumThreads(THREADS)
const ts = referenceBackend()
// the addon's kernels on every call (kernels.ts keeps one query row, decoding, in TS: compare with --decode)
const specs = addon.kernelSpecs()
const nat = {
  attention: forwarder('attention', addon.attention, specs.attention!, referenceBackend, null),
  attentionBackward: forwarder('attentionBackward', addon.attentionBackward, specs.attentionBackward!, referenceBackend, null),
}

/** CPU milliseconds of one call of fn, best of REPS (each rep runs fn enough times for ~2 ms). */
function cpuMs(fn: () => void): number {
  fn()
  const s0 = process.cpuUsage(); fn(); const one = (process.cpuUsage(s0).user + process.cpuUsage(s0).system) / 1e3 / 2
  const n = Math.max(1, Math.round(2 / Math.max(one, 1e-3)))
  let best = Infinity
  for (let r = 0; r < REPS; r++) {
    const s = process.cpuUsage()
    for (let i = 0; i < n; i++) fn()
    const d = process.cpuUsage(s)
    best = Math.min(best, (d.user + d.system) / 1e3 / n)
  }
  return best
}

function shapes(B: number, H: number, L: number, S: number, D: number, qoff: number) {
  // q, k, v heads of one [B, T, 3 H D] projection (T = S; q the last L rows), as GPT's attention
  const row = 3 * H * D
  const x = new Float32Array(B * S * row).map(() => Math.random() * 2 - 1)
  // the layout of `rows` rows of a head at column `col` from row `first` of a [B, S, row] array (the [B, T, H, D] memory viewed as [B, H, T, D])
  const head = (col: number, first: number, rows: number) => new Layout([B, H, rows, D], [S * row, D, row, 1], col + first * row)
  const qLayout = head(0, S - L, L), kLayout = head(H * D, 0, S), vLayout = head(2 * H * D, 0, S)
  const g = new Float32Array(B * L * H * D).map(() => Math.random() * 2 - 1)
  const outLayout = new Layout([B, H, L, D], [L * H * D, D, H * D, 1], 0)
  const inputs = { q: x, qLayout, k: x, kLayout, v: x, vLayout, scale: 1 / Math.sqrt(D), causal: true, queryOffset: qoff, probs: new Float32Array(B * H * L * S) }
  const gBase = new Float32Array(B * S * row)
  const fwd = (k: Pick<Backend, 'attention'>) => () => k.attention({ ...inputs, mask: null, maskLayout: null, out: new Float32Array(B * L * H * D), outLayout })
  const bwd = (k: Pick<Backend, 'attentionBackward'>) => () => k.attentionBackward({
    ...inputs, gOut: g, gOutLayout: outLayout, gScores: new Float32Array(B * H * L * S),
    gq: gBase, gqLayout: qLayout, gk: gBase, gkLayout: kLayout, gv: gBase, gvLayout: vLayout, accumulate: true,
  })
  return { fwd, bwd }
}

const info = nativeInfo()!
console.log(`${cpus()[0]?.model ?? 'CPU'}, ISA ${info.isa}, ${THREADS} thread(s), load average ${loadavg()[0].toFixed(1)}; ms of CPU time per call, best of ${REPS}`)
console.log('| shape | kernel | TS (gemm + softmax calls) | native | TS / native |')
console.log('| --- | --- | --- | --- | --- |')
const cases: [string, number, number, number, number, number, number][] = [['train: 12 x 4 heads, T 64, D 32, causal', 12, 4, 64, 64, 32, 0]]
if (DECODE > 0) cases.push([`decode: 1 x 4 heads, 1 query, ${DECODE} keys, D 32`, 1, 4, 1, DECODE, 32, DECODE - 1])
for (const [name, B, H, L, S, D, qoff] of cases) {
  const s = shapes(B, H, L, S, D, qoff)
  for (const [what, make] of [['forward', s.fwd], ['backward', s.bwd]] as const) {
    const a = cpuMs(make(ts as never)), b = cpuMs(make(nat as never))
    console.log(`| ${name} | ${what} | ${a.toFixed(3)} | ${b.toFixed(3)} | ${(a / b).toFixed(1)}x |`)
  }
}
console.log(`load average at the end ${loadavg()[0].toFixed(1)}`)
