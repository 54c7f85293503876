// adjoint's side of one BERT or T5 training-step pair (spawned by
// train-step-bert-t5.ts, so that its peak RSS is its own): builds the model of
// the spec, trains it with `pnpm train`'s step (optimizerStep: forward,
// backward, clip, AdamW, schedule) on the spec's batches, cycled, on --threads
// threads (then a few more with every backend kernel timed) and then on 1
// thread, and prints one JSON line.
import { readFileSync } from 'node:fs'
import { PerformanceObserver } from 'node:perf_hooks'
import { Tensor, manualSeed } from '@adjoint/core'
import { nativeInfo, setNumThreads } from '@adjoint/native'
import { BertForMaskedLM, T5ForConditionalGeneration, optimizerStep, type BertConfig, type T5Config } from '@adjoint/models'
import { AdamW, WarmupCosineLR, type Module } from '@adjoint/nn'
import { withKernelTimes } from './kernel-profile.js'
import type { PairSpec } from './train-step-bert-t5.js'

const arg = (name: string) => {
  const i = process.argv.indexOf(name)
  const v = Number(process.argv[i + 1])
  if (i < 0 || !Number.isInteger(v) || v < 0) throw new Error(`train-step-bert-t5-child: ${name} needs a non-negative integer, got ${process.argv[i + 1]}`)
  return v
}
const spec = JSON.parse(readFileSync(process.argv[process.argv.indexOf('--spec') + 1], 'utf8')) as PairSpec
const threads = arg('--threads'), steps = arg('--steps'), oneSteps = arg('--one-thread-steps')
const info = nativeInfo()
if (info) setNumThreads(threads)

manualSeed(1337)
const model: Module = spec.model === 'bert'
  ? new BertForMaskedLM(spec.adjointConfig as unknown as BertConfig)
  : new T5ForConditionalGeneration(spec.adjointConfig as unknown as T5Config)
const t = spec.train
const params = model.parameters()
const opt = new AdamW([{ params: params.filter((p) => p.ndim >= 2), weightDecay: t.weight_decay }, { params: params.filter((p) => p.ndim < 2), weightDecay: 0 }], { lr: t.lr, betas: [t.beta1, t.beta2], eps: 1e-8 })
const sched = new WarmupCosineLR(opt, { warmupIters: t.warmup_steps, lrDecayIters: t.lr_decay_steps, minLr: t.min_lr })
const ids = (x: { shape: number[]; data: number[] }) => Tensor.fromArray(Int32Array.from(x.data), x.shape, 'int32')
const batches = spec.batches.map((b) => ({ inputIds: ids(b.input_ids), labels: ids(b.labels) }))
const forward = (m: Module, b: (typeof batches)[number]) => (m.forward(b) as { loss: Tensor | null }).loss!

let it = 0
const losses: number[] = []
/** CPU time of this process in ms (user + system, all threads). */
const cpuMs = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000 }
/** n steps: their wall times and CPU times (ms). */
function timed(n: number): { times: number[]; cpu: number[] } {
  const times: number[] = [], cpu: number[] = []
  for (let i = 0; i < n; i++) {
    const b = batches[it++ % batches.length]
    const s = performance.now(), c = cpuMs()
    losses.push(optimizerStep(model, opt, sched, () => ({ loss: forward(model, b), tokens: 0 }), t.grad_clip).loss)
    times.push(performance.now() - s)
    cpu.push(cpuMs() - c)
  }
  return { times, cpu }
}
const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)] ?? NaN

let gcMs = 0, gcOn = false
new PerformanceObserver((list) => { if (gcOn) for (const e of list.getEntries()) gcMs += e.duration }).observe({ entryTypes: ['gc'] })
timed(10)
gcOn = true
const { times, cpu } = timed(steps)
await new Promise((r) => setTimeout(r, 20))
gcOn = false
const lastLoss = losses.slice(-10).reduce((a, b) => a + b, 0) / Math.min(10, losses.length)
// the profile: a few more steps with every backend kernel timed
const P = Math.min(30, steps)
let profileMs = 0
const kernels = withKernelTimes(() => { profileMs = timed(P).times.reduce((a, b) => a + b, 0) })
let one: ReturnType<typeof timed> | undefined
if (info && oneSteps > 0) {
  setNumThreads(1)
  timed(5)
  one = timed(oneSteps)
}
console.log(JSON.stringify({
  median_ms: median(times), min_ms: Math.min(...times), cpu_ms: median(cpu),
  one_thread: one && { median_ms: median(one.times), min_ms: Math.min(...one.times), cpu_ms: median(one.cpu) },
  peak_rss_mb: process.resourceUsage().maxRSS / 1024, parameters: model.numParameters(),
  profile: { steps: P, step_ms: profileMs / P, kernels: [...kernels] },
  first_loss: losses[0], last_loss: lastLoss, gc_share: gcMs / times.reduce((a, b) => a + b, 0),
}))
