// Training hyper-parameters and the named presets (model + training together).
import { ConfigError } from '../errors.js'
import type { GPTConfig } from '../gpt/config.js'

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

export type PresetName = 'tiny' | 'small' | 'reference'

export interface Preset {
  description: string
  model: Partial<GPTConfig>
  train: TrainConfig
}

/**
 * nanoGPT's CPU config (the "baby GPT" of its README, train_shakespeare_char on a
 * MacBook): 4 layers, 4 heads, 128 wide, block 64, batch 12, dropout 0, AdamW lr 1e-3
 * with beta2 0.99 and weight decay 0.1, warmup 100 then cosine to 1e-4 over 2000 steps,
 * gradients clipped at 1.0.
 */
const reference: Preset = {
  description: "nanoGPT's CPU config: 4 layers, 4 heads, 128 wide, block 64, batch 12, 2000 steps",
  model: { nLayer: 4, nHead: 4, nEmbd: 128, blockSize: 64, dropout: 0, bias: true },
  train: {
    steps: 2000, batchSize: 12, blockSize: 64, lr: 1e-3, minLr: 1e-4, warmupSteps: 100, lrDecaySteps: 2000,
    beta1: 0.9, beta2: 0.99, weightDecay: 0.1, gradClip: 1, evalInterval: 250, evalIters: 20, ckptInterval: 250, seed: 1337,
  },
}

export const PRESETS: Record<PresetName, Preset> = {
  tiny: {
    description: 'the reference model, trained for 800 steps: a few minutes on a 2-core laptop',
    model: { ...reference.model },
    train: { ...reference.train, steps: 800, warmupSteps: 50, lrDecaySteps: 800, evalInterval: 100, evalIters: 10, ckptInterval: 100 },
  },
  reference,
  small: {
    description: '6 layers, 6 heads, 192 wide, block 128, batch 16, dropout 0.1, 5000 steps (an hour or more on a laptop)',
    model: { nLayer: 6, nHead: 6, nEmbd: 192, blockSize: 128, dropout: 0.1, bias: true },
    train: { ...reference.train, steps: 5000, batchSize: 16, blockSize: 128, lrDecaySteps: 5000, warmupSteps: 200, evalInterval: 500, evalIters: 20, ckptInterval: 500 },
  },
}

export function isPresetName(s: string): s is PresetName {
  return Object.prototype.hasOwnProperty.call(PRESETS, s)
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
