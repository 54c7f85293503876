// `adjoint finetune --task brown-genre`: a pretrained checkpoint becomes a
// genre classifier through its model's backbone (gpt/finetune.ts: a new linear
// head on the last token's hidden state; bert/finetune.ts: the pooled [CLS]),
// trained end to end or as a linear probe, evaluated on held-out passages
// against the majority-class baseline, and saved as a '<kind>-classifier'
// checkpoint. registry.ts's finetuneRun picks the backbone by the checkpoint's kind.
import { join } from 'node:path'
import { Generator, manualSeed } from '@adjoint/core'
import { brownGenreTask } from '../data/brown-genre.js'
import { ConfigError } from '../errors.js'
import { saveRunCheckpoint, type OpenedRun } from './checkpoint.js'
import { evaluateClassifier, finetuneClassifier, majorityBaseline, type Evaluation, type LabeledSet, type SequenceClassifier } from './classify.js'
import type { TrainUI } from './run.js'

/** How a pretrained checkpoint becomes a classifier: GPT's (gpt/finetune.ts) or BERT's (bert/finetune.ts). */
export interface ClassifierBackbone {
  /** The classifier checkpoint's kind, e.g. 'gpt-classifier'. */
  kind: string
  name: string
  /** Longest passage, in tokens. */
  maxBlock: number
  /** What --probe freezes ('decoder', 'encoder'). */
  frozenPart: string
  /** A classifier with the pretrained weights and a new head; with probe, only the head trains. */
  classifier(numLabels: number, probe: boolean): SequenceClassifier
  /** The classifier's constructor config (saved in its checkpoint). */
  config(clf: SequenceClassifier): Record<string, unknown>
  /** Passages as the classifier reads them (BERT: [CLS] passage [SEP]). */
  prepare?(set: LabeledSet): LabeledSet
  /** Learning rate of whole-network fine-tuning when --lr is not given (default 5e-4). */
  defaultLr?: number
}

export interface FinetuneRunOptions {
  ckpt: string
  task: 'brown-genre'
  /** The pretrained model's kind; checked against the checkpoint when given (default: the checkpoint's). */
  model?: string
  steps?: number
  batchSize?: number
  lr?: number
  /** Passage length in tokens (default and maximum: the model's block size). */
  block?: number
  /** Train only the new head (linear probe). */
  probe?: boolean
  seed?: number
  /** Held-out passages per validation file (default 20). */
  perDoc?: number
  out?: string
  ui: TrainUI
  shouldStop?: () => boolean
}

export interface FinetuneRunResult {
  runDir: string
  labels: string[]
  evaluation: Evaluation
  baseline: { label: number; accuracy: number }
  heldOut: number
  interrupted: boolean
}

/** Fine-tunes the pretrained model of `run` through its backbone. */
export async function finetuneBackbone(run: OpenedRun, backbone: ClassifierBackbone, o: FinetuneRunOptions): Promise<FinetuneRunResult> {
  const block = o.block ?? backbone.maxBlock
  if (block > backbone.maxBlock) throw new ConfigError(`--block ${block} exceeds the model's longest passage ${backbone.maxBlock} (from ${o.ckpt})`)
  const probe = o.probe ?? false
  const steps = o.steps ?? 300, batchSize = o.batchSize ?? 32, lr = o.lr ?? (probe ? 3e-3 : backbone.defaultLr ?? 5e-4), seed = o.seed ?? 1337
  const ui = o.ui
  const task = brownGenreTask(run.tokenizer, block, { perDoc: o.perDoc })
  manualSeed(seed)
  const clf = backbone.classifier(task.labels.length, probe)
  const prepare = backbone.prepare ?? ((set: LabeledSet) => set)
  ui.info(`fine-tuning ${o.ckpt} (step ${run.meta.step}) to classify Brown genres (${task.labels.length} classes) from ${block}-token passages: ${steps} steps of ${batchSize}, lr ${lr}, ${probe ? `linear probe (${backbone.frozenPart} frozen)` : 'whole network'}; ${task.heldOut.labels.length} held-out passages`)
  ui.start(steps, 0)
  let res
  try {
    let tps = 0
    res = await finetuneClassifier(clf, {
      steps, batchSize, lr, seed, batch: (gen, n) => prepare(task.sample(gen, n)), shouldStop: o.shouldStop,
      onStep: (done, r, ms) => {
        const now = (r.tokens * block) / (ms / 1000)
        tps = tps === 0 ? now : 0.9 * tps + 0.1 * now
        ui.update(done, { loss: r.loss, valLoss: null, tokensPerSec: tps })
      },
    })
  } finally {
    ui.stop()
  }
  const evaluation = evaluateClassifier(clf, prepare(task.heldOut))
  const baseline = majorityBaseline(task.trainLabelSample(new Generator(seed + 7), 20_000), task.heldOut.labels)
  const runDir = o.out ?? join(run.runDir + '-brown-genre')
  saveRunCheckpoint(runDir, {
    format: 'adjoint-run', version: 1, kind: backbone.kind, model: backbone.config(clf), step: res.step,
    train: { steps, batchSize, lr, seed, block, probe }, data: { source: 'brown', task: o.task }, labels: task.labels,
    metrics: { accuracy: evaluation.accuracy, balancedAccuracy: evaluation.balancedAccuracy, baselineAccuracy: baseline.accuracy },
    extra: { pretrained: run.runDir, numLabels: task.labels.length },
  }, run.tokenizer, { model: clf })
  ui.info('')
  ui.info('genre                                      held-out  accuracy')
  task.labels.forEach((name, i) => {
    const c = evaluation.perClass[i]
    if (c.total > 0) ui.info(`${name.padEnd(42)} ${String(c.total).padStart(8)}  ${(100 * c.correct / c.total).toFixed(1).padStart(7)}%`)
  })
  ui.info('')
  ui.info(`accuracy on ${task.heldOut.labels.length} held-out passages: ${(100 * evaluation.accuracy).toFixed(1)}% (balanced ${(100 * evaluation.balancedAccuracy).toFixed(1)}%); majority-class baseline ("${task.labels[baseline.label]}"): ${(100 * baseline.accuracy).toFixed(1)}%; chance 1/${task.labels.length} = ${(100 / task.labels.length).toFixed(1)}%`)
  ui.info(`classifier saved in ${join(runDir, 'checkpoint')}`)
  return { runDir, labels: task.labels, evaluation, baseline, heldOut: task.heldOut.labels.length, interrupted: res.interrupted }
}
