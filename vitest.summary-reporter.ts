// Prints the closing lines of a vitest run, which scripts/test.mjs adds up:
//   vitest: N passed, N failed, N skipped
//   vitest-summary: {"passed":N,"failed":N,"skipped":[...],"problems":[...]}
// Anything that did not pass and was not skipped on purpose counts as failed:
// a failed test, a test that never finished (its worker crashed) or never ran
// (a hook of its suite threw), an error in a hook, a file that failed to load,
// an unhandled error, an interrupted run. A skip is on purpose when the test is
// marked skip/todo (it.skip, it.skipIf, it.runIf) or calls ctx.skip(note) in a
// suite that had no error.
import { readdirSync, statSync } from 'node:fs'
import { basename, join } from 'node:path'
import type { Reporter, SerializedError, TestCase, TestModule, TestRunEndReason, TestSuite } from 'vitest/node'

export interface RunSummary {
  passed: number
  failed: number
  /** Tests skipped on purpose: "file > name" plus the note given to ctx.skip, if any. */
  skipped: string[]
  /** Why each failure that is not a plain failed test counts. */
  problems: string[]
}

function fileOf(m: TestModule): string {
  return m.moduleId.replace(/^.*\/(packages|docs|scripts)\//, '$1/')
}

function hasError(entity: TestSuite | TestModule): boolean {
  return entity.state() === 'failed' || entity.errors().length > 0
}

/** True when the test's suite chain or file had an error, so a skip there means "never ran". */
function parentBroke(t: TestCase): boolean {
  let p: TestSuite | TestModule = t.parent
  for (;;) {
    if (hasError(p)) return true
    if (p.type === 'module') return false
    p = p.parent
  }
}

export function summarize(modules: ReadonlyArray<TestModule>, unhandled: ReadonlyArray<SerializedError>, reason: TestRunEndReason | undefined): RunSummary {
  const s: RunSummary = { passed: 0, failed: 0, skipped: [], problems: [] }
  const fail = (problem?: string) => { s.failed++; if (problem) s.problems.push(problem) }
  for (const m of modules) {
    const file = fileOf(m)
    let countedHere = 0
    for (const t of m.children.allTests()) {
      const r = t.result()
      if (r.state === 'passed') { s.passed++; continue }
      if (r.state === 'failed') { fail(); countedHere++; continue }
      if (r.state === 'pending') { fail(`${file} > ${t.fullName}: did not finish (worker crashed or run stopped)`); countedHere++; continue }
      // skipped
      const onPurpose = t.options.mode === 'skip' || t.options.mode === 'todo' || !parentBroke(t)
      if (onPurpose) s.skipped.push(`${file} > ${t.fullName}${r.note ? ` (${r.note})` : ''}`)
      else { fail(`${file} > ${t.fullName}: never ran (its suite failed)`); countedHere++ }
    }
    for (const suite of m.children.allSuites()) {
      for (const e of suite.errors()) { fail(`${file} > ${suite.fullName}: error in a hook: ${e.message}`); countedHere++ }
    }
    for (const e of m.errors()) { fail(`${file}: ${e.message}`); countedHere++ }
    if (countedHere === 0 && m.state() !== 'passed' && m.state() !== 'skipped') fail(`${file}: file ${m.state()} (did not load or did not finish)`)
  }
  for (const e of unhandled) fail(`unhandled error: ${e.message}`)
  if (reason === 'interrupted') fail('the run was interrupted')
  return s
}

/**
 * Why the loaded addon is older than its C++ sources (a rebase changed them and
 * `pnpm build:native` was not run), or null. Such a run tests other code than the
 * tree's, so the reporter counts it as a failure. Compares modification times.
 */
export function staleAddon(addonFile: string, sourceDir: string, extra: readonly string[] = []): string | null {
  const built = statSync(addonFile).mtimeMs
  const sources = [...readdirSync(sourceDir).map((f) => join(sourceDir, f)), ...extra]
  const newer = sources.filter((f) => statSync(f).mtimeMs > built).map((f) => basename(f))
  if (newer.length === 0) return null
  return `the native addon (${addonFile}) is older than its sources ${newer.slice(0, 5).join(', ')}${newer.length > 5 ? ` and ${newer.length - 5} more` : ''}: run \`pnpm build:native\``
}

/** One line saying which kernels this run's tests use (what vitest.setup.ts registers). */
async function backendHeader(): Promise<string> {
  if (process.env.ADJOINT_NATIVE === '0') return 'backend: pure-TS kernels (ADJOINT_NATIVE=0)'
  const native = await import('./packages/native/src/index.js')
  const info = native.nativeInfo()
  if (!info) return `backend: pure-TS kernels (native addon not loaded: ${native.nativeUnavailableReason()})`
  const blas = info.details.openblasLinked ? `OpenBLAS linked (core ${info.details.openblasCore})` : 'OpenBLAS not linked'
  return `backend: native kernels, ISA ${info.isa} (CPU runs ${info.details.isas.join(', ')}), ${blas}, gemm: ${info.gemm.reason}, ${info.threads} threads`
}

export default class SummaryReporter implements Reporter {
  private stale: string | null = null

  async onTestRunStart(): Promise<void> {
    if (process.env.ADJOINT_NATIVE !== '0') {
      const { loadAddon } = await import('./packages/native/src/loader.js')
      const { file } = loadAddon()
      if (file) this.stale = staleAddon(file, join(import.meta.dirname, 'packages/native/src/cc'), [join(import.meta.dirname, 'packages/native/binding.gyp')])
      if (this.stale) console.log(`failed: ${this.stale}`)
    }
    const poison = process.env.ADJOINT_POOL_POISON === '1' ? '; released pool buffers poisoned with NaN (ADJOINT_POOL_POISON=1)' : ''
    console.log((await backendHeader()) + poison)
  }

  onTestRunEnd(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<SerializedError>, reason: TestRunEndReason): void {
    const s = summarize(testModules, unhandledErrors, reason)
    if (this.stale) { s.failed++; s.problems.push(this.stale) }
    console.log(`vitest: ${s.passed} passed, ${s.failed} failed, ${s.skipped.length} skipped`)
    console.log(`vitest-summary: ${JSON.stringify(s)}`)
  }
}
