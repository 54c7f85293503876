// defineFunction: custom differentiable ops from a forward and a backward.
import { describe, expect, it } from 'vitest'
import { AutogradError, type FunctionCtx, type Tensor, ValueError, autograd, defineFunction, gradcheck, gradgradcheck, noGrad, tensor, toDot } from '../src/index.js'

const leaf = (data: number[] | number, shape?: number[]) => tensor(data, { dtype: 'float64', requiresGrad: true, ...(shape ? { shape } : {}) })

// y = x^3 with a hand-written backward
const cube = defineFunction({
  name: 'cube',
  forward(ctx, x: Tensor) {
    ctx.saveForBackward(x)
    return x.mul(x).mul(x)
  },
  backward(ctx, g) {
    const [x] = ctx.savedTensors
    return g.mul(x.square()).mul(3)
  },
})

// a numerically stable softplus log(1 + e^x), saving its output and a non-tensor option
const softplus = defineFunction({
  name: 'softplus',
  forward(ctx, x: Tensor, beta: number) {
    ctx.beta = beta
    const bx = x.mul(beta)
    const y = bx.relu().add(bx.abs().neg().exp().add(1).log()).div(beta)
    ctx.saveForBackward(x)
    return y
  },
  backward(ctx, g) {
    const [x] = ctx.savedTensors
    return [g.mul(x.mul(ctx.beta as number).sigmoid()), null]
  },
})

describe('defineFunction', () => {
  it('computes the forward and records one node named after the function', () => {
    const x = leaf([1, 2, -1])
    const y = cube(x)
    expect(y.toList()).toEqual([1, 8, -1])
    expect(y.gradFn!.op).toBe('cube')
    expect(y.gradFn!.inputs[0]).toBe(x)
    expect(cube.name).toBe('cube')
    expect(toDot(y)).toMatch(/label="cube\\n\[3\] float64"/)
  })

  it('backward gives the gradient; gradcheck and gradgradcheck pass (its backward is differentiable)', () => {
    const x = leaf([0.5, -1.5, 2])
    cube(x).sum().backward()
    expect(x.grad!.toList()).toEqual([0.75, 6.75, 12])
    expect(gradcheck(cube, [leaf([0.3, -0.7, 1.1])])).toBe(true)
    expect(gradgradcheck(cube, [leaf([0.3, -0.7, 1.1])])).toBe(true)
    expect(gradcheck((x) => softplus(x, 2), [leaf([-3, -0.2, 0.4, 5])])).toBe(true)
    expect(gradgradcheck((x) => softplus(x, 2), [leaf([-3, -0.2, 0.4, 5])])).toBe(true)
  })

  it('gradcheck catches a wrong backward', () => {
    const wrong = defineFunction({
      name: 'wrongSquare',
      forward: (_ctx, x: Tensor) => x.square(),
      backward: (_ctx, g) => g, // should be 2 x g
    })
    expect(() => gradcheck(wrong, [leaf([0.5, 1])])).toThrow(/Jacobian mismatch.*worst at input element 1, output element 1: analytic 1, numerical 2\.0000/)
  })

  it('forward runs without recording; ctx.needsInputGrad tells which inputs need a gradient', () => {
    let inner: boolean | undefined
    let needs: readonly boolean[] = []
    const f = defineFunction({
      name: 'spy',
      forward(ctx, a: Tensor, b: Tensor, k: number) {
        needs = ctx.needsInputGrad
        const t = a.mul(b)
        inner = t.requiresGrad
        return t.mul(k)
      },
      backward(ctx, g) {
        expect(ctx.needsInputGrad).toEqual([true, false, false])
        return [g.mul(2), null, null]
      },
    })
    const a = leaf([1, 2]), b = tensor([3, 4], { dtype: 'float64' })
    const y = f(a, b, 2)
    expect(inner).toBe(false)
    expect(needs).toEqual([true, false, false])
    y.sum().backward()
    expect(a.grad!.toList()).toEqual([2, 2])
  })

  it('no input requires grad (or noGrad): the plain forward result, no node', () => {
    const y = cube(tensor([2], { dtype: 'float64' }))
    expect(y.gradFn).toBeNull()
    expect(y.requiresGrad).toBe(false)
    const z = noGrad(() => cube(leaf([2])))
    expect(z.gradFn).toBeNull()
  })

  it('a gradient of a broadcast shape is summed back to the input', () => {
    const addBias = defineFunction({
      name: 'addBias',
      forward: (_ctx, x: Tensor, b: Tensor) => x.add(b),
      backward: (_ctx, g) => [g, g], // g has x's shape [2,3]; the engine sums it to b's [3]
    })
    const x = leaf([1, 2, 3, 4, 5, 6], [2, 3]), b = leaf([0, 0, 0])
    addBias(x, b).sum().backward()
    expect(b.grad!.toList()).toEqual([2, 2, 2])
    expect(gradcheck(addBias, [leaf([1, 2, 3, 4, 5, 6], [2, 3]), leaf([1, 2, 3])])).toBe(true)
  })

  it('several outputs: backward gets one gradient per output (zeros for unused ones)', () => {
    const sinCos = defineFunction({
      name: 'sinCos',
      forward(ctx, x: Tensor) { ctx.saveForBackward(x); return [x.sin(), x.cos()] },
      backward(ctx, gs: Tensor, gc: Tensor) {
        const [x] = ctx.savedTensors
        return gs.mul(x.cos()).sub(gc.mul(x.sin()))
      },
    })
    const x = leaf([0.3, 1.2])
    const [s, c] = sinCos(x)
    expect(s.toList()).toEqual([Math.sin(0.3), Math.sin(1.2)])
    expect(c.toList()).toEqual([Math.cos(0.3), Math.cos(1.2)])
    s.sum().backward()
    expect(x.grad!.toList()).toEqual([Math.cos(0.3), Math.cos(1.2)])
    expect(gradcheck((t) => sinCos(t), [leaf([0.3, 1.2, -2])])).toBe(true)
    expect(gradgradcheck((t) => sinCos(t), [leaf([0.3, 1.2, -2])])).toBe(true)
  })

  it('a non-float output (an index, a mask) is returned without a node', () => {
    const argmaxFn = defineFunction({ name: 'argmaxFn', forward: (_c, x: Tensor) => x.argmax(), backward: () => null })
    const i = argmaxFn(leaf([1, 5, 2]))
    expect(i.item()).toBe(1)
    expect(i.requiresGrad).toBe(false)
    expect(i.gradFn).toBeNull()
  })

  it('an output that is one of the inputs gets its own tensor (the input keeps its identity)', () => {
    const identity = defineFunction({ name: 'identity', forward: (_ctx, x: Tensor) => x, backward: (_ctx, g) => g })
    const x = leaf([1, 2])
    const y = identity(x)
    expect(y).not.toBe(x)
    expect(x.isLeaf).toBe(true)
    y.mul(3).sum().backward()
    expect(x.grad!.toList()).toEqual([3, 3])
  })

  it('detects a saved tensor modified in place before backward', () => {
    const x = leaf([1, 2])
    const y = cube(x)
    noGrad(() => x.mul_(2))
    expect(() => y.sum().backward()).toThrow(/saved by "cube".*modified by an in-place operation/)
  })

  it('onceDifferentiable: first order works, differentiating the backward throws', () => {
    const raw = defineFunction({
      name: 'rawSquare',
      onceDifferentiable: true,
      forward(ctx, x: Tensor) { ctx.saveForBackward(x); return x.square() },
      backward(ctx, g) {
        const [x] = ctx.savedTensors
        const out = g.mul(1) // computed on raw numbers, as a kernel would
        const gd = out.storage.data, xd = x.contiguousData()
        for (let i = 0; i < gd.length; i++) gd[i] *= 2 * xd[i]
        return out
      },
    })
    const x = leaf([1, 3])
    const [g] = autograd.grad(raw(x).sum(), x)
    expect(g!.toList()).toEqual([2, 6])
    expect(gradcheck(raw, [leaf([0.5, -1])])).toBe(true)
    const [g2] = autograd.grad(raw(x).sum(), x, null, { createGraph: true })
    expect(g2!.toList()).toEqual([2, 6])
    expect(() => g2!.sum().backward()).toThrow(/rawSquare.*onceDifferentiable.*cannot be differentiated again/)
  })

  it('explains mistakes in the spec and in backward\'s result', () => {
    expect(() => defineFunction({ name: '', forward: (_c: FunctionCtx, x: Tensor) => x, backward: (_c, g) => g })).toThrow(ValueError)
    const badCount = defineFunction({ name: 'badCount', forward: (_c, x: Tensor, y: Tensor) => x.add(y), backward: (_c, g) => [g] })
    expect(() => badCount(leaf([1]), leaf([2])).sum().backward()).toThrow(/badCount.*1 gradient\(s\) for 2 input\(s\)/)
    const badShape = defineFunction({ name: 'badShape', forward: (_c, x: Tensor) => x.sum(), backward: (_c, g) => g.expand([5]) })
    expect(() => badShape(leaf([1, 2])).backward()).toThrow(AutogradError)
    expect(() => badShape(leaf([1, 2])).backward()).toThrow(/badShape.*shape \[5\] for input 0 of shape \[2\]/)
    const notTensor = defineFunction({ name: 'notTensor', forward: () => 3 as unknown as Tensor, backward: (_c, g) => g })
    expect(() => notTensor()).toThrow(/notTensor.*must return a Tensor/)
    const badSave = defineFunction({ name: 'badSave', forward: (ctx, x: Tensor) => { ctx.saveForBackward(3 as unknown as Tensor); return x }, backward: (_c, g) => g })
    expect(() => badSave(leaf([1]))).toThrow(/saveForBackward: argument 0 is not a Tensor/)
  })
})

describe('defineFunction details', () => {
  const id = (_c: FunctionCtx, x: Tensor) => x.mul(1)
  const pass = (_c: FunctionCtx, g: Tensor) => g

  it('checks the spec, and names the op function after it', () => {
    for (const bad of [null, {}, { name: '' }, { name: 5 }]) {
      expect(() => defineFunction(bad as any)).toThrow(new ValueError('defineFunction: spec.name must be a non-empty string'))
    }
    expect(() => defineFunction({ name: 'f', forward: id } as any)).toThrow(new ValueError('defineFunction(f): spec.forward and spec.backward must be functions'))
    expect(() => defineFunction({ name: 'f', backward: pass } as any)).toThrow(new ValueError('defineFunction(f): spec.forward and spec.backward must be functions'))
    expect(defineFunction({ name: 'myOp', forward: id, backward: pass }).name).toBe('myOp')
  })

  it('explains a forward that returns something else than tensors', () => {
    const f = (out: unknown) => defineFunction({ name: 'f', forward: () => out as Tensor, backward: pass })
    expect(() => f(null)()).toThrow(new ValueError('defineFunction(f): forward must return a Tensor or an array of Tensors, got null'))
    expect(() => f(3)()).toThrow(new ValueError('defineFunction(f): forward must return a Tensor or an array of Tensors, got number'))
    expect(() => f([tensor([1]), 'x'])()).toThrow(new ValueError("defineFunction(f): forward's output 1 is not a Tensor"))
  })

  it('explains a backward that returns something else than gradients', () => {
    const f = (result: unknown) => defineFunction({ name: 'g', forward: id, backward: () => result as Tensor })
    expect(() => f(3)(leaf([1])).sum().backward()).toThrow(new AutogradError('defineFunction(g): backward must return a Tensor, null, or an array with one gradient per input; got number'))
    expect(() => f(['a'])(leaf([1])).sum().backward()).toThrow(new AutogradError("defineFunction(g): backward's gradient 0 is not a Tensor"))
    // null (or undefined in the array) means no gradient
    const x = leaf([1, 2])
    f(null)(x).sum().backward()
    expect(x.grad).toBeNull()
    f([undefined])(x).sum().backward()
    expect(x.grad).toBeNull()
  })

  it('a gradient that broadcasts to the input is summed back to its shape; one that does not is refused', () => {
    const wide = defineFunction({ name: 'wide', forward: id, backward: (_c, g) => g.unsqueeze(0).expand([2, 3]).mul(1) })
    const x = leaf([1, 2, 3])
    wide(x).sum().backward()
    expect(x.grad!.toList()).toEqual([2, 2, 2])
  })

  it('several outputs: int ones come back as they are, float ones as views of one node', () => {
    const split = defineFunction({
      name: 'split',
      forward(_c, x: Tensor) { return [x.mul(2), x.argmax(), x.mul(3)] },
      backward(_c, g0, g1, g2) { return g0.mul(2).add(g2.mul(3)) },
    })
    const x = leaf([1, 5, 2])
    const [a, i, b] = split(x)
    expect(i.dtype).toBe('int32')
    expect(i.item()).toBe(1)
    expect(i.requiresGrad).toBe(false)
    expect(a.toList()).toEqual([2, 10, 4])
    expect(b.toList()).toEqual([3, 15, 6])
    a.add(b).sum().backward()
    expect(x.grad!.toList()).toEqual([5, 5, 5])
    // only int outputs: no node at all
    const ints = defineFunction({ name: 'ints', forward: (_c, t: Tensor) => [t.argmax(), t.argmin()], backward: pass })
    const [mx, mn] = ints(leaf([3, 1, 2]))
    expect([mx.item(), mn.item(), mx.requiresGrad, mn.requiresGrad]).toEqual([0, 1, false, false])
  })

  it('several differentiable outputs must share one dtype', () => {
    const mixed = defineFunction({ name: 'mixed', forward: (_c, t: Tensor) => [t.mul(2), t.to('float32')], backward: pass })
    expect(() => mixed(leaf([1]))).toThrow(new ValueError('defineFunction(mixed): differentiable outputs must share one dtype, got float64, float32'))
  })

  it('a second-order gradient through a onceDifferentiable backward hits a node named after the op', () => {
    const raw = defineFunction({
      name: 'rawCube',
      onceDifferentiable: true,
      forward(ctx, x: Tensor) { ctx.saveForBackward(x); return x.mul(x).mul(x) },
      backward(ctx, g) { const [x] = ctx.savedTensors; return g.mul(x.square()).mul(3) },
    })
    const x = leaf([2])
    const [g] = autograd.grad(raw(x).sum(), x, null, { createGraph: true })
    expect(g!.toList()).toEqual([12])
    expect(g!.gradFn!.op).toBe('rawCubeBackward')
    // nothing requires grad in the backward (no createGraph): a plain gradient, no extra node
    const [h] = autograd.grad(raw(x).sum(), x)
    expect(h!.gradFn).toBeNull()
  })
})
