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
// Each side runs in its own process (peak RSS is that process's), a step
// server per thread count (step-server.ts): adjoint in
// train-step-bert-t5-child.ts, PyTorch in train-step-bert-t5.py; the two go in
// interleaved rounds (pair-rounds.ts).
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
import { kernelMsPerStep, kernelTable, torchProfileText, type KernelTimes, type TorchProfile } from './kernel-profile.js'
import { median, pairReport, pairStats, runPair, threadsText, type PairPlan, type PairStats } from './pair-rounds.js'
import { machine, writeSection } from './report.js'
import { StepServer } from './step-server.js'
import { spawnTorch, torchMissing, torchSetup } from './torch-peer.js'

export const PAIR_MODELS = ['bert', 't5'] as const
export type PairModel = (typeof PAIR_MODELS)[number]

export interface PairOptions {
  /** The thread counts of the pairs (both sides); the first is the profile's. */
  threads: number[]
  plan: PairPlan
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

/** What each side's "info" answers (after its rounds). */
interface SideInfo {
  peak_rss_mb: number
  parameters: number
  first_loss: number
  last_loss: number
  /** adjoint: GC's share of its timed steps. */
  gc_share?: number
  blas_core?: string
  torch?: string
}

/** adjoint's "profile K": K steps with every backend kernel timed (kernelTimes' entries). */
interface Profile { steps: number; step_ms: number; kernels: [string, { ms: number; calls: number }][] }

interface ConfigResult { threads: number; stats: PairStats; adj: SideInfo; torch: SideInfo }

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

function spawnAdjoint(specFile: string, threads: number): StepServer {
  const child = join(here, 'train-step-bert-t5-child.ts')
  return new StepServer(`adjoint (train-step-bert-t5-child.ts, ${threadsText(threads)})`, process.execPath, ['--conditions=source', '--import', 'tsx', child, '--spec', specFile, '--threads', String(threads)])
}

const TITLES: Record<PairModel, { title: string; objective: string; shape: string }> = {
  bert: { title: 'BERT training step (masked LM)', objective: "masked LM (15% of the tokens chosen, 80/10/10 [MASK]/random/kept, loss on the chosen)", shape: '4 post-LN encoder layers, 4 heads, 128 wide, intermediate 512, exact GELU, 64 positions, tied MLM decoder' },
  t5: { title: 'T5 training step (span corruption)', objective: 'span corruption (15% of each window in spans of mean length 3 replaced by sentinels; the decoder writes the spans)', shape: "the tiny preset: 2 encoder + 2 decoder pre-norm blocks, 4 heads of 32, 128 wide, d_ff 512, ReLU, 32 relative-position buckets, tied LM head" },
}

/** Runs each model's pairs (one per thread count), prints its section and records it with --write. */
export async function benchBertT5(models: readonly PairModel[], o: PairOptions): Promise<void> {
  if (models.length === 0) return
  const texts = loadBrownText()
  const info = nativeInfo()
  const torchNote = torchMissing()
  const dir = mkdtempSync(join(tmpdir(), 'adjoint-bench-'))
  const p = o.plan
  try {
    for (const model of models) {
      const load0 = loadavg()[0]!
      const spec = makeSpec(model, texts.train)
      const specFile = join(dir, `${model}.json`)
      writeFileSync(specFile, JSON.stringify(spec))
      const results: ConfigResult[] = []
      let profile: Profile | null = null, torchProfile: TorchProfile | null = null
      if (torchNote) console.log(torchNote)
      for (const threads of torchNote ? [] : o.threads) {
        console.log(`${model} pair, ${threads} thread(s): ${p.rounds} rounds of ${p.steps} steps a side, after ${p.warmup} warm-up steps`)
        const adj = spawnAdjoint(specFile, threads)
        const torch = spawnTorch('train-step-bert-t5.py', ['--batches', specFile], threads, o.coreType)
        try {
          const rounds = await runPair({ run: (k) => adj.steps(k) }, { run: (k) => torch.steps(k) }, p,
            (i, r) => console.log(`  round ${i + 1}: adjoint ${median(r.a.times_ms).toFixed(1)} ms, PyTorch ${median(r.b.times_ms).toFixed(1)} ms`))
          results.push({ threads, stats: pairStats(rounds), adj: (await adj.request('info')) as unknown as SideInfo, torch: (await torch.request('info')) as unknown as SideInfo })
          if (profile === null) {
            profile = (await adj.request('profile 30')) as unknown as Profile
            torchProfile = (await torch.request('profile 30')) as unknown as TorchProfile
          }
        } finally {
          await Promise.all([adj.close(), torch.close()])
        }
      }
      const md = report(model, spec, results, profile, torchProfile, o, { load0, load1: loadavg()[0]!, backend: info ? `native addon, gemm on ${info.blas}, ${info.isa} kernels` : 'pure TypeScript', torchNote })
      writeSection(`train-step-${model}`, md)
      console.log(md)
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

function report(model: PairModel, spec: PairSpec, results: ConfigResult[], profile: Profile | null, torchProfile: TorchProfile | null, o: PairOptions, m: { load0: number; load1: number; backend: string; torchNote: string }): string {
  const t = TITLES[model]
  const f1 = (v: number) => v.toFixed(1)
  const first = results[0]
  const inLen = spec.batches[0].input_ids.shape[1], outLen = spec.batches[0].labels.shape[1]
  const vocab = Number(spec.config.vocab_size)
  const torchName = first ? `PyTorch ${first.torch.torch}` : 'PyTorch'
  const table = m.torchNote || !first ? m.torchNote : `${pairReport(o.plan, results, BATCH * WINDOW, torchName)}

Peak RSS: adjoint ${f1(Math.max(...results.map((r) => r.adj.peak_rss_mb)))} MB, PyTorch ${f1(Math.max(...results.map((r) => r.torch.peak_rss_mb)))} MB (each side in its own process, one per thread count; adjoint's includes ~50 MB for tsx's loader). Garbage collection: ${results.map((r) => `${(100 * (r.adj.gc_share ?? NaN)).toFixed(1)}%`).join(', ')} of adjoint's timed steps (${results.map((r) => threadsText(r.threads)).join(', ')}).`
  return `## ${t.title}

\`pnpm bench:train --model ${model}\` (bench/src/train-step-bert-t5.ts). Machine: ${machine()}; load average ${m.load0.toFixed(1)} at the start, ${m.load1.toFixed(1)} at the end (the machine is shared: figures are noisy).
Model: ${t.shape}; ${first ? `${(first.adj.parameters / 1e6).toFixed(2)}M parameters (PyTorch's: ${(first.torch.parameters / 1e6).toFixed(2)}M), ` : ''}char-level vocabulary ${vocab} (the Brown corpus' characters and the special tokens). Objective: ${t.objective}; batches of ${BATCH} windows of ${WINDOW} characters${model === 't5' ? ` (encoder inputs of ${inLen} tokens, decoder targets of ${outLen})` : ''}, made by adjoint (\`${model === 'bert' ? 'mlmBatch' : 'spanCorruptionBatch'}\`), ${spec.batches.length} of them cycled by both sides.
Step = forward + backward + grad clip 1.0 + AdamW (lr ${spec.train.lr}, betas ${spec.train.beta1}/${spec.train.beta2}, weight decay ${spec.train.weight_decay} on 2-D weights) + lr schedule, as \`pnpm train --model ${model}\` runs it (its batch making is not timed, on either side). PyTorch's model is plain PyTorch after Hugging Face's ${model === 'bert' ? 'BertForMaskedLM' : 'T5ForConditionalGeneration'} (the classes of the models package's parity fixtures, packages/models/test/fixtures/generate_bert_t5_fixtures.py) with the same initialisation (HF's _init_weights) and optimizer.
Backend: ${m.backend}. PyTorch: ${first ? `${first.torch.torch} with OpenBLAS core ${first.torch.blas_core}; ${torchSetup(o.coreType)}` : 'not run'}.

${table}
${profile ? profileText(profile, o.threads[0]!) : ''}${torchProfile ? `\n${torchProfileText(torchProfile, o.threads[0]!)}\n` : ''}
${first ? `Loss (the same batches, the same init scheme, ${o.plan.warmup + o.plan.rounds * o.plan.steps} steps on each side): adjoint ${first.adj.first_loss.toFixed(3)} at the first step, ${first.adj.last_loss.toFixed(3)} over the last 10; PyTorch ${first.torch.first_loss.toFixed(3)} and ${first.torch.last_loss.toFixed(3)} (ln ${vocab} = ${Math.log(vocab).toFixed(3)}).` : ''}
`
}

function profileText(p: Profile, threads: number): string {
  const times: KernelTimes = new Map(p.kernels)
  const rest = p.step_ms - kernelMsPerStep(times, p.steps)
  return `
Where adjoint's step goes (${p.steps} steps on ${threadsText(threads)} with every backend kernel timed, ${p.step_ms.toFixed(1)} ms per step while profiling; the rest, ${rest.toFixed(1)} ms, is JavaScript: autograd bookkeeping, allocation and GC, op dispatch):

${kernelTable(times, p.steps, p.step_ms)}
`
}
