// Every differentiable op, over random shapes (broadcasting, dims, keepdim,
// non-contiguous views), passes gradcheck in float64.
import fc from 'fast-check'
import { describe, it } from 'vitest'
import { gradcheck } from '../src/index.js'
import { opInfos } from './opinfo.js'

describe('gradcheck sweep', () => {
  for (const info of opInfos) {
    it(info.name, () => {
      fc.assert(fc.property(info.inputs, (xs) => gradcheck(info.fn, xs)), { numRuns: 12, seed: 42 })
    })
  }
})
