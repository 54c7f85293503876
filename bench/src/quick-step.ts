// dev: profile a few GPT steps (not committed)
import { PerformanceObserver } from 'node:perf_hooks'
import { Generator, getBackend, manualSeed } from '@adjoint/core'
import { nativeInfo, setNumThreads } from '@adjoint/native'
import { CharTokenizer, GPT, PRESETS, loadBrownText } from '@adjoint/models'
import { AdamW, clipGradNorm_, getBatch } from '@adjoint/nn'
const THREADS = Number(process.env.BENCH_THREADS ?? 1)
setNumThreads(THREADS)
const ref = PRESETS.reference, T = ref.train
const texts = loadBrownText()
const tok = CharTokenizer.fromText(texts.train + texts.val)
const trainIds = tok.encodeToInt32(texts.train)
manualSeed(T.seed)
const model = new GPT({ ...ref.model, vocabSize: tok.vocabSize })
const params = model.parameters()
const opt = new AdamW([{ params: params.filter((p) => p.ndim >= 2), weightDecay: T.weightDecay }, { params: params.filter((p) => p.ndim < 2), weightDecay: 0 }], { lr: T.lr, betas: [T.beta1, T.beta2] })
const gen = new Generator(T.seed)
const phases: Record<string, number> = { batch: 0, forward: 0, backward: 0, clip: 0, optimizer: 0 }
function step() {
  let t = performance.now()
  const lap = (k: string) => { const n = performance.now(); phases[k] += n - t; t = n }
  const [x, y] = getBatch(trainIds, T.blockSize, T.batchSize, { generator: gen }); lap('batch')
  const { loss } = model.forward(x, y); lap('forward')
  opt.zeroGrad(); loss!.backward(); lap('backward')
  clipGradNorm_(params, T.gradClip); lap('clip')
  opt.step(); lap('optimizer')
  return loss!.item()
}
let gcMs = 0
new PerformanceObserver((l) => { for (const e of l.getEntries()) gcMs += e.duration }).observe({ entryTypes: ['gc'] })
for (let i = 0; i < 10; i++) step()
const N = Number(process.env.N ?? 40)
const times: number[] = []
for (const k in phases) phases[k] = 0
gcMs = 0
const rss0 = process.memoryUsage().rss
const cpu: number[] = []
for (let i = 0; i < N; i++) { const c0 = process.cpuUsage(); const s = performance.now(); step(); times.push(performance.now() - s); const c = process.cpuUsage(c0); cpu.push((c.user + c.system) / 1000) }
await new Promise((r) => setTimeout(r, 50))
cpu.sort((a, b) => a - b)
const total = times.reduce((a, b) => a + b, 0)
times.sort((a, b) => a - b)
console.log(`cpu median ${cpu[N >> 1].toFixed(1)} min ${cpu[0].toFixed(1)}`)
console.log(`threads ${THREADS} median ${times[N >> 1].toFixed(1)} min ${times[0].toFixed(1)} ms; gc ${(100 * gcMs / total).toFixed(1)}%; rss ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MB (was ${(rss0 / 2 ** 20).toFixed(0)})`)
console.log(Object.entries(phases).map(([k, v]) => `${k} ${(v / N).toFixed(1)}`).join(', '))
if (process.env.KPROF) {
  const be = getBackend() as any
  const km = new Map<string, [number, number]>()
  for (const k of Object.keys(be)) { const f = be[k]; be[k] = (...a: any[]) => { const s = performance.now(); const r = f(...a); const key = k === 'binary' || k === 'unary' || k === 'reduce' ? k + ' ' + a[0] : k; const e = km.get(key) ?? [0, 0]; e[0] += performance.now() - s; e[1]++; km.set(key, e); return r } }
  const M = 20; const s = performance.now(); for (let i = 0; i < M; i++) step(); const st = (performance.now() - s) / M
  let tot = 0
  for (const [k, [ms, c]] of [...km].sort((a, b) => b[1][0] - a[1][0])) { tot += ms; if (ms / M > 0.05) console.log(`${k.padEnd(28)} ${(ms / M).toFixed(2)} ms ${(c / M).toFixed(0)} calls`) }
  console.log(`kernels ${(tot / M).toFixed(1)} of ${st.toFixed(1)} ms`)
}
