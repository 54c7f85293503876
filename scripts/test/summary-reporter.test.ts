// The closing lines of `pnpm test` (scripts/test.mjs + vitest.summary-reporter.ts)
// must not say "0 failed" after a broken run. Runs scripts/test.mjs on the
// deliberately broken fixture suites in ./fixtures (never part of the real suite)
// and checks what it counts.
import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { staleAddon } from '../../vitest.summary-reporter.js'

const root = fileURLToPath(new URL('../..', import.meta.url))
const fixtureConfig = 'scripts/test/fixtures/vitest.config.ts'

function pnpmTest(...args: string[]) {
  const r = spawnSync(process.execPath, ['scripts/test.mjs', ...args], { cwd: root, encoding: 'utf8', env: { ...process.env, ADJOINT_NATIVE: '0' }, timeout: 120_000 })
  const lines = r.stdout.trimEnd().split('\n')
  return { status: r.status, last: lines.at(-1), beforeLast: lines.at(-2), failedLines: lines.filter((l) => l.startsWith('failed: ')), skippedLines: lines.filter((l) => l.startsWith('skipped: ')), stdout: r.stdout }
}

describe('the closing line of pnpm test', () => {
  it('counts crashed, unrun, hook-failed, unloadable tests and unhandled errors as failed', () => {
    const r = pnpmTest('--config', fixtureConfig)
    expect(r.status).toBe(1)
    expect(r.last).toBe('5 passed, 11 failed')
    expect(r.beforeLast).toBe('3 skipped')
    const failed = r.failedLines.join('\n')
    // crash-exit: process.exit inside a test fails that test (vitest turns it into an error)
    // crash-abort: SIGSEGV kills the worker: all 3 tests never finish, plus the pool's error
    expect(failed).toMatch(/crash-abort\.fixture\.ts > aborts like a segfault: did not finish/)
    expect(failed).toMatch(/crash-abort\.fixture\.ts > never runs after abort: did not finish/)
    expect(failed).toMatch(/unhandled error: \[vitest-pool\]/)
    // hooks
    expect(failed).toMatch(/hook-throws\.fixture\.ts > suite whose afterAll throws: error in a hook: afterAll broke/)
    expect(failed).toMatch(/before-throws\.fixture\.ts > suite whose beforeAll throws > never runs 1: never ran/)
    expect(failed).toMatch(/before-throws\.fixture\.ts > suite whose beforeAll throws: error in a hook: beforeAll broke/)
    // a file that does not load, an unhandled rejection
    expect(failed).toMatch(/load-fails\.fixture\.ts: module top level throws/)
    expect(failed).toMatch(/unhandled error: nobody awaited me/)
    expect(r.failedLines).toHaveLength(10) // the 11th failure is crash-exit's plain failed test
  })

  it('lists what was skipped on purpose, by name and note, and does not count it as failed', () => {
    const r = pnpmTest('--config', fixtureConfig, 'skips')
    expect(r.status).toBe(0)
    expect(r.last).toBe('1 passed, 0 failed')
    expect(r.beforeLast).toBe('3 skipped')
    expect(r.skippedLines.join('\n')).toContain('skips.fixture.ts > skipped at run time with a note (AVX-512 not on this CPU)')
    expect(r.skippedLines.join('\n')).toContain('skips.fixture.ts > skipped on purpose')
  })

  it('one failing fixture at a time: each is counted', () => {
    expect(pnpmTest('--config', fixtureConfig, 'crash-exit').last).toBe('2 passed, 1 failed')
    expect(pnpmTest('--config', fixtureConfig, 'unhandled').last).toBe('1 passed, 1 failed')
  })

  it('a vitest that exits non-zero without a summary still counts as a failure', () => {
    const r = pnpmTest('--config', 'scripts/test/fixtures/no-such.config.ts')
    expect(r.status).toBe(1)
    expect(r.last).toBe('0 passed, 1 failed')
    expect(r.failedLines.join('\n')).toMatch(/without a summary/)
  })
})

describe('a stale native addon', () => {
  it('is named when a C++ source is newer than the built addon, and not otherwise', () => {
    const dir = mkdtempSync(join(tmpdir(), 'adjoint-stale-'))
    try {
      const src = join(dir, 'cc'), addon = join(dir, 'addon.node'), gyp = join(dir, 'binding.gyp')
      mkdirSync(src)
      for (const f of ['gemm.cc', 'rows.cc', addon, gyp]) writeFileSync(f.startsWith('/') ? f : join(src, f), '')
      const at = (f: string, s: number) => utimesSync(f, s, s)
      at(join(src, 'gemm.cc'), 1000); at(join(src, 'rows.cc'), 1000); at(gyp, 1000); at(addon, 2000)
      expect(staleAddon(addon, src, [gyp])).toBeNull()
      at(join(src, 'rows.cc'), 3000); at(gyp, 3000)
      expect(staleAddon(addon, src, [gyp])).toMatch(/is older than its sources (rows\.cc, binding\.gyp|binding\.gyp, rows\.cc): run `pnpm build:native`$/)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
