// The BERT (masked LM) and T5 (span corruption) training steps of bench:train,
// adjoint against plain-PyTorch equivalents in the same run, each model in its
// own section of docs/benchmarks.md ("train-step-bert", "train-step-t5").
//
// Both models are the size of the GPT reference step: 128 wide, 4 heads, 4
// blocks (BERT: 4 encoder layers, intermediate 512; T5: its tiny preset, 2
// encoder + 2 decoder layers, d_ff 512, ReLU, tied head), batches of 12
// windows of 64 characters of the Brown corpus (char-level vocabulary plus the
// model's special tokens), and `pnpm train`'s optimizer for them (TINY_PRETRAIN:
// AdamW betas 0.9/0.99, weight decay 0.01 on 2-D weights, warmup 40 then cosine,
// grad clip 1). adjoint makes the batches (mlmBatch / spanCorruptionBatch);
// both sides train on the same ones, cycled, and the step timed is the model
// step only (forward, backward, clip, AdamW, lr schedule), on both sides.
// Each side runs in its own process (peak RSS is that process's): adjoint in
// train-step-bert-t5-child.ts, PyTorch in train-step-bert-t5.py.
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Generator, type Tensor } from '@adjoint/core'
import { nativeInfo } from '@adjoint/native'
import {
  BERT_SPECIAL_TOKENS, CharTokenizer, T5_SPECIAL_TOKENS, bertConfig, bertConfigToHF, bertObjective, loadBrownText,
  mlmBatch, spanCorruptionBatch, t5Config, t5ConfigToHF, t5Objective, type TrainConfig,
} from '@adjoint/models'
import { kernelMsPerStep, kernelTable, type KernelTimes } from './kernel-profile.js'
import { machine, writeSection } from './report.js'

export const PAIR_MODELS = ['bert', 't5'] as const
export type PairModel = (typeof PAIR_MODELS)[number]

export interface PairOptions {
  /** Threads of the first pair (both sides); a second pair runs on 1 thread when oneSteps > 0. */
  threads: number
  /** Timed steps per side (after 10 warm-up steps). */
  steps: number
  oneSteps: number
  /** OpenBLAS's core type for PyTorch's side ('' = unset). */
  coreType: string
}

const here = dirname(fileURLToPath(import.meta.url))
const BATCH = 12, WINDOW = 64, BATCHES = 16

/** What the adjoint child and the PyTorch script read: the model, its config both ways, the training hyper-parameters and the batches. */
export interface PairSpec {
  model: PairModel
  adjointConfig: Record<string, unknown>
  config: Record<string, unknown>
  train: Record<string, number>
  batches: { input_ids: { shape: number[]; data: number[] }; labels: { shape: number[]; data: number[] } }[]
}

/** What each side prints (one JSON line). */
interface Timing {
  /** Median and best wall time of a step, and its median CPU time (all threads), ms. */
  median_ms: number
  min_ms: number
  cpu_ms: number
}

interface SideResult extends Timing {
  /** adjoint: the steps on 1 thread that follow. */
  one_thread?: Timing
  /** adjoint: steps with every backend kernel timed (kernelTimes' entries). */
  profile?: { steps: number; step_ms: number; kernels: [string, { ms: number; calls: number }][] }
  peak_rss_mb: number
  parameters: number
  first_loss: number
  last_loss: number
  gc_share?: number
  blas_core?: string
  torch?: string
  threads?: number
}

const asJson = (t: Tensor) => ({ shape: [...t.shape], data: Array.from(t.contiguousData()) })

function makeSpec(model: PairModel, text: string): PairSpec {
  const gen = new Generator(1337)
  const batches: PairSpec['batches'] = []
  if (model === 'bert') {
    const tok = CharTokenizer.fromText(text, { specialTokens: [...BERT_SPECIAL_TOKENS] })
    const ids = tok.encodeToInt32(text)
    const preset = bertObjective.presets.tiny!
    const c = bertConfig({ ...bertObjective.configure({ ...preset.model, numHiddenLayers: 4 }, tok), maxPositionEmbeddings: WINDOW } as never)
    const sid = (s: string) => tok.specialId(s)
    for (let i = 0; i < BATCHES; i++) {
      const b = mlmBatch(ids, { batchSize: BATCH, seqLen: WINDOW, clsTokenId: sid('[CLS]'), sepTokenId: sid('[SEP]'), maskTokenId: sid('[MASK]'), specialTokenIds: [sid('[PAD]'), sid('[UNK]')], randomVocabSize: tok.baseVocabSize }, gen)
      batches.push({ input_ids: asJson(b.inputIds), labels: asJson(b.labels) })
    }
    return { model, adjointConfig: { ...c }, config: bertConfigToHF(c), train: trainSpec(preset.train), batches }
  }
  const tok = CharTokenizer.fromText(text, { specialTokens: [...T5_SPECIAL_TOKENS] })
  const ids = tok.encodeToInt32(text, { allowSpecial: false })
  const preset = t5Objective.presets.tiny!
  const c = t5Config(t5Objective.configure({ ...preset.model }, tok) as never)
  const sentinelIds = T5_SPECIAL_TOKENS.filter((s) => s.startsWith('<extra_id_')).map((s) => tok.specialId(s))
  for (let i = 0; i < BATCHES; i++) {
    const b = spanCorruptionBatch(ids, { batchSize: BATCH, length: WINDOW, sentinelIds, eosId: tok.specialId('</s>') }, gen)
    batches.push({ input_ids: asJson(b.inputIds), labels: asJson(b.labels) })
  }
  return { model, adjointConfig: { ...c }, config: t5ConfigToHF(c), train: trainSpec(preset.train), batches }
}

function trainSpec(t: TrainConfig): Record<string, number> {
  return { lr: t.lr, min_lr: t.minLr, warmup_steps: t.warmupSteps, lr_decay_steps: t.lrDecaySteps, beta1: t.beta1, beta2: t.beta2, weight_decay: t.weightDecay, grad_clip: t.gradClip }
}

/** OpenBLAS's kernels for this CPU, for PyTorch's side (Debian's 0.3.21 falls back to Prescott on recent Xeons): SkylakeX on AVX-512, Haswell on AVX2. */
export function openblasCoreType(): string {
  const isas = nativeInfo()?.details.isas ?? []
  return isas.includes('avx512') ? 'SkylakeX' : isas.includes('avx2') ? 'Haswell' : ''
}

const lastJson = (out: string): SideResult => JSON.parse(out.trim().split('\n').pop()!) as SideResult

function runAdjoint(specFile: string, o: PairOptions): SideResult {
  const child = join(here, 'train-step-bert-t5-child.ts')
  const r = spawnSync(process.execPath, ['--conditions=source', '--import', 'tsx', child, '--spec', specFile, '--threads', String(o.threads), '--steps', String(o.steps), '--one-thread-steps', String(o.oneSteps)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 20 })
  if (r.status !== 0) throw new Error(`bench:train: the adjoint side (${child}) failed with ${r.error?.message ?? `exit code ${r.status}`}`)
  return lastJson(r.stdout)
}

function runTorch(specFile: string, threads: number, steps: number, coreType: string): SideResult {
  const env = { ...process.env, ...(coreType ? { OPENBLAS_CORETYPE: coreType } : {}) }
  return lastJson(execFileSync('/usr/bin/python3', [join(here, 'train-step-bert-t5.py'), '--batches', specFile, '--threads', String(threads), '--steps', String(steps)], { encoding: 'utf8', maxBuffer: 1 << 20, env }))
}

const TITLES: Record<PairModel, { title: string; objective: string; shape: string }> = {
  bert: { title: 'BERT training step (masked LM)', objective: "masked LM (15% of the tokens chosen, 80/10/10 [MASK]/random/kept, loss on the chosen)", shape: '4 post-LN encoder layers, 4 heads, 128 wide, intermediate 512, exact GELU, 64 positions, tied MLM decoder' },
  t5: { title: 'T5 training step (span corruption)', objective: 'span corruption (15% of each window in spans of mean length 3 replaced by sentinels; the decoder writes the spans)', shape: "the tiny preset: 2 encoder + 2 decoder pre-norm blocks, 4 heads of 32, 128 wide, d_ff 512, ReLU, 32 relative-position buckets, tied LM head" },
}

/** Runs each model's pair (threads, then 1 thread), prints its section and records it with --write. */
export function benchBertT5(models: readonly PairModel[], o: PairOptions): void {
  if (models.length === 0) return
  const texts = loadBrownText()
  const info = nativeInfo()
  const probe = spawnSync('/usr/bin/python3', ['-c', 'import torch'], { encoding: 'utf8' })
  const torchNote = probe.status === 0 ? '' : `PyTorch comparison skipped: /usr/bin/python3 cannot import torch (${(probe.stderr || probe.error?.message || '').trim().split('\n').pop()})`
  const dir = mkdtempSync(join(tmpdir(), 'adjoint-bench-'))
  try {
    for (const model of models) {
      const load0 = loadavg()[0]!
      const spec = makeSpec(model, texts.train)
      const specFile = join(dir, `${model}.json`)
      writeFileSync(specFile, JSON.stringify(spec))
      console.log(`${model}: adjoint, ${o.steps} steps on ${o.threads} thread(s)${o.oneSteps > 0 ? ` and ${o.oneSteps} on 1` : ''}...`)
      const adj = runAdjoint(specFile, o)
      let torch: SideResult | null = null, torchOne: SideResult | null = null
      if (!torchNote) {
        console.log(`${model}: PyTorch, ${o.steps} steps on ${o.threads} thread(s)${o.oneSteps > 0 ? ` and ${o.oneSteps} on 1` : ''}...`)
        torch = runTorch(specFile, o.threads, o.steps, o.coreType)
        if (o.oneSteps > 0 && adj.one_thread) torchOne = runTorch(specFile, 1, o.oneSteps, o.coreType)
      }
      const md = report(model, spec, adj, torch, torchOne, o, { load0, load1: loadavg()[0]!, backend: info ? `native addon, gemm on ${info.blas}, ${info.isa} kernels` : 'pure TypeScript', torchNote })
      writeSection(`train-step-${model}`, md)
      console.log(md)
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

function report(model: PairModel, spec: PairSpec, adj: SideResult, torch: SideResult | null, torchOne: SideResult | null, o: PairOptions, m: { load0: number; load1: number; backend: string; torchNote: string }): string {
  const t = TITLES[model]
  const f1 = (v: number) => v.toFixed(1)
  const tokens = BATCH * WINDOW
  const rate = (ms: number) => Math.round(tokens / ms * 1000)
  const row = (who: string, x: Timing, ref: Timing | undefined) => `| ${who} | ${f1(x.median_ms)} | ${f1(x.min_ms)} | ${f1(x.cpu_ms)} | ${rate(x.median_ms)} | ${ref ? `${(x.median_ms / ref.median_ms).toFixed(2)}x; ${(x.cpu_ms / ref.cpu_ms).toFixed(2)}x` : '-'} |`
  const threads = (n: number) => `${n} thread${n === 1 ? '' : 's'}`
  const rows = [row(`adjoint (${o.steps} steps, ${threads(o.threads)})`, adj, torch ?? undefined)]
  if (torch) rows.push(row(`PyTorch ${torch.torch} (${o.steps} steps, ${threads(torch.threads ?? o.threads)})`, torch, torch))
  else rows.push(`| PyTorch | - | - | - | - | ${m.torchNote} |`)
  if (adj.one_thread) rows.push(row(`adjoint, 1 thread (${o.oneSteps} steps)`, adj.one_thread, torchOne ?? undefined))
  if (torchOne) rows.push(row(`PyTorch, 1 thread (${o.oneSteps} steps)`, torchOne, torchOne))
  const inLen = spec.batches[0].input_ids.shape[1], outLen = spec.batches[0].labels.shape[1]
  const vocab = Number(spec.config.vocab_size)
  return `## ${t.title}

\`pnpm bench:train --model ${model}\` (bench/src/train-step-bert-t5.ts). Machine: ${machine()}; load average ${m.load0.toFixed(1)} at the start, ${m.load1.toFixed(1)} at the end (the machine is shared: figures are noisy).
Model: ${t.shape}; ${(adj.parameters / 1e6).toFixed(2)}M parameters${torch ? ` (PyTorch's: ${(torch.parameters / 1e6).toFixed(2)}M)` : ''}, char-level vocabulary ${vocab} (the Brown corpus' characters and the special tokens). Objective: ${t.objective}; batches of ${BATCH} windows of ${WINDOW} characters${model === 't5' ? ` (encoder inputs of ${inLen} tokens, decoder targets of ${outLen})` : ''}, made by adjoint (\`${model === 'bert' ? 'mlmBatch' : 'spanCorruptionBatch'}\`), ${spec.batches.length} of them cycled by both sides.
Step = forward + backward + grad clip 1.0 + AdamW (lr ${spec.train.lr}, betas ${spec.train.beta1}/${spec.train.beta2}, weight decay ${spec.train.weight_decay} on 2-D weights) + lr schedule, as \`pnpm train --model ${model}\` runs it (its batch making is not timed, on either side). PyTorch's model is plain PyTorch after Hugging Face's ${model === 'bert' ? 'BertForMaskedLM' : 'T5ForConditionalGeneration'} (the classes of the models package's parity fixtures, packages/models/test/fixtures/generate_bert_t5_fixtures.py) with the same initialisation (HF's _init_weights) and optimizer.
Backend: ${m.backend}. PyTorch: ${torch ? `${torch.torch} with OpenBLAS core ${torch.blas_core} (OPENBLAS_CORETYPE=${o.coreType || 'unset'} on its side only)` : 'not run'}.

| | median step (ms) | best step (ms) | CPU per step (ms, median) | tokens/s (median) | ratio to PyTorch (median; CPU) |
| --- | --- | --- | --- | --- | --- |
${rows.join('\n')}

On a busy machine trust the 1-thread rows and their CPU times (a process's CPU time is what it spent computing, whoever else had the cores); with 2 threads the CPU time sums both threads.

Peak RSS: adjoint ${f1(adj.peak_rss_mb)} MB${torch ? `, PyTorch ${f1(Math.max(torch.peak_rss_mb, torchOne?.peak_rss_mb ?? 0))} MB` : ''} (each side in its own process; adjoint's includes ~50 MB for tsx's loader). Garbage collection: ${adj.gc_share === undefined ? '-' : `${(100 * adj.gc_share).toFixed(1)}%`} of adjoint's timed steps.
${adj.profile ? profileText(adj.profile) : ''}
Loss (the same batches, the same init scheme): adjoint ${adj.first_loss.toFixed(3)} at the first step, ${adj.last_loss.toFixed(3)} over the last 10${torch ? `; PyTorch ${torch.first_loss.toFixed(3)} and ${torch.last_loss.toFixed(3)}` : ''} (ln ${vocab} = ${Math.log(vocab).toFixed(3)}).
`
}

function profileText(p: NonNullable<SideResult['profile']>): string {
  const times: KernelTimes = new Map(p.kernels)
  const rest = p.step_ms - kernelMsPerStep(times, p.steps)
  return `
Where adjoint's step goes (${p.steps} steps with every backend kernel timed, ${p.step_ms.toFixed(1)} ms per step while profiling; the rest, ${rest.toFixed(1)} ms, is JavaScript: autograd bookkeeping, allocation and GC, op dispatch):

${kernelTable(times, p.steps, p.step_ms)}
`
}
