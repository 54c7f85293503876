// Dataset / DataLoader batching and seeded shuffling; language-modeling blocks and getBatch.
import { Generator, Tensor, arange, tensor } from '@adjoint/core'
import { describe, expect, it } from 'vitest'
import { DataLoader, TensorDataset, TokenBlockDataset, compactTokenIds, defaultCollate, getBatch, type Dataset } from '../src/index.js'

describe('DataLoader', () => {
  const x = arange(0, 10, 1, { dtype: 'float32' }).reshape([10, 1])
  const y = arange(0, 10, 1, { dtype: 'int32' })
  const ds = new TensorDataset(x, y)

  it('batches in order, with or without the last partial batch', () => {
    const batches = [...new DataLoader(ds, { batchSize: 4 })]
    expect(batches.map(([a, b]) => [a.shape, b.toList()])).toEqual([[[4, 1], [0, 1, 2, 3]], [[4, 1], [4, 5, 6, 7]], [[2, 1], [8, 9]]])
    expect(new DataLoader(ds, { batchSize: 4 }).length).toBe(3)
    const dropped = new DataLoader(ds, { batchSize: 4, dropLast: true })
    expect(dropped.length).toBe(2)
    expect([...dropped].length).toBe(2)
  })

  it('shuffles reproducibly from a seeded generator, differently each epoch, covering every example', () => {
    const order = (seed: number, epochs: number) => {
      const dl = new DataLoader(ds, { batchSize: 3, shuffle: true, generator: new Generator(seed) })
      return Array.from({ length: epochs }, () => ([...dl] as Tensor[][]).flatMap(([, b]) => b.toList()))
    }
    const [e1, e2] = order(1, 2)
    expect(order(1, 2)).toEqual([e1, e2])
    expect(e1).not.toEqual(e2)
    expect([...e1].sort((a, b) => a - b)).toEqual(y.toList())
    expect(order(2, 1)[0]).not.toEqual(e1)
  })

  it('a custom dataset and collate', () => {
    const words: Dataset<{ text: string; len: number }> = { length: 3, get: (i) => ({ text: ['a', 'bb', 'ccc'][i], len: i + 1 }) }
    const dl = new DataLoader(words, { batchSize: 2, collate: (items) => items.map((w) => w.text).join('|') })
    expect([...dl]).toEqual(['a|bb', 'ccc'])
    const c = defaultCollate([{ a: 1, b: [tensor([1, 2]), 0.5] }, { a: 2, b: [tensor([3, 4]), 1.5] }]) as Record<string, unknown>
    expect((c.a as Tensor).dtype).toBe('int32')
    expect(((c.b as Tensor[])[0]).toList()).toEqual([1, 2, 3, 4])
    expect(((c.b as Tensor[])[1]).dtype).toBe('float32')
  })

  it('checks its arguments', () => {
    expect(() => new TensorDataset(x, arange(0, 3))).toThrow(/size mismatch/)
    expect(() => new DataLoader(ds, { batchSize: 0 })).toThrow(/batchSize/)
    expect(() => ds.get(10)).toThrow(/out of range/)
  })
})

describe('language-modeling data', () => {
  const tokens = Int32Array.from({ length: 20 }, (_, i) => i)

  it('TokenBlockDataset cuts (input, target) blocks, target shifted by one', () => {
    const ds = new TokenBlockDataset(tokens, 4)
    expect(ds.length).toBe(4) // starts 0, 4, 8, 12 (12 + 4 + 1 <= 20; 16 would need token 20)
    const [x, y] = ds.get(1)
    expect(x.toList()).toEqual([4, 5, 6, 7])
    expect(y.toList()).toEqual([5, 6, 7, 8])
    const overlapping = new TokenBlockDataset(tensor(Array.from(tokens), { dtype: 'int32' }), 4, { stride: 2 })
    expect(overlapping.length).toBe(8)
    const [bx, by] = new DataLoader(ds, { batchSize: 2 })[Symbol.iterator]().next().value as Tensor[]
    expect(bx.shape).toEqual([2, 4])
    expect(by.toList()).toEqual([1, 2, 3, 4, 5, 6, 7, 8])
  })

  it("getBatch draws random windows like nanoGPT's get_batch", () => {
    const g = new Generator(0)
    const [x, y] = getBatch(tokens, 5, 3, { generator: g })
    expect(x.shape).toEqual([3, 5])
    expect(x.dtype).toBe('int32')
    for (let b = 0; b < 3; b++) {
      const row = x.toList().slice(b * 5, b * 5 + 5), next = y.toList().slice(b * 5, b * 5 + 5)
      expect(next).toEqual(row.map((v) => v + 1))
      expect(row[0]).toBeLessThan(15)
    }
    const [x2] = getBatch(tokens, 5, 3, { generator: new Generator(0) })
    expect(x2.toList()).toEqual(x.toList())
    expect(() => getBatch(tokens, 20, 1)).toThrow(/longer than blockSize/)
  })

  it('compactTokenIds keeps ids in 1 or 2 bytes when they fit; getBatch and TokenBlockDataset read any of them alike', () => {
    const ids = Int32Array.from({ length: 40 }, (_, i) => (i * 37) % 200)
    const small = compactTokenIds(ids)
    expect(small).toBeInstanceOf(Uint8Array)
    expect(compactTokenIds(Int32Array.from([0, 300, 65535]))).toBeInstanceOf(Uint16Array)
    const wide = Int32Array.from([0, 65536]), negative = Int32Array.from([-1, 3])
    expect(compactTokenIds(wide)).toBe(wide)
    expect(compactTokenIds(negative)).toBe(negative)
    const [x, y] = getBatch(small, 6, 4, { generator: new Generator(3) })
    const [xi, yi] = getBatch(ids, 6, 4, { generator: new Generator(3) })
    expect(x.dtype).toBe('int32')
    expect([x.toList(), y.toList()]).toEqual([xi.toList(), yi.toList()])
    const blocks = new TokenBlockDataset(small, 6)
    expect(blocks.get(2)[1].toList()).toEqual(new TokenBlockDataset(ids, 6).get(2)[1].toList())
    expect(() => getBatch(new Float32Array(10) as unknown as Int32Array, 2, 1)).toThrow(/Uint16Array, Uint8Array/)
  })
})
