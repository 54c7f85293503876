import { existsSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Generator, manualSeed } from '@adjoint/core'
import { describe, expect, it } from 'vitest'
import { CharTokenizer, ConfigError, FINETUNE_TASKS, GPT, UsageError, finetuneBackbone, finetuneRun, gptBackbone, openRun, saveRunCheckpoint, trainGPT } from '../../src/index.js'
import { recordingUI, tempDir } from '../helpers.js'

describe('FINETUNE_TASKS', () => {
  it('names the built-in tasks --task accepts, the quick one last', () => {
    expect(FINETUNE_TASKS).toEqual(['brown-genre', 'brown-3'])
  })
})

describe('finetuneBackbone on a labelled file', () => {
  // label: the text's last letter (a or b), which a GPT classifier reads directly
  const dir = tempDir('adjoint-ftb-')
  const gen = new Generator(3)
  const rows = Array.from({ length: 60 }, (_, i) => {
    const text = Array.from({ length: 1 + gen.int(0, 4) }, () => 'xy'[gen.int(0, 2)]).join('') + 'ab'[i % 2]
    return `${text},${i % 2 === 0 ? 'ends-a' : 'ends-b'}`
  })
  const csv = join(dir, 'letters.csv')
  writeFileSync(csv, `text,label\n${rows.join('\n')}\n`)
  const pre = join(dir, 'pre')
  manualSeed(0)
  saveRunCheckpoint(pre, { format: 'adjoint-run', version: 1, kind: 'gpt', model: { vocabSize: 4, blockSize: 8, nLayer: 1, nHead: 2, nEmbd: 16, dropout: 0 }, train: {}, step: 0, data: { source: 'brown' } }, CharTokenizer.fromText('abxy'), { model: new GPT({ vocabSize: 4, blockSize: 8, nLayer: 1, nHead: 2, nEmbd: 16, dropout: 0 }) })

  it('trains, evaluates, compares with scratch and saves a classifier checkpoint with its metrics and loss chart', async () => {
    const run = openRun(pre), ui = recordingUI(), out = join(dir, 'clf')
    const r = await finetuneBackbone(run, gptBackbone(run), { ckpt: pre, data: csv, steps: 40, batchSize: 16, lr: 1e-2, seed: 1, compareScratch: true, out, ui })
    expect(r.runDir).toBe(out)
    expect([...r.labels].sort()).toEqual(['ends-a', 'ends-b'])
    expect(r.heldOut).toBe(12)
    expect(r.interrupted).toBe(false)
    expect(r.evaluation.accuracy).toBeGreaterThan(0.9)
    expect(r.evaluation.accuracy).toBeGreaterThan(r.baseline.accuracy)
    expect(r.scratch!.losses).toHaveLength(40)
    const saved = openRun(out)
    expect(saved.meta).toMatchObject({ kind: 'gpt-classifier', step: 40, labels: r.labels, data: { source: 'file', path: csv }, extra: { pretrained: pre, numLabels: 2 } })
    expect(saved.meta.metrics!.accuracy).toBe(r.evaluation.accuracy)
    expect(saved.meta.metrics!.scratchAccuracy).toBe(r.scratch!.evaluation.accuracy)
    expect(existsSync(join(out, 'finetune.svg'))).toBe(true)
    expect(ui.lines.join('\n')).toMatch(/fine-tuning .* to classify letters\.csv \(2 classes\)/)
  })

  it('refuses a block longer than the model reads, and a task with a data file', async () => {
    const run = openRun(pre)
    await expect(finetuneBackbone(run, gptBackbone(run), { ckpt: pre, data: csv, block: 9, ui: recordingUI() })).rejects.toThrow(ConfigError)
    await expect(finetuneBackbone(run, gptBackbone(run), { ckpt: pre, data: csv, block: 9, ui: recordingUI() })).rejects.toThrow(/--block 9 exceeds the model's longest passage 8/)
    await expect(finetuneBackbone(run, gptBackbone(run), { ckpt: pre, data: csv, task: 'brown-3', ui: recordingUI() })).rejects.toThrow(UsageError)
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
