// `pnpm bench:gemm-call`: where the per-call time of a decode-size gemm goes (issue #12 item 3: under 2 µs
// from JS), layer by layer: the kernel inside C++ (timeGemm, no N-API), the addon
// binding called directly (N-API + argument parsing + checks + kernel), the same
// with m = 0 (everything but the product), core's registered gemm (forwarder), and
// matmul / linear on tensors (the op around it). Best of 15 runs of 4000 calls;
// process CPU time per call (what another process on the other core disturbs least).
import { getBackend, Layout, linear, matmul, Tensor, type FloatArray } from '@adjoint/core'
import { nativeAddon, packLayout, setGemmImpl, setNumThreads } from '@adjoint/native'
import { cpus, loadavg } from 'node:os'

const addon = nativeAddon()
if (!addon) throw new Error('bench:gemm-call needs the native addon')
setGemmImpl('builtin')
setNumThreads(Math.min(2, cpus().length))

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
const f = (x: number) => x.toFixed(2)
for (const s of SHAPES) {
  const { batch, m, k, n } = s
  const a = rand(batch * m * k), b = rand(batch * k * n), c = new Float32Array(batch * m * n)
  const aL = new Layout([batch, m, k], [m * k, k, 1], 0)
  const bL = s.bT ? new Layout([batch, k, n], [k * n, 1, k], 0) : new Layout([batch, k, n], [k * n, n, 1], 0)
  const cL = Layout.contiguous([batch, m, n])
  const inner = addon.timeGemm(m, n, k, 20000, 'driver', s.bT ? 'nt' : 'nn')[1] * 1e6
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
console.log(`\nµs per call, process CPU time, best of 15 x 4000 calls; load ${loadavg()[0]!.toFixed(1)}, ${cpus()[0]!.model}`)
console.log('| shape | m x k x n | kernel in C++ (timeGemm driver, thread CPU) | addon.gemm with m = 0 | addon.gemm | getBackend().gemm | op on tensors |')
console.log(rows.join('\n'))
