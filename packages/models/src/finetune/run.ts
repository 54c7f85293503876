// `adjoint finetune --task brown-genre`: a pretrained GPT checkpoint becomes a
// genre classifier (a new linear head on the last token's hidden state), trained
// end to end or as a linear probe, evaluated on held-out passages against the
// majority-class baseline, and saved as a 'gpt-classifier' checkpoint.
import { join } from 'node:path'
import { Generator, manualSeed } from '@adjoint/core'
import { ConfigError } from '../errors.js'
import { GPTForSequenceClassification } from '../gpt/classifier.js'
import type { GPTConfig } from '../gpt/config.js'
import { GPT } from '../gpt/model.js'
import { expectKind, loadRunWeights, openRun, saveRunCheckpoint } from '../train/checkpoint.js'
import type { TrainUI } from '../train/gpt-run.js'
import { brownGenreTask } from './brown-genre.js'
import { evaluateClassifier, finetuneClassifier, majorityBaseline, type Evaluation } from './classify.js'

export interface FinetuneRunOptions {
  ckpt: string
  task: 'brown-genre'
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

export async function finetuneRun(o: FinetuneRunOptions): Promise<FinetuneRunResult> {
  const run = openRun(o.ckpt)
  expectKind(run, 'gpt')
  const cfg = run.meta.model as unknown as GPTConfig
  const block = o.block ?? cfg.blockSize
  if (block > cfg.blockSize) throw new ConfigError(`--block ${block} exceeds the model's blockSize ${cfg.blockSize} (from ${o.ckpt})`)
  const probe = o.probe ?? false
  const steps = o.steps ?? 300, batchSize = o.batchSize ?? 32, lr = o.lr ?? (probe ? 3e-3 : 5e-4), seed = o.seed ?? 1337
  const ui = o.ui
  const task = brownGenreTask(run.tokenizer, block, { perDoc: o.perDoc })
  manualSeed(seed)
  const gpt = new GPT(cfg)
  loadRunWeights(run, gpt)
  const clf = GPTForSequenceClassification.fromPretrained(gpt, task.labels.length)
  if (probe) clf.freezeBackbone()
  ui.info(`fine-tuning ${o.ckpt} (step ${run.meta.step}) to classify Brown genres (${task.labels.length} classes) from ${block}-token passages: ${steps} steps of ${batchSize}, lr ${lr}, ${probe ? 'linear probe (decoder frozen)' : 'whole network'}; ${task.heldOut.labels.length} held-out passages`)
  ui.start(steps, 0)
  let res
  try {
    let tps = 0
    res = await finetuneClassifier(clf, {
      steps, batchSize, lr, seed, batch: (gen, n) => task.sample(gen, n), shouldStop: o.shouldStop,
      onStep: (done, r, ms) => {
        const now = (r.tokens * block) / (ms / 1000)
        tps = tps === 0 ? now : 0.9 * tps + 0.1 * now
        ui.update(done, { loss: r.loss, valLoss: null, tokensPerSec: tps })
      },
    })
  } finally {
    ui.stop()
  }
  const evaluation = evaluateClassifier(clf, task.heldOut)
  const baseline = majorityBaseline(task.trainLabelSample(new Generator(seed + 7), 20_000), task.heldOut.labels)
  const runDir = o.out ?? join(run.runDir + '-brown-genre')
  saveRunCheckpoint(runDir, {
    format: 'adjoint-run', version: 1, kind: 'gpt-classifier', model: { ...cfg }, step: res.step,
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
