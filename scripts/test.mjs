// `pnpm test`: runs the whole suite with the native kernels (when built), then
// core and nn again on the pure-TS kernels (ADJOINT_NATIVE=0), and ends with one
// plain line "N passed, N failed" totalling both runs. Exit code 1 if anything failed.
// Extra arguments go to vitest (e.g. `pnpm test packages/core`), in the first run only.
import { spawn } from 'node:child_process'

const extra = process.argv.slice(2)
const runs = [
  { label: 'all packages (native kernels when built)', env: {}, args: extra },
  ...(extra.length === 0 ? [{ label: 'core + nn on the pure-TS kernels (ADJOINT_NATIVE=0)', env: { ADJOINT_NATIVE: '0' }, args: ['packages/core', 'packages/nn'] }] : []),
]

function run({ label, env, args }) {
  return new Promise((resolve) => {
    console.log(`\n=== vitest: ${label} ===`)
    const child = spawn(process.execPath, ['node_modules/vitest/vitest.mjs', 'run', ...args], { env: { ...process.env, ...env }, stdio: ['inherit', 'pipe', 'inherit'] })
    let summary = null
    let buf = ''
    child.stdout.on('data', (chunk) => {
      process.stdout.write(chunk)
      buf += chunk.toString()
      const m = buf.match(/vitest: (\d+) passed, (\d+) failed, (\d+) skipped/)
      if (m) summary = { passed: +m[1], failed: +m[2], skipped: +m[3] }
      if (buf.length > 10000) buf = buf.slice(-2000)
    })
    child.on('close', (code) => resolve({ code, summary }))
  })
}

let passed = 0, failed = 0, bad = false
for (const r of runs) {
  const { code, summary } = await run(r)
  if (summary) { passed += summary.passed; failed += summary.failed }
  if (code !== 0 || !summary) { bad = true; if (!summary) failed += 1 }
}
console.log(`${passed} passed, ${failed} failed`)
process.exit(bad || failed > 0 ? 1 : 0)
