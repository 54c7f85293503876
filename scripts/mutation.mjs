// `pnpm mutation [file ...]`: Stryker over core's ops/ and autograd/, one source file
// per Stryker run, each with only the test files that exercise it, so a run can stop
// anywhere and what finished is kept. Not part of CI (hours on a shared 2-core machine).
//
//   pnpm mutation                      every file in the table below, in order
//   pnpm mutation ops/reduce.ts        named files only (paths under packages/core/src/)
//   pnpm mutation --summary            the per-file table from the reports so far, no run
//   pnpm mutation --survivors ops/reduce.ts   that file's surviving and uncovered mutants
//   pnpm mutation --force ops/cast.ts  rerun every mutant instead of reusing the last run
//   pnpm mutation --no-own ops/dropout.ts   without the test file named after the source
//                                      file: the score before that file was written
//   MUTATION_STATIC=1 pnpm mutation    also the static mutants (module-level tables and
//                                      constants; each reruns every test, so they are off)
//
// Each file runs under `nice -n 19` with one test process and Stryker's incremental mode:
// reports/mutation/<file>.incremental.json (git-ignored) keeps its results, so a rerun
// only retests mutants whose code or covering tests changed. The JSON and HTML reports
// go to reports/mutation/<file>.json / .html; the table at the end is what
// docs/testing.md records.
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { basename, join } from 'node:path'

const SRC = 'packages/core/src/'
const REPORTS = 'reports/mutation'

// The op tests: the OpInfo sweeps (forward values, gradcheck), PyTorch fixtures, error
// messages, Tensor methods, saved tensors. Not the gradgradcheck sweep (ops-gradgrad.test.ts): it is
// half the time of every surviving mutant's run and kills few that gradcheck does not.
const OPS = ['ops-forward', 'ops-gradcheck', 'ops-saved', 'torch-parity', 'errors', 'tensor']
// Ops with a kernel backward and a composed one (recordFused): only gradgradcheck runs the composed rule.
const FUSED = [...OPS, 'ops-gradgrad']
// The autograd tests.
const AUTOGRAD = ['engine', 'grad', 'hooks', 'function', 'anomaly', 'grad-memory', 'fused']

/** Source file (under packages/core/src/) -> the test files (in packages/core/test/) that run against its mutants, besides the one named after it. */
export const TESTS_OF = {
  'ops/elementwise.ts': [...OPS, 'gelu-kernels', 'fused'],
  'ops/reduce.ts': OPS,
  'ops/softmax.ts': FUSED,
  'ops/matmul.ts': OPS,
  'ops/movement.ts': OPS,
  'ops/normalization.ts': [...FUSED, 'fused-kernels', 'fused', 'rms-norm'],
  'ops/loss.ts': FUSED,
  'ops/indexing.ts': OPS,
  'autograd/node.ts': AUTOGRAD,
  'autograd/grad-memory.ts': AUTOGRAD,
  'autograd/function.ts': AUTOGRAD,
  'autograd/functional.ts': ['functional', 'grad', 'engine'],
  'autograd/engine.ts': AUTOGRAD,
  'ops/creation.ts': [...OPS, 'testing-arbitraries'],
  'ops/inplace.ts': [...OPS, 'hooks'],
  'ops/attention.ts': [...FUSED, 'attention'],
  'ops/dropout.ts': OPS,
  'ops/linear-gelu.ts': FUSED,
  'ops/util.ts': OPS,
  'ops/cast.ts': OPS,
  'autograd/gradcheck.ts': ['testing-gradients', 'ops-gradcheck', 'function'],
  'autograd/grad.ts': AUTOGRAD,
  'autograd/grad-mode.ts': AUTOGRAD,
  'autograd/fused.ts': [...AUTOGRAD, 'fused-kernels'],
  'autograd/anomaly.ts': ['anomaly', 'engine'],
  'autograd/anomaly-state.ts': ['anomaly'],
  'autograd/trace.ts': ['trace', 'graph-export', 'engine'],
  'autograd/trace-state.ts': ['trace'],
  'autograd/graph-export.ts': ['graph-export', 'trace'],
}

const reportBase = (file) => join(REPORTS, file.replace(/\//g, '-').replace(/\.ts$/, ''))

function run(file, force, noOwn) {
  const listed = TESTS_OF[file]
  if (!listed) throw new Error(`mutation: no test list for ${file}; known: ${Object.keys(TESTS_OF).join(', ')}`)
  // plus the test file named after the source file, when there is one
  const own = basename(file, '.ts')
  const tests = !noOwn && existsSync(`packages/core/test/${own}.test.ts`) && !listed.includes(own) ? [own, ...listed] : listed
  const base = reportBase(file)
  const args = ['-n', '19', 'node_modules/.bin/stryker', 'run', '--mutate', SRC + file, '--incremental', '--incrementalFile', `${base}.incremental.json`]
  if (force) args.push('--force')
  console.log(`\n== ${file}: tests ${tests.join(', ')}`)
  const started = Date.now()
  const r = spawnSync('nice', args, {
    stdio: 'inherit',
    env: { ...process.env, ADJOINT_NATIVE: '0', MUTATION_TESTS: tests.map((t) => `${t}.test.ts`).join(','), MUTATION_REPORT: base },
  })
  console.log(`== ${file}: ${((Date.now() - started) / 60000).toFixed(1)} min, exit ${r.status}`)
  return r.status === 0
}

function summary() {
  const rows = []
  const total = { mutants: 0, killed: 0, timeout: 0, survived: 0, noCoverage: 0, ignored: 0, other: 0 }
  for (const file of Object.keys(TESTS_OF)) {
    const path = `${reportBase(file)}.json`
    if (!existsSync(path)) continue
    const report = JSON.parse(readFileSync(path, 'utf8'))
    const entry = Object.entries(report.files).find(([name]) => name.endsWith(file))
    if (!entry) continue
    const c = { mutants: 0, killed: 0, timeout: 0, survived: 0, noCoverage: 0, ignored: 0, other: 0 }
    for (const m of entry[1].mutants) {
      c.mutants++
      if (m.status === 'Killed') c.killed++
      else if (m.status === 'Timeout') c.timeout++
      else if (m.status === 'Survived') c.survived++
      else if (m.status === 'NoCoverage') c.noCoverage++
      else if (m.status === 'Ignored') c.ignored++
      else c.other++ // CompileError, RuntimeError: not counted in the score
    }
    for (const k of Object.keys(total)) total[k] += c[k]
    rows.push([file, c])
  }
  const score = (c) => {
    const valid = c.killed + c.timeout + c.survived + c.noCoverage
    return valid ? `${(((c.killed + c.timeout) / valid) * 100).toFixed(1)}%` : '-'
  }
  console.log('| file | mutants | killed | timed out | survived | no coverage | static (not run) | score |')
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- |')
  for (const [file, c] of [...rows, ['**total**', total]]) {
    console.log(`| \`${file}\` | ${c.mutants} | ${c.killed} | ${c.timeout} | ${c.survived} | ${c.noCoverage} | ${c.ignored} | ${score(c)} |`)
  }
}

/** The surviving and uncovered mutants of one file, one line each: where, mutator, replacement. */
function survivors(file) {
  const report = JSON.parse(readFileSync(`${reportBase(file)}.json`, 'utf8'))
  const [, result] = Object.entries(report.files).find(([name]) => name.endsWith(file))
  const lines = result.source.split('\n')
  for (const m of result.mutants) {
    if (m.status !== 'Survived' && m.status !== 'NoCoverage') continue
    const { line, column } = m.location.start
    console.log(`${m.status === 'Survived' ? 'survived' : 'no cover'} ${file}:${line}:${column} ${m.mutatorName}: ${lines[line - 1].trim().slice(0, 100)}  ->  ${m.replacement.replace(/\s+/g, ' ').slice(0, 80)}`)
  }
}

const argv = process.argv.slice(2)
if (argv.includes('--survivors')) {
  for (const a of argv.filter((a) => !a.startsWith('--'))) survivors(a.replace(/^packages\/core\/src\//, ''))
  process.exit(0)
}
if (!argv.includes('--summary')) {
  const force = argv.includes('--force'), noOwn = argv.includes('--no-own')
  const named = argv.filter((a) => !a.startsWith('--')).map((a) => a.replace(/^packages\/core\/src\//, ''))
  const failed = (named.length ? named : Object.keys(TESTS_OF)).filter((file) => !run(file, force, noOwn))
  if (failed.length) console.log(`\nStryker failed on: ${failed.join(', ')}`)
}
summary()
