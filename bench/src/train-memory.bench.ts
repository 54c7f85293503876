// The memory of the real CLI: runs `adjoint train --config reference` (plain node
// on the built JS, with the flags of `pnpm train`) as a child process and samples
// its resident memory (Linux: /proc/PID/status) against the step it is at (the
// lines of its log.csv): RSS at step 200 and at the end, the peak, the share of
// the run V8's garbage collector took, and where the memory is (V8's heap, typed
// arrays, core's buffer pool: reported by the child, see train-memory-preload.mjs).
// The #11 target: peak < 150 MB, flat after step 200.
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { benchArgs, machine, writeSection } from './report.js'

const args = benchArgs(`pnpm bench:memory [--steps N] [--write]: resident memory of \`adjoint train --config reference\` (the built CLI
on plain node) step by step: RSS at step 200 and at the end, peak RSS, the garbage collector's share of the run,
and where the memory is (V8's heap, typed arrays, core's buffer pool) along the run.
  --steps N  steps to train (default 2000, the reference run)`)
const i = args.indexOf('--steps')
const steps = i >= 0 ? Number(args[i + 1]) : 2000
if (!(Number.isInteger(steps) && steps > 0)) throw new Error(`bench:memory: --steps needs a positive integer, got ${args[i + 1]}`)
const root = join(dirname(fileURLToPath(import.meta.url)), '../..')
const bin = join(root, 'packages/models/bin/adjoint.mjs')
if (!existsSync(join(root, 'packages/models/dist/cli/main.js'))) throw new Error('bench:memory: build the CLI first (pnpm build)')
if (!existsSync('/proc/self/status')) throw new Error('bench:memory reads /proc/PID/status: Linux only')

const out = mkdtempSync(join(tmpdir(), 'adjoint-bench-memory-'))
const flags = ['--max-semi-space-size=2'] // as the root package.json's train script runs it
const load0 = loadavg()[0]
const child = spawn(process.execPath, [...flags, '--import', join(root, 'bench/src/train-memory-preload.mjs'), bin, 'train', '--config', 'reference', '--steps', String(steps), '--out', join(out, 'run')], { stdio: ['ignore', 'ignore', 'pipe'] })
interface Breakdown { rssMB: number; heapMB: number; heapUsedMB: number; liveHeapMB: number; arrayBuffersMB: number; poolMB: number; peakMB: number; gcMs: number; wallMs: number }
/** The child's own figures (train-memory-preload.mjs), with the step it was at. */
const breakdowns: [number, Breakdown][] = []
let stderr = ''
let pending = ''
child.stderr.on('data', (d: Buffer) => {
  const text = d.toString()
  stderr += text
  const lines = (pending + text).split('\n')
  pending = lines.pop()!
  for (const line of lines) {
    const m = /^TRAIN-MEMORY-SAMPLE (\{.*\})$/.exec(line)
    if (m) breakdowns.push([stepNow(), JSON.parse(m[1]) as Breakdown])
  }
})

const rssMB = (): number => {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))
  return m ? Number(m[1]) / 1024 : NaN
}
const stepNow = (): number => {
  try { return Math.max(0, readFileSync(join(out, 'run/log.csv'), 'utf8').trim().split('\n').length - 2) } catch { return 0 }
}
const samples: [number, number][] = []
const timer = setInterval(() => { try { samples.push([stepNow(), rssMB()]) } catch { /* exited */ } }, 500)
const code = await new Promise<number | null>((resolve) => child.on('exit', resolve))
clearInterval(timer)
rmSync(out, { recursive: true, force: true })
const m = /TRAIN-MEMORY (\{.*\})/.exec(stderr)
if (code !== 0 || !m) throw new Error(`bench:memory: adjoint train exited with ${code}:\n${stderr.slice(-2000)}`)
const end = JSON.parse(m[1]) as Breakdown
const at = (s: number): number => samples.find(([k]) => k >= s)?.[1] ?? NaN
const after200 = samples.filter(([k]) => k >= 200).map(([, r]) => r)
const f1 = (x: number | null) => (x === null || !Number.isFinite(x) ? '-' : x.toFixed(1))
const marks = [...new Set([1, 100, 200, 500, 1000, 1500, 2000, steps])].filter((s) => s <= steps).sort((a, b) => a - b)
const curve = marks.map((s) => `${s}: ${f1(at(s))}`).join(', ')
// the child's breakdown at each mark, and at the end (after the last evaluation, checkpoint and the closing sample)
const rows = [...marks.map((s) => [String(s), breakdowns.find(([k]) => k >= s)?.[1]] as const), ['end', end] as const]
const table = ['| step | RSS | V8 heap (in use; live after the last major GC) | typed arrays (of which the pool) | the rest: node, code, malloc |', '| --- | --- | --- | --- | --- |',
  ...rows.filter(([, b]) => b !== undefined).map(([s, b]) => `| ${s} | ${f1(b!.rssMB)} | ${f1(b!.heapMB)} (${f1(b!.heapUsedMB)}; ${f1(b!.liveHeapMB)}) | ${f1(b!.arrayBuffersMB)} (${f1(b!.poolMB)}) | ${f1(b!.rssMB - b!.heapMB - b!.arrayBuffersMB)} |`)].join('\n')
const md = `## Memory of \`pnpm train --config reference\` (\`pnpm bench:memory\`)

${machine()}; load ${load0.toFixed(1)} at the start, ${loadavg()[0].toFixed(1)} at the end. The built CLI on plain node (${flags.join(' ')}, as \`pnpm train\` runs it), ${steps} steps.

RSS by step (MB): ${curve}. Peak RSS ${f1(end.peakMB)} MB; after step 200 it stays between ${f1(Math.min(...after200))} and ${f1(Math.max(...after200))} MB. Garbage collection (perf_hooks): ${(100 * end.gcMs / end.wallMs).toFixed(1)}% of the run (${(end.wallMs / 1000).toFixed(0)} s, loading, evaluations and checkpoints included).

Where it is (MB; the child's process.memoryUsage() near that step: V8's heap committed and in use, the typed arrays' buffers, which live outside V8's heap, and what is left of the RSS):

${table}

What the resident memory holds: node with its modules and the native addon (~60 MB before any data, most of it pages of the node binary and shared libraries); V8's heap: ~9 MB of live objects (code, modules, the model's JS objects), the young generation (capped at 2 MB a half), and the garbage that reaches the old generation, which V8 lets grow by ~8 MB before each major collection (every few hundred steps here), so the RSS goes up and down by ~5 MB while the live heap stays level; core's buffer pool (the activations and gradients of one step, reused by every step); the model with its gradients and AdamW state (16 bytes a parameter); the token ids (1 byte a character). The texts are not kept once they are encoded. The first run after \`pnpm build:native\` also times OpenBLAS against the own gemm kernel to choose one (cached in the addon's build folder, gemm-choice.json): OpenBLAS's buffers stay and that run's "rest" was ~8 MB higher (peak 141.6 MB in one such run).`
console.log(md)
writeSection('train-memory', md)
