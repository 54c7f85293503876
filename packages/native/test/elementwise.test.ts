// The addon's binary2d (elementwise.cc) behind core's Backend.binary for large
// float add/sub/mul/div: every layout it takes (same shape, bias row, column,
// scalar, in place on a) against core's TS kernel, on one and two threads,
// float32 and float64; layouts it does not take fall back to TS; bad arguments.
import { Layout, getBackend, referenceBackend, tensor, type BinaryOp } from '@adjoint/core'
import { afterAll, describe, expect, it } from 'vitest'
import '../src/index.js'
import { native, rng, withPoolWorkers, type FloatCtor } from './helpers.js'

const threads0 = native?.info().threads ?? 1
afterAll(() => native?.setNumThreads(threads0))
const ops: BinaryOp[] = ['add', 'sub', 'mul', 'div']

function fill(ctor: FloatCtor, n: number, seed: number) {
  const r = rng(seed), a = new ctor(n)
  for (let i = 0; i < n; i++) a[i] = r() * 4 - 2 + (i % 7 === 0 ? 0.5 : 0)
  return a
}

// [rows, cols] out; strides of a and b as Backend.binary gets them (broadcast dims 0)
const R = 600, C = 257 // 154,200 elements: above the threading threshold
const layouts: { name: string; aStrides: number[]; bStrides: number[]; aLen: number; bLen: number }[] = [
  { name: 'same shape', aStrides: [C, 1], bStrides: [C, 1], aLen: R * C, bLen: R * C },
  { name: 'bias row', aStrides: [C, 1], bStrides: [0, 1], aLen: R * C, bLen: C },
  { name: 'row on the left', aStrides: [0, 1], bStrides: [C, 1], aLen: C, bLen: R * C },
  { name: 'column', aStrides: [C, 1], bStrides: [1, 0], aLen: R * C, bLen: R },
  { name: 'scalar', aStrides: [C, 1], bStrides: [0, 0], aLen: R * C, bLen: 1 },
  { name: 'transposed a (TS fallback)', aStrides: [1, R], bStrides: [C, 1], aLen: R * C, bLen: R * C },
]

describe.each([Float32Array, Float64Array])('binary2d, %s', (ctor) => {
  for (const threads of [1, 2]) {
    for (const l of layouts) {
      it.runIf(native)(`${l.name}, ${threads} thread(s): every op matches the TS kernel exactly`, () => {
        native!.setNumThreads(threads)
        const a = fill(ctor, l.aLen + 3, 1), b = fill(ctor, l.bLen + 5, 2)
        for (const op of ops) {
          const got = new ctor(R * C), want = new ctor(R * C)
          const run = () => getBackend().binary(op, a, new Layout([R, C], l.aStrides, 3), b, new Layout([R, C], l.bStrides, 5), got, Layout.contiguous([R, C]))
          if (threads > 1 && l.name === 'same shape') withPoolWorkers(run)
          else run()
          referenceBackend().binary(op, a, new Layout([R, C], l.aStrides, 3), b, new Layout([R, C], l.bStrides, 5), want, Layout.contiguous([R, C]))
          for (let i = 0; i < want.length; i++) if (!(got[i] === want[i])) throw new Error(`${op} at ${i}: ${got[i]} != ${want[i]}`)
        }
      })
    }
  }

  it.runIf(native)('in place on a (out is a) and through Tensor.add_ with a broadcast bias', () => {
    const a = fill(ctor, R * C, 3), b = fill(ctor, C, 4)
    const want = new ctor(R * C)
    referenceBackend().binary('add', a, Layout.contiguous([R, C]), b, new Layout([R, C], [0, 1], 0), want, Layout.contiguous([R, C]))
    native!.binary2d('add', a, 0, C, 1, b, 0, 0, 1, a, R, C)
    expect(Array.from(a)).toEqual(Array.from(want))
    // Tensor.add_ / mul_ write through the same kernel into x's own memory (one flat row, and a broadcast row)
    const dtype = ctor === Float32Array ? 'float32' : 'float64'
    const x = tensor(Array.from(fill(ctor, R * C, 5)), { dtype }).reshape([R, C]), y = tensor(Array.from(fill(ctor, R * C, 6)), { dtype }).reshape([R, C])
    const row = tensor(Array.from(fill(ctor, C, 7)), { dtype })
    const expected = x.add(y).mul(row).toList()
    const storage = x.storage.data
    x.add_(y).mul_(row)
    expect(x.storage.data).toBe(storage)
    expect(x.toList()).toEqual(expected)
  })
})

describe('binary2d: bad arguments', () => {
  it.runIf(native)('name the function and the problem', () => {
    const a = new Float32Array(16), b = new Float32Array(16), out = new Float32Array(16)
    expect(() => native!.binary2d('pow' as 'add', a, 0, 4, 1, b, 0, 4, 1, out, 4, 4)).toThrow(/binary2d: op must be/)
    expect(() => native!.binary2d('add', a, 0, 4, 1, b, 0, 4, 1, out, 4, 5)).toThrow(RangeError)
    expect(() => native!.binary2d('add', a, 0, 4, 2, b, 0, 4, 1, out, 4, 4)).toThrow(RangeError)
    expect(() => native!.binary2d('add', a, 0, 4, 1, new Float64Array(16), 0, 4, 1, out, 4, 4)).toThrow(TypeError)
    expect(() => native!.binary2d('add', a, 0, 4, 1, out, 0, 4, 1, out, 4, 4)).toThrow(/overlap/)
    expect(() => native!.binary2d('add', a, 1, 4, 1, b, 0, 0, 1, a, 3, 4)).toThrow(/overlap/)
  })
})
