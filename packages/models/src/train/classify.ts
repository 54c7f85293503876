// Fine-tuning a sequence classifier, independent of the task: batches of
// (token ids, label), accuracy on a held-out set, and the majority-class
// baseline any classifier has to beat.
import { Generator, Tensor, noGrad } from '@adjoint/core'
import { AdamW, WarmupCosineLR, type Module } from '@adjoint/nn'
import { ValueError } from '@adjoint/core'
import { optimizerStep, runLoop, type StepResult } from './loop.js'

/** What fine-tuning needs of a classifier (GPTForSequenceClassification, BertForSequenceClassification). */
export interface SequenceClassifier extends Module {
  readonly numLabels: number
  /** Right-padding id of the input rows (null: rows are never padded). */
  readonly padTokenId: number | null
  /**
   * idx [B, T] int32 (right-padded), labels [B] int32 -> logits [B, numLabels] and the loss;
   * lengths: each row's real tokens (a decoder reads the hidden state at lengths[b] - 1).
   */
  forward(idx: Tensor, labels?: Tensor | null, lengths?: readonly number[]): { logits: Tensor; loss: Tensor | null }
}

export interface LabeledSet {
  /** One token sequence per example (right-padded to a batch's longest with padId). */
  ids: Int32Array[]
  labels: Int32Array
}

/** What fine-tuning reads: class names, training batches, the held-out set. */
export interface ClassificationTask {
  /** Shown to the user, e.g. "Brown genres" or "reviews.csv". */
  name: string
  /** Class names, index = label. */
  labels: string[]
  /** Draws a batch of training examples. */
  sample(gen: Generator, batchSize: number): LabeledSet
  /** Labels of the training examples (or of a large draw of them), for the majority baseline. */
  trainLabels: ArrayLike<number>
  heldOut: LabeledSet
}

/** [B, maxLen] int32, right-padded with padId. */
export function padBatch(seqs: readonly Int32Array[], padId: number): Tensor {
  const T = Math.max(...seqs.map((s) => s.length))
  const out = new Int32Array(seqs.length * T).fill(padId)
  seqs.forEach((s, b) => out.set(s, b * T))
  return Tensor.fromArray(out, [seqs.length, T], 'int32')
}

export interface Evaluation {
  accuracy: number
  /** Mean of the per-class recalls (robust to class imbalance). */
  balancedAccuracy: number
  /** correct / total per class. */
  perClass: { correct: number; total: number }[]
  predictions: Int32Array
}

export function evaluateClassifier(clf: SequenceClassifier, set: LabeledSet, batchSize = 64): Evaluation {
  const n = set.labels.length
  const predictions = new Int32Array(n)
  const wasTraining = clf.training
  clf.eval()
  noGrad(() => {
    for (let i = 0; i < n; i += batchSize) {
      const chunk = set.ids.slice(i, i + batchSize)
      const logits = clf.forward(padBatch(chunk, clf.padTokenId ?? 0), null, chunk.map((c) => c.length)).logits.contiguousData()
      const C = clf.numLabels
      for (let b = 0; b < chunk.length; b++) {
        let best = 0
        for (let c = 1; c < C; c++) if (logits[b * C + c] > logits[b * C + best]) best = c
        predictions[i + b] = best
      }
    }
  })
  clf.train(wasTraining)
  const perClass = Array.from({ length: clf.numLabels }, () => ({ correct: 0, total: 0 }))
  let correct = 0
  for (let i = 0; i < n; i++) {
    const y = set.labels[i]
    perClass[y].total++
    if (predictions[i] === y) { correct++; perClass[y].correct++ }
  }
  const present = perClass.filter((c) => c.total > 0)
  return { accuracy: correct / n, balancedAccuracy: present.reduce((a, c) => a + c.correct / c.total, 0) / present.length, perClass, predictions }
}

/** The most frequent training label, and its accuracy on the evaluation labels. */
export function majorityBaseline(trainLabels: ArrayLike<number>, evalLabels: ArrayLike<number>): { label: number; accuracy: number } {
  const counts = new Map<number, number>()
  for (let i = 0; i < trainLabels.length; i++) counts.set(trainLabels[i], (counts.get(trainLabels[i]) ?? 0) + 1)
  let label = -1, best = -1
  for (const [l, c] of counts) if (c > best || (c === best && l < label)) { best = c; label = l }
  let hit = 0
  for (let i = 0; i < evalLabels.length; i++) if (evalLabels[i] === label) hit++
  return { label, accuracy: evalLabels.length === 0 ? 0 : hit / evalLabels.length }
}

export interface FinetuneOptions {
  steps: number
  batchSize: number
  lr: number
  weightDecay?: number
  gradClip?: number
  /** Draws one training batch. */
  batch(gen: Generator, size: number): LabeledSet
  seed: number
  onStep?(done: number, r: StepResult, ms: number): void
  /** Evaluate (e.g. held-out accuracy) before the first step, every evalInterval steps and at the end. */
  evalInterval?: number
  evaluate?(done: number): void
  shouldStop?(): boolean
}

/** Trains clf (all parameters that require grad) with AdamW, warmup 10% then cosine to lr/10. */
export async function finetuneClassifier(clf: SequenceClassifier, o: FinetuneOptions): Promise<{ step: number; interrupted: boolean }> {
  const params = clf.parameters().filter((p) => p.requiresGrad)
  if (params.length === 0) throw new ValueError('finetuneClassifier: no parameter requires grad')
  const optimizer = new AdamW([
    { params: params.filter((p) => p.ndim >= 2), weightDecay: o.weightDecay ?? 0.01 },
    { params: params.filter((p) => p.ndim < 2), weightDecay: 0 },
  ].filter((g) => g.params.length > 0), { lr: o.lr, betas: [0.9, 0.99] })
  const warmup = Math.floor(o.steps / 10)
  const scheduler = new WarmupCosineLR(optimizer, { warmupIters: warmup, lrDecayIters: Math.max(o.steps, warmup + 1), minLr: o.lr / 10 })
  const gen = new Generator(o.seed)
  return runLoop({
    startStep: 0,
    totalSteps: o.steps,
    step: () => optimizerStep(clf, optimizer, scheduler, () => {
      const b = o.batch(gen, o.batchSize)
      const labels = Tensor.fromArray(b.labels, [b.labels.length], 'int32')
      return { loss: clf.forward(padBatch(b.ids, clf.padTokenId ?? 0), labels, b.ids.map((c) => c.length)).loss!, tokens: b.ids.reduce((a, c) => a + c.length, 0) }
    }, o.gradClip ?? 1),
    onStep: o.onStep,
    evalInterval: o.evalInterval,
    evaluate: o.evaluate,
    shouldStop: o.shouldStop,
  })
}
