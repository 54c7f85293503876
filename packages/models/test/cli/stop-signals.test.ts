// SIGINT / SIGTERM during `adjoint train`: the CLI runs as a child process (node,
// no tsx CLI wrapper that would kill it early); the test waits for output markers,
// then signals, and checks the checkpoint is complete and resumable.
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { beforeAll, describe, expect, it } from 'vitest'
import { onStopSignals } from '../../src/cli/stop-signals.js'
import { trainGPT } from '../../src/gpt/objective.js'
import { TEST_MODEL, brownFile, recordingUI, tempDir } from '../helpers.js'
import { cli, expectQuietStderr, runScript, signalOnMarker } from './run-cli.js'

describe('onStopSignals', () => {
  it('the first SIGINT or SIGTERM requests a stop and removes the handlers (the next signal gets the default action)', () => {
    for (const sig of ['SIGINT', 'SIGTERM'] as const) {
      const before = process.listenerCount(sig)
      const stop = onStopSignals('stopping')
      expect(process.listenerCount(sig)).toBe(before + 1)
      expect(stop.requested()).toBe(false)
      const write = process.stderr.write
      process.stderr.write = (() => true) as typeof process.stderr.write
      try { process.emit(sig, sig) } finally { process.stderr.write = write }
      expect(stop.requested()).toBe(true)
      expect(stop.signal()).toBe(sig)
      expect(stop.exitCode()).toBe(sig === 'SIGINT' ? 130 : 143)
      expect(process.listenerCount('SIGINT')).toBe(before)
      expect(process.listenerCount('SIGTERM')).toBe(before)
    }
  })

  it('a second Ctrl-C ends the process at once, even in the middle of synchronous work', async () => {
    const fixture = join(dirname(fileURLToPath(import.meta.url)), 'fixtures/stop-then-busy.ts')
    let sent = 0
    const r = await runScript(fixture, [], {
      onOutput: (out, child) => {
        if (sent === 0 && out.stdout.includes('ready')) { sent = 1; child.kill('SIGINT') }
        if (sent === 1 && out.stdout.includes('stopping on SIGINT, exit code 130')) { sent = 2; child.kill('SIGINT') }
      },
    })
    expect(r.stderr).toMatch(/SIGINT: stopping after this step \(Ctrl-C again to quit without it\)/)
    expect(r.stdout).not.toMatch(/not killed/)
    expect(r.signal).toBe('SIGINT')
  }, 60_000)
})

describe('adjoint train stopped by a signal', () => {
  const dir = tempDir('adjoint-signals-')
  let data = ''
  beforeAll(() => { data = brownFile(dir, 60_000) })

  const args = (out: string) => ['train', '--data', data, '--steps', '100000', '--batch', '2', '--block', '16', '--out', out]

  for (const sig of ['SIGTERM', 'SIGINT'] as const) {
    it(`${sig} saves a complete checkpoint, exits with ${sig === 'SIGINT' ? 130 : 143}, and --resume continues from it`, async () => {
      const out = join(dir, sig)
      const r = await runScript(cli, args(out), { onOutput: signalOnMarker('training: ', sig) })
      expect(r.signal).toBeNull()
      expect(r.code).toBe(sig === 'SIGINT' ? 130 : 143)
      expect(r.stderr).toMatch(new RegExp(`${sig}: stopping: saving a checkpoint after this step`))
      expectQuietStderr(r, [new RegExp(`^${sig}: stopping: saving a checkpoint after this step`)])
      const m = /interrupted at step (\d+): checkpoint saved/.exec(r.stdout)
      if (m === null) throw new Error(`no "interrupted at step N" line in:\n${r.stdout}`)
      const step = Number(m[1])
      expect(step).toBeGreaterThanOrEqual(1)
      // complete: every file of the checkpoint, no temporary directory left behind
      expect(readdirSync(join(out, 'checkpoint')).sort()).toEqual(['config.json', 'model.safetensors', 'tokenizer.json', 'train_state.safetensors'])
      expect(readdirSync(out).filter((f) => f.startsWith('.checkpoint.tmp'))).toEqual([])
      expect(JSON.parse(readFileSync(join(out, 'checkpoint/config.json'), 'utf8')).step).toBe(step)
      // resumable
      const again = await runScript(cli, ['train', '--out', out, '--resume', '--steps', String(step + 1)])
      expectQuietStderr(again)
      expect(again.code).toBe(0)
      expect(again.stdout).toMatch(new RegExp(`resuming at step ${step}`))
      expect(JSON.parse(readFileSync(join(out, 'checkpoint/config.json'), 'utf8')).step).toBe(step + 1)
      expect(existsSync(join(out, 'log.csv'))).toBe(true)
    }, 120_000)
  }
})

describe('adjoint finetune stopped by a signal', () => {
  it('SIGTERM stops after the current step, evaluates, saves the classifier and exits with 143', async () => {
    const dir = tempDir('adjoint-signals-ft-')
    const pretrained = join(dir, 'pretrained')
    await trainGPT({ data: brownFile(dir, 60_000), model: TEST_MODEL, train: { steps: 1, batchSize: 2, blockSize: 16 }, out: pretrained, ui: recordingUI(), sampleTokens: 0 })
    const rows = Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? `the jury said the city was fine ${i},news` : `she loved him and wept ${i},romance`))
    writeFileSync(join(dir, 'texts.csv'), ['text,label', ...rows].join('\n') + '\n')
    const out = join(dir, 'classifier')
    const r = await runScript(cli, ['finetune', '--ckpt', pretrained, '--data', join(dir, 'texts.csv'), '--steps', '100000', '--batch', '2', '--block', '16', '--out', out], { onOutput: signalOnMarker('fine-tuning ', 'SIGTERM') })
    expect(r.signal).toBeNull()
    expect(r.code).toBe(143)
    expect(r.stderr).toMatch(/SIGTERM: stopping after this step: evaluating and saving the classifier/)
    expectQuietStderr(r, [/^SIGTERM: stopping after this step/])
    expect(r.stdout).toMatch(/accuracy on \d+ held-out examples/)
    expect(r.stdout).toMatch(/classifier saved in /)
    expect(readdirSync(join(out, 'checkpoint'))).toContain('model.safetensors')
    expect(JSON.parse(readFileSync(join(out, 'checkpoint/config.json'), 'utf8')).step).toBeGreaterThanOrEqual(1)
  }, 120_000)
})
