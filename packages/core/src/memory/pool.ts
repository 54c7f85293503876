// A pool of typed arrays, keyed by dtype and exact length, behind Tensor.empty.
// The autograd engine feeds it: a gradient buffer goes back as soon as the
// backward pass holds its last reference (see autograd/grad-memory.ts), and the
// next op of the same size (often the next step's forward) takes it instead of
// allocating a fresh, zero-filled array that V8 must collect later.
// Arrays below MIN_POOLED elements are never pooled: V8 allocates those cheaply.
import { dtypeOfArray, ownsBuffer, type DType, type TypedArray } from '../dtype.js'
import type { Storage } from '../tensor.js'

export const MIN_POOLED = 1024

/** What a released storage holds afterwards: a stale holder reads nothing rather than another op's numbers. */
const EMPTY_ARRAYS: Readonly<Record<DType, TypedArray>> = {
  float32: new Float32Array(0),
  float64: new Float64Array(0),
  int32: new Int32Array(0),
  bool: new Uint8Array(0),
}

export interface PoolStats {
  /** Arrays handed out by take() from a free list. */
  hits: number
  /** take() calls that found no free array of that size. */
  misses: number
  /** Arrays given back. */
  released: number
  /** Bytes held in free lists now. */
  bytes: number
}

export interface PoolOptions {
  /** Upper bound on the bytes kept in free lists (default 256 MiB, ADJOINT_POOL_MB). 0 disables the pool. */
  maxBytes?: number
  /** Fill released float arrays with NaN (integers with -1): a buffer used after its release shows up. */
  poison?: boolean
}

const env = (name: string): string | undefined => (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.[name]

let maxBytes = env('ADJOINT_POOL_MB') !== undefined ? Number(env('ADJOINT_POOL_MB')) * 2 ** 20 : 256 * 2 ** 20
let poison = env('ADJOINT_POOL_POISON') === '1'
const free: Record<DType, Map<number, TypedArray[]>> = { float32: new Map(), float64: new Map(), int32: new Map(), bool: new Map() }
const stats: PoolStats = { hits: 0, misses: 0, released: 0, bytes: 0 }

/** A pooled array of exactly n elements with unspecified contents, or null when the pool has none. */
export function takeArray(dtype: DType, n: number): TypedArray | null {
  if (n < MIN_POOLED) return null
  const list = free[dtype].get(n)
  const a = list?.pop()
  if (a === undefined) { stats.misses++; return null }
  stats.hits++
  stats.bytes -= a.byteLength
  return a
}

/**
 * Gives an array back (it must be the only view of its buffer: no subarray; see
 * ownsBuffer). The caller
 * guarantees nothing reads or writes it any more. Returns whether it was kept.
 */
export function releaseArray(dtype: DType, a: TypedArray): boolean {
  if (a.length < MIN_POOLED || !ownsBuffer(a)) return false
  if (stats.bytes + a.byteLength > maxBytes) return false
  if (poison) a.fill(dtype === 'float32' || dtype === 'float64' ? NaN : dtype === 'bool' ? 255 : -1)
  let list = free[dtype].get(a.length)
  if (list === undefined) { list = []; free[dtype].set(a.length, list) }
  list.push(a)
  stats.bytes += a.byteLength
  stats.released++
  return true
}

/**
 * Gives a storage's array back and empties the storage (its data becomes a
 * length-0 array), so a stale holder fails loudly instead of reading another
 * op's numbers. Returns whether the pool kept the array.
 */
export function releaseStorage(s: Storage): boolean {
  const dtype = dtypeOfArray(s.data)
  if (!releaseArray(dtype, s.data)) return false
  s.data = EMPTY_ARRAYS[dtype]
  return true
}

/** Drops every pooled array (they become garbage) and resets the counters. */
export function clearPool(): void {
  for (const m of Object.values(free)) m.clear()
  stats.hits = stats.misses = stats.released = stats.bytes = 0
}

export function poolStats(): PoolStats {
  return { ...stats }
}

/** Sets the pool's bound and poisoning (see PoolOptions); returns the previous settings. */
export function setPoolOptions(opts: PoolOptions): Required<PoolOptions> {
  const prev = { maxBytes, poison }
  if (opts.maxBytes !== undefined) {
    if (!(opts.maxBytes >= 0)) throw new RangeError(`setPoolOptions: maxBytes must be >= 0, got ${opts.maxBytes}`)
    maxBytes = opts.maxBytes
    if (maxBytes === 0) clearPool()
  }
  if (opts.poison !== undefined) poison = opts.poison
  return prev
}

/** Is the pool on (maxBytes > 0)? */
export function poolEnabled(): boolean {
  return maxBytes > 0
}
