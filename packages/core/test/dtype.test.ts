// dtype.ts: where allocArray's arrays come from (setArraySource: a backend's
// storage, e.g. the native package's 64-byte-aligned arrays), and what it
// refuses from a source.
import { afterEach, describe, expect, it } from 'vitest'
import { DTypeError, setArraySource, type TypedArray, zeros } from '../src/index.js'
import { ownsBuffer } from '../src/dtype.js'
import { releaseArray, takeArray } from '../src/memory/pool.js'

// the source set when these tests start (the native package's, when it is loaded), put back after each
const initial = setArraySource(null)
setArraySource(initial)
afterEach(() => { setArraySource(initial) })

describe('setArraySource', () => {
  it('gives tensors the arrays the source returns, and the plain constructor where it returns null', () => {
    const given: TypedArray[] = []
    setArraySource((dtype, n) => {
      if (n < 8) return null
      const a = dtype === 'float64' ? new Float64Array(n) : dtype === 'float32' ? new Float32Array(n) : dtype === 'int32' ? new Int32Array(n) : new Uint8Array(n)
      given.push(a)
      return a
    })
    const big = zeros([3, 4], { dtype: 'float64' })
    expect(given).toHaveLength(1)
    expect(big.data).toBe(given[0])
    const small = zeros([2, 2])
    expect(given).toHaveLength(1)
    expect(small.data).toBeInstanceOf(Float32Array)
    expect(Array.from(small.data)).toEqual([0, 0, 0, 0])
  })

  it('returns the source it replaces; null restores the plain constructor', () => {
    const mine = () => null
    setArraySource(mine)
    expect(setArraySource(null)).toBe(mine)
    expect(setArraySource(initial)).toBeNull()
  })

  it('refuses an array of the wrong type or length from a source, naming allocArray', () => {
    setArraySource((_dtype, n) => new Float64Array(n))
    expect(() => zeros([4])).toThrow(DTypeError)
    expect(() => zeros([4])).toThrow(/allocArray: the array source gave a Float64Array of 4 elements for 4 of float32/)
    setArraySource((dtype, n) => (dtype === 'float32' ? new Float32Array(n + 1) : null))
    expect(() => zeros([4])).toThrow(/gave a Float32Array of 5 elements for 4 of float32/)
  })
})

describe('ownsBuffer (what the memory pool takes back)', () => {
  it('a whole buffer, or an array a source gave from past its buffer\'s start; never another subarray', () => {
    const whole = new Float32Array(2048)
    expect(ownsBuffer(whole)).toBe(true)
    expect(ownsBuffer(whole.subarray(16))).toBe(false)
    expect(ownsBuffer(new Float32Array(new ArrayBuffer(4 * 2048 + 64), 16, 2048))).toBe(false)
    setArraySource((dtype, n) => (dtype === 'float32' ? new Float32Array(new ArrayBuffer(4 * n + 64), 16, n) : null))
    const given = zeros([2048]).data as Float32Array
    expect(given.byteOffset).toBe(16)
    expect(ownsBuffer(given)).toBe(true)
    // the pool keeps it, and hands the same array out again
    expect(releaseArray('float32', given)).toBe(true)
    expect(takeArray('float32', 2048)).toBe(given)
    expect(releaseArray('float32', whole.subarray(0, 1024))).toBe(false)
  })
})
