// adjoint export, and a Hugging Face folder where a run is expected (sample,
// finetune), run as a user runs them: the CLI spawned through tsx.
import { existsSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { trainGPT } from '../../src/gpt/objective.js'
import { TEST_MODEL, brownFile, recordingUI, tempDir } from '../helpers.js'
import { expectCleanError, expectQuietStderr, runCli } from './run-cli.js'


describe('adjoint export --format hf', () => {
  const dir = tempDir('adjoint-export-')
  const bpeRun = join(dir, 'bpe-run'), charRun = join(dir, 'char-run')
  beforeAll(async () => {
    const data = brownFile(dir, 40_000)
    const train = { steps: 2, batchSize: 2, blockSize: 16 }
    await trainGPT({ data, model: TEST_MODEL, train, tokenizer: 'bpe', vocabSize: 300, out: bpeRun, ui: recordingUI(), sampleTokens: 0 })
    await trainGPT({ data, model: TEST_MODEL, train, out: charRun, ui: recordingUI(), sampleTokens: 0 })
  })

  it('writes a folder that adjoint sample reads back to the same text', async () => {
    const out = join(dir, 'hf-bpe')
    const r = await runCli(['export', '--ckpt', bpeRun, '--format', 'hf', '--out', out])
    expectQuietStderr(r)
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/^wrote .*hf-bpe: config.json, model.safetensors, vocab.json, merges.txt, tokenizer.json, tokenizer_config.json \(model_type gpt2\)/)
    const args = ['--prompt', 'The jury', '--tokens', '12', '--temperature', '0']
    const [a, b] = [await runCli(['sample', '--ckpt', bpeRun, ...args]), await runCli(['sample', '--ckpt', out, ...args])]
    expect(b.code).toBe(0)
    expect(b.stdout.startsWith('The jury')).toBe(true)
    expect(b.stdout).toBe(a.stdout)
  })

  it('adjoint finetune starts from a Hugging Face folder', async () => {
    const hf = join(dir, 'hf-bpe') // written by the test above
    const out = join(dir, 'clf')
    const r = await runCli(['finetune', '--ckpt', hf, '--task', 'brown-genre', '--steps', '1', '--batch', '2', '--block', '16', '--out', out])
    expect(r.code).toBe(0)
    expectQuietStderr(r)
    expect(r.stdout).toMatch(/accuracy/)
    expect(existsSync(join(out, 'checkpoint', 'model.safetensors'))).toBe(true)
  })

  it('says a char-level tokenizer has no Hugging Face equivalent, and writes the rest', async () => {
    const out = join(dir, 'hf-char')
    const r = await runCli(['export', '--ckpt', charRun, '--format', 'hf', '--out', out])
    expect(r.code).toBe(0)
    expect(r.stderr).toMatch(/^note: the char-level tokenizer has no Hugging Face equivalent/)
    expectQuietStderr(r, [/^note: /])
    expect(readdirSync(out).sort()).toEqual(['adjoint_tokenizer.json', 'config.json', 'model.safetensors'])
  })

  it('refuses to overwrite a folder without --force, and an unknown format, with one-line errors', async () => {
    const out = join(dir, 'taken')
    expect((await runCli(['export', '--ckpt', bpeRun, '--out', out])).code).toBe(0)
    writeFileSync(join(out, 'mine.txt'), 'keep')
    const r = await runCli(['export', '--ckpt', bpeRun, '--out', out])
    expectCleanError(r, 1, /exists and is not empty \(pass overwrite \/ --force to replace it\)/)
    expect(existsSync(join(out, 'mine.txt'))).toBe(true)
    const f = await runCli(['export', '--ckpt', bpeRun, '--out', out, '--format', 'onnx'])
    expectCleanError(f, 2, /--format/)
    expect((await runCli(['export', '--ckpt', bpeRun, '--out', out, '--force'])).code).toBe(0)
    expect(existsSync(join(out, 'mine.txt'))).toBe(false)
  })
})
