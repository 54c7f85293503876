// The loader (src/loader.ts) in fresh processes: ADJOINT_NATIVE=0 keeps the TS
// kernels, a missing binary is a null addon with a reason (not a throw), and
// ADJOINT_NATIVE_REQUIRED=1 turns a missing binary into an error; a bad ADJOINT_ISA,
// ADJOINT_SPIN_US or ADJOINT_NUM_THREADS fails the import.
import { spawnSync } from 'node:child_process'
import { availableParallelism } from 'node:os'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { native } from './helpers.js'

const root = fileURLToPath(new URL('../../..', import.meta.url))
const index = fileURLToPath(new URL('../src/index.ts', import.meta.url))

function probe(env: Record<string, string>): { status: number | null, out: string, err: string } {
  const code = `const n = await import(${JSON.stringify(index)}); const c = await import('@adjoint/core');
console.log(JSON.stringify({ info: n.nativeInfo(), reason: n.nativeUnavailableReason(), backend: c.backendInfo().name }))`
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
    cwd: fileURLToPath(new URL('..', import.meta.url)), encoding: 'utf8', env: { ...process.env, ADJOINT_NATIVE_REQUIRED: '', ADJOINT_NATIVE: '', ADJOINT_ISA: '', ADJOINT_SPIN_US: '', ADJOINT_NUM_THREADS: '', ...env }, timeout: 60_000,
  })
  return { status: r.status, out: r.stdout.trim(), err: r.stderr }
}

describe('loader', () => {
  it('ADJOINT_NATIVE=0: nothing registered, nativeInfo() is null, with a reason', () => {
    const r = probe({ ADJOINT_NATIVE: '0' })
    expect(r.status, r.err).toBe(0)
    const o = JSON.parse(r.out)
    expect(o.info).toBeNull()
    expect(o.reason).toMatch(/ADJOINT_NATIVE=0/)
    expect(o.backend).toBe('ts')
  })

  it('a missing binary falls back to TS; with ADJOINT_NATIVE_REQUIRED=1 it throws', () => {
    const missing = { ADJOINT_NATIVE_PATH: `${root}/nonexistent/adjoint_native.node` }
    const r = probe(missing)
    expect(r.status, r.err).toBe(0)
    const o = JSON.parse(r.out)
    expect(o.info).toBeNull()
    expect(o.reason).toMatch(/cannot load .*nonexistent.*pnpm build:native/)
    const strict = probe({ ...missing, ADJOINT_NATIVE_REQUIRED: '1' })
    expect(strict.status).not.toBe(0)
    expect(strict.err).toMatch(/ADJOINT_NATIVE_REQUIRED=1 but the addon is unavailable/)
  })

  it.runIf(native)('ADJOINT_ISA picks the kernel set; one the CPU or build lacks is an error, not a silent fallback', () => {
    const ok = probe({ ADJOINT_ISA: 'portable' })
    expect(ok.status, ok.err).toBe(0)
    expect(JSON.parse(ok.out).info.isa).toBe('portable')
    const bad = probe({ ADJOINT_ISA: 'avx1024' })
    expect(bad.status).not.toBe(0)
    expect(bad.err).toMatch(/ValueError: @adjoint\/native: ADJOINT_ISA="avx1024" is not a kernel set of this build \(this CPU runs: .*portable\)/)
    const lacking = native!.info().compiledIsas.find((i) => !native!.info().isas.includes(i))
    if (lacking) expect(probe({ ADJOINT_ISA: lacking }).err).toMatch(/is built in but this CPU cannot run it/)
  })

  it.runIf(native)('ADJOINT_SPIN_US / ADJOINT_NUM_THREADS outside their integer range are an error naming them, not the default', () => {
    const ok = probe({ ADJOINT_SPIN_US: '0', ADJOINT_NUM_THREADS: '3' })
    expect(ok.status, ok.err).toBe(0)
    expect(JSON.parse(ok.out).info.details).toMatchObject({ defaultThreads: 3, threads: 3, envErrors: [] })
    const spin = (got: string) => `ADJOINT_SPIN_US=${JSON.stringify(got)} is not an integer in [0, 100000] (microseconds pool threads spin before they block; unset: 50)`
    for (const got of ['abc', '-3', '100001']) {
      const r = probe({ ADJOINT_SPIN_US: got })
      expect(r.status).not.toBe(0)
      expect(r.err).toContain(`ValueError: @adjoint/native: ${spin(got)}\n`)
    }
    const both = probe({ ADJOINT_SPIN_US: '1e9', ADJOINT_NUM_THREADS: '0' })
    expect(both.status).not.toBe(0)
    expect(both.err).toContain(`ValueError: @adjoint/native: ${spin('1e9')}; ADJOINT_NUM_THREADS="0" is not an integer in [1, 256] (threads; unset: the CPUs this process may use)\n`)
  })

  it.runIf(native)('a fresh process loads the built addon and registers (empty ADJOINT_* variables mean unset)', () => {
    const r = probe({})
    expect(r.status, r.err).toBe(0)
    const o = JSON.parse(r.out)
    expect(o.info.loaded).toBe(true)
    expect(o.info.details).toMatchObject({ defaultThreads: availableParallelism(), envErrors: [] })
    expect(o.backend).toMatch(/native\(gemm/)
  })
})
