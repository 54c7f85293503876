// The OpenBLAS-or-own decision (src/gemm-choice.ts): the rule on injected
// timings, the cache file (atomic, corrupt ignored, keyed), ADJOINT_GEMM, and
// the decision as a fresh process sees it.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { BLAS_MARGIN, chooseGemm, choiceKey, decideGemm, type GemmTiming, parseGemmEnv, readChoiceCache, writeChoiceCache } from '../src/gemm-choice.js'
import { native } from './helpers.js'

const ctx = { isa: 'avx512', core: 'Prescott' }
const t = (ownSec: number, blasSec: number, shape = '1x1x1'): GemmTiming => ({ shape, ownSec, blasSec })

describe('decideGemm', () => {
  it('keeps the own kernel when OpenBLAS is slower, and says by how much', () => {
    const c = decideGemm([t(1, 3.9), t(2, 7.8)], ctx)
    expect(c.impl).toBe('builtin')
    expect(c.reason).toBe('own avx512 kernel; OpenBLAS (core Prescott) measured 3.9x slower')
    expect(c.blasOverOwn).toBeCloseTo(3.9, 10)
  })

  it('picks OpenBLAS only when it is faster by more than the margin (geometric mean over shapes)', () => {
    const fast = decideGemm([t(1.3, 1), t(1.2, 1)], { isa: 'avx2', core: 'Haswell' })
    expect(fast.impl).toBe('openblas')
    expect(fast.reason).toBe('OpenBLAS (core Haswell); measured 1.2x faster than the own avx2 kernel')
    const close = decideGemm([t(1.05, 1), t(1.02, 1)], ctx)
    expect(close.impl).toBe('builtin')
    expect(close.reason).toMatch(/within the 10% margin/)
    // exactly at the margin: OpenBLAS; one shape much faster does not outvote two slower ones
    expect(decideGemm([t(BLAS_MARGIN, 1)], ctx).impl).toBe('openblas')
    expect(decideGemm([t(3, 1), t(1, 1.8), t(1, 1.8)], ctx).impl).toBe('builtin')
  })

  it('ignores timings that are not positive finite numbers; none left: the own kernel', () => {
    expect(decideGemm([t(NaN, 1), t(1, 5)], ctx).impl).toBe('builtin')
    expect(decideGemm([t(2, NaN), t(2, 1)], ctx).impl).toBe('openblas')
    const none = decideGemm([t(0, 1), t(1, Infinity)], ctx)
    expect(none.impl).toBe('builtin')
    expect(none.reason).toMatch(/could not be timed/)
  })
})

describe('the cache file', () => {
  let dir = ''
  afterEach(() => { if (dir) rmSync(dir, { recursive: true, force: true }) })
  const fresh = () => (dir = mkdtempSync(join(tmpdir(), 'adjoint-gemm-choice-')))
  const base = { linked: true, isa: 'avx512', core: 'Prescott', cpuModel: 'Test CPU', env: undefined }

  it('measures once, then every later choice on the same key comes from the file', () => {
    const file = join(fresh(), 'gemm-choice.json')
    let calls = 0
    const measure = () => { calls++; return [t(1, 4)] }
    const first = chooseGemm({ ...base, cacheFile: file, measure })
    expect(first).toMatchObject({ impl: 'builtin', source: 'measured' })
    const second = chooseGemm({ ...base, cacheFile: file, measure: () => { calls++; return [t(4, 1)] } })
    expect(second).toMatchObject({ impl: 'builtin', source: 'cache', reason: first.reason })
    expect(calls).toBe(1)
    // another OpenBLAS core type (or CPU, or ISA) is another key: measured again, both kept
    const other = chooseGemm({ ...base, core: 'SkylakeX', cacheFile: file, measure: () => [t(1.5, 1)] })
    expect(other).toMatchObject({ impl: 'openblas', source: 'measured' })
    expect(readChoiceCache(file, choiceKey('Test CPU', 'Prescott', 'avx512'))?.impl).toBe('builtin')
    expect(readChoiceCache(file, choiceKey('Test CPU', 'SkylakeX', 'avx512'))?.impl).toBe('openblas')
    expect(readdirSync(dir)).toEqual(['gemm-choice.json']) // no temp file left behind
  })

  it('a corrupt or foreign file is ignored and replaced', () => {
    for (const junk of ['{"version": 1, "entries": {', 'null', '{"version": 2, "entries": {}}', '[1,2]']) {
      const file = join(fresh(), 'gemm-choice.json')
      writeFileSync(file, junk)
      expect(readChoiceCache(file, choiceKey('Test CPU', 'Prescott', 'avx512'))).toBeNull()
      const c = chooseGemm({ ...base, cacheFile: file, measure: () => [t(1, 2)] })
      expect(c.source, junk).toBe('measured')
      expect(JSON.parse(readFileSync(file, 'utf8')).version).toBe(1)
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('an entry that is not a decision is ignored', () => {
    const file = join(fresh(), 'gemm-choice.json')
    const key = choiceKey('Test CPU', 'Prescott', 'avx512')
    writeFileSync(file, JSON.stringify({ version: 1, entries: { [key]: { impl: 'fastest', reason: 'x' } } }))
    expect(readChoiceCache(file, key)).toBeNull()
  })

  it('an unwritable cache location still decides (for this process)', () => {
    const file = join(fresh(), 'missing-dir', 'gemm-choice.json')
    expect(chooseGemm({ ...base, cacheFile: file, measure: () => [t(1, 2)] }).impl).toBe('builtin')
    expect(existsSync(file)).toBe(false)
  })

  it('writes atomically: the old file stays whole until the rename', () => {
    const file = join(fresh(), 'gemm-choice.json')
    writeChoiceCache(file, 'a', decideGemm([t(1, 2)], ctx))
    writeChoiceCache(file, 'b', decideGemm([t(2, 1)], ctx))
    const data = JSON.parse(readFileSync(file, 'utf8'))
    expect(Object.keys(data.entries)).toEqual(['a', 'b'])
  })
})

describe('ADJOINT_GEMM', () => {
  const base = { linked: true, isa: 'avx512', core: 'Prescott', cpuModel: 'Test CPU', cacheFile: null }
  const never = () => { throw new Error('must not measure') }

  it('builtin / openblas override without measuring; auto or unset measures', () => {
    expect(chooseGemm({ ...base, env: 'builtin', measure: never })).toMatchObject({ impl: 'builtin', source: 'env', reason: 'own avx512 kernel (ADJOINT_GEMM=builtin)' })
    expect(chooseGemm({ ...base, env: 'openblas', measure: never })).toMatchObject({ impl: 'openblas', source: 'env' })
    expect(chooseGemm({ ...base, env: 'auto', measure: () => [t(1, 2)] }).source).toBe('measured')
    expect(chooseGemm({ ...base, env: '', measure: () => [t(1, 2)] }).source).toBe('measured')
  })

  it('without OpenBLAS there is nothing to choose', () => {
    expect(chooseGemm({ ...base, linked: false, env: undefined, measure: never })).toMatchObject({ impl: 'builtin', source: 'no-openblas', reason: 'own avx512 kernel (OpenBLAS not linked)' })
  })

  it('anything else is a RangeError naming the variable and the accepted values', () => {
    expect(() => parseGemmEnv('blas')).toThrow(RangeError)
    expect(() => chooseGemm({ ...base, env: 'fast', measure: never })).toThrow("ADJOINT_GEMM: expected 'auto', 'builtin' or 'openblas', got 'fast'")
  })
})

// A fresh process through the package entry: the decision nativeInfo() reports.
const pkg = join(dirname(fileURLToPath(import.meta.url)), '..')
function child(env: Record<string, string>): { status: number | null, out: string, err: string } {
  const script = `import { nativeInfo } from './src/index.ts'; const i = nativeInfo(); console.log('INFO ' + JSON.stringify({ gemm: i.gemm, blas: i.blas }))`
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: pkg, encoding: 'utf8', env: { ...process.env, ...env }, timeout: 60_000 })
  return { status: r.status, out: r.stdout, err: r.stderr }
}

describe.skipIf(!native)('in a fresh process', () => {
  it('ADJOINT_GEMM=builtin is what nativeInfo() reports and what runs', () => {
    const r = child({ ADJOINT_GEMM: 'builtin' })
    const info = JSON.parse(r.out.split('INFO ')[1]!)
    expect(info).toMatchObject({ blas: 'builtin', gemm: { impl: 'builtin', source: 'env' } })
  })

  it('a bad ADJOINT_GEMM fails the import with the RangeError', () => {
    const r = child({ ADJOINT_GEMM: 'nope' })
    expect(r.status).not.toBe(0)
    expect(r.err).toContain("ADJOINT_GEMM: expected 'auto', 'builtin' or 'openblas', got 'nope'")
  })

  it.runIf(native?.info().openblasLinked)('auto: two processes make the same choice (the second from the cache)', () => {
    const a = JSON.parse(child({ ADJOINT_GEMM: 'auto' }).out.split('INFO ')[1]!)
    const b = JSON.parse(child({ ADJOINT_GEMM: 'auto' }).out.split('INFO ')[1]!)
    expect(b.gemm.impl).toBe(a.gemm.impl)
    expect(b.gemm.source).toBe('cache')
    expect(b.blas).toBe(b.gemm.impl)
    expect(a.gemm.reason).toMatch(/^(own \w+ kernel; OpenBLAS \(core \w+\) measured|OpenBLAS \(core \w+\); measured)/)
  })
})
