// `adjoint train` as a new user meets it (issue #14): negative numbers, the
// --threads line, evaluation/checkpoint cadence flags, final values, binary data,
// impossible sizes, leftover checkpoint folders, resuming from .checkpoint.old.
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { brownFile, tempDir } from '../helpers.js'
import { SAMPLE_STDERR, expectCleanError, expectQuietStderr, runCli, runClis } from './run-cli.js'

const SMALL = ['--batch', '2', '--block', '16']
/** A PID no process has (above Linux's pid_max). */
const DEAD_PID = 2 ** 30

describe('adjoint train', () => {
  const dir = tempDir('adjoint-cli-train-')
  let data = ''
  beforeAll(() => {
    data = brownFile(dir, 60_000)
    writeFileSync(join(dir, 'random.bin'), Uint8Array.from({ length: 20_000 }, (_, i) => (i * 7919 + 13) % 256))
  })

  it('bad sizes and data: one-line messages, before anything is built', async () => {
    const [negative, pnpmHint, binary, huge] = await runClis([
      [['train', '--steps', '-5']],
      [['train', '--steps', '-5'], { env: { npm_lifecycle_event: 'train' } }],
      [['train', '--data', join(dir, 'random.bin'), '--out', join(dir, 'bin-run')]],
      [['train', '--data', data, '--block', '100000', '--out', join(dir, 'huge')]],
    ])
    expectCleanError(negative, 2, /^adjoint train: --steps must be an integer >= 1, got "-5"\nRun 'adjoint train --help' for the options\.\n$/)
    expect(pnpmHint.stderr).toMatch(/Run 'pnpm train --help' for the options/)
    expectCleanError(binary, 1, /^adjoint train: error: .*random\.bin is not UTF-8 text .*: give a plain text file\n$/)
    expectCleanError(huge, 1, /^adjoint train: error: a GPT with 12 x 100000-token batches \(--batch 12 --block 100000\) is too large: the attention scores alone would be a \[12, 4, 100000, 100000\] tensor/)
    expect(huge.stdout).not.toMatch(/model: GPT/)
  }, 120_000)

  it('--threads applies before the backend line; --eval-every/--eval-iters/--ckpt-every; the last progress line has the final values', async () => {
    const out = join(dir, 'cadence')
    const r = await runCli(['train', '--data', data, '--steps', '4', ...SMALL, '--threads', '2', '--eval-every', '2', '--eval-iters', '1', '--ckpt-every', '2', '--out', out])
    expectQuietStderr(r)
    expect(r.code).toBe(0)
    const [first, second] = r.stdout.split('\n')
    if (/native/.test(first)) expect(first).toMatch(/, 2 threads\)$/)
    else expect(second).toMatch(/--threads 2 ignored/)
    const evals = readFileSync(join(out, 'log.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(',')).filter((c) => c[2] !== '').map((c) => Number(c[0]))
    expect(evals).toEqual([0, 2, 4])
    expect(JSON.parse(readFileSync(join(out, 'checkpoint/config.json'), 'utf8')).train).toMatchObject({ evalInterval: 2, evalIters: 1, ckptInterval: 2 })
    const last = /step 4\/4 \| loss (\d\.\d{4}) \| val (\d\.\d{4}) \|.*ETA 0s\n/.exec(r.stdout)
    const summary = /step 4: train loss (\d\.\d{4}), validation loss (\d\.\d{4})/.exec(r.stdout)
    expect(last).not.toBeNull()
    expect(summary).not.toBeNull()
    expect([last![1], last![2]]).toEqual([summary![1], summary![2]])
    expect(r.stdout).not.toMatch(/\dm60s|\d60s/)
  }, 120_000)

  it('leftover folders are removed on the next start; a whole .checkpoint.old is used (sample) and put back (resume); a first save that never finished is explained', async () => {
    const out = join(dir, 'killed')
    expect((await runCli(['train', '--data', data, '--steps', '2', ...SMALL, '--eval-iters', '1', '--out', out])).code).toBe(0)
    renameSync(join(out, 'checkpoint'), join(out, '.checkpoint.old')) // stopped between the two renames
    mkdirSync(join(out, `.checkpoint.tmp-${DEAD_PID}`)) // and an earlier save's unfinished folder
    const s = await runCli(['sample', '--ckpt', out, '--tokens', '5'])
    expect(s.code).toBe(0)
    expect(s.stderr).toMatch(/note: .*checkpoint is missing: using .*\.checkpoint\.old, the checkpoint before an interrupted save \(its checksums match\)/)
    expectQuietStderr(s, [/^note: /, ...SAMPLE_STDERR])
    const r = await runCli(['train', '--out', out, '--resume', '--steps', '3'])
    expect(r.code).toBe(0)
    expectQuietStderr(r)
    expect(r.stdout).toMatch(/restored .*checkpoint from .*\.checkpoint\.old/)
    expect(r.stdout).toMatch(new RegExp(`removed 1 unfinished checkpoint folder left by an interrupted save in .*: \\.checkpoint\\.tmp-${DEAD_PID}`))
    expect(r.stdout).toMatch(/resuming at step 2/)
    expect(readdirSync(out).filter((n) => n.startsWith('.checkpoint'))).toEqual([])

    const first = join(dir, 'never-saved')
    mkdirSync(join(first, `.checkpoint.tmp-${DEAD_PID}`), { recursive: true })
    const again = await runCli(['train', '--out', first, '--resume'])
    expectCleanError(again, 1, new RegExp(`no checkpoint was completed in .*never-saved yet: the first save was interrupted \\(\\.checkpoint\\.tmp-${DEAD_PID} is unfinished\\); start the run again without --resume`))
    expect(existsSync(join(first, 'checkpoint'))).toBe(false)
  }, 180_000)
})
