// softmax / logSoftmax: 0-d inputs, int inputs, what they record, the composed
// backward (used when a graph of the backward is built), errors naming the op;
// the cases mutation testing found unchecked by the OpInfo sweeps.
import { describe, expect, it } from 'vitest'
import { autogradGrad, logSoftmax, softmax, tensor } from '../src/index.js'
import { assertClose } from '../src/testing/index.js'

describe('softmax and logSoftmax', () => {
  it('of a 0-d tensor: 1 and 0, 0-d, with a zero gradient', () => {
    const x = tensor(3, { dtype: 'float64', requiresGrad: true })
    const s = softmax(x, 0), l = logSoftmax(x, -1)
    expect([s.shape, s.item(), l.shape, l.item()]).toEqual([[], 1, [], 0])
    s.add(l).backward()
    expect(x.grad!.item()).toBe(0)
  })

  it('of an int32 tensor: float32 results', () => {
    const x = tensor([[0, 0], [1, 1]], { dtype: 'int32' })
    expect(softmax(x, 1).dtype).toBe('float32')
    expect(softmax(x, 1).toArray()).toEqual([[0.5, 0.5], [0.5, 0.5]])
    expect(logSoftmax(x, 0).dtype).toBe('float32')
  })

  it('records a node only for a float input that needs a gradient, named after the op', () => {
    expect(softmax(tensor([1, 2]), 0).requiresGrad).toBe(false)
    expect(logSoftmax(tensor([1, 2]), 0).requiresGrad).toBe(false)
    expect(softmax(tensor([1, 2], { dtype: 'int32' }), 0).requiresGrad).toBe(false)
    const x = tensor([1, 2], { requiresGrad: true })
    expect([softmax(x, 0).gradFn?.op, logSoftmax(x, 0).gradFn?.op]).toEqual(['softmax', 'logSoftmax'])
  })

  it('the composed backward (createGraph) equals the row kernel, along the last dim and another', () => {
    const x = tensor([[0.5, -1, 2], [0.25, 0, -0.75]], { dtype: 'float64', requiresGrad: true })
    const w = tensor([[1, 2, -1], [0.5, -2, 3]], { dtype: 'float64' })
    for (const dim of [1, 0]) {
      for (const f of [softmax, logSoftmax]) {
        const loss = () => f(x, dim).mul(w).sum()
        const [kernel] = autogradGrad(loss(), [x])
        const [composed] = autogradGrad(loss(), [x], null, { createGraph: true })
        expect(composed!.requiresGrad).toBe(true)
        assertClose(composed!, kernel!, { rtol: 1e-12, atol: 1e-12, what: `${f.name} dim ${dim}` })
      }
    }
  })

  it('errors name the op', () => {
    expect(() => softmax(2 as never, 0)).toThrow(/^softmax: input must be a Tensor, got number/)
    expect(() => logSoftmax(2 as never, 0)).toThrow(/^logSoftmax: input must be a Tensor, got number/)
    expect(() => softmax(tensor([1, 2]), 1)).toThrow(/^softmax: /)
    expect(() => logSoftmax(tensor([1, 2]), 1)).toThrow(/^logSoftmax: /)
  })
})
