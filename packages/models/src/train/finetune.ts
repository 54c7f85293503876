// `adjoint finetune`: a pretrained checkpoint becomes a classifier through its
// model's backbone (gpt/finetune.ts: a new linear head on the last real token's
// hidden state; bert/finetune.ts: the pooled [CLS]; t5/finetune.ts: the label
// written as text), trained end to end or as a
// linear probe on a built-in Brown task or the user's labelled file, evaluated
// on held-out examples against the majority-class baseline, and saved as a
// '<kind>-classifier' checkpoint with its class names. With compareScratch the
// same classifier, randomly initialised, is trained the same way beside it.
// runs.ts's finetuneRun picks the backbone by the checkpoint's kind.
import { writeFileSync } from 'node:fs'
import { basename, join } from 'node:path'
import { Generator, manualSeed } from '@adjoint/core'
import { BROWN_3_GENRES, brownGenreTask } from '../data/brown-genre.js'
import { readLabeledFile, type ColumnNames } from '../data/labeled-file.js'
import { labeledTask, type Truncation } from '../data/labeled-task.js'
import { ConfigError, UsageError } from '../errors.js'
import { lineChartSvg } from '../plot/svg.js'
import type { Tokenizer } from '../tokenizers/index.js'
import { saveRunCheckpoint, type OpenedRun } from './checkpoint.js'
import { evaluateClassifier, finetuneClassifier, majorityBaseline, type ClassificationTask, type Evaluation, type LabeledSet, type SequenceClassifier } from './classify.js'
import { smooth } from './log.js'
import type { TrainUI } from './run.js'

/** How a pretrained checkpoint becomes a classifier: GPT's, BERT's or T5's (<kind>/finetune.ts). */
export interface ClassifierBackbone {
  /** The classifier checkpoint's kind, e.g. 'gpt-classifier'. */
  kind: string
  name: string
  /** Longest passage, in tokens. */
  maxBlock: number
  /** Which tokens of a longer text are kept: a decoder reads the last ones, an encoder the first. */
  truncate: Truncation
  /** What --probe freezes ('decoder', 'encoder'). */
  frozenPart: string
  /**
   * A classifier with a new head on the pretrained weights, or (pretrained false) on the same
   * architecture randomly initialised; with probe, only the head trains.
   */
  classifier(labels: readonly string[], o: { probe: boolean; pretrained: boolean }): SequenceClassifier
  /** The classifier's constructor config (saved in its checkpoint). */
  config(clf: SequenceClassifier): Record<string, unknown>
  /** Passages as the classifier reads them (BERT: [CLS] passage [SEP]). */
  prepare?(set: LabeledSet): LabeledSet
  /** Learning rate of whole-network fine-tuning when --lr is not given (default 5e-4). */
  defaultLr?: number
}

/** A fine-tuned classifier read back from its checkpoint (for adjoint classify). */
export interface SavedClassifier {
  clf: SequenceClassifier
  truncate: Truncation
  prepare?(set: LabeledSet): LabeledSet
}

/** The built-in tasks: Brown passages labelled by genre. */
export const FINETUNE_TASKS = ['brown-genre', 'brown-3'] as const
export type FinetuneTask = (typeof FINETUNE_TASKS)[number]

export interface FinetuneRunOptions {
  ckpt: string
  /** A built-in task; or data (a CSV or JSONL file of labelled texts). */
  task?: FinetuneTask
  data?: string
  /** Held-out examples from their own file (with data). */
  val?: string
  /** Fraction of each class held out when there is no val file (default 0.2). */
  valFraction?: number
  columns?: ColumnNames
  /** The pretrained model's kind; checked against the checkpoint when given (default: the checkpoint's). */
  model?: string
  steps?: number
  batchSize?: number
  lr?: number
  /** Passage length in tokens (default and maximum: the model's block size). */
  block?: number
  /** Train only the new head (linear probe). */
  probe?: boolean
  /** Also train the same classifier from a random initialisation, and compare. */
  compareScratch?: boolean
  seed?: number
  /** Held-out passages per validation file of a Brown task (default 20). */
  perDoc?: number
  out?: string
  ui: TrainUI
  shouldStop?: () => boolean
}

/** One trained classifier's outcome. */
export interface FinetuneOutcome {
  evaluation: Evaluation
  /** Training loss per step. */
  losses: [number, number][]
}

export interface FinetuneRunResult {
  runDir: string
  labels: string[]
  evaluation: Evaluation
  /** The randomly initialised classifier's outcome (with compareScratch). */
  scratch: FinetuneOutcome | null
  baseline: { label: number; accuracy: number }
  heldOut: number
  interrupted: boolean
}

/** The task of the options: a labelled file or a built-in Brown task. */
function openTask(o: FinetuneRunOptions, tok: Tokenizer, block: number, truncate: Truncation, seed: number): ClassificationTask & { passages: string } {
  if (o.data) {
    if (o.task) throw new UsageError('--task and --data exclude each other (a built-in task, or your own labelled file)')
    if (o.val && o.valFraction !== undefined) throw new UsageError('--val and --val-fraction exclude each other (a held-out file, or a fraction of --data)')
    const t = labeledTask(tok, readLabeledFile(o.data, o.columns), { name: basename(o.data), val: o.val ? readLabeledFile(o.val, o.columns) : null, valFraction: o.valFraction, block, truncate, seed })
    const cut = t.truncated > 0 ? `; ${t.truncated} texts longer than ${block} tokens cut to their ${truncate} ${block}` : ''
    return { ...t, passages: `${t.trainCount} training texts (up to ${block} tokens${cut})` }
  }
  if (o.val || o.valFraction !== undefined) throw new UsageError('--val and --val-fraction go with --data (the built-in tasks have their own held-out passages)')
  const task = o.task ?? 'brown-3'
  const t = brownGenreTask(tok, block, { perDoc: o.perDoc, genres: task === 'brown-3' ? BROWN_3_GENRES : undefined })
  // brown-3 draws its three genres equally often (learned has twice the text of the others), so a
  // classifier cannot score by always answering the most common genre
  const balanced = task === 'brown-3'
  return {
    ...t, name: task === 'brown-3' ? 'three Brown genres' : 'Brown genres', sample: (gen, n) => t.sample(gen, n, { balanced }),
    trainLabels: t.trainLabelSample(new Generator(seed + 7), 20_000), passages: `${block}-token passages${balanced ? ' (genres drawn equally often)' : ''}`,
  }
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`

/** Held-out evaluations during a fine-tuning run (the progress shows the latest accuracy), besides the one before the first step. */
const EVALUATIONS = 5

/** Fine-tunes the pretrained model of `run` through its backbone (and, with compareScratch, the same model from scratch). */
export async function finetuneBackbone(run: OpenedRun, backbone: ClassifierBackbone, o: FinetuneRunOptions): Promise<FinetuneRunResult> {
  const block = o.block ?? backbone.maxBlock
  if (block > backbone.maxBlock) throw new ConfigError(`--block ${block} exceeds the model's longest passage ${backbone.maxBlock} (from ${o.ckpt})`)
  const probe = o.probe ?? false
  const steps = o.steps ?? 300, batchSize = o.batchSize ?? 32, lr = o.lr ?? (probe ? 3e-3 : backbone.defaultLr ?? 5e-4), seed = o.seed ?? 1337
  const ui = o.ui
  const task = openTask(o, run.tokenizer, block, backbone.truncate, seed)
  const prepare = backbone.prepare ?? ((set: LabeledSet) => set)
  const heldOut = prepare(task.heldOut)
  ui.info(`fine-tuning ${o.ckpt} (step ${run.meta.step}) to classify ${task.name} (${task.labels.length} classes) from ${task.passages}: ${steps} steps of ${batchSize}, lr ${lr}, ${probe ? `linear probe (${backbone.frozenPart} frozen)` : 'whole network'}; ${task.heldOut.labels.length} held-out examples`)

  const train = async (pretrained: boolean): Promise<FinetuneOutcome & { clf: SequenceClassifier; step: number; interrupted: boolean }> => {
    manualSeed(seed)
    const clf = backbone.classifier(task.labels, { probe, pretrained })
    const losses: [number, number][] = []
    const latest: { step: number; evaluation: Evaluation | null } = { step: -1, evaluation: null }
    ui.start(steps, 0)
    let res
    try {
      let tps = 0
      res = await finetuneClassifier(clf, {
        steps, batchSize, lr, seed, batch: (gen, n) => prepare(task.sample(gen, n)), shouldStop: o.shouldStop,
        evalInterval: Math.max(1, Math.ceil(steps / EVALUATIONS)),
        evaluate: (done) => {
          const evaluation = evaluateClassifier(clf, heldOut)
          Object.assign(latest, { step: done, evaluation })
          ui.evaluated?.(done, { valAccuracy: evaluation.accuracy })
        },
        onStep: (done, r, ms) => {
          losses.push([done, r.loss])
          const now = r.tokens / (ms / 1000)
          tps = tps === 0 ? now : 0.9 * tps + 0.1 * now
          ui.update(done, { loss: r.loss, tokensPerSec: tps })
        },
      })
    } finally {
      ui.stop()
    }
    const evaluation = latest.step === res.step && latest.evaluation ? latest.evaluation : evaluateClassifier(clf, heldOut)
    return { clf, losses, evaluation, step: res.step, interrupted: res.interrupted }
  }

  const main = await train(true)
  let scratch: (FinetuneOutcome & { interrupted: boolean }) | null = null
  if (o.compareScratch && !main.interrupted) {
    ui.info(`the same ${backbone.name} classifier, randomly initialised (no pre-training), the same ${steps} steps on the same batches:`)
    scratch = await train(false)
  }
  const evaluation = main.evaluation
  const baseline = majorityBaseline(task.trainLabels, task.heldOut.labels)
  const runDir = o.out ?? join(run.runDir + '-' + (o.data ? basename(o.data).replace(/\.[^.]*$/, '') : o.task ?? 'brown-3'))
  saveRunCheckpoint(runDir, {
    format: 'adjoint-run', version: 1, kind: backbone.kind, model: backbone.config(main.clf), step: main.step,
    train: { steps, batchSize, lr, seed, block, probe, truncate: backbone.truncate }, data: o.data ? { source: 'file', path: o.data, val: o.val ?? null } : { source: 'brown', task: o.task ?? 'brown-3' }, labels: task.labels,
    metrics: { accuracy: evaluation.accuracy, balancedAccuracy: evaluation.balancedAccuracy, baselineAccuracy: baseline.accuracy, ...(scratch ? { scratchAccuracy: scratch.evaluation.accuracy } : {}) },
    extra: { pretrained: run.runDir, numLabels: task.labels.length },
  }, run.tokenizer, { model: main.clf })
  const window = Math.max(1, Math.round(steps / 50))
  const curves = [{ name: scratch ? 'pretrained' : `train (mean of ${window})`, points: smooth(main.losses, window) }]
  if (scratch) curves.push({ name: 'from scratch', points: smooth(scratch.losses, window) })
  if (main.losses.length > 0) writeFileSync(join(runDir, 'finetune.svg'), lineChartSvg(curves, { title: `${backbone.name} fine-tuned on ${task.name}: training loss (mean of ${window} steps)`, xLabel: 'step', yLabel: 'cross-entropy' }))

  ui.info('')
  ui.info(`${'class'.padEnd(42)} held-out  accuracy${scratch ? '   scratch' : ''}`)
  task.labels.forEach((name, i) => {
    const c = evaluation.perClass[i], s = scratch?.evaluation.perClass[i]
    if (c.total > 0) ui.info(`${name.slice(0, 42).padEnd(42)} ${String(c.total).padStart(8)}  ${pct(c.correct / c.total).padStart(8)}${s ? pct(s.correct / s.total).padStart(10) : ''}`)
  })
  ui.info('')
  ui.info(`accuracy on ${task.heldOut.labels.length} held-out examples: ${pct(evaluation.accuracy)} (balanced ${pct(evaluation.balancedAccuracy)}); majority-class baseline ("${task.labels[baseline.label]}"): ${pct(baseline.accuracy)}; chance 1/${task.labels.length} = ${pct(1 / task.labels.length)}`)
  if (scratch) {
    ui.info('')
    ui.info(`${'classifier'.padEnd(34)} accuracy  balanced`)
    ui.info(`${`pretrained ${backbone.name}${probe ? ' (probe)' : ''}`.padEnd(34)} ${pct(evaluation.accuracy).padStart(8)}  ${pct(evaluation.balancedAccuracy).padStart(8)}`)
    ui.info(`${`from scratch${probe ? ' (probe)' : ''}`.padEnd(34)} ${pct(scratch.evaluation.accuracy).padStart(8)}  ${pct(scratch.evaluation.balancedAccuracy).padStart(8)}`)
    ui.info(`${`majority class ("${task.labels[baseline.label].slice(0, 14)}")`.padEnd(34)} ${pct(baseline.accuracy).padStart(8)}  ${pct(1 / task.labels.length).padStart(8)}`)
  }
  ui.info(`classifier saved in ${join(runDir, 'checkpoint')}${main.losses.length > 0 ? `; curve ${join(runDir, 'finetune.svg')}` : ''}`)
  return { runDir, labels: task.labels, evaluation, scratch: scratch && { evaluation: scratch.evaluation, losses: scratch.losses }, baseline, heldOut: task.heldOut.labels.length, interrupted: main.interrupted || (scratch?.interrupted ?? false) }
}
