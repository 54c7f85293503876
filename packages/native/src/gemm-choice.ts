// Which gemm 'auto' runs when OpenBLAS is linked: decided by measurement, not
// assumed. OpenBLAS can be far slower than adjoint's own kernel (Debian's 0.3.21
// detects recent Xeons as "Prescott" and runs a generic SSE3 kernel at a quarter
// of the speed), so both are timed once on representative shapes (one thread,
// per-thread CPU time, best of a few) and OpenBLAS wins only by a margin. The
// decision is cached next to the addon, keyed by CPU model, OpenBLAS core type
// and ISA, so every run on the machine makes the same choice (a resumed training
// run stays bit-identical). ADJOINT_GEMM=auto|builtin|openblas overrides.
import { readFileSync, renameSync, writeFileSync } from 'node:fs'

export type GemmImplName = 'openblas' | 'builtin'

/** Seconds per call (thread CPU time) of one shape on each implementation. */
export interface GemmTiming {
  /** 'm x k x n' */
  shape: string
  ownSec: number
  blasSec: number
}

export interface GemmChoice {
  impl: GemmImplName
  /** One line for people: what runs and why. */
  reason: string
  /** env: ADJOINT_GEMM; measured: timed in this process; cache: read from the cache file; no-openblas: nothing to choose. */
  source: 'env' | 'measured' | 'cache' | 'no-openblas'
  /** The timings the decision came from (measured or cached). */
  timings?: GemmTiming[]
  /** OpenBLAS time / own time, geometric mean over the shapes (> 1: OpenBLAS slower). */
  blasOverOwn?: number
}

/** OpenBLAS must be this much faster (geometric mean) to be chosen over the own kernel. */
export const BLAS_MARGIN = 1.1

/** Shapes timed for the decision (m, k, n): GPT projections and MLP, and a square one. */
export const CHOICE_SHAPES: readonly (readonly [number, number, number])[] = [
  [768, 128, 384],
  [768, 512, 128],
  [512, 512, 512],
]

export interface DecideContext {
  /** The own kernel's ISA ('avx512', ...). */
  isa: string
  /** OpenBLAS's core type ('Prescott', 'SkylakeX', ...). */
  core: string
  margin?: number
}

const x = (r: number) => `${r.toFixed(1)}x`

/** The decision from timings (pure: tests inject timings). */
export function decideGemm(timings: readonly GemmTiming[], ctx: DecideContext): GemmChoice {
  const margin = ctx.margin ?? BLAS_MARGIN
  const valid = timings.filter((t) => t.ownSec > 0 && t.blasSec > 0 && Number.isFinite(t.ownSec) && Number.isFinite(t.blasSec))
  const own = `own ${ctx.isa} kernel`
  const blas = `OpenBLAS (core ${ctx.core || 'unknown'})`
  if (valid.length === 0) {
    return { impl: 'builtin', reason: `${own}; OpenBLAS could not be timed`, source: 'measured', timings: [...timings] }
  }
  const r = Math.exp(valid.reduce((s, t) => s + Math.log(t.blasSec / t.ownSec), 0) / valid.length)
  const base = { source: 'measured' as const, timings: [...timings], blasOverOwn: r }
  if (r * margin <= 1) return { ...base, impl: 'openblas', reason: `${blas}; measured ${x(1 / r)} faster than the ${own}` }
  if (r >= 1) return { ...base, impl: 'builtin', reason: `${own}; ${blas} measured ${x(r)} slower` }
  return { ...base, impl: 'builtin', reason: `${own}; ${blas} measured ${x(1 / r)} faster, within the ${Math.round((margin - 1) * 100)}% margin` }
}

/** The cache key: one decision per CPU model, OpenBLAS core type and ISA. */
export function choiceKey(cpuModel: string, core: string, isa: string): string {
  return `${cpuModel.trim()} | OpenBLAS ${core} | ${isa}`
}

interface CacheFile {
  version: 1
  entries: Record<string, GemmChoice>
}

function isChoice(v: unknown): v is GemmChoice {
  const c = v as GemmChoice
  return typeof c === 'object' && c !== null && (c.impl === 'openblas' || c.impl === 'builtin') && typeof c.reason === 'string'
}

function readCacheFile(file: string): CacheFile | null {
  try {
    const data = JSON.parse(readFileSync(file, 'utf8')) as CacheFile
    if (data?.version !== 1 || typeof data.entries !== 'object' || data.entries === null) return null
    return data
  } catch {
    return null // missing or corrupt: measure again
  }
}

/** The cached decision for key, or null (no file, corrupt file, no entry). */
export function readChoiceCache(file: string, key: string): GemmChoice | null {
  const e = readCacheFile(file)?.entries[key]
  return isChoice(e) ? { ...e, source: 'cache' } : null
}

/** Adds key's decision to the cache: a temp file renamed over the old one (never half-written). */
export function writeChoiceCache(file: string, key: string, choice: GemmChoice): void {
  const data = readCacheFile(file) ?? { version: 1, entries: {} }
  data.entries[key] = { ...choice, source: 'measured' }
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`
  writeFileSync(tmp, JSON.stringify(data, null, 2) + '\n')
  renameSync(tmp, file)
}

export interface ChooseOptions {
  /** Whether OpenBLAS is linked into the addon. */
  linked: boolean
  isa: string
  core: string
  cpuModel: string
  /** ADJOINT_GEMM. */
  env: string | undefined
  /** The cache file (next to the addon binary); null: no cache. */
  cacheFile: string | null
  /** Times both implementations (called only when a measurement is needed). */
  measure: () => GemmTiming[]
}

/** Reads ADJOINT_GEMM: undefined/'' / 'auto' mean decide; throws RangeError on anything else. */
export function parseGemmEnv(env: string | undefined): GemmImplName | 'auto' {
  if (env === undefined || env === '' || env === 'auto') return 'auto'
  if (env === 'builtin' || env === 'openblas') return env
  throw new RangeError(`ADJOINT_GEMM: expected 'auto', 'builtin' or 'openblas', got '${env}'`)
}

/** The decision: ADJOINT_GEMM, else the cache, else a measurement (then cached). */
export function chooseGemm(o: ChooseOptions): GemmChoice {
  const forced = parseGemmEnv(o.env)
  const own = `own ${o.isa} kernel`
  if (!o.linked) {
    return { impl: 'builtin', reason: `${own} (OpenBLAS not linked)`, source: forced === 'auto' ? 'no-openblas' : 'env' }
  }
  if (forced === 'builtin') return { impl: 'builtin', reason: `${own} (ADJOINT_GEMM=builtin)`, source: 'env' }
  if (forced === 'openblas') return { impl: 'openblas', reason: `OpenBLAS (core ${o.core}) (ADJOINT_GEMM=openblas)`, source: 'env' }
  const key = choiceKey(o.cpuModel, o.core, o.isa)
  const cached = o.cacheFile ? readChoiceCache(o.cacheFile, key) : null
  if (cached) return cached
  const measured = decideGemm(o.measure(), { isa: o.isa, core: o.core })
  if (!o.cacheFile) return measured
  // Another process may have decided meanwhile: its decision wins, so all agree.
  const raced = readChoiceCache(o.cacheFile, key)
  if (raced) return raced
  try {
    writeChoiceCache(o.cacheFile, key, measured)
  } catch {
    // read-only install: the decision still holds for this process
  }
  return measured
}
