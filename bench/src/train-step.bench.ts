// The GPT training step (forward + backward + AdamW) on nanoGPT's CPU config,
// adjoint against PyTorch in the same run (`pnpm bench:train`, ~6 minutes on 2 idle cores):
// - adjoint trains the reference config on the Brown corpus (char-level) for
//   --steps steps (default 2000) on the first thread count: median step time,
//   RSS at step 200 and at the end, peak RSS, the loss curve and a sample, and
//   the share of the run spent in V8's garbage collector (perf_hooks 'gc');
// - a profile of the step by phase and by kernel family (wrapped backend
//   kernels; what is left is JS: autograd, allocation, GC, the fused GELU loop);
// - the pairs: for each thread count (default: the CPUs, then 1), the same model
//   and step in PyTorch (Debian's /usr/bin/python3 with torch, if it imports;
//   bench/src/train-step.py, a child process serving steps on request) and
//   adjoint's model go in interleaved rounds (pair-rounds.ts), the ratio being
//   the median of the per-round ratios. PyTorch gets OpenBLAS's right kernels for
//   this CPU (OPENBLAS_CORETYPE=SkylakeX on AVX-512, Haswell on AVX2) and exactly
//   the thread count (OPENBLAS_NUM_THREADS, OMP_NUM_THREADS), on its side only.
// With --write: docs/benchmarks.md section "GPT training step" and docs/gpt-train-loss.svg.
// Then (train-step-bert-t5.ts) a BERT and a T5 step of the same size against
// plain-PyTorch equivalents, in the same rounds, each in its own section; --model picks the models.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Generator, linear, linearGelu, manualSeed, noGrad, randn, scaledDotProductAttention, type Tensor } from '@adjoint/core'
import { nativeInfo, setNumThreads } from '@adjoint/native'
import { CharTokenizer, GPT, PRESETS, asciiChart, generate, lineChartSvg, loadBrownText } from '@adjoint/models'
import { AdamW, WarmupCosineLR, clipGradNorm_, getBatch, type TokenIds } from '@adjoint/nn'
import { graphScope, keep, poolStats, releaseBuffer } from '@adjoint/core'
import { GcMeter } from './gc-meter.js'
import { callsPerStep, kernelMsPerStep, kernelTable, torchProfileText, withKernelTimes, type TorchProfile } from './kernel-profile.js'
import { median, pairReport, pairStats, runPair, threadsText, type PairStats } from './pair-rounds.js'
import { benchArgs, machine, writeRequested, writeSection } from './report.js'
import { timedSteps } from './step-server.js'
import { PAIR_MODELS, benchBertT5, type PairModel, type PairOptions } from './train-step-bert-t5.js'
import { openblasCoreType, spawnTorch, torchMissing, torchSetup } from './torch-peer.js'

const args = benchArgs(`pnpm bench:train [--model gpt,bert,t5] [--steps N] [--threads LIST] [--rounds R] [--round-steps K] [--pair-warmup W] [--write]:
training steps, adjoint against PyTorch in the same run, measured in interleaved rounds (adjoint K steps, PyTorch K
steps, the other order next round; the ratio is the median of the rounds' ratios, with their spread). GPT: the
reference config, with a profile of adjoint's step, its GC share, peak RSS and the loss curve of a reference run.
BERT (masked LM) and T5 (span corruption) of the same size against plain-PyTorch equivalents: the same pairs, peak
RSS, GC share, the profile and the losses. About 6 minutes on 2 idle cores with the defaults.
  --model LIST       the models to run, comma-separated (default gpt,bert,t5)
  --steps N          GPT: adjoint's reference run (loss curve, memory, sample), steps (default 2000, or BENCH_STEPS)
  --threads LIST     the thread counts of the pairs, comma-separated (default: the CPUs, then 1; or BENCH_THREADS);
                     GPT's reference run and the profiles take the first
  --rounds R         rounds per pair (default 12, or BENCH_ROUNDS); raise it on a noisy machine
  --round-steps K    timed steps per side and round (default 20, or BENCH_ROUND_STEPS);
  --pair-warmup W    untimed steps per side before the rounds (default 10, or BENCH_PAIR_WARMUP; 0 for none)`)
const argValue = (name: string): string | undefined => {
  const i = args.indexOf(name)
  return i < 0 ? undefined : (args[i + 1] ?? '')
}
const integer = (name: string, v: string, min = 1): number => {
  const n = Number(v)
  if (!(Number.isInteger(n) && n >= min)) throw new Error(`bench:train: ${name} needs an integer >= ${min}, got ${JSON.stringify(v)}`)
  return n
}
const intArg = (name: string, env: string, fallback: number, min = 1): number => {
  const v = argValue(name) ?? process.env[env]
  return v === undefined ? fallback : integer(name, v, min)
}
const modelList = (argValue('--model') ?? ['gpt', ...PAIR_MODELS].join(',')).split(',').map((m) => m.trim())
const unknown = modelList.filter((m) => m !== 'gpt' && !(PAIR_MODELS as readonly string[]).includes(m))
if (unknown.length > 0 || modelList.length === 0) throw new Error(`bench:train: --model takes a comma-separated list of gpt, ${PAIR_MODELS.join(', ')}; got ${JSON.stringify(argValue('--model'))}`)
const pairModels = PAIR_MODELS.filter((m: PairModel) => modelList.includes(m))
const info = nativeInfo()
const cpusThreads = info?.threads ?? 1
const threadList = (argValue('--threads') ?? process.env.BENCH_THREADS ?? [...new Set([cpusThreads, 1])].join(',')).split(',').map((t) => integer('--threads', t.trim()))
const options: PairOptions = {
  threads: info ? threadList : [1], // without the addon adjoint has one thread
  plan: { rounds: intArg('--rounds', 'BENCH_ROUNDS', 12), steps: intArg('--round-steps', 'BENCH_ROUND_STEPS', 20), warmup: intArg('--pair-warmup', 'BENCH_PAIR_WARMUP', 10, 0) },
  coreType: openblasCoreType(),
}
if (!modelList.includes('gpt')) {
  await benchBertT5(pairModels, options)
  process.exit(0)
}

const here = dirname(fileURLToPath(import.meta.url))
const STEPS = intArg('--steps', 'BENCH_STEPS', 2000)
const THREADS = options.threads[0]!
if (info) setNumThreads(THREADS)
const load0 = loadavg()[0]!
const ref = PRESETS.reference
const T = ref.train

// ---- data: the Brown corpus, char-level
const texts = loadBrownText()
const tok = CharTokenizer.fromText(texts.train + texts.val)
const trainIds = tok.encodeToIds(texts.train) // 1 byte a character
const valIds = tok.encodeToIds(texts.val)
const mb = () => process.memoryUsage().rss / 2 ** 20

// ---- adjoint: the reference run
manualSeed(T.seed)
const model = new GPT({ ...ref.model, vocabSize: tok.vocabSize })
const params = model.parameters()
const opt = new AdamW([{ params: params.filter((p) => p.ndim >= 2), weightDecay: T.weightDecay }, { params: params.filter((p) => p.ndim < 2), weightDecay: 0 }], { lr: T.lr, betas: [T.beta1, T.beta2] })
const sched = new WarmupCosineLR(opt, { warmupIters: T.warmupSteps, lrDecayIters: T.lrDecaySteps, minLr: T.minLr })
const gen = new Generator(T.seed)
const phases = { batch: 0, forward: 0, backward: 0, clip: 0, optimizer: 0 }
// as optimizerStep (models/src/train/loop.ts) does it: each step in a graphScope that gives the
// activations back as the backward passes them, and last step's gradients back before zeroGrad
function step(): number {
  return graphScope(stepBody, { releaseDuringBackward: true })
}
function stepBody(): number {
  let t = performance.now()
  const lap = (k: keyof typeof phases) => { const n = performance.now(); phases[k] += n - t; t = n }
  const [x, y] = getBatch(trainIds, T.blockSize, T.batchSize, { generator: gen })
  lap('batch')
  const { loss } = model.forward(x, y)
  lap('forward')
  for (const p of params) if (p.grad !== null) releaseBuffer(p.grad)
  opt.zeroGrad()
  keep(loss!)
  loss!.backward()
  lap('backward')
  clipGradNorm_(params, T.gradClip)
  lap('clip')
  opt.step()
  sched.step()
  lap('optimizer')
  return loss!.item()
}
function evalLoss(data: TokenIds): number {
  const g = new Generator(T.seed + 1)
  model.eval()
  let s = 0
  noGrad(() => { for (let i = 0; i < T.evalIters; i++) { const [x, y] = getBatch(data, T.blockSize, T.batchSize, { generator: g }); s += model.forward(x, y).loss!.item() } })
  model.train()
  return s / T.evalIters
}

console.log(`adjoint: ${STEPS} steps of the reference config on ${THREADS} thread(s), backend ${info ? `native (${info.blas}, ${info.isa})` : 'pure TS'}`)
const times: number[] = [], losses: [number, number][] = [], vals: [number, number][] = [[0, evalLoss(valIds)]]
let rss200 = 0
// V8's collections, timed by perf_hooks (entries arrive asynchronously: flushed before they are read)
const gcRun = new GcMeter()
gcRun.start()
const pool0 = poolStats()
const t0 = performance.now()
for (let i = 0; i < STEPS; i++) {
  const s0 = performance.now()
  losses.push([i + 1, step()])
  times.push(performance.now() - s0)
  if (i + 1 === 200) rss200 = mb()
  if ((i + 1) % T.evalInterval === 0 || i + 1 === STEPS) {
    if (i + 1 === STEPS && STEPS < 200) rss200 = mb()
    vals.push([i + 1, evalLoss(valIds)])
    console.log(`step ${i + 1}: val loss ${vals[vals.length - 1][1].toFixed(4)}, median step ${median(times.slice(10)).toFixed(1)} ms, rss ${mb().toFixed(0)} MB`)
  }
}
const wall = (performance.now() - t0) / 1000
gcRun.stop()
const gcShare = await gcRun.share()
gcRun.disconnect()
const pool1 = poolStats()
const poolHitRate = (pool1.hits - pool0.hits) / Math.max(1, pool1.hits - pool0.hits + pool1.misses - pool0.misses)
const rssEnd = mb()
const peak = process.resourceUsage().maxRSS / 1024
const adjMedian = median(times.slice(10))
const sample = tok.decode(generate(model, tok.encode('The '), 400, { temperature: 0.8, seed: 1 }).contiguousData())

// ---- profile: 30 more steps with every backend kernel timed
for (const k of Object.keys(phases)) phases[k as keyof typeof phases] = 0
const P = 30
const p0 = performance.now()
const kernelMs = withKernelTimes(() => { for (let i = 0; i < P; i++) step() })
const profStep = (performance.now() - p0) / P
const phaseMs = { ...phases } // before the 1-thread steps below add to them
// the MLP's up-projection + GELU (fused, as the model runs it, and unfused) and the fused attention op: timed alone on the step's shapes
const micro = (f: () => void, n = 20) => { for (let i = 0; i < 3; i++) f(); const s = performance.now(); for (let i = 0; i < n; i++) f(); return (performance.now() - s) / n }
const E = ref.model.nEmbd!, L = ref.model.nLayer!
const hx = randn([T.batchSize, T.blockSize, E]).requiresGrad_(), hw = randn([4 * E, E]).requiresGrad_(), hb = randn([4 * E]).requiresGrad_(), hg = randn([T.batchSize, T.blockSize, 4 * E])
const fusedMs = L * micro(() => { graphScope(() => linearGelu(hx, hw, hb).backward(hg)) })
const unfusedMs = L * micro(() => { graphScope(() => linear(hx, hw, hb).gelu().backward(hg)) })
const qkv = randn([T.batchSize, T.blockSize, 3 * E]).requiresGrad_(), ag = randn([T.batchSize, T.blockSize, E])
const nHead = ref.model.nHead!
const heads = (i: number) => qkv.narrow(2, i * E, E).reshape([T.batchSize, T.blockSize, nHead, E / nHead]).transpose(1, 2)
const attention = (): Tensor => scaledDotProductAttention(heads(0), heads(1), heads(2), { isCausal: true }).transpose(1, 2).reshape([T.batchSize, T.blockSize, E])
const attnMs = L * micro(() => { attention().backward(ag) })

// ---- the pairs: adjoint (this process, the model trained above) and PyTorch (train-step.py) in interleaved rounds
const dir = mkdtempSync(join(tmpdir(), 'adjoint-bench-'))
const tokFile = join(dir, 'tokens.bin')
writeFileSync(tokFile, new Uint8Array(Int32Array.from(trainIds).buffer)) // int32 ids, as train-step.py reads them (the corpus is kept in 1 byte a character)
const torchNote = torchMissing()
const plan = options.plan
interface GptPair { threads: number; stats: PairStats; gcShare: number }
const pairs: GptPair[] = []
let torchInfo: Record<string, unknown> | null = null
let torchPeakMb = 0
let torchProfile: TorchProfile | null = null // PyTorch's step by op, on the first thread count (as adjoint's profile above)
const adjSteps = timedSteps(() => { step() })
if (!torchNote) {
  try {
    for (const threads of options.threads) {
      if (info) setNumThreads(threads)
      console.log(`GPT pair, ${threads} thread(s): ${plan.rounds} rounds of ${plan.steps} steps a side, after ${plan.warmup} warm-up steps`)
      const torch = spawnTorch('train-step.py', ['--tokens', tokFile, '--vocab', String(tok.vocabSize)], threads, options.coreType)
      const gc = new GcMeter()
      try {
        const rounds = await runPair(
          { run: async (k) => { gc.start(); const r = adjSteps(k); gc.stop(); return r } },
          { run: (k) => torch.steps(k) },
          plan,
          (i, r) => console.log(`  round ${i + 1}: adjoint ${median(r.a.times_ms).toFixed(1)} ms, PyTorch ${median(r.b.times_ms).toFixed(1)} ms`),
        )
        pairs.push({ threads, stats: pairStats(rounds), gcShare: await gc.share() })
        torchInfo = await torch.request('info')
        torchProfile ??= (await torch.request(`profile ${P}`)) as unknown as TorchProfile
        torchPeakMb = Math.max(torchPeakMb, Number(torchInfo.peak_rss_mb))
      } finally {
        gc.disconnect()
        await torch.close()
      }
    }
  } finally {
    if (info) setNumThreads(THREADS)
    rmSync(dir, { recursive: true, force: true })
  }
}
const load1 = loadavg()[0]!

// ---- report
const f1 = (v: number) => v.toFixed(1)
const torchName = torchInfo ? `PyTorch ${String(torchInfo.torch)}` : 'PyTorch'
const pairText = torchNote || pairReport(plan, pairs, T.batchSize * T.blockSize, torchName)
const trainPts = losses.filter((_, i) => i % 20 === 19).map(([s], i) => [s, losses.slice(i * 20, i * 20 + 20).reduce((a, p) => a + p[1], 0) / 20] as [number, number])
const svgName = 'gpt-train-loss.svg'
if (writeRequested()) writeFileSync(join(here, '../../docs', svgName), lineChartSvg([{ name: 'train (mean of 20 steps)', points: trainPts }, { name: 'validation', points: vals }], { title: 'adjoint: reference GPT on the Brown corpus (char-level)', xLabel: 'step', yLabel: 'loss (nats per character)' }))
const kernelTotal = kernelMsPerStep(kernelMs, P)
const phaseRows = Object.entries(phaseMs).map(([k, ms]) => `| ${k} | ${f1(ms / P)} |`).join('\n')
const md = `## GPT training step

\`pnpm bench:train\` (bench/src/train-step.bench.ts). Machine: ${machine()}; load average ${load0.toFixed(1)} at the start, ${load1.toFixed(1)} at the end (the machine is shared: figures are noisy).
Model: nanoGPT's CPU config (4 layers, 4 heads, 128 wide, block 64, batch 12, ${(model.numParams() / 1e6).toFixed(2)}M parameters, char-level vocabulary ${tok.vocabSize}), AdamW (lr 1e-3, beta2 0.99, weight decay 0.1 on 2-D weights), warmup 100 then cosine to 1e-4 at 2000, grad clip 1.0. Step = batch + forward + backward + clip + AdamW.
Backend: ${info ? `native addon, gemm on ${info.blas}, ${info.isa} kernels` : 'pure TypeScript'}; adjoint's reference run and profile on ${threadsText(THREADS)}. PyTorch: ${torchInfo ? `${String(torchInfo.torch)} with OpenBLAS core ${String(torchInfo.blas_core)}; ${torchSetup(options.coreType)}` : 'not run'}.

adjoint's reference run alone (${STEPS} steps, ${threadsText(THREADS)}): median step ${f1(adjMedian)} ms, ${Math.round(T.batchSize * T.blockSize / adjMedian * 1000)} tokens/s; the whole run took ${wall.toFixed(0)} s.

Against PyTorch, the same step in the same run. ${pairText}

Memory (adjoint, RSS): ${f1(rss200)} MB at step 200, ${f1(rssEnd)} MB at step ${STEPS}, peak ${f1(peak)} MB${torchPeakMb > 0 ? ` (PyTorch's peak: ${f1(torchPeakMb)} MB)` : ''}.

Garbage collection (V8, perf_hooks): ${(100 * gcShare).toFixed(1)}% of the reference run's wall time${pairs.map((p) => `, ${(100 * p.gcShare).toFixed(1)}% of adjoint's steps in the ${p.threads}-thread pair`).join('')}. Buffer pool: ${(100 * poolHitRate).toFixed(0)}% of Tensor.empty calls of pooled size reused a buffer the backward pass gave back.

Where a step's time goes (adjoint, ${P} steps with every backend kernel timed; ${f1(profStep)} ms per step while profiling):

| phase | ms per step |
| --- | --- |
${phaseRows}

${kernelTable(kernelMs, P, profStep)}
${torchProfile ? `\n${torchProfileText(torchProfile, THREADS)}\n` : ''}
Timed alone on the step's shapes: the MLP's up-projection and GELU forward + backward (4 layers of [12, 64, 128] -> [12, 64, 512]) as the fused linearGelu op the model runs ${f1(fusedMs)} ms per step, as linear then gelu ${f1(unfusedMs)} ms; the fused attention forward + backward (gemm + softmax kernels, counted above) ${f1(attnMs)} ms. The rest, ${f1(profStep - kernelTotal)} ms, is autograd bookkeeping, allocation and GC, AdamW's and clipping's loops, and op dispatch.

What stands between adjoint and PyTorch on this step, from the profile: (1) the gemms, which PyTorch also runs (same FLOPs; the addon's OpenBLAS/own kernels against PyTorch's); (2) the JS side of ~${Math.round(callsPerStep(kernelMs, P))} backend calls per step (autograd bookkeeping and op dispatch); (3) allocation and GC: each step runs in a graphScope (models' optimizerStep does the same), so the backward pass gives its gradient buffers and the forward's activations back to core's pool as it passes them and the next step reuses them, AdamW/clipping run as fused native kernels over whole parameter groups (${f1((phaseMs.optimizer + phaseMs.clip) / P)} ms per step here), and in-place adds write into their tensor.

Memory: the RSS includes ~50 MB for tsx's module loader (a second V8 isolate in a worker thread: a bare \`node\` is ~40 MB, \`node --import tsx\` ~90 MB) and the token ids of the corpus (${trainIds.constructor.name}, ${((trainIds.byteLength + valIds.byteLength) / 2 ** 20).toFixed(0)} MB); what is left is the model and AdamW state (${(16 * model.numParams() / 2 ** 20).toFixed(0)} MB) and the activations and garbage of the current steps.

Loss (validation, every ${T.evalInterval} steps): ${vals.map(([s, v]) => `${s}: ${v.toFixed(3)}`).join(', ')}. ![loss curve](${svgName})

\`\`\`
${asciiChart([{ name: 'train (mean of 20)', points: trainPts }, { name: 'validation', points: vals }], { width: 60, height: 12 })}
\`\`\`

Sample after ${STEPS} steps (temperature 0.8, 400 characters after "The "):

\`\`\`
${sample}
\`\`\`
`
writeSection('train-step', md)
console.log(md)
await benchBertT5(pairModels, options)
