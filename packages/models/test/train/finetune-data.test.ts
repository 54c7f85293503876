// Fine-tuning on a labelled file, end to end: a GPT pre-trained on text where
// each line keeps to one of two "topics" must carry the topic in its hidden
// state to predict the line's next topic letters, so its last-token state
// already separates the classes; the same network from scratch, with the same
// few steps on a few labelled lines, has to learn that from nothing.
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Generator } from '@adjoint/core'
import { beforeAll, describe, expect, it } from 'vitest'
import { classifyTexts, finetuneRun, openClassifier, openRun, trainGPT } from '../../src/index.js'
import { recordingUI, tempDir } from '../helpers.js'

const TOPICS = { north: 'abc', south: 'xyz' } as const
const FILLER = 'mnopq '

/** A line of `n` characters: filler, with a letter of the topic at rate `rate`. */
function line(gen: Generator, topic: keyof typeof TOPICS, n: number, rate: number): string {
  let s = ''
  for (let i = 0; i < n; i++) s += gen.uniform() < rate ? TOPICS[topic][gen.int(0, 3)] : FILLER[gen.int(0, FILLER.length)]
  return s
}

describe('fine-tuning on a labelled CSV file', () => {
  const dir = tempDir('adjoint-ft-data-')
  const gen = new Generator(5)
  const pre = join(dir, 'pretrained')
  const topicOf = (i: number) => (i % 2 === 0 ? 'north' : 'south') as keyof typeof TOPICS
  const examples = (n: number) => Array.from({ length: n }, (_, i) => [line(gen, topicOf(i), 24, 0.12), topicOf(i)])

  beforeAll(async () => {
    const text = Array.from({ length: 600 }, (_, i) => line(gen, topicOf(gen.int(0, 2)), 48, 0.2)).join('\n') + '\n'
    writeFileSync(join(dir, 'pretrain.txt'), text)
    await trainGPT({ data: join(dir, 'pretrain.txt'), model: { nLayer: 2, nHead: 2, nEmbd: 32 }, train: { steps: 150, batchSize: 16, blockSize: 32, lr: 3e-3 }, schedule: { evalInterval: 150, evalIters: 1 }, out: pre, ui: recordingUI(), sampleTokens: 0 })
    writeFileSync(join(dir, 'train.csv'), 'text,label\n' + examples(40).map(([t, l]) => `"${t}",${l}`).join('\n') + '\n')
    writeFileSync(join(dir, 'val.jsonl'), examples(60).map(([t, l]) => JSON.stringify({ text: t, label: l })).join('\n') + '\n')
  }, 300_000)

  it('the pretrained network beats the same network trained from scratch, and the label map survives the checkpoint', async () => {
    const ui = recordingUI()
    const out = join(dir, 'clf')
    const r = await finetuneRun({ ckpt: pre, data: join(dir, 'train.csv'), val: join(dir, 'val.jsonl'), steps: 20, batchSize: 16, lr: 2e-3, compareScratch: true, out, ui })
    expect(r.labels).toEqual(['north', 'south'])
    expect(r.heldOut).toBe(60)
    expect(r.scratch).not.toBeNull()
    expect(r.evaluation.accuracy).toBeGreaterThan(r.scratch!.evaluation.accuracy + 0.1)
    expect(r.evaluation.accuracy).toBeGreaterThan(0.75)
    const log = ui.lines.join('\n')
    expect(log).toMatch(/from 40 training texts \(up to 32 tokens\)/)
    expect(log).toMatch(/^pretrained GPT +\d+\.\d%/m)
    expect(log).toMatch(/^from scratch +\d+\.\d%/m)
    expect(log).toMatch(/^majority class \("north"\) +50\.0%/m)

    const saved = openRun(out)
    expect(saved.meta.kind).toBe('gpt-classifier')
    expect(saved.meta.labels).toEqual(['north', 'south'])
    expect(saved.meta.data).toMatchObject({ source: 'file' })
    const clf = openClassifier(out)
    const texts = examples(60).map(([t]) => t)
    const preds = classifyTexts(clf, texts)
    let agree = 0
    preds.forEach((p, i) => {
      expect(p.probabilities.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5)
      expect(p.probability).toBe(Math.max(...p.probabilities))
      if (p.label === topicOf(i)) agree++
    })
    expect(agree / texts.length).toBeGreaterThan(0.7)
  }, 300_000)
})
