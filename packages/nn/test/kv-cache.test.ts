// KVCache: positions appended in place into preallocated buffers, growth, keepLast, the differentiable path.
import { describe, expect, it } from 'vitest'
import { Generator, ShapeError, ValueError, cat, graphScope, noGrad, randn, setPoolOptions } from '@adjoint/core'
import { KVCache, decoderLayerCache } from '../src/index.js'

const gen = new Generator(1)
const kv = (T: number) => [randn([2, 3, T, 4], { generator: gen }), randn([2, 3, T, 5], { generator: gen })] as const

describe('KVCache', () => {
  it('appends into preallocated buffers without reallocating, and returns views of the filled part', () => {
    const cache = new KVCache({ maxLength: 8 })
    const [k1, v1] = kv(3), [k2, v2] = kv(1)
    const [a, b] = cache.update(k1, v1)
    expect(cache.length).toBe(3)
    expect(cache.capacity).toBe(8)
    const storage = a.storage
    const [k, v] = cache.update(k2, v2)
    expect(k.storage).toBe(storage) // written in place
    expect(cache.length).toBe(4)
    expect(k.toArray()).toEqual(cat([k1, k2], 2).toArray())
    expect(v.toArray()).toEqual(cat([v1, v2], 2).toArray())
    expect(b.shape).toEqual([2, 3, 3, 5])
  })

  it('grows past its capacity keeping the cached positions', () => {
    const cache = new KVCache()
    const parts = [kv(2), kv(1), kv(1), kv(3)]
    for (const [k, v] of parts) cache.update(k, v)
    expect(cache.length).toBe(7)
    expect(cache.capacity).toBeGreaterThanOrEqual(7)
    expect(cache.key!.toArray()).toEqual(cat(parts.map((p) => p[0]), 2).toArray())
  })

  it('keepLast slides the window; reset reuses the buffers', () => {
    const cache = new KVCache({ maxLength: 6 })
    const [k, v] = kv(5)
    cache.update(k, v)
    cache.keepLast(2)
    expect(cache.length).toBe(2)
    expect(cache.key!.toArray()).toEqual(k.narrow(2, 3, 2).toArray())
    expect(cache.value!.toArray()).toEqual(v.narrow(2, 3, 2).toArray())
    const storage = cache.key!.storage
    cache.reset()
    expect(cache.length).toBe(0)
    cache.update(...kv(1))
    expect(cache.key!.storage).toBe(storage)
  })

  it('concatenates (differentiably) when the new keys require grad', () => {
    const cache = new KVCache()
    const k = randn([1, 1, 2, 2], { generator: gen }).requiresGrad_(), v = randn([1, 1, 2, 2], { generator: gen })
    cache.update(k, v)
    const [k2] = cache.update(k.mul(2), v)
    k2.sum().backward()
    expect(k.grad!.toArray()).toEqual([[[[3, 3], [3, 3]]]])
  })

  it('rejects mismatched shapes and misuse with typed errors', () => {
    const cache = new KVCache()
    cache.update(...kv(2))
    expect(() => cache.update(randn([1, 3, 1, 4]), randn([1, 3, 1, 5]))).toThrow(ShapeError)
    expect(() => cache.update(randn([2, 3, 1]), randn([2, 3, 1]))).toThrow(/KVCache.update: keys and values must be \[N, heads, T, dim\]/)
    expect(() => new KVCache({ static: true }).update(...kv(1))).toThrow(ValueError)
    expect(() => new KVCache({ maxLength: 0 })).toThrow(ValueError)
    expect(() => cache.keepLast(-1)).toThrow(ValueError)
  })
})

describe('decoderLayerCache', () => {
  it('a growing self-attention cache and a static cross-attention one, both empty', () => {
    const c = decoderLayerCache()
    expect(c.self).toBeInstanceOf(KVCache)
    expect(c.cross).toBeInstanceOf(KVCache)
    expect([c.self.static, c.cross.static]).toEqual([false, true])
    expect(c.self).not.toBe(decoderLayerCache().self)
  })
})

describe('KVCache in a graphScope', () => {
  it('keeps the buffers it grows inside a releaseEverything scope (released buffers poisoned with NaN)', () => {
    const prev = setPoolOptions({ poison: true })
    try {
      const cache = new KVCache({ maxLength: 64 }) // [2, 3, 64, 4]: a pooled size
      const big = () => [randn([2, 3, 2, 4], { generator: gen }), randn([2, 3, 2, 5], { generator: gen })] as const
      const [k1, v1] = big()
      noGrad(() => graphScope(() => { cache.update(k1, v1) }, { releaseEverything: true }))
      const [k2, v2] = big()
      const [k, v] = noGrad(() => cache.update(k2, v2))
      expect(k.toArray()).toEqual(cat([k1, k2], 2).toArray())
      expect(v.toArray()).toEqual(cat([v1, v2], 2).toArray())
    } finally {
      setPoolOptions(prev)
    }
  })
})
