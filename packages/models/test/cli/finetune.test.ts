// adjoint finetune --data and adjoint classify as a user runs them: spawned,
// checked by exit code and the lines they print.
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { trainGPT } from '../../src/gpt/objective.js'
import { TEST_MODEL, recordingUI, tempDir } from '../helpers.js'
import { expectCleanError, expectQuietStderr, runCli, runClis } from './run-cli.js'

describe('adjoint finetune --data, adjoint classify', () => {
  const dir = tempDir('adjoint-cli-ft-')
  const run = join(dir, 'pretrained')
  const file = (name: string, text: string) => { writeFileSync(join(dir, name), text); return join(dir, name) }
  let csv = ''
  beforeAll(async () => {
    const pre = file('pre.txt', 'the cat sat on the mat, a dog ran far away.\n'.repeat(40))
    await trainGPT({ data: pre, model: TEST_MODEL, train: { steps: 2, batchSize: 2, blockSize: 16 }, out: run, ui: recordingUI(), sampleTokens: 0 })
    const rows = ['"the cat, sat",cat', 'the mat sat,cat', 'a cat sat on,cat', 'a dog ran,dog', 'the dog ran far,dog', 'dog away,dog']
    csv = file('pets.csv', '\uFEFFtext,label\r\n' + rows.join('\r\n') + '\r\n')
  }, 120_000)

  it('fine-tunes on a CSV file, compares with scratch, and the classifier labels new texts', async () => {
    const out = join(dir, 'pets-clf')
    const r = await runCli(['finetune', '--ckpt', run, '--data', csv, '--val-fraction', '0.34', '--steps', '3', '--batch', '4', '--compare-scratch', '--out', out])
    expectQuietStderr(r)
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/to classify pets\.csv \(2 classes\) from 4 training texts \(up to 16 tokens\): 3 steps of 4/)
    expect(r.stdout).toMatch(/^pretrained GPT +\d+\.\d% +\d+\.\d%$/m)
    expect(r.stdout).toMatch(/^from scratch +\d+\.\d% +\d+\.\d%$/m)
    expect(r.stdout).toMatch(/^majority class \("cat"\) +50\.0% +50\.0%$/m)
    expect(r.stdout).toMatch(/curve .*finetune\.svg/)

    const one = await runCli(['classify', '--ckpt', out, '--text', 'the cat', '--text', 'a dog ran away'])
    expectQuietStderr(one)
    expect(one.stdout).toMatch(/^(cat|dog)\t0\.\d{3}\tthe cat\n(cat|dog)\t0\.\d{3}\ta dog ran away\n$/)
    const piped = await runCli(['classify', '--ckpt', out, '--all'], { input: 'the mat\r\n\r\ndog ran\n' })
    expect(piped.stdout).toMatch(/^(cat|dog)\t\d\.\d{3}\tcat=\d\.\d{3} dog=\d\.\d{3}\tthe mat\n(cat|dog)\t\d\.\d{3}\tcat=\d\.\d{3} dog=\d\.\d{3}\tdog ran\n$/)
  }, 120_000)

  it('bad data gets a one-line error naming the file and line', async () => {
    const [column, onlyVal, encode, both, noTask, notClf, badText] = await runClis([
      [['finetune', '--ckpt', run, '--data', file('cols.csv', 'review,stars\nnice,5\n')]],
      [['finetune', '--ckpt', run, '--data', csv, '--val', file('v.jsonl', '{"text": "the cat", "label": "cat"}\n{"text": "a bird", "label": "bird"}\n')]],
      [['finetune', '--ckpt', run, '--data', file('enc.jsonl', '{"text": "the cat", "label": "cat"}\n{"text": "a cat", "label": "cat"}\n{"text": "a dog", "label": "dog"}\n{"text": "ZEBRA", "label": "dog"}\n')]],
      [['finetune', '--ckpt', run, '--data', csv, '--task', 'brown-3']],
      [['finetune', '--ckpt', run]],
      [['classify', '--ckpt', run, '--text', 'the cat']],
      [['classify', '--ckpt', join(dir, 'pets-clf'), '--text', 'ZEBRA']],
    ])
    expectCleanError(column, 1, /^adjoint finetune: error: cols\.csv: no column "text" or "label" in its header \("review", "stars"\); name the columns with --text-col and --label-col/m)
    expectCleanError(onlyVal, 1, /error: v\.jsonl line 2: label "bird" appears only in the held-out data, never in the training data/)
    expectCleanError(encode, 1, /error: enc\.jsonl line 4: the checkpoint's tokenizer cannot encode the text/)
    expectCleanError(both, 2, /--task and --data exclude each other/)
    expectCleanError(noTask, 2, /--task \(brown-genre \| brown-3\) or --data FILE is required/)
    expectCleanError(notClf, 1, /holds a "gpt" model, not a classifier written by adjoint finetune/)
    expectCleanError(badText, 1, /error: text 1: the classifier's tokenizer cannot encode it/)
  }, 120_000)
})

// the held-out accuracy in the progress lines as it is evaluated (#14)
describe('adjoint finetune progress', () => {
  const dir = tempDir('adjoint-cli-ft-progress-')
  const pre = join(dir, 'pretrained')
  beforeAll(async () => {
    await trainGPT({ model: TEST_MODEL, train: { steps: 1, batchSize: 2, blockSize: 16 }, schedule: { evalIters: 1 }, out: pre, ui: recordingUI(), sampleTokens: 0 })
  }, 120_000)

  it('progress lines show val accuracy, the last one the final accuracy', async () => {
    const r = await runCli(['finetune', '--ckpt', pre, '--task', 'brown-genre', '--steps', '5', '--batch', '4', '--block', '16', '--out', join(dir, 'genre')])
    expectQuietStderr(r)
    expect(r.code).toBe(0)
    const shown = [...r.stdout.matchAll(/^step (\d+)\/5 \| loss \d\.\d{4} \| val (\d+\.\d)% acc \|/gm)].map((m) => [Number(m[1]), m[2]])
    expect(shown.length).toBeGreaterThanOrEqual(2)
    const final = /accuracy on \d+ held-out examples: (\d+\.\d)%/.exec(r.stdout)
    expect(shown[shown.length - 1]).toEqual([5, final![1]])
  }, 180_000)
})
