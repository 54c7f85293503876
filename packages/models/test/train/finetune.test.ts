import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { FINETUNE_TASKS, finetuneRun, openRun, trainGPT } from '../../src/index.js'
import { recordingUI, tempDir } from '../helpers.js'

describe('FINETUNE_TASKS', () => {
  it('names the built-in tasks --task accepts, the quick one last', () => {
    expect(FINETUNE_TASKS).toEqual(['brown-genre', 'brown-3'])
  })
})

describe('fine-tuning a pretrained GPT to classify three Brown genres', () => {
  it('beats the majority-class baseline on held-out passages', async () => {
    const dir = tempDir('adjoint-ft-')
    const pre = join(dir, 'pretrained')
    await trainGPT({ model: { nLayer: 2, nHead: 2, nEmbd: 64 }, train: { steps: 300, batchSize: 16, blockSize: 64, lr: 3e-3 }, schedule: { evalInterval: 300, evalIters: 2 }, out: pre, ui: recordingUI(), sampleTokens: 0 })
    const ui = recordingUI()
    const r = await finetuneRun({ ckpt: pre, task: 'brown-3', steps: 300, batchSize: 32, lr: 2e-3, perDoc: 10, ui })
    expect(r.labels).toHaveLength(3)
    expect(r.heldOut).toBeGreaterThan(100)
    expect(r.baseline.accuracy).toBeGreaterThan(0.1)
    expect(r.evaluation.accuracy).toBeGreaterThan(r.baseline.accuracy + 0.02)
    // the majority answer's balanced accuracy is chance, 1/3
    expect(r.evaluation.balancedAccuracy).toBeGreaterThan(1 / 3 + 0.1)
    expect(ui.lines.join('\n')).toMatch(/majority-class baseline \("learned"\)/)
    const saved = openRun(r.runDir)
    expect(saved.meta.kind).toBe('gpt-classifier')
    expect(saved.meta.labels).toEqual(r.labels)
    expect(saved.meta.metrics!.accuracy).toBeCloseTo(r.evaluation.accuracy, 6)
  }, 600_000)
})
