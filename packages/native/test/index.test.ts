// Importing @adjoint/native registers its kernels into @adjoint/core
// (src/index.ts, kernels.ts): core's Tensor ops then run on them and agree with
// the pure-TS kernels, including transposed views and broadcast batches.
import { Layout, backendInfo, getBackend, manualSeed, randn, referenceBackend, registerKernels, resetKernels, type Tensor } from '@adjoint/core'
import { assertClose } from '@adjoint/core/testing'
import { describe, expect, it } from 'vitest'
import { nativeAddon, nativeInfo, nativeUnavailableReason, setGemmImpl, setNumThreads, setSmallGemmThreshold } from '../src/index.js'
import { nativeKernels } from '../src/kernels.js'
import { native } from './helpers.js'

const kernelNames = ['gemm', 'softmax', 'logSoftmax', 'softmaxBackward', 'logSoftmaxBackward', 'layerNorm', 'layerNormBackward', 'crossEntropy', 'crossEntropyBackward', 'gelu', 'geluBackward']

/** Native result n within atol of the TS kernels' t, element by element (NaN never passes). */
function expectWithin(n: Tensor, t: Tensor, atol: number, what = ''): void {
  assertClose(n, t, { rtol: 0, atol, what })
}

/** fn() with the native kernels, and again with the TS ones. */
function both<T>(fn: () => T): [T, T] {
  const withNative = fn()
  resetKernels(kernelNames as never)
  try {
    return [withNative, fn()]
  } finally {
    registerKernels('native', nativeKernels(nativeAddon()!, referenceBackend))
  }
}

describe('@adjoint/native registration', () => {
  it.runIf(native)('registers its kernels into core on import', () => {
    const info = backendInfo()
    for (const k of kernelNames) expect(info.overrides[k], k).toBe('native')
    expect(info.name).toMatch(/^ts \+ native\(gemm, /)
    expect(nativeUnavailableReason()).toBe('')
  })

  it('ADJOINT_BLAS=1 (CI, which installs OpenBLAS): OpenBLAS is linked and its kernels run', (ctx) => {
    if (process.env.ADJOINT_BLAS !== '1') ctx.skip('ADJOINT_BLAS is not 1: OpenBLAS optional')
    expect(native, 'the addon').not.toBeNull()
    expect(native!.info().openblasLinked).toBe(true)
    expect(native!.info().openblasCore).not.toBe('')
  })

  it.runIf(native)('setSmallGemmThreshold: products below it stay on the TS kernel, others go to the addon', () => {
    const addon = nativeAddon()!
    let calls = 0
    // the addon with a counting gemm in front (its own properties are read-only)
    const spy = Object.create(addon, { gemm: { value: (...args: Parameters<typeof addon.gemm>) => { calls++; return addon.gemm(...args) } } }) as typeof addon
    registerKernels('native', nativeKernels(spy, referenceBackend))
    try {
      const a = randn([4, 4]), b = randn([4, 4]) // 64 multiply-adds
      setSmallGemmThreshold(65)
      const small = a.matmul(b)
      expect(calls).toBe(0)
      setSmallGemmThreshold(64)
      const big = a.matmul(b)
      expect(calls).toBe(1)
      assertClose(big, small, { rtol: 1e-6, atol: 1e-6 })
      expect(() => setSmallGemmThreshold(-1)).toThrow(RangeError)
      expect(() => setSmallGemmThreshold(1.5)).toThrow(/expected an integer >= 0, got 1.5/)
    } finally {
      registerKernels('native', nativeKernels(addon, referenceBackend))
      setSmallGemmThreshold(512)
    }
  })

  it.runIf(native)('nativeInfo() says what it runs on', () => {
    const i = nativeInfo()!
    expect(i.loaded).toBe(true)
    expect(['openblas', 'builtin']).toContain(i.blas)
    expect(['avx512', 'avx2', 'portable']).toContain(i.isa)
    expect(i.threads).toBeGreaterThanOrEqual(1)
    setGemmImpl('builtin')
    expect(nativeInfo()!.blas).toBe('builtin')
    setGemmImpl('auto')
  })

  it.runIf(native)('setNumThreads checks its argument and sets the count', () => {
    const t = nativeInfo()!.threads
    expect(() => setNumThreads(0)).toThrow(RangeError)
    expect(() => setNumThreads(1.5)).toThrow(/setNumThreads: expected an integer in \[1, 256\], got 1.5/)
    setNumThreads(1)
    expect(nativeInfo()!.threads).toBe(1)
    setNumThreads(t)
  })

  it.runIf(native)('matmul through core: plain, x @ w.T, a.T @ b, broadcast batches, float64', () => {
    manualSeed(1)
    const x = randn([37, 64]), w = randn([48, 64]), a = randn([64, 29]), bb = randn([5, 37, 64]), v = randn([64])
    const x64 = randn([13, 17], { dtype: 'float64' }), y64 = randn([17, 11], { dtype: 'float64' })
    const cases: [string, () => Tensor][] = [
      ['x @ a', () => x.matmul(a)],
      ['x @ w.T', () => x.matmul(w.t())],
      ['a.T @ x.T', () => a.t().matmul(x.t())],
      ['batch @ w.T (shared)', () => bb.matmul(w.t())],
      ['batch @ batch.T', () => bb.matmul(bb.transpose(1, 2))],
      ['x @ v', () => x.matmul(v)],
      ['float64', () => x64.matmul(y64)],
      ['tiny (stays in TS)', () => x.narrow(0, 0, 2).narrow(1, 0, 3).matmul(a.narrow(0, 0, 3).narrow(1, 0, 2))],
    ]
    for (const [name, fn] of cases) {
      const [n, t] = both(fn)
      expect(n.shape, name).toEqual(t.shape)
      expectWithin(n, t, n.dtype === 'float64' ? 1e-12 : 1e-4, name)
    }
  })

  it.runIf(native)('softmax / logSoftmax and their gradients through core', () => {
    manualSeed(2)
    const x = randn([7, 33], { requiresGrad: true })
    const run = () => {
      x.grad = null
      const y = x.softmax(-1).mul(randn([7, 33])).sum().add(x.logSoftmax(-1).sum())
      y.backward()
      return [y, x.grad!] as const
    }
    const [n, t] = both(() => { manualSeed(3); return run() })
    expectWithin(n[0], t[0], 1e-4)
    expectWithin(n[1], t[1], 1e-5)
  })

  it.runIf(native)('mixed dtypes go to the reference kernel instead of failing', () => {
    const a = new Float64Array([1, 2, 3, 4]), b = new Float32Array([1, 0, 0, 1]), c = new Float32Array(4)
    const sq = Layout.contiguous([2, 2])
    getBackend().gemm(a, sq, b, sq, c, sq, 1, 0)
    expect([...c]).toEqual([1, 2, 3, 4])
    const y = new Float32Array(2)
    getBackend().softmax(new Float64Array([0, 0]), y, 1, 2)
    expect([...y]).toEqual([0.5, 0.5])
  })
})
