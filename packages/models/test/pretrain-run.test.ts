// `adjoint train --model bert|t5`, `finetune --model bert|t5`, `classify` and `sample` on
// those checkpoints, end to end on a small cut of the Brown corpus with small
// models: checkpoints of the right kind, resume continuing exactly, the
// fill-in demos.
import '@adjoint/native'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Tensor } from '@adjoint/core'
import { describe, expect, it } from 'vitest'
import { loadBrownText } from '../src/data/brown.js'
import { bertObjective, t5Objective, classifyTexts, finetuneRun, openClassifier, sampleCheckpoint } from '../src/index.js'
import { openRun } from '../src/runs.js'
import { trainModel, type TrainUI } from '../src/train/run.js'

const quietUI = (): TrainUI & { lines: string[] } => {
  const lines: string[] = []
  return { lines, info: (l) => { lines.push(l) }, start() {}, update() {}, stop() {} }
}

const dir = mkdtempSync(join(tmpdir(), 'adjoint-pretrain-'))
const data = join(dir, 'brown-cut.txt')
writeFileSync(data, loadBrownText().train.slice(0, 60_000))

const SMALL = {
  bert: { hiddenSize: 32, numHiddenLayers: 1, numAttentionHeads: 2, intermediateSize: 64, maxPositionEmbeddings: 64 },
  t5: { dModel: 32, dKv: 16, dFf: 64, numLayers: 1, numHeads: 2 },
}
const schedule = { evalInterval: 2, evalIters: 1, ckptInterval: 2 }
const train = { steps: 4, batchSize: 4, blockSize: 32, seed: 3 }

const stateOf = (m: { stateDict(): Record<string, Tensor> }) => Object.fromEntries(Object.entries(m.stateDict()).map(([k, v]) => [k, v.toList()]))

describe.each([['bert', bertObjective, SMALL.bert], ['t5', t5Objective, SMALL.t5]] as const)('adjoint train --model %s', (kind, objective, model) => {
  it('trains, checkpoints as its kind, shows its fill-in demo, and resumes exactly', async () => {
    const out = join(dir, `${kind}-run`)
    const ui = quietUI()
    const full = await trainModel(objective as never, { data, model, train, schedule, tokenizer: 'char', out: join(dir, `${kind}-full`), ui })
    // 4 steps from random weights: the loss of near-uniform guessing, ln(vocab) (not NaN, 0 or exploding)
    expect(Math.abs(full.trainLoss! - Math.log(full.tokenizer.vocabSize))).toBeLessThan(0.5)
    expect(ui.lines.some((l) => l.startsWith(`model: ${kind === 'bert' ? 'BERT' : 'T5'}`))).toBe(true)
    expect(full.sample).toMatch(/^input: /)
    const run = openRun(join(dir, `${kind}-full`))
    expect(run.meta.kind).toBe(kind)
    expect(run.meta.step).toBe(4)
    expect(readFileSync(join(dir, `${kind}-full`, 'loss.svg'), 'utf8')).toContain(`${kind === 'bert' ? 'BERT' : 'T5'} on brown-cut.txt`)
    // stopped after 2 steps (as by Ctrl-C), then resumed: the same weights as 4 steps at once
    let polls = 0
    const stopped = await trainModel(objective as never, { data, model, train, schedule, tokenizer: 'char', out, ui: quietUI(), sampleTokens: 0, shouldStop: () => ++polls >= 2 })
    expect(stopped).toMatchObject({ step: 2, interrupted: true })
    const resumed = await trainModel(objective as never, { data, train: { steps: 4 }, out, resume: true, ui: quietUI(), sampleTokens: 0 })
    expect(resumed.step).toBe(4)
    expect(stateOf(resumed.model)).toEqual(stateOf(full.model))
    // sample fills the blanks of a prompt
    const written: string[] = []
    const filled = sampleCheckpoint(run, { temperature: 0, seed: 1, tokens: 8 }, (s) => written.push(s))
    // the prompt with its blanks filled in (whatever a 4-step model puts there), and that is what was printed
    expect(filled).toMatch(/^The jury said it did not /)
    expect(filled).not.toMatch(/\[MASK\]|<extra_id_/)
    expect(written.join('')).toContain(`filled:  ${filled}\n`)
    expect(written.join('')).toMatch(/filled: /)
  })
})

describe('BERT\'s default tokenizer', () => {
  it('is a byte-level BPE with the BERT special tokens', async () => {
    const out = join(dir, 'bert-bpe')
    const r = await trainModel(bertObjective as never, { data, model: SMALL.bert, train: { ...train, steps: 1 }, schedule, out, ui: quietUI(), sampleTokens: 0 })
    expect(r.tokenizer.type).toBe('bpe')
    expect(r.tokenizer.special.tokens).toEqual(['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'])
    expect(openRun(out).tokenizer.type).toBe('bpe')
  })
})

describe('adjoint finetune --model bert', () => {
  it('turns a BERT checkpoint into a genre classifier evaluated on held-out passages', async () => {
    const out = join(dir, 'bert-pre')
    await trainModel(bertObjective as never, { data, model: SMALL.bert, train: { ...train, steps: 2 }, schedule, tokenizer: 'char', out, ui: quietUI(), sampleTokens: 0 })
    const r = await finetuneRun({ ckpt: out, model: 'bert', task: 'brown-genre', steps: 2, batchSize: 4, block: 30, perDoc: 1, out: join(dir, 'bert-genre'), ui: quietUI() })
    expect(r.labels).toHaveLength(15)
    expect(r.heldOut).toBeGreaterThan(0)
    const { accuracy, perClass, predictions } = r.evaluation
    expect(predictions).toHaveLength(r.heldOut)
    expect(perClass.reduce((n, c) => n + c.total, 0)).toBe(r.heldOut)
    expect(accuracy).toBe(perClass.reduce((n, c) => n + c.correct, 0) / r.heldOut)
    expect(predictions.every((p) => Number.isInteger(p) && p >= 0 && p < 15)).toBe(true)
    const saved = openRun(join(dir, 'bert-genre'))
    expect(saved.meta.kind).toBe('bert-classifier')
    expect(saved.meta.model.numLabels).toBe(15)
    const preds = classifyTexts(openClassifier(join(dir, 'bert-genre')), ['The jury said', 'she loved him'])
    preds.forEach((p) => { expect(r.labels).toContain(p.label); expect(p.probabilities.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5) })
    await expect(finetuneRun({ ckpt: out, model: 'gpt', task: 'brown-genre', steps: 1, ui: quietUI() })).rejects.toThrow(/"bert" model, not a "gpt"/)
    await expect(finetuneRun({ ckpt: out, task: 'brown-genre', block: 100, steps: 1, ui: quietUI() })).rejects.toThrow(/longest passage 30/)
  })
})

describe('adjoint finetune --model t5', () => {
  it('turns a T5 checkpoint into a text-to-text classifier (the label written as text) that adjoint classify reads back', async () => {
    const out = join(dir, 't5-pre')
    await trainModel(t5Objective as never, { data, model: SMALL.t5, train: { ...train, steps: 2 }, schedule, tokenizer: 'char', out, ui: quietUI(), sampleTokens: 0 })
    const clfDir = join(dir, 't5-labels')
    const lines = loadBrownText().train.slice(0, 60_000).split('\n').filter((l) => l.trim().length > 20).slice(0, 12)
    writeFileSync(join(dir, 'labelled.jsonl'), lines.map((text, i) => JSON.stringify({ text, label: i % 2 ? 'even' : 'odd' })).join('\n'))
    const r = await finetuneRun({ ckpt: out, data: join(dir, 'labelled.jsonl'), steps: 2, batchSize: 4, block: 30, compareScratch: true, out: clfDir, ui: quietUI() })
    expect(r.labels).toEqual(['even', 'odd'])
    expect(r.scratch!.evaluation.predictions.length).toBe(r.heldOut)
    const saved = openRun(clfDir)
    expect(saved.meta.kind).toBe('t5-classifier')
    expect(saved.meta.labels).toEqual(r.labels)
    const preds = classifyTexts(openClassifier(clfDir), r.labels.map(() => 'The jury said'))
    preds.forEach((p) => { expect(r.labels).toContain(p.label); expect(p.probabilities.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5) })
  })
})
