// `pnpm test`: runs the whole suite with the native kernels registered (when
// built; vitest.setup.ts), then core and nn again on the pure-TS kernels
// (ADJOINT_NATIVE=0), then models' training tests with released pool buffers
// poisoned (ADJOINT_POOL_POISON=1). Its last line is always "N passed, N failed", totalling
// every run (CI parses it); the line before lists what was skipped on purpose.
// Everything that did not pass counts as failed (see vitest.summary-reporter.ts);
// a run that exits non-zero without reporting a failure adds one, so a failing
// exit code never comes with "0 failed". Exit code 1 if anything failed.
// Extra arguments go to vitest (e.g. `pnpm test packages/core`), in the first run only.
import { spawn } from 'node:child_process'

const extra = process.argv.slice(2)
const runs = [
  { label: 'all packages (native kernels when built)', env: {}, args: extra },
  ...(extra.length === 0 ? [
    { label: 'core + nn on the pure-TS kernels (ADJOINT_NATIVE=0)', env: { ADJOINT_NATIVE: '0' }, args: ['packages/core', 'packages/nn'] },
    // released pool buffers filled with NaN: a training step that reads a buffer after graphScope gave it back fails
    { label: 'models training with released buffers poisoned (ADJOINT_POOL_POISON=1)', env: { ADJOINT_POOL_POISON: '1' }, args: ['packages/models/test/train', 'packages/models/test/pretrain-run.test.ts'] },
  ] : []),
]

function run({ label, env, args }) {
  return new Promise((resolve) => {
    console.log(`\n=== vitest: ${label} ===`)
    const child = spawn(process.execPath, ['node_modules/vitest/vitest.mjs', 'run', ...args], { env: { ...process.env, ...env }, stdio: ['inherit', 'pipe', 'inherit'] })
    let summary = null
    let pending = ''
    child.stdout.on('data', (chunk) => {
      pending += chunk.toString()
      const lines = pending.split('\n')
      pending = lines.pop()
      for (const line of lines) {
        const m = line.match(/^vitest-summary: (.*)$/)
        if (m) summary = JSON.parse(m[1])
        else process.stdout.write(line + '\n')
      }
    })
    child.on('close', (code, signal) => {
      if (pending) process.stdout.write(pending)
      resolve({ label, code: code ?? signal, summary })
    })
  })
}

let passed = 0, failed = 0
const skipped = [], problems = []
for (const r of runs) {
  const { label, code, summary } = await run(r)
  if (summary) {
    passed += summary.passed
    failed += summary.failed
    skipped.push(...summary.skipped.map((s) => `${s} [${label}]`))
    problems.push(...summary.problems)
  }
  if (!summary) { failed += 1; problems.push(`${label}: vitest exited (${code}) without a summary`) }
  else if (code !== 0 && summary.failed === 0) { failed += 1; problems.push(`${label}: vitest exited with ${code} but reported no failure`) }
}
console.log('')
for (const p of problems) console.log(`failed: ${p}`)
for (const s of skipped) console.log(`skipped: ${s}`)
console.log(`${skipped.length} skipped`)
console.log(`${passed} passed, ${failed} failed`)
process.exit(failed > 0 ? 1 : 0)
