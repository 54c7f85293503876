// `adjoint train`: data -> tokenizer -> model -> AdamW + warmup-cosine -> the
// loop, with evaluation, checkpoints, the CSV log, the SVG curve and a sample
// at the end. Resuming restores weights, optimizer, schedule, step and random
// states, so a resumed run continues exactly as if it had not stopped.
// The model and its loss come from an Objective (./objective.ts): GPT's, BERT's
// and T5's live in their model folders (gpt/objective.ts, ...).
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { basename, join } from 'node:path'
import { Generator, defaultGenerator, graphScope, manualSeed, noGrad } from '@adjoint/core'
import { AdamW, WarmupCosineLR, type Module, type TokenIds } from '@adjoint/nn'
import { loadBrownText } from '../data/brown.js'
import { checkStream } from '../data/batches.js'
import { loadTextFile, splitText } from '../data/text.js'
import { CheckpointError, ConfigError, VocabularyError } from '../errors.js'
import { stripUndefined } from '../hf/config-fields.js'
import { asciiChart } from '../plot/ascii.js'
import { lineChartSvg } from '../plot/svg.js'
import { withThousands } from '../number-format.js'
import { BPETokenizer, CharTokenizer, type Tokenizer } from '../tokenizers/index.js'
import { expectKind, loadTrainingState, openRunDirectory, saveRunCheckpoint, tidyRunDir, type RunMeta } from './checkpoint.js'
import { checkTrainConfig, type TrainConfig } from './config.js'
import { RunLog, smooth } from './log.js'
import { demoLine } from './demo.js'
import { checkFootprint, transformerFootprint } from './memory.js'
import { optimizerStep, runLoop } from './loop.js'
import type { Objective } from './objective.js'

/** What the UI shows after a step: that batch's loss and the throughput. */
export interface StepUpdate {
  loss: number
  /** The latest validation loss (null: none yet; omitted: unchanged). */
  valLoss?: number | null
  tokensPerSec: number
}

/** What an evaluation found: the validation loss (or accuracy), and the evaluated train loss. */
export interface EvaluationUpdate {
  valLoss?: number | null
  /** Held-out accuracy in [0, 1] (fine-tuning). */
  valAccuracy?: number
  trainLoss?: number
}

export interface TrainUI {
  /** A line of text for the user. */
  info(line: string): void
  /** Training begins (or resumes at startStep). */
  start(totalSteps: number, startStep: number): void
  /** After each step. */
  update(done: number, f: StepUpdate): void
  /** After an evaluation at `done` steps (the last one holds the run's final values). */
  evaluated?(done: number, e: EvaluationUpdate): void
  /** Training ends or stops (before the summary lines). */
  stop(): void
}

export interface RunOptions {
  /** A text file to train on; default the Brown corpus. */
  data?: string | null
  /** The objective's preset name (--config). */
  preset?: string
  /** Training settings given on the command line. */
  train?: Partial<Pick<TrainConfig, 'steps' | 'batchSize' | 'blockSize' | 'lr' | 'seed'>>
  /** Model settings over the preset's (tests use smaller models). */
  model?: Record<string, unknown>
  /** Evaluation/checkpoint cadence over the preset's. */
  schedule?: Partial<Pick<TrainConfig, 'evalInterval' | 'evalIters' | 'ckptInterval'>>
  tokenizer?: 'char' | 'bpe'
  /** BPE vocabulary size (with --tokenizer bpe). */
  vocabSize?: number
  /** The run directory (runs/NAME). */
  out: string
  resume?: boolean
  /** Tokens of the sample printed at the end (0: none). */
  sampleTokens?: number
  ui: TrainUI
  /** Polled between steps: true saves a checkpoint and stops. */
  shouldStop?: () => boolean
}

export interface RunResult<M extends Module = Module> {
  runDir: string
  step: number
  interrupted: boolean
  valLoss: number | null
  trainLoss: number | null
  sample: string | null
  model: M
  tokenizer: Tokenizer
}

interface Texts { train: string; val: string; source: Record<string, unknown> }

function loadTexts(data: string | null | undefined): Texts {
  if (!data) {
    const { train, val } = loadBrownText()
    return { train, val, source: { source: 'brown' } }
  }
  const { train, val } = splitText(loadTextFile(data))
  return { train, val, source: { source: 'file', path: data } }
}

/** The text's token ids, as compact as they fit (a character vocabulary: 1 byte a token). */
function encodeAll(tok: Tokenizer, text: string, what: string): TokenIds {
  try {
    return tok.encodeToIds(text, { allowSpecial: false })
  } catch (e) {
    if (e instanceof VocabularyError) throw new VocabularyError(`the ${what} text cannot be encoded with this tokenizer: ${e.message}`)
    throw e
  }
}

/** Mean loss over `iters` batches drawn by a fresh generator (the same batches at every evaluation). */
function estimateLoss<M extends Module>(obj: Objective<M>, model: M, data: TokenIds, train: TrainConfig, tokenizer: Tokenizer, seed: number): number {
  const gen = new Generator(seed)
  model.eval()
  let total = 0
  noGrad(() => {
    // each batch's activations go back to the pool for the next (nothing is kept but the number)
    for (let i = 0; i < train.evalIters; i++) total += graphScope(() => obj.batchLoss(model, data, train, gen, tokenizer).loss.item(), { releaseEverything: true })
  })
  model.train()
  return total / train.evalIters
}

const samePrefix = (a: Record<string, unknown>, b: Record<string, unknown>) => Object.keys(b).every((k) => JSON.stringify(a[k]) === JSON.stringify(b[k]))

/** A training run of any objective's model (GPT, BERT, T5); o.model overrides the preset's model config. */
export async function trainModel<M extends Module>(obj: Objective<M>, o: RunOptions): Promise<RunResult<M>> {
  const ui = o.ui
  let tokenizer: Tokenizer
  let modelConfig: Record<string, unknown>
  let train: TrainConfig
  let startStep = 0
  let texts: Texts
  let presetName: string
  if (o.resume) openRunDirectory(o.out) // a run that cannot be resumed is refused with its reason before anything is tidied away
  for (const note of tidyRunDir(o.out)) ui.info(note)
  const resumeRun = o.resume ? openRunDirectory(o.out) : null

  if (resumeRun) {
    expectKind(resumeRun, obj.kind)
    const meta = resumeRun.meta
    presetName = String(meta.extra?.preset ?? 'custom')
    if (o.preset && o.preset !== presetName) throw new CheckpointError(`${o.out} was trained with --config ${presetName}; it cannot be resumed as --config ${o.preset} (a checkpoint of a different model)`)
    if (o.model && !samePrefix(meta.model, o.model)) throw new CheckpointError(`${o.out} holds a model with ${JSON.stringify(meta.model)}, not ${JSON.stringify(o.model)} (a checkpoint of a different model)`)
    modelConfig = meta.model
    train = { ...(meta.train as unknown as TrainConfig) }
    const saved = meta.data
    if (o.data && (saved.source !== 'file' || saved.path !== o.data)) throw new CheckpointError(`${o.out} was trained on ${saved.source === 'file' ? saved.path : 'the Brown corpus'}, not ${o.data}`)
    texts = loadTexts(saved.source === 'file' ? String(saved.path) : null)
    tokenizer = resumeRun.tokenizer
    if (o.train?.blockSize !== undefined && o.train.blockSize > obj.maxBlockSize(modelConfig)) throw new ConfigError(`--block ${o.train.blockSize} exceeds the model's longest sequence ${obj.maxBlockSize(modelConfig)} (from ${o.out})`)
    for (const k of ['batchSize', 'blockSize', 'lr', 'seed'] as const) {
      if (o.train?.[k] !== undefined && o.train[k] !== train[k]) throw new ConfigError(`cannot change ${k} when resuming: ${o.out} uses ${train[k]}, got ${o.train[k]} (start a new run with another --out instead)`)
    }
    if (o.train?.steps !== undefined) train.steps = o.train.steps
    Object.assign(train, stripUndefined(o.schedule ?? {})) // evaluation and checkpoint cadence may change: they do not alter training
    startStep = meta.step
  } else {
    presetName = o.preset ?? Object.keys(obj.presets)[0]
    if (!Object.prototype.hasOwnProperty.call(obj.presets, presetName)) throw new ConfigError(`unknown ${obj.name} config ${JSON.stringify(presetName)} (expected one of ${Object.keys(obj.presets).join(', ')})`)
    const preset = obj.presets[presetName]
    train = { ...preset.train, ...stripUndefined(o.schedule ?? {}) }
    for (const [k, v] of Object.entries(o.train ?? {})) if (v !== undefined) (train as unknown as Record<string, number>)[k] = v
    if (o.train?.steps !== undefined) {
      train.lrDecaySteps = o.train.steps
      train.warmupSteps = Math.min(preset.train.warmupSteps, Math.floor(o.train.steps / 10))
    }
    modelConfig = { ...preset.model, ...o.model }
    if (o.train?.blockSize !== undefined) modelConfig = obj.withBlockSize(modelConfig, o.train.blockSize)
    else train.blockSize = Math.min(train.blockSize, obj.maxBlockSize(modelConfig))
    texts = loadTexts(o.data)
    const tokenizerKind = o.tokenizer ?? obj.defaultTokenizer?.kind ?? 'char'
    const vocabSize = o.vocabSize ?? obj.defaultTokenizer?.vocabSize ?? 512
    if (tokenizerKind === 'bpe') {
      ui.info(`training a byte-level BPE tokenizer (vocabulary ${vocabSize}) on the training text...`)
      tokenizer = BPETokenizer.train(texts.train, { vocabSize, specialTokens: obj.specialTokens })
    } else tokenizer = CharTokenizer.fromText(texts.train + texts.val, { specialTokens: obj.specialTokens })
    modelConfig = obj.configure(modelConfig, tokenizer)
  }
  checkTrainConfig(train, obj.maxBlockSize(modelConfig))
  checkFootprint(transformerFootprint(obj.shape(modelConfig, train)), `a ${obj.name} with ${train.batchSize} x ${train.blockSize}-token batches (--batch ${train.batchSize} --block ${train.blockSize})`)

  const trainIds = encodeAll(tokenizer, texts.train, 'training')
  const valIds = encodeAll(tokenizer, texts.val, 'validation')
  checkStream('training', trainIds, train.blockSize)
  checkStream('validation', valIds, train.blockSize)
  const showSample = (o.sampleTokens ?? 300) > 0 && obj.sample !== undefined
  const sampleLine = showSample ? demoLine(texts.train, train.seed) : ''
  texts.train = texts.val = '' // the ids hold the texts now (and sampleLine the closing sample's line): ~1 byte a character less kept

  manualSeed(train.seed)
  const model = obj.build(modelConfig)
  const cfg = (model as unknown as { config: Record<string, unknown> }).config
  const decay = model.parameters().filter((p) => p.ndim >= 2)
  const noDecay = model.parameters().filter((p) => p.ndim < 2)
  const optimizer = new AdamW([{ params: decay, weightDecay: train.weightDecay }, { params: noDecay, weightDecay: 0 }], { lr: train.lr, betas: [train.beta1, train.beta2], eps: 1e-8 })
  const scheduler = new WarmupCosineLR(optimizer, { warmupIters: train.warmupSteps, lrDecayIters: train.lrDecaySteps, minLr: train.minLr })
  const dataGen = new Generator(train.seed)
  const generators = { default: defaultGenerator, data: dataGen }
  if (resumeRun) {
    const step = loadTrainingState(resumeRun, { model, optimizer, scheduler, generators })
    if (step !== startStep) throw new CheckpointError(`${resumeRun.dir}: config.json says step ${startStep}, train_state.safetensors says ${step}`)
  }

  const runDir = o.out
  mkdirSync(runDir, { recursive: true })
  const log = new RunLog(join(runDir, 'log.csv'), resumeRun ? startStep : -1)
  const dataName = texts.source.source === 'file' ? basename(String(texts.source.path)) : 'the Brown corpus'
  ui.info(obj.describe(model, presetName))
  ui.info(`data: ${dataName}: ${withThousands(trainIds.length)} training and ${withThousands(valIds.length)} validation tokens (${tokenizer.type} tokenizer, vocabulary ${tokenizer.vocabSize})`)
  ui.info(`training: ${train.steps} steps of ${train.batchSize} x ${train.blockSize} tokens, AdamW lr ${train.lr} (warmup ${train.warmupSteps}, cosine to ${train.minLr} at ${train.lrDecaySteps}), ${resumeRun ? `resuming at step ${startStep}` : 'from scratch'}; run directory ${runDir}`)

  const ev: { val: number | null; train: number | null } = { val: null, train: null }
  const t0 = performance.now()
  let tps = 0
  const elapsed = () => (performance.now() - t0) / 1000
  const meta = (step: number): RunMeta => ({
    format: 'adjoint-run', version: 1, kind: obj.kind, model: { ...cfg }, train: { ...train }, step,
    data: texts.source, metrics: ev.val === null ? undefined : { valLoss: ev.val, trainLoss: ev.train ?? NaN },
    extra: { preset: presetName },
  })
  const writePlots = () => {
    const { train: tr, val, lr } = log.series()
    const window = Math.max(1, Math.round(tr.length / 200))
    writeFileSync(join(runDir, 'loss.svg'), lineChartSvg([{ name: `train (mean of ${window})`, points: smooth(tr, window) }, { name: 'validation', points: val }], {
      title: `${obj.name} on ${dataName}: cross-entropy loss`, xLabel: 'step', yLabel: 'loss (nats per token)',
      right: { series: [{ name: 'learning rate', points: lr }], label: 'learning rate' },
    }))
  }

  if (startStep >= train.steps) ui.info(`${runDir} is already at step ${startStep} of ${train.steps}: nothing to train (raise --steps to continue)`)
  ui.start(train.steps, startStep)
  let interrupted = false, finalStep = startStep
  try {
    const res = await runLoop({
      startStep,
      totalSteps: train.steps,
      step: () => optimizerStep(model, optimizer, scheduler, () => obj.batchLoss(model, trainIds, train, dataGen, tokenizer), train.gradClip),
      onStep: (done, r, ms) => {
        const now = r.tokens / (ms / 1000)
        tps = tps === 0 ? now : 0.9 * tps + 0.1 * now
        log.step({ step: done, trainLoss: r.loss, lr: r.lr, gradNorm: r.gradNorm, tokensPerSec: now, elapsedS: elapsed() })
        ui.update(done, { loss: r.loss, valLoss: ev.val, tokensPerSec: tps })
      },
      evalInterval: train.evalInterval,
      evaluate: (done) => {
        ev.val = estimateLoss(obj, model, valIds, train, tokenizer, train.seed + 1)
        ev.train = estimateLoss(obj, model, trainIds, train, tokenizer, train.seed + 2)
        log.evaluation(done, ev.val, ev.train, elapsed())
        ui.evaluated?.(done, { valLoss: ev.val, trainLoss: ev.train })
      },
      ckptInterval: train.ckptInterval,
      checkpoint: (done) => {
        log.flush()
        saveRunCheckpoint(runDir, meta(done), tokenizer, { model, optimizer, scheduler, generators })
        writePlots()
      },
      shouldStop: o.shouldStop,
    })
    interrupted = res.interrupted
    finalStep = res.step
  } finally {
    ui.stop()
  }
  log.flush()
  if (!existsSync(join(runDir, 'checkpoint'))) saveRunCheckpoint(runDir, meta(finalStep), tokenizer, { model, optimizer, scheduler, generators })
  writePlots()

  if (interrupted) {
    ui.info(`interrupted at step ${finalStep}: checkpoint saved in ${join(runDir, 'checkpoint')}; continue with --resume --out ${runDir}`)
    return { runDir, step: finalStep, interrupted, valLoss: ev.val, trainLoss: ev.train, sample: null, model, tokenizer }
  }
  const { train: tr, val } = log.series()
  if (tr.length > 1) {
    ui.info('')
    ui.info(asciiChart([{ name: 'train', points: smooth(tr, Math.max(1, Math.round(tr.length / 60))) }, { name: 'validation', points: val }], { width: 60, height: 12 }))
  }
  if (ev.val !== null) ui.info(`step ${finalStep}: train loss ${ev.train!.toFixed(4)}, validation loss ${ev.val.toFixed(4)}; log ${join(runDir, 'log.csv')}, curve ${join(runDir, 'loss.svg')}, checkpoint ${join(runDir, 'checkpoint')}`)
  let sample: string | null = null
  const shown = showSample ? obj.sample!(model, tokenizer, sampleLine, { seed: train.seed, tokens: o.sampleTokens ?? 300 }) : null
  if (shown) {
    sample = shown.text
    writeFileSync(join(runDir, 'sample.txt'), sample + '\n')
    ui.info('')
    ui.info(shown.title)
    ui.info('')
    ui.info(sample)
  }
  return { runDir, step: finalStep, interrupted, valLoss: ev.val, trainLoss: ev.train, sample, model, tokenizer }
}
