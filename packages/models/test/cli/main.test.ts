// The CLI as a user runs it: spawned through tsx, checked by exit code and message.
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { trainGPT } from '../../src/gpt/objective.js'
import { TEST_MODEL, brownFile, recordingUI, tempDir } from '../helpers.js'
import { SAMPLE_STDERR, expectCleanError, expectQuietStderr, runCli, runClis } from './run-cli.js'

describe('adjoint CLI', () => {
  const dir = tempDir('adjoint-cli-')
  let data = '', run = ''
  beforeAll(async () => {
    data = brownFile(dir, 60_000)
    writeFileSync(join(dir, 'empty.txt'), '\n\n')
    run = join(dir, 'small-run')
    await trainGPT({ data, model: TEST_MODEL, train: { steps: 3, batchSize: 2, blockSize: 16 }, out: run, ui: recordingUI(), sampleTokens: 0 })
  })

  it('trains, checkpoints and prints a sample (pnpm train with a data file and a few steps)', async () => {
    const out = join(dir, 'runs', 'cli-run')
    const r = await runCli(['train', '--data', data, '--steps', '4', '--batch', '2', '--block', '16', '--out', out])
    expectQuietStderr(r)
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/^backend: /)
    expect(r.stdout).toMatch(/model: GPT 4 layers, 4 heads, 128 wide, block 16/)
    expect(r.stdout).toMatch(/step 4\/4 \| loss \d/)
    expect(r.stdout).toMatch(/sample \(temperature 0.8, 300 tokens after "The "\):\n\nThe /)
    expect(existsSync(join(out, 'checkpoint/model.safetensors'))).toBe(true)
    const s = await runCli(['sample', '--ckpt', out, '--prompt', 'The jury', '--tokens', '20', '--temperature', '0'])
    expect(s.code).toBe(0)
    expect(s.stdout.startsWith('The jury')).toBe(true)
    expect(s.stdout.replace(/\n$/, '').length).toBe(28) // 20 one-character tokens after the prompt
    expect(s.stderr).toMatch(/\ntiming: prompt 8 tokens and the first new one in [\d.]+ ms \([\d.]+ ms\/token, [\d.]+ tokens\/s\); then 19 generated tokens in [\d.]+ ms \([\d.]+ ms\/token, [\d.]+ tokens\/s\)\n$/)
    // without --ckpt: the most recent run under runs/
    expectQuietStderr(s, SAMPLE_STDERR)
    const latest = await runCli(['sample', '--prompt', 'The jury', '--tokens', '20', '--temperature', '0'], { cwd: dir })
    expect(latest.code).toBe(0)
    expect(latest.stdout).toBe(s.stdout)
  })

  it('bad input gets a clear message and a non-zero exit, never a stack trace', async () => {
    const tampered = join(dir, 'tampered')
    await trainGPT({ data, model: TEST_MODEL, train: { steps: 1, batchSize: 2, blockSize: 16 }, out: tampered, ui: recordingUI(), sampleTokens: 0 })
    const cfgFile = join(tampered, 'checkpoint/config.json')
    const cfg = JSON.parse(readFileSync(cfgFile, 'utf8'))
    writeFileSync(cfgFile, JSON.stringify({ ...cfg, model: { ...cfg.model, nEmbd: 64 } }))
    const [missing, empty, badNum, unknown, noCkpt, block, config, foreign, prompt, noSuchRun, kind] = await runClis([
      [['train', '--data', join(dir, 'nope.txt')]],
      [['train', '--data', join(dir, 'empty.txt'), '--out', join(dir, 'e')]],
      [['train', '--steps', 'ten']],
      [['train', '--bogus']],
      [['sample'], { cwd: tempDir('adjoint-cli-no-runs-') }],
      [['train', '--out', run, '--resume', '--block', '64']],
      [['train', '--out', run, '--resume', '--config', 'small']],
      [['sample', '--ckpt', tampered]],
      [['sample', '--ckpt', run, '--prompt', 'naïve café']],
      [['sample', '--ckpt', join(dir, 'no-such-run')]],
      [['finetune', '--ckpt', run, '--task', 'sentiment']],
    ])
    expectCleanError(missing, 1, /^adjoint train: error: data file not found: .*nope\.txt$/m)
    expectCleanError(empty, 1, /data file is empty/)
    expectCleanError(badNum, 2, /--steps must be an integer >= 1, got "ten"/)
    expectCleanError(unknown, 2, /unknown option '--bogus'/)
    expectCleanError(noCkpt, 2, /--ckpt DIR is needed: no run with a checkpoint under runs\//)
    expectCleanError(block, 1, /--block 64 exceeds the model's longest sequence 16/)
    expectCleanError(config, 1, /was trained with --config tiny; it cannot be resumed as --config small/)
    expectCleanError(foreign, 1, /does not fit the model described by its config\.json \(a checkpoint of a different model\?\)/)
    expectCleanError(prompt, 1, /the prompt cannot be encoded .*2 characters are not in the vocabulary: "ï", "é"/)
    expectCleanError(noSuchRun, 1, /checkpoint not found: .*no-such-run does not exist/)
    expectCleanError(kind, 2, /--task must be one of brown-genre, brown-3, got "sentiment"/)
  }, 120_000)
})
