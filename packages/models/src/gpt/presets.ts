// GPT's named presets for `adjoint train --config` (model + training together).
import type { TrainConfig } from '../train/config.js'
import type { GPTConfig } from './config.js'

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
  model: { nLayer: 4, nHead: 4, nEmbd: 128, blockSize: 64, dropout: 0, bias: true, activation: 'gelu' }, // nanoGPT's nn.GELU(): exact
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
    model: { nLayer: 6, nHead: 6, nEmbd: 192, blockSize: 128, dropout: 0.1, bias: true, activation: 'gelu' },
    train: { ...reference.train, steps: 5000, batchSize: 16, blockSize: 128, lrDecaySteps: 5000, warmupSteps: 200, evalInterval: 500, evalIters: 20, ckptInterval: 500 },
  },
}

export function isPresetName(s: string): s is PresetName {
  return Object.prototype.hasOwnProperty.call(PRESETS, s)
}
