// The addon's bindings against core's kernel table (KERNELS): each binding
// declared with ADJ_KERNEL (src/cc/kernel_args.h) takes exactly the arguments
// of its row in the table (names, kinds, order; struct fields flattened), so a
// kernel signature changed on one side only fails here. Also the generated
// forwarders (src/forward.ts): what they pass and when they fall back.
import { KERNELS, Layout, flatArgs, referenceBackend, type Backend, type KernelName } from '@adjoint/core'
import { describe, expect, it } from 'vitest'
import { NATIVE_KERNELS, type NativeAddon } from '../src/addon.js'
import { forwarder, specDrift } from '../src/forward.js'
import { MAX_PACKED_DIMS, packLayout } from '../src/layout-pack.js'
import { nativeKernels } from '../src/kernels.js'
import { native } from './helpers.js'

/** Bindings that are the addon's own helpers, not kernels of core's table. */
const NATIVE_ONLY = ['binary2d']

describe("the addon's kernel declarations", () => {
  it.runIf(native)('every binding agrees with its row of core\'s table', () => {
    const specs = native!.kernelSpecs()
    const drift: string[] = []
    for (const [name, spec] of Object.entries(specs)) {
      if (NATIVE_ONLY.includes(name)) continue
      if (!(name in KERNELS)) { drift.push(`${name}: not in core's table (add its row, or list it in NATIVE_ONLY)`); continue }
      drift.push(...specDrift(name as KernelName, spec))
    }
    expect(drift).toEqual([])
  })

  it.runIf(native)('every kernel native forwards has a declared binding, and every declared kernel binding is forwarded', () => {
    const specs = native!.kernelSpecs()
    for (const name of NATIVE_KERNELS) expect(specs[name], name).toBeInstanceOf(Array)
    const forwarded = new Set<string>([...NATIVE_KERNELS, ...NATIVE_ONLY])
    expect(Object.keys(specs).filter((n) => !forwarded.has(n))).toEqual([])
  })

  it.runIf(native)('specDrift names a changed kind, a renamed argument and a missing one', () => {
    const spec = native!.kernelSpecs().softmax
    expect(specDrift('softmax', spec)).toEqual([])
    expect(specDrift('softmax', [spec[0], { ...spec[1], kind: 'array' }, spec[2], spec[3]])).toEqual(["softmax argument 1: core's table has out (floats), the addon out (array)"])
    expect(specDrift('softmax', [spec[0], spec[1], { ...spec[2], name: 'r' }, spec[3]])).toEqual(["softmax argument 2: core's table has rows (int), the addon r (int)"])
    expect(specDrift('softmax', spec.slice(0, 3))).toEqual(["softmax: core's table has 4 arguments, the addon 3"])
    expect(specDrift('gemm', native!.kernelSpecs().gemm)).toEqual([])
  })
})

describe('generated forwarders', () => {
  /** A forwarder of `name` whose native side and reference record what they got. */
  function recorded<K extends KernelName>(name: K, dtypes: string[] = ['float32', 'float64'], when: ((...a: never[]) => boolean) | null = null) {
    const calls: { to: 'native' | 'reference', args: unknown[] }[] = []
    const spec = native!.kernelSpecs()[name].map((a) => ({ ...a, dtypes: a.kind.startsWith('float') ? dtypes : a.dtypes }))
    const ref = new Proxy({} as Backend, { get: () => (...args: unknown[]) => { calls.push({ to: 'reference', args }) } })
    const fn = forwarder(name, (...args: unknown[]) => { calls.push({ to: 'native', args }) }, spec, () => ref, when as never) as (...a: unknown[]) => void
    return { fn, calls }
  }

  it.runIf(native)('pass the arguments through, one float type, else the reference', () => {
    const { fn, calls } = recorded('softmax')
    const x = new Float32Array(6), y = new Float32Array(6), z = new Float64Array(6)
    fn(x, y, 2, 3)
    fn(x, z, 2, 3)
    fn(z, z, 2, 3)
    expect(calls.map((c) => c.to)).toEqual(['native', 'reference', 'native'])
    expect(calls[0].args).toEqual([x, y, 2, 3])
  })

  it.runIf(native)('flatten a struct argument field by field in the table\'s order', () => {
    const { fn, calls } = recorded('sgdStep')
    const p = new Float32Array(4), g = new Float32Array(4), fresh = new Int32Array(1)
    fn([p], [g], null, fresh, { lr: 0.1, momentum: 0.9, dampening: 0, weightDecay: 0.01, nesterov: true, maximize: false })
    expect(calls[0]).toEqual({ to: 'native', args: [[p], [g], null, fresh, 0.1, 0.9, 0, 0.01, true, false] })
  })

  it('pack each Layout into [ndim, offset, ...shape, ...strides], one scratch array per argument; deeper than 8 dims stay in TS', () => {
    // copy has no binding: a declaration made from core's row stands in for one
    const spec = flatArgs(KERNELS.copy).map((a) => ({ name: a.name, kind: a.kind, dtypes: ['float32', 'float64', 'int32'] }))
    const calls: { to: string, args: unknown[] }[] = []
    const ref = new Proxy({} as Backend, { get: () => (...args: unknown[]) => { calls.push({ to: 'reference', args }) } })
    const fn = forwarder('copy', (...args: unknown[]) => { calls.push({ to: 'native', args: args.map((x) => x instanceof ArrayBuffer ? [...new Float64Array(x)] : x) }) }, spec, () => ref, null)
    const x = new Float32Array(6), y = new Float32Array(6)
    const src = new Layout([2, 3], [1, 2], 0), dst = Layout.contiguous([2, 3], 0)
    fn(x, src, y, dst)
    expect(calls[0].to).toBe('native')
    expect(calls[0].args[0]).toBe(x)
    expect((calls[0].args[1] as number[]).slice(0, 6)).toEqual([2, 0, 2, 3, 1, 2])
    expect((calls[0].args[3] as number[]).slice(0, 6)).toEqual([2, 0, 2, 3, 3, 1])
    expect(MAX_PACKED_DIMS).toBe(8)
    const deepest = Layout.contiguous([1, 1, 1, 1, 1, 1, 1, 6])
    fn(x, deepest, y, deepest)
    expect(calls[1].to).toBe('native')
    expect((calls[1].args[1] as number[]).slice(0, 2)).toEqual([MAX_PACKED_DIMS, 0])
    const deep = Layout.contiguous([1, 1, 1, 1, 1, 1, 1, 1, 6])
    fn(x, deep, y, deep)
    expect(calls[2].to).toBe('reference')
    expect([...new Float64Array(packLayout(new Layout([4], [-1], 3)))]).toEqual([1, 3, 4, -1])
  })

  it.runIf(native)('keep null optional arrays, check their type when present, and follow a float32-only binding and the when rule', () => {
    const ln = recorded('layerNorm')
    const x = new Float32Array(4)
    ln.fn(x, null, null, x, new Float32Array(2), new Float32Array(2), 2, 2, 1e-5)
    ln.fn(x, new Float64Array(2), null, x, new Float32Array(2), new Float32Array(2), 2, 2, 1e-5)
    expect(ln.calls.map((c) => c.to)).toEqual(['native', 'reference'])
    const gelu = recorded('gelu', ['float32'])
    gelu.fn(x, x, 4, false)
    gelu.fn(new Float64Array(4), new Float64Array(4), 4, false)
    expect(gelu.calls.map((c) => c.to)).toEqual(['native', 'reference'])
    const scale = recorded('scaleAll', ['float32', 'float64'], ((arrays: Float32Array[]) => arrays.length > 1) as never)
    scale.fn([x], 2)
    scale.fn([x, x], 2)
    expect(scale.calls.map((c) => c.to)).toEqual(['reference', 'native'])
  })

  it.runIf(native)('refuse an addon whose binding takes other arguments than the table (a stale build)', () => {
    const spec = native!.kernelSpecs().softmax
    expect(() => forwarder('softmax', () => {}, spec.slice(0, 3), referenceBackend, null)).toThrow(/the addon's softmax does not take what core's table says \(softmax: core's table has 4 arguments, the addon 3\); rebuild the addon/)
    expect(() => forwarder('softmax', () => {}, [spec[1], spec[0], spec[2], spec[3]], referenceBackend, null)).toThrow(/argument 0: core's table has x \(floats\), the addon out \(floats\)/)
  })

  it('refuse an addon built before kernelSpecs() existed, naming the fix', () => {
    expect(() => nativeKernels({} as NativeAddon, referenceBackend)).toThrow(/predates kernelSpecs\(\) \(a stale build\); rebuild it: pnpm build:native/)
  })
})

