// Training hyper-parameters, shared by every model's objective, and their checks.
import { ConfigError } from '../errors.js'

export interface TrainConfig {
  /** Optimizer steps in all (the run stops there; --resume can raise it). */
  steps: number
  batchSize: number
  /** Tokens per training sequence (at most the model's blockSize). */
  blockSize: number
  lr: number
  /** The cosine schedule's floor. */
  minLr: number
  warmupSteps: number
  /** Step at which the cosine reaches minLr. */
  lrDecaySteps: number
  beta1: number
  beta2: number
  /** AdamW weight decay, on 2-D weights only (matrices and embeddings; not biases or LayerNorms). */
  weightDecay: number
  /** Max global gradient norm (0 = no clipping). */
  gradClip: number
  /** Evaluate validation loss every this many steps (and at the start and the end). */
  evalInterval: number
  /** Batches averaged per evaluation. */
  evalIters: number
  /** Write a checkpoint every this many steps (and at the end, and on Ctrl-C). */
  ckptInterval: number
  seed: number
}

/**
 * The training of the tiny BERT and T5 (and their larger presets' starting point):
 * batches of 16 windows of 64 tokens, AdamW lr 1e-3 warming up over 40 steps, cosine to 1e-4 at 400.
 */
export const TINY_PRETRAIN: TrainConfig = {
  steps: 400, batchSize: 16, blockSize: 64, lr: 1e-3, minLr: 1e-4, warmupSteps: 40, lrDecaySteps: 400,
  beta1: 0.9, beta2: 0.99, weightDecay: 0.01, gradClip: 1, evalInterval: 100, evalIters: 8, ckptInterval: 100, seed: 1337,
}

/** Checks a training config against itself and the model's block size. */
export function checkTrainConfig(t: TrainConfig, modelBlockSize: number): void {
  const problems: string[] = []
  for (const k of ['steps', 'batchSize', 'blockSize', 'evalInterval', 'evalIters', 'ckptInterval', 'lrDecaySteps'] as const) {
    if (!Number.isInteger(t[k]) || t[k] <= 0) problems.push(`${k} must be a positive integer, got ${t[k]}`)
  }
  if (!Number.isInteger(t.warmupSteps) || t.warmupSteps < 0) problems.push(`warmupSteps must be a non-negative integer, got ${t.warmupSteps}`)
  if (!(t.lr > 0) || !Number.isFinite(t.lr)) problems.push(`lr must be a positive number, got ${t.lr}`)
  if (!(t.minLr >= 0) || t.minLr > t.lr) problems.push(`minLr must be in [0, lr], got ${t.minLr}`)
  if (!(t.lrDecaySteps > t.warmupSteps)) problems.push(`lrDecaySteps (${t.lrDecaySteps}) must exceed warmupSteps (${t.warmupSteps})`)
  for (const k of ['beta1', 'beta2'] as const) if (!(t[k] >= 0 && t[k] < 1)) problems.push(`${k} must be in [0, 1), got ${t[k]}`)
  if (!(t.weightDecay >= 0)) problems.push(`weightDecay must be >= 0, got ${t.weightDecay}`)
  if (!(t.gradClip >= 0)) problems.push(`gradClip must be >= 0, got ${t.gradClip}`)
  if (!Number.isInteger(t.seed)) problems.push(`seed must be an integer, got ${t.seed}`)
  if (Number.isInteger(t.blockSize) && t.blockSize > modelBlockSize) problems.push(`the training block size ${t.blockSize} exceeds the model's blockSize ${modelBlockSize}`)
  if (problems.length > 0) throw new ConfigError(`training config: ${problems.join('; ')}`)
}
