// ops/loss.ts: crossEntropy and nllLoss against PyTorch 1.13 (fixtures/torch-loss.json,
// from fixtures/generate_loss_fixtures.py): every reduction, with and without class
// weights, ignoreIndex and label smoothing, inputs [C], [N, C] and [N, C, d], class-index
// and probability targets; the loss and the input's gradient. Then the composed backward
// rule (createGraph) against the kernel, the all-ignored mean, and the errors.
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { DTypeError, IndexError, ShapeError, ValueError, checkReduction, crossEntropy, gradgradcheck, nllLoss, ones, randn, reduceLoss, tensor, zeros, type Reduction, type Tensor } from '../src/index.js'
import { assertClose } from '../src/testing/index.js'

interface Case {
  fn: 'crossEntropy' | 'nllLoss'; shape: number[]; input: number[]; target: number[]; targetShape: number[]; kind: 'index' | 'prob'
  weight: number[] | null; ignoreIndex: number | null; labelSmoothing: number; reduction: Reduction
  outShape: number[]; out: number[]; gy: number[]; gx: number[]
}
const fixtures = JSON.parse(readFileSync(new URL('./fixtures/torch-loss.json', import.meta.url), 'utf8')) as { torch: string; cases: Case[] }
const i32 = (v: number[] | number) => tensor(v, { dtype: 'int32' })
const f64 = (v: number[] | number[][] | number, requiresGrad = false) => tensor(v, { dtype: 'float64', requiresGrad })

function run(c: Case, input: Tensor): Tensor {
  const target = tensor(c.target, { dtype: c.kind === 'index' ? 'int32' : 'float64' }).reshape(c.targetShape)
  const opts = { weight: c.weight ? f64(c.weight) : null, reduction: c.reduction, ...(c.ignoreIndex === null ? {} : { ignoreIndex: c.ignoreIndex }) }
  return c.fn === 'crossEntropy' ? crossEntropy(input, target, { ...opts, labelSmoothing: c.labelSmoothing }) : nllLoss(input, target, opts)
}

const label = (c: Case) => `${c.fn} ${c.kind} [${c.shape}] ${c.reduction}${c.weight ? ' weight' : ''}${c.ignoreIndex !== null ? ` ignore ${c.ignoreIndex}` : ''}${c.labelSmoothing ? ` smoothing ${c.labelSmoothing}` : ''}`

describe(`crossEntropy and nllLoss against PyTorch ${fixtures.torch}`, () => {
  it('has the fixture grid', () => expect(fixtures.cases.length).toBe(96))
  for (const c of fixtures.cases) {
    it(label(c), () => {
      const x = f64(c.input, true).reshape(c.shape).detach().requiresGrad_()
      const out = run(c, x)
      expect(out.shape).toEqual(c.outShape)
      assertClose(out, c.out, { rtol: 1e-10, atol: 1e-12, what: 'loss' })
      out.backward(f64(c.gy).reshape(c.outShape))
      assertClose(x.grad!, c.gx, { rtol: 1e-9, atol: 1e-12, what: 'grad' })
    })
  }
  it('the composed backward (createGraph) equals the kernel, and is differentiable again', () => {
    for (const c of fixtures.cases.filter((k) => k.fn === 'crossEntropy' && k.kind === 'index' && !k.weight)) {
      const x = f64(c.input).reshape(c.shape).requiresGrad_()
      run(c, x).backward(f64(c.gy).reshape(c.outShape), { createGraph: true })
      expect(x.grad!.requiresGrad).toBe(true)
      assertClose(x.grad!, c.gx, { rtol: 1e-9, atol: 1e-12, what: label(c) })
    }
    const t = i32([1, -1, 0])
    expect(gradgradcheck((a: Tensor) => crossEntropy(a, t, { ignoreIndex: -1, labelSmoothing: 0.1 }), [randn([3, 4], { dtype: 'float64', requiresGrad: true })])).toBe(true)
  })
})

describe('loss details', () => {
  it('a mean over targets that are all ignored is NaN, as in PyTorch; sum is 0', () => {
    const x = randn([2, 3], { dtype: 'float64' }), t = i32([-100, -100])
    expect(Number.isNaN(crossEntropy(x, t).item())).toBe(true)
    expect(Number.isNaN(nllLoss(x, t).item())).toBe(true)
    expect(crossEntropy(x, t, { reduction: 'sum' }).item()).toBe(0)
    expect(Number.isNaN(crossEntropy(x, t, { weight: ones([3]) }).item())).toBe(true)
  })

  it('float32 logits give a float32 loss; an input that needs no gradient gets no node', () => {
    const x = randn([2, 3])
    const l = crossEntropy(x, i32([0, 2]))
    expect(l.dtype).toBe('float32')
    expect(l.requiresGrad).toBe(false)
    expect(crossEntropy(x, i32([0, 2]), { reduction: 'none' }).gradFn).toBeNull()
  })

  it('a masked (-inf) logit of a class that is not the target leaves the loss finite, with class weights too', () => {
    const x = f64([[0, Number.NEGATIVE_INFINITY, 1], [2, 0, Number.NEGATIVE_INFINITY]]), t = i32([2, 0])
    // log softmax of [0, -inf, 1] at 2 is 1 - log(1 + e); of [2, 0, -inf] at 0 is 2 - log(e^2 + 1)
    const l0 = -(1 - Math.log(1 + Math.E)), l1 = -(2 - Math.log(Math.E ** 2 + 1))
    assertClose(crossEntropy(x, t, { reduction: 'none' }), [l0, l1], { rtol: 1e-12, atol: 0 })
    const w = f64([0.5, 1, 2])
    assertClose(crossEntropy(x, t, { weight: w, reduction: 'none' }), [2 * l0, 0.5 * l1], { rtol: 1e-12, atol: 0 })
    assertClose(nllLoss(x.logSoftmax(1), t, { weight: w, reduction: 'sum' }), [2 * l0 + 0.5 * l1], { rtol: 1e-12, atol: 0 })
  })

  it('labelSmoothing may be 1 (the uniform target), as in PyTorch', () => {
    const x = f64([[1, 2, 4]])
    const logp = (x.logSoftmax(1).toList() as number[])
    const want = -(logp[0] + logp[1] + logp[2]) / 3
    assertClose(crossEntropy(x, i32([0]), { labelSmoothing: 1 }), [want], { rtol: 1e-12, atol: 0 })
    assertClose(crossEntropy(x, i32([2]), { labelSmoothing: 1, weight: f64([1, 1, 1]) }), [want], { rtol: 1e-12, atol: 0 })
  })

  it('probability targets for a 1-D input (one sample, classes along dim 0)', () => {
    const x = f64([0.5, -1, 2]), p = f64([0.2, 0.3, 0.5])
    const logp = x.logSoftmax(0).toList() as number[]
    const want = -(0.2 * logp[0] + 0.3 * logp[1] + 0.5 * logp[2])
    const l = crossEntropy(x, p)
    expect(l.shape).toEqual([])
    assertClose(l, [want], { rtol: 1e-12, atol: 0 })
  })

  it('records one node named crossEntropy for class-index targets', () => {
    const ops = (t: Tensor) => { const seen: string[] = []; let n = t.gradFn; while (n) { seen.push(n.op); n = n.inputs[0]?.gradFn ?? null } return seen }
    const x = randn([2, 3], { requiresGrad: true })
    expect(ops(crossEntropy(x, i32([0, 2]), { reduction: 'sum' }))).toEqual(['sum', 'crossEntropy'])
    expect(ops(crossEntropy(x, i32([0, 2]), { reduction: 'none' }))).toContain('crossEntropy')
  })

  it('checkReduction and reduceLoss', () => {
    expect(checkReduction('myLoss', 'sum')).toBe('sum')
    expect(() => checkReduction('myLoss', 'avg')).toThrow(new ValueError(`myLoss: reduction must be 'mean', 'sum' or 'none', got "avg"`))
    const l = f64([1, 2, 6])
    expect(reduceLoss(l, 'none')).toBe(l)
    expect(reduceLoss(l, 'sum').item()).toBe(9)
    expect(reduceLoss(l, 'mean').item()).toBe(3)
  })

  it('errors name the op, what it got and what it expected', () => {
    const x = zeros([2, 3])
    expect(() => crossEntropy(x, i32([0, 1]), { reduction: 'avg' as any })).toThrow(/crossEntropy: reduction must be 'mean', 'sum' or 'none', got "avg"/)
    expect(() => nllLoss(x, i32([0, 1]), { reduction: 'avg' as any })).toThrow(/nllLoss: reduction must be/)
    for (const s of [-0.1, 1.5, Number.NaN, '0.1' as any]) {
      expect(() => crossEntropy(x, i32([0, 1]), { labelSmoothing: s })).toThrow(new ValueError(`crossEntropy: labelSmoothing must be in [0, 1], got ${s}`))
    }
    expect(() => crossEntropy(x, i32([0, 1]), { ignoreIndex: 0.5 })).toThrow(new ValueError('crossEntropy: ignoreIndex must be an integer, got 0.5'))
    expect(() => crossEntropy(x, tensor([true, false]))).toThrow(new DTypeError('crossEntropy: target must hold int32 class indices or float probabilities, got bool'))
    expect(() => nllLoss(x, zeros([2]))).toThrow(new DTypeError('nllLoss: target must hold int32 class indices, got float32'))
    expect(() => crossEntropy(x, i32([0, 1, 2]))).toThrow(new ShapeError('crossEntropy: target of shape [3] does not match input [2,3] (expected target shape [2])'))
    expect(() => nllLoss(zeros([2, 3, 4]), i32([0, 1]))).toThrow(new ShapeError('nllLoss: target of shape [2] does not match input [2,3,4] (expected target shape [2,4])'))
    expect(() => crossEntropy(zeros([2, 3, 4]), zeros([2, 4], { dtype: 'int32' }).reshape([4, 2]))).toThrow(/expected target shape \[2,4\]/)
    expect(() => crossEntropy(zeros([3]), i32([0]))).toThrow(/crossEntropy: target of shape \[1\] does not match input \[3\] \(expected target shape \[\]\)/)
    expect(() => crossEntropy(tensor(1), i32(0))).toThrow(new ShapeError('crossEntropy: input must have at least 1 dim (classes), got a 0-d tensor'))
    expect(() => crossEntropy(x, i32([0, 3]))).toThrow(new IndexError('crossEntropy: target 3 out of range for 3 classes (ignoreIndex is -100)'))
    expect(() => nllLoss(x, i32([-2, 0]), { ignoreIndex: -1 })).toThrow(new IndexError('nllLoss: target -2 out of range for 3 classes (ignoreIndex is -1)'))
    expect(() => crossEntropy(x, i32([0, 1]), { weight: ones([2]) })).toThrow(new ShapeError('crossEntropy: weight must have shape [3] (one per class), got [2]'))
    expect(() => crossEntropy(x, i32([0, 1]), { weight: ones([1, 3]) })).toThrow(/weight must have shape \[3\] \(one per class\), got \[1,3\]/)
    expect(() => nllLoss(x, i32([0, 1]), { weight: ones([4]) })).toThrow(/nllLoss: weight must have shape \[3\]/)
    expect(() => crossEntropy(x, zeros([2, 3]), { weight: ones([4]) })).toThrow(/crossEntropy: weight must have shape \[3\]/)
    expect(() => crossEntropy(x, zeros([3, 2]))).toThrow(new ShapeError("crossEntropy: probability target of shape [3,2] must match the input's shape [2,3]"))
    expect(() => crossEntropy(x, zeros([2, 3, 1]))).toThrow(/probability target of shape \[2,3,1\] must match/)
    // float class indices are read as probabilities, so they must have the input's shape
    expect(() => crossEntropy(x, tensor([0, 1]))).toThrow(new ShapeError("crossEntropy: probability target of shape [2] must match the input's shape [2,3]"))
    expect(() => crossEntropy(x, zeros([2, 4]))).toThrow(/probability target of shape \[2,4\] must match the input's shape \[2,3\]/)
    expect(() => crossEntropy(x, i32([0, 1]), { weight: ones([3, 1]) })).toThrow(/crossEntropy: weight must have shape \[3\] \(one per class\), got \[3,1\]/)
    expect(() => crossEntropy(null as any, i32([0]))).toThrow(new ValueError('crossEntropy: input must be a Tensor, got null'))
    expect(() => crossEntropy(x, undefined as any)).toThrow(new ValueError('crossEntropy: target must be a Tensor, got undefined'))
    expect(() => crossEntropy(ones([2, 3], { dtype: 'int32' }), i32([0, 1]))).toThrow(new DTypeError('crossEntropy: input must be float32 or float64, got int32'))
    expect(() => nllLoss(null as any, i32([0]))).toThrow(new ValueError('nllLoss: input must be a Tensor, got null'))
    expect(() => crossEntropy(x, i32([0, 1]), { weight: 2 as any })).toThrow(new ValueError('crossEntropy: weight must be a Tensor, got number'))
    expect(() => nllLoss(ones([2, 3], { dtype: 'int32' }), i32([0, 1]))).toThrow(/nllLoss: input must be float32 or float64, got int32/)
    expect(() => nllLoss(x, null as any)).toThrow(/nllLoss: target must be a Tensor, got null/)
  })
})
