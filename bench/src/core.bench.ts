// The pure-TS core against TensorFlow.js's cpu backend (pure JS), in one run:
// matmul GFLOP/s of the TS kernel, and per-op overhead of a tiny add forward+backward.
// Run: pnpm bench:core
import * as tf from '@tensorflow/tfjs-core'
import '@tensorflow/tfjs-backend-cpu'
import '@tensorflow/tfjs' // registers every gradient (tfjs-core alone does not)
import { backendInfo, ones, randn, type Tensor } from '@adjoint/core'
import { loadavg } from 'node:os'
import { benchArgs, machine, timeIt, writeSection } from './report.js'

benchArgs(`pnpm bench:core: the pure-TS core against TensorFlow.js's cpu backend (matmul GFLOP/s, per-op overhead of a tiny add forward + backward).`)

await tf.setBackend('cpu')
const load0 = loadavg()[0]
const quick = process.env.BENCH_QUICK === '1'

const shapes: [string, number, number, number][] = [
  ['64', 64, 64, 64], ['256', 256, 256, 256], ['512', 512, 512, 512], ...(quick ? [] : [['1024', 1024, 1024, 1024]] as [string, number, number, number][]),
  ['[768,128]x[128,512]', 768, 128, 512], ['[768,512]x[512,128]', 768, 512, 128],
]
const rows: string[] = []
console.log(`backend: ${backendInfo().name}; ${machine()}`)
for (const [name, m, k, n] of shapes) {
  const a = randn([m, k]), b = randn([k, n])
  const ta = tf.randomNormal([m, k]), tb = tf.randomNormal([k, n])
  const flops = 2 * m * n * k
  const ours = await timeIt(`adjoint ${name}`, () => { a.matmul(b) }, m >= 1024 ? 3 : 1)
  const theirs = await timeIt(`tfjs-cpu ${name}`, () => { tf.matMul(ta, tb).dataSync() }, m >= 1024 ? 3 : 1)
  const g1 = flops / ours / 1e9, g2 = flops / theirs / 1e9
  rows.push(`| ${name} | ${g1.toFixed(2)} | ${g2.toFixed(2)} | ${(g1 / g2).toFixed(2)}x |`)
  console.log(rows[rows.length - 1])
}

// Per-op overhead: a chain of 100 tiny adds, forward then backward, per add.
const x = ones([4], { requiresGrad: true }), c = ones([4])
const seed = ones([4])
const chain = () => {
  let y: Tensor = x
  for (let i = 0; i < 100; i++) y = y.add(c)
  y.backward(seed)
  x.grad = null
}
const fwdOnly = () => { let y: Tensor = x; for (let i = 0; i < 100; i++) y = y.add(c) }
const tx = tf.ones([4]), tc = tf.ones([4])
const tfAdd = () => { tf.tidy(() => { let y = tx; for (let i = 0; i < 100; i++) y = tf.add(y, tc) }) }
const tfGrad = tf.grad((v: tf.Tensor) => { let y = v; for (let i = 0; i < 100; i++) y = tf.add(y, tc); return y })
const tfFwdBwd = () => { tf.tidy(() => { tfGrad(tx, tf.ones([4])) }) }
const perOp = (s: number) => ((s / 100) * 1e6).toFixed(2)
const ours = await timeIt('adjoint add fwd+bwd', chain)
const oursFwd = await timeIt('adjoint add fwd', fwdOnly)
const theirs = await timeIt('tfjs add fwd+bwd', tfFwdBwd)
const theirsFwd = await timeIt('tfjs add fwd', tfAdd)
const overhead = [
  `| tiny add, forward + backward | ${perOp(ours)} | ${perOp(theirs)} |`,
  `| tiny add, forward only | ${perOp(oursFwd)} | ${perOp(theirsFwd)} |`,
]
console.log(overhead.join('\n'))

writeSection('core', `## Core: the pure-TS kernels (\`pnpm bench:core\`)

Machine: ${machine()}; load average ${load0.toFixed(1)} at the start, ${loadavg()[0].toFixed(1)} at the end (a shared machine above ~1: figures are noisy${quick ? '; BENCH_QUICK=1 skipped N=1024' : ''}). Backend: \`${backendInfo().name}\` (no native addon). Peer: \`@tensorflow/tfjs-backend-cpu\` in the same process.

Matmul, float32, GFLOP/s (higher is better):

| shape | adjoint TS | tfjs-cpu | ratio |
| --- | --- | --- | --- |
${rows.join('\n')}

Per-op overhead, µs per op (a chain of 100 adds on a [4] tensor; lower is better):

| workload | adjoint | tfjs-cpu |
| --- | --- | --- |
${overhead.join('\n')}
`)
