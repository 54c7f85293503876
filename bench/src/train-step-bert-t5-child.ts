// adjoint's side of one BERT or T5 training-step pair (spawned by
// train-step-bert-t5.ts, so that its peak RSS is its own): builds the model of
// the spec and serves the step-server protocol (step-server.ts) on --threads
// threads: "steps K" trains K steps with `pnpm train`'s step (optimizerStep:
// forward, backward, clip, AdamW, schedule) on the spec's batches, cycled;
// "profile K" K more with every backend kernel timed; "info" its figures.
import { readFileSync } from 'node:fs'
import { Tensor, manualSeed } from '@adjoint/core'
import { nativeInfo, setNumThreads } from '@adjoint/native'
import { BertForMaskedLM, T5ForConditionalGeneration, optimizerStep, type BertConfig, type T5Config } from '@adjoint/models'
import { AdamW, WarmupCosineLR, type Module } from '@adjoint/nn'
import { GcMeter } from './gc-meter.js'
import { withKernelTimes } from './kernel-profile.js'
import { serveSteps, timedSteps } from './step-server.js'
import type { PairSpec } from './train-step-bert-t5.js'

const arg = (name: string) => {
  const i = process.argv.indexOf(name)
  const v = Number(process.argv[i + 1])
  if (i < 0 || !Number.isInteger(v) || v < 1) throw new Error(`train-step-bert-t5-child: ${name} needs a positive integer, got ${process.argv[i + 1]}`)
  return v
}
const spec = JSON.parse(readFileSync(process.argv[process.argv.indexOf('--spec') + 1], 'utf8')) as PairSpec
const threads = arg('--threads')
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
const step = () => {
  const b = batches[it++ % batches.length]
  losses.push(optimizerStep(model, opt, sched, () => ({ loss: forward(model, b), tokens: 0 }), t.grad_clip).loss)
}
const steps = timedSteps(step)
const gc = new GcMeter()

await serveSteps({
  steps: (k) => { gc.start(); const r = steps(k); gc.stop(); return r },
  profile: (k) => {
    let ms = 0
    const kernels = withKernelTimes(() => { const s = performance.now(); for (let i = 0; i < k; i++) step(); ms = performance.now() - s })
    return { steps: k, step_ms: ms / k, kernels: [...kernels] }
  },
  info: async () => ({
    peak_rss_mb: process.resourceUsage().maxRSS / 1024, parameters: model.numParameters(),
    first_loss: losses[0], last_loss: losses.slice(-10).reduce((a, b) => a + b, 0) / Math.min(10, losses.length),
    gc_share: await gc.share(),
  }),
})
gc.disconnect()
