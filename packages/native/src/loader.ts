// Loads build/Release/adjoint_native.node. Returns { addon: null, reason } when
// it is not built, fails to load, or ADJOINT_NATIVE=0 — callers then keep the
// pure-TS kernels. ADJOINT_NATIVE_REQUIRED=1 (CI) turns a failure into a throw.
// ADJOINT_NATIVE_PATH loads another build of the addon (e.g. one built with ADJOINT_BLAS=0).
// ADJOINT_ISA picks a kernel set; one this CPU and build cannot run is an error,
// and so is an ADJOINT_SPIN_US or ADJOINT_NUM_THREADS that is not an integer in range.
import { createRequire } from 'node:module'
import { ValueError } from '@adjoint/core'
import type { NativeAddon } from './addon.js'

export interface LoadResult {
  addon: NativeAddon | null
  /** Why addon is null ('' when loaded). */
  reason: string
  /** The absolute path of the loaded binary ('' when not loaded). */
  file: string
}

const defaultPath = '../build/Release/adjoint_native.node'
let cached: LoadResult | null = null

export function loadAddon(): LoadResult {
  if (cached) return cached
  cached = tryLoad()
  if (!cached.addon && process.env.ADJOINT_NATIVE_REQUIRED === '1' && process.env.ADJOINT_NATIVE !== '0') {
    throw new Error(`@adjoint/native: ADJOINT_NATIVE_REQUIRED=1 but the addon is unavailable: ${cached.reason}`)
  }
  if (cached.addon) {
    checkRequestedIsa(cached.addon)
    checkEnvIntegers(cached.addon)
  }
  return cached
}

/** The addon reads ADJOINT_SPIN_US / ADJOINT_NUM_THREADS as it loads and keeps its default for a bad value: refuse that instead. */
function checkEnvIntegers(addon: NativeAddon): void {
  const errors = addon.info().envErrors
  if (errors.length) throw new ValueError(`@adjoint/native: ${errors.join('; ')}`)
}

/** The addon falls back to its best kernel set when ADJOINT_ISA names none it runs: refuse that instead. */
function checkRequestedIsa(addon: NativeAddon): void {
  const wanted = process.env.ADJOINT_ISA
  if (!wanted) return
  const info = addon.info()
  if (info.isa === wanted) return
  const why = info.compiledIsas.includes(wanted) ? 'is built in but this CPU cannot run it' : 'is not a kernel set of this build'
  throw new ValueError(`@adjoint/native: ADJOINT_ISA=${JSON.stringify(wanted)} ${why} (this CPU runs: ${info.isas.join(', ')})`)
}

function tryLoad(): LoadResult {
  if (process.env.ADJOINT_NATIVE === '0') return { addon: null, reason: 'disabled by ADJOINT_NATIVE=0', file: '' }
  const path = process.env.ADJOINT_NATIVE_PATH || defaultPath
  // OpenBLAS (when linked) reads this as it loads with the addon: its idle
  // threads then spin ~0.1 ms instead of ~0.1 s before sleeping, so they do not
  // keep the cores busy while the addon's own pool (or the caller) needs them.
  process.env.OPENBLAS_THREAD_TIMEOUT ??= '18'
  try {
    const req = createRequire(import.meta.url)
    const addon = req(path) as NativeAddon
    if (typeof addon?.gemm !== 'function') return { addon: null, reason: `${path} is not adjoint's addon`, file: '' }
    return { addon, reason: '', file: req.resolve(path) }
  } catch (e) {
    const msg = e instanceof Error ? e.message.split('\n')[0] : String(e)
    return { addon: null, reason: `cannot load ${path} (run \`pnpm build:native\`): ${msg}`, file: '' }
  }
}
