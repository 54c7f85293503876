// `pnpm test` runs core twice: with the native kernels registered (vitest.setup.ts
// imports @adjoint/native) and with ADJOINT_NATIVE=0. This checks the run really
// uses what its header says, so the second run is never a repeat of the first.
import { expect, it } from 'vitest'
import { backendInfo } from '../src/backend/backend.js'

it('this run uses the native kernels, or only the pure-TS ones under ADJOINT_NATIVE=0', (ctx) => {
  const overrides = backendInfo().overrides
  if (process.env.ADJOINT_NATIVE === '0') {
    expect(overrides).toEqual({})
    return
  }
  if (Object.keys(overrides).length === 0 && process.env.ADJOINT_NATIVE_REQUIRED !== '1') ctx.skip('native addon not built')
  for (const k of ['gemm', 'softmax', 'logSoftmax', 'layerNorm', 'crossEntropy']) expect(overrides[k], k).toBe('native')
})
