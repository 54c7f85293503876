import { describe, expect, it } from 'vitest'
import { ConfigError, PRESETS, TINY_PRETRAIN, bertObjective, checkTrainConfig, t5Objective } from '../../src/index.js'

describe('presets', () => {
  it("has nanoGPT's CPU config as 'reference'", () => {
    expect(PRESETS.reference.model).toMatchObject({ nLayer: 4, nHead: 4, nEmbd: 128, blockSize: 64, dropout: 0 })
    expect(PRESETS.reference.train).toMatchObject({ batchSize: 12, lr: 1e-3, beta2: 0.99, weightDecay: 0.1, warmupSteps: 100, lrDecaySteps: 2000, minLr: 1e-4, gradClip: 1, steps: 2000 })
    for (const p of Object.values(PRESETS)) expect(() => checkTrainConfig(p.train, p.model.blockSize!)).not.toThrow()
  })

  it('checks a training config, including its block size against the model', () => {
    expect(() => checkTrainConfig({ ...PRESETS.tiny.train, blockSize: 128 }, 64)).toThrow(ConfigError)
    expect(() => checkTrainConfig({ ...PRESETS.tiny.train, blockSize: 128 }, 64)).toThrow(/the training block size 128 exceeds the model's blockSize 64/)
    expect(() => checkTrainConfig({ ...PRESETS.tiny.train, lr: -1, warmupSteps: 5000 }, 64)).toThrow(/lr must be a positive number.*lrDecaySteps \(\d+\) must exceed warmupSteps \(5000\)/)
  })
})

describe('TINY_PRETRAIN', () => {
  it('is a valid 400-step schedule for 64-token windows, the tiny preset of BERT and T5', () => {
    expect(TINY_PRETRAIN).toMatchObject({ steps: 400, lrDecaySteps: 400, blockSize: 64, warmupSteps: 40, lr: 1e-3, minLr: 1e-4 })
    expect(() => checkTrainConfig(TINY_PRETRAIN, 64)).not.toThrow()
    expect(() => checkTrainConfig(TINY_PRETRAIN, 32)).toThrow(/the training block size 64 exceeds the model's blockSize 32/)
    expect(bertObjective.presets.tiny.train).toEqual(TINY_PRETRAIN)
    expect(t5Objective.presets.tiny.train).toEqual(TINY_PRETRAIN)
  })
})
