// Every differentiable op of the OpInfo registry either saves what its backward reads or
// does not read it: after the forward, one input (or the output) is changed in place;
// then backward must refuse (AutogradError: "modified by an in-place operation") or
// give the gradients it gives without the change. A backward that silently reads the
// changed values (a tensor missing from `saved`) fails. Prompted by mutation testing.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { AutogradError, noGrad, tensor, type Tensor } from '../src/index.js'
import { opInfos, type OpInfo } from './opinfo.js'

/** A gradient for y that is not all ones (so a wrong scale or a mixed-up element shows). */
const seedGrad = (y: Tensor) => tensor(Array.from({ length: y.numel() }, (_, i) => 1 + ((i * 7) % 5) / 4), { dtype: y.dtype, shape: [...y.shape] })

/** The inputs' gradients after fn's forward and `touch` changed in place (null: nothing changed); 'refused' if backward refused. */
function gradsAfter(info: OpInfo, xs: Tensor[], touch: number | 'out' | null): number[][] | 'refused' | 'empty' {
  const leaves = xs.map((x) => (x.requiresGrad ? x.detach().clone().requiresGrad_() : x))
  const y = info.fn(...leaves)
  if (y.numel() === 0) return 'empty'
  const target = touch === 'out' ? y : touch === null ? null : leaves[touch]
  if (target) noGrad(() => { target.add_(0.375) })
  try {
    y.backward(seedGrad(y))
  } catch (e) {
    if (e instanceof AutogradError && /modified by an in-place operation/.test(e.message)) return 'refused'
    throw e
  }
  return leaves.filter((x) => x.requiresGrad).map((x) => Array.from(x.grad!.contiguousData()))
}

describe('saved tensors: a backward never reads values changed in place after the forward', () => {
  for (const info of opInfos) {
    it(info.name, () => {
      fc.assert(fc.property(info.inputs, (xs) => {
        const reference = gradsAfter(info, xs, null)
        if (reference === 'empty') return
        const touched = [...xs.flatMap((x, i) => (x.requiresGrad ? [i] : [])), 'out' as const]
        for (const touch of touched) {
          const got = gradsAfter(info, xs, touch)
          if (got !== 'refused') expect(got, `${info.name}: input ${touch} changed in place, backward neither refused nor ignored it`).toEqual(reference)
        }
      }), { numRuns: 6, seed: 7 })
    })
  }
})
