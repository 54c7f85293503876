// Bad input gets a typed error naming the op, what it got and what it expected.
import { describe, expect, it } from 'vitest'
import { AutogradError, DTypeError, IndexError, ShapeError, ValueError, cat, embedding, ones, randn, stack, tensor, zeros, arange } from '../src/index.js'

const cases: [string, () => unknown, new (...a: never[]) => Error, RegExp | string][] = [
  ['matmul shapes', () => ones([2, 3]).matmul(ones([4, 5])), ShapeError, 'matmul: shapes [2,3] and [4,5] cannot be multiplied (3 != 4)'],
  ['matmul batch broadcast', () => ones([2, 2, 3]).matmul(ones([3, 3, 1])), ShapeError, /matmul: shapes \[2\] and \[3\] cannot be broadcast/],
  ['matmul 0-d', () => tensor(1).matmul(ones([1])), ShapeError, /at least 1 dim/],
  ['matmul ints', () => ones([2, 2], { dtype: 'int32' }).matmul(ones([2, 2], { dtype: 'int32' })), DTypeError, /floating-point/],
  ['embedding index out of range', () => embedding(zeros([65, 4]), tensor([1, 70], { dtype: 'int32' })), IndexError, 'embedding: index 70 out of range for 65 rows'],
  ['embedding float index', () => embedding(zeros([65, 4]), tensor([1, 2])), DTypeError, /index must be an int32 tensor, got float32/],
  ['gather out of range', () => ones([2, 2]).gather(1, tensor([[0, 2], [1, 0]], { dtype: 'int32' })), IndexError, /gather: index 2 out of range/],
  ['negative index', () => ones([3]).indexSelect(0, tensor([-1], { dtype: 'int32' })), IndexError, /index -1 out of range/],
  ['backward without grad', () => ones([1]).backward(), AutogradError, 'backward: tensor does not require grad'],
  ['broadcast', () => ones([2, 3]).add(ones([4])), ShapeError, /add: shapes \[2,3\] and \[4\] cannot be broadcast/],
  ['reshape', () => ones([2, 3]).reshape([4, 2]), ShapeError, /reshape: shape \[4,2\] is invalid for input of size 6/],
  ['reshape two -1', () => ones([2, 3]).reshape([-1, -1]), ShapeError, /only one dim can be -1/],
  ['dim out of range', () => ones([2, 3]).sum(2), IndexError, /sum: dim 2 out of range for a tensor of 2 dims \(expected -2..1\)/],
  ['softmax dim', () => ones([2]).softmax(-2), IndexError, /softmax: dim -2 out of range/],
  ['cat shapes', () => cat([ones([2, 3]), ones([2, 4])], 0), ShapeError, /cat: shapes \[2,3\], \[2,4\] differ outside dim 0/],
  ['cat empty', () => cat([]), ValueError, /non-empty/],
  ['stack shapes', () => stack([ones([2]), ones([3])]), ShapeError, /same shape/],
  ['expand', () => ones([2, 3]).expand([4, 3]), ShapeError, /expand: cannot expand shape \[2,3\] to \[4,3\]/],
  ['permute', () => ones([2, 3]).permute([0]), ShapeError, /permute: got 1 dims/],
  ['where cond dtype', () => ones([2]).where(ones([2]), 0), DTypeError, /condition must be a bool tensor/],
  ['maskedFill shape', () => ones([2]).maskedFill(ones([3, 2]).gt(0), 0), ValueError, /does not broadcast to the input's shape/],
  ['exp of a non-tensor', () => (ones([1]) as any).add('x'), ValueError, /add: expected a Tensor or a number, got string/],
  ['split sizes', () => arange(5).split([2, 2]), ShapeError, /do not add up to 5/],
  ['narrow', () => arange(5).narrow(0, 3, 4), IndexError, /narrow: start 3 and length 4 out of range/],
  ['item', () => ones([2]).item(), ValueError, /only a one-element tensor/],
  ['max of empty', () => zeros([0]).amax(), ValueError, /cannot reduce over an empty dim/],
  ['clamp', () => ones([1]).clamp(), ValueError, /at least one of min and max/],
  ['linear', () => randn([2, 3]).matmul(randn([3, 2])).add(0) && (ones([2, 3]) as any).matmul(undefined), ValueError, /matmul: other must be a Tensor/],
  ['triu 1-d', () => ones([3]).triu(), ValueError, /triu: expected a tensor with at least 2 dims/],
]

describe('typed errors', () => {
  for (const [name, fn, type, msg] of cases) {
    it(name, () => {
      expect(fn).toThrow(type)
      expect(fn).toThrow(msg)
    })
  }
})
