// trace(fn): readable forward and backward steps.
import { describe, expect, it } from 'vitest'
import { type Tensor, backwardRule, defineFunction, linear, ones, sumToShape, tensor, trace } from '../src/index.js'
import { traceBackward, traceForward } from '../src/autograd/trace-state.js'

const named = (t: Tensor, name: string) => { t.name = name; return t }

describe('trace', () => {
  it('records the forward op with shapes, and the backward rule with the real operands', () => {
    const x = named(ones([3, 4], { requiresGrad: true }), 'x')
    const w = named(tensor([1, 2, 3, 4], { requiresGrad: true }), 'w')
    const t = trace(() => {
      const y = x.mul(w).sum()
      y.backward()
      return y
    })
    const lines = t.toString().split('\n')
    expect(lines[0]).toMatch(/^forward {2}mul: \[3,4\] \* \[4\] -> \[3,4\] {4}t1 = x \* w$/)
    expect(lines[1]).toBe('forward  sum: [3,4] -> []    t2 = sum(t1) = 30')
    expect(lines[2]).toBe('backward sum: grad_t1 [3,4] = grad_t2 expanded to [3,4]    (grad_t2 = 1)')
    expect(lines[3]).toBe('backward mul: grad_x [3,4] = grad_t1 * w; grad_w [4] = (grad_t1 * x) [3,4] summed over the broadcast dims')
    expect(t.steps.map((s) => `${s.phase} ${s.op}`)).toEqual(['forward mul', 'forward sum', 'backward sum', 'backward mul'])
    expect(t.steps[0]).toMatchObject({ output: 't1', inputs: ['x', 'w'] })
    expect(t.result.item()).toBe(30)
  })

  it('shows small values, constants by value, and a gradient accumulated from two uses with +=', () => {
    const x = named(tensor(2, { dtype: 'float64', requiresGrad: true }), 'x')
    const t = trace(() => {
      const y = named(x.mul(x).add(x.mul(3)), 'y')
      y.backward()
    })
    expect(t.toString()).toBe([
      'forward  mul: [] * [] -> []    t1 = x * x = 4',
      'forward  mul: [] * 3 -> []    t2 = x * 3 = 6',
      'forward  add: [] + [] -> []    y = t1 + t2 = 10',
      'backward add: grad_t1 [] = grad_y = 1; grad_t2 [] = grad_y = 1    (grad_y = 1)',
      'backward mul: grad_x [] = grad_t2 * 3 = 3    (grad_t2 = 1)',
      'backward mul: grad_x [] += grad_t1 * x = 2; grad_x [] += grad_t1 * x = 2    (grad_t1 = 1)',
    ].join('\n'))
    expect(x.grad!.item()).toBe(7)
  })

  it('uses names set after the op ran', () => {
    const a = named(tensor([1, 2], { requiresGrad: true }), 'a')
    const t = trace(() => {
      const h = a.exp()
      h.name = 'h'
      return h.sum()
    })
    expect(t.steps[0].text).toMatch(/h = exp\(a\)/)
    expect(t.steps[1].text).toMatch(/sum\(h\)/)
  })

  it('hides forward ops nobody used unless showUnused', () => {
    const a = named(tensor([1, 2], { requiresGrad: true }), 'a')
    const fn = () => { a.sin(); return a.cos() }
    expect(trace(fn).steps.map((s) => s.op)).toEqual(['cos'])
    expect(trace(fn, { showUnused: true }).steps.map((s) => s.op)).toEqual(['sin', 'cos'])
  })

  it('maxElements: 0 prints no values; bigger tensors print none either', () => {
    const a = named(tensor([1, 2], { requiresGrad: true }), 'a')
    expect(trace(() => a.exp(), { maxElements: 0 }).steps[0].text).toBe('forward  exp: [2] -> [2]    t1 = exp(a)')
    const b = named(ones([10], { requiresGrad: true }), 'b')
    expect(trace(() => b.exp()).steps[0].text).toBe('forward  exp: [10] -> [10]    t1 = exp(b)')
  })

  it('names custom functions and matmul; unknown rules fall back to a generic description', () => {
    const twice = defineFunction({ name: 'twice', forward: (_c, x: Tensor) => x.mul(2), backward: (_c, g) => g.mul(2) })
    const A = named(ones([2, 3], { requiresGrad: true }), 'A'), B = named(ones([3, 2], { requiresGrad: true }), 'B')
    const t = trace(() => twice(A.matmul(B)).sum().backward())
    const text = t.toString()
    expect(text).toMatch(/forward {2}matmul: \[2,3\] @ \[3,2\] -> \[2,2\] {4}t1 = A @ B/)
    expect(text).toMatch(/forward {2}twice: \[2,2\] -> \[2,2\] {4}t2 = twice\(t1\)/)
    expect(text).toMatch(/backward twice: grad_t1 \[2,2\] = backward of twice/)
    expect(text).toMatch(/backward matmul: grad_A \[2,3\] = grad_t1 @ Bᵀ; grad_B \[3,2\] = Aᵀ @ grad_t1/)
  })

  it('restores the sinks after fn (also when it throws), and nested traces both see the inner steps', () => {
    const a = tensor([1], { requiresGrad: true })
    expect(() => trace(() => { throw new Error('boom') })).toThrow('boom')
    expect(traceForward.sink).toBeNull()
    expect(traceBackward.sink).toBeNull()
    let inner: string[] = []
    const outer = trace(() => {
      const b = a.exp()
      inner = trace(() => b.sin()).steps.map((s) => s.op)
      return b.sin()
    }, { showUnused: true })
    expect(inner).toEqual(['sin'])
    expect(outer.steps.map((s) => s.op)).toEqual(['exp', 'sin', 'sin'])
  })

  it('gives each step its node, tensors and rules: incoming gradient, what goes to each input, accumulation', () => {
    const x = named(tensor([1, 2, 3], { dtype: 'float64', requiresGrad: true }), 'x')
    const b = named(tensor([10], { dtype: 'float64', requiresGrad: true }), 'b')
    const t = trace(() => {
      const y = x.mul(x).add(b).sum()
      y.backward()
      return y
    })
    const [fMul, fAdd, fSum, bSum, bAdd, bMul] = t.steps
    expect(fMul.value!.toList()).toEqual([1, 4, 9])
    expect(fMul.node).toBe(bMul.node)
    expect(fAdd.node).toBe(t.result.gradFn!.inputs[0]!.gradFn)
    expect(fMul.rules).toEqual(['grad_t1 * x', 'grad_t1 * x'])
    expect(bSum.grad!.item()).toBe(1)
    expect(bSum.pass).toBe(0)
    // add sends a [3] gradient to b of shape [1]: the engine sums it back (the step keeps the unreduced one)
    expect(bAdd.rules).toEqual(['grad_t2', 'grad_t2'])
    expect(bAdd.inputGrads!.map((g) => g!.shape)).toEqual([[3], [3]])
    expect(sumToShape(bAdd.inputGrads![1]!, b.shape).toList()).toEqual(b.grad!.toList())
    // x is used twice by mul: the second contribution is added to the first
    expect(bMul.accumulates).toEqual([false, true])
    expect(bMul.inputGrads![0]!.add(bMul.inputGrads![1]!).toList()).toEqual(x.grad!.toList())
    expect(bMul.grad!.toList()).toEqual([1, 1, 1])
  })

  it('numbers backward passes (a second pass starts with nothing accumulated)', () => {
    const x = named(tensor(3, { dtype: 'float64', requiresGrad: true }), 'x')
    const t = trace(() => {
      const y = x.mul(x)
      y.backward(undefined, { retainGraph: true })
      y.backward()
    })
    const back = t.steps.filter((s) => s.phase === 'backward')
    expect(back.map((s) => s.pass)).toEqual([0, 1])
    expect(back.map((s) => s.accumulates)).toEqual([[false, true], [false, true]])
    expect(t.steps[0].value!.item()).toBe(9)
  })

  it('backwardRule gives the formula of an op per input, undefined for ops without one', () => {
    expect(backwardRule('mul')).toEqual(['grad * {b}', 'grad * {a}'])
    expect(backwardRule('tanh')).toEqual(['grad * (1 - {out}^2)'])
    expect(backwardRule('linear')).toHaveLength(3) // x, weight, bias
    expect(backwardRule('crossEntropy')![0]).toMatch(/softmax/)
    expect(backwardRule('noSuchOp')).toBeUndefined()
  })
})

describe('trace details', () => {
  it('an op without an infix symbol lists its operands and their shapes; absent inputs are left out', () => {
    const a = named(tensor([1, 5], { requiresGrad: true }), 'a'), b = named(tensor([4, 2], { requiresGrad: true }), 'b')
    const w = named(ones([3, 2], { requiresGrad: true }), 'W')
    const t = trace(() => [a.maximum(b), linear(a, w)])
    const lines = t.toString().split('\n')
    expect(lines[0]).toBe('forward  maximum: [2], [2] -> [2]    t1 = maximum(a, b) = [4, 5]')
    expect(lines[1]).toBe('forward  linear: [2], [3,2] -> [3]    t2 = linear(a, W) = [6, 6, 6]') // no bias: not "undefined"
    expect(t.steps[1].inputs).toEqual(['a', 'W'])
  })

  it('marks which inputs accumulate: the first gradient a tensor gets is =, the next +=', () => {
    const x = named(tensor([1, 2], { requiresGrad: true }), 'x'), c = tensor([3, 4])
    const t = trace(() => { const h = x.mul(c); h.add(x).sum().backward() })
    const back = t.steps.filter((s) => s.phase === 'backward')
    expect(back.map((s) => [s.op, s.accumulates])).toEqual([['sum', [false]], ['add', [false, false]], ['mul', [true, false]]])
    expect(back[2].text).toMatch(/^backward mul: grad_x \[2\] \+= /)
    // a tensor keeps one label through the whole trace
    expect(t.steps.filter((s) => s.phase === 'forward').map((s) => [s.output, ...s.inputs])).toEqual([['t2', 'x', 't1'], ['t3', 't2', 'x'], ['t4', 't3']])
  })
})
