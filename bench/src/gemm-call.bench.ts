// `pnpm bench:gemm-call`: where the per-call time of a decode-size gemm goes (issue #12 item 3: under 2 µs
// from JS), layer by layer: the kernel inside C++ (timeGemm, no N-API), the addon
// binding called directly (N-API + argument parsing + checks + kernel), the same
// with m = 0 (everything but the product), core's registered gemm (forwarder), and
// matmul / linear on tensors (the op around it). Best of 15 runs of 4000 calls;
// process CPU time per call (what another process on the other core disturbs least).
import { getBackend, Layout, linear, matmul, Tensor, type FloatArray } from '@adjoint/core'
import { nativeAddon, packLayout, setGemmImpl, setNumThreads } from '@adjoint/native'
import { loadavg } from 'node:os'
import { benchArgs, machine, writeSection } from './report.js'

benchArgs('pnpm bench:gemm-call: the per-call cost of decode-size gemms (one query row), split by layer: kernel, argument parsing, binding, forwarder, op.')

const addon = nativeAddon()
if (!addon) throw new Error('bench:gemm-call needs the native addon')
setGemmImpl('builtin')
// One thread: process CPU time is the measure here, and on 2 threads it would also count the pool worker
// spinning between calls (the 2-thread decode split is timed by wall in bench:native's decoding table).
setNumThreads(1)

function perCall(f: () => void, calls = 4000, runs = 15): { cpu: number, wall: number } {
  for (let i = 0; i < calls; i++) f()
  let cpu = Infinity, wall = Infinity
  for (let r = 0; r < runs; r++) {
    const c0 = process.cpuUsage(), t0 = performance.now()
    for (let i = 0; i < calls; i++) f()
    wall = Math.min(wall, (performance.now() - t0) * 1e3 / calls)
    const d = process.cpuUsage(c0)
    cpu = Math.min(cpu, (d.user + d.system) / calls)
  }
  return { cpu, wall }
}

interface Shape { name: string, batch: number, m: number, k: number, n: number, bT: boolean }
const SHAPES: Shape[] = [
  { name: 'qkv x @ W^T', batch: 1, m: 1, k: 128, n: 384, bT: true },
  { name: 'MLP down x @ W^T', batch: 1, m: 1, k: 512, n: 128, bT: true },
  { name: 'LM head x @ wte^T', batch: 1, m: 1, k: 128, n: 65, bT: true },
  { name: 'att @ v, 4 heads', batch: 4, m: 1, k: 64, n: 32, bT: false },
]
const rand = (n: number) => new Float32Array(n).map(() => Math.random() - 0.5)
const rows: string[] = []
const load0 = loadavg()[0]!
const f = (x: number) => x.toFixed(2)
for (const s of SHAPES) {
  const { batch, m, k, n } = s
  const a = rand(batch * m * k), b = rand(batch * k * n), c = new Float32Array(batch * m * n)
  const aL = new Layout([batch, m, k], [m * k, k, 1], 0)
  const bL = s.bT ? new Layout([batch, k, n], [k * n, 1, k], 0) : new Layout([batch, k, n], [k * n, n, 1], 0)
  const cL = Layout.contiguous([batch, m, n])
  // timeGemm runs one matrix: a batch costs `batch` of them
  const inner = batch * addon.timeGemm(m, n, k, 20000, 'driver', s.bT ? 'nt' : 'nn')[1] * 1e6
  const pa = packLayout(aL), pb = packLayout(bL), pc = packLayout(cL)
  const direct = perCall(() => addon.gemm(a, pa, b, pb, c, pc, 1, 0))
  const empty0 = Layout.contiguous([batch, 0, k]), emptyC = Layout.contiguous([batch, 0, n])
  const pe = packLayout(empty0), pec = packLayout(emptyC)
  const empty = perCall(() => addon.gemm(a, pe, b, pb, c, pec, 1, 0))
  const registered = perCall(() => getBackend().gemm(a as FloatArray, aL, b, bL, c, cL, 1, 0))
  const x = Tensor.fromArray(a, [batch, m, k]), w = Tensor.fromArray(b, s.bT ? [n, k] : [batch, k, n])
  const op = s.bT ? perCall(() => linear(x, w)) : perCall(() => matmul(x, w))
  rows.push(`| ${s.name} | ${batch > 1 ? `${batch}x` : ''}${m}x${k}x${n} ${s.bT ? 'nt' : 'nn'} | ${f(inner)} | ${f(empty.cpu)} | ${f(direct.cpu)} | ${f(registered.cpu)} | ${f(op.cpu)} (${s.bT ? 'linear' : 'matmul'}) |`)
  console.log(rows[rows.length - 1])
}
const md = `## Decode-size gemm calls, per layer (\`pnpm bench:gemm-call\`)

Written by \`pnpm bench:gemm-call\` (\`bench/src/gemm-call.bench.ts\`); ${machine()}; load average ${load0.toFixed(1)} -> ${loadavg()[0]!.toFixed(1)}.
µs per call (lower is better), process CPU time, best of 15 runs of 4000 calls, own kernel, float32, one thread. Columns, each including
the one before: the kernel inside C++ (\`timeGemm\` 'driver', no N-API; thread CPU time; batch times one matrix); the addon's binding called
with an empty product (m = 0: N-API call, argument parsing and checks only); the binding on the product
(\`addon.gemm\` with packed layouts); core's registered \`getBackend().gemm\` (the native forwarder: element-type
checks, the size rule, the three layouts packed); the op on tensors (\`linear\` / \`matmul\`: operand checks, the
output tensor). A one-row product reads all of B once from L2 (1 x 128 x 384: 196 KB, 1 x 512 x 128: 256 KB), so
the kernel column is bound by L2 bandwidth, and on a shared machine by what the neighbours leave of it.

| shape | m x k x n | kernel in C++ | binding, m = 0 | binding | getBackend().gemm | op on tensors |
| --- | --- | --- | --- | --- | --- | --- |
${rows.join('\n')}
`
console.log(md)
writeSection('gemm-call', md)
