// Builds, from core's kernel table and the addon's own declaration of a
// binding, the function that takes core's call and hands it to the addon:
// struct arguments flattened field by field, Layouts packed (layout-pack.ts)
// into scratch arrays of the forwarder's own, and a fallback to the reference
// kernel when an array's element type is one the binding does not take (the
// float arrays of a call must share one type; a float32-only binding keeps
// float64 in TS) or when the kernel's `when` rule says no. The function is
// generated once (new Function), so a call costs what a hand-written
// forwarder costs: no argument array, no loop.
import { KERNELS, flatArgs, type Backend, type KernelName } from '@adjoint/core'
import type { NativeArgSpec } from './addon.js'
import { MAX_PACKED_DIMS, packInto } from './layout-pack.js'

/** Extra condition for going native (sizes worth the boundary, list types...); false keeps the reference kernel. */
export type When<K extends KernelName> = (...args: Parameters<Backend[K]>) => boolean

const FLOAT_KINDS = new Set(['floats', 'floats?'])

/** The forwarder of kernel `name` to `native` (the addon's binding, declared by `spec`). */
export function forwarder<K extends KernelName>(name: K, native: (...args: never[]) => unknown, spec: NativeArgSpec[], reference: () => Backend, when: When<K> | null): Backend[K] {
  const core = KERNELS[name]
  const flat = flatArgs(core)
  const drift = specDrift(name, spec)
  if (drift.length > 0) throw new Error(`@adjoint/native: the addon's ${name} does not take what core's table says (${drift.join('; ')}); rebuild the addon: pnpm build:native`)
  const params = core.args.map((_, i) => `a${i}`)
  const expr = (path: string): string => {
    const [head, field] = path.split('.')
    const i = core.args.findIndex((p) => p.name === head)
    return field === undefined ? `a${i}` : `a${i}.${field}`
  }
  // the element-type checks: every float array has the type of the first (non-null) one, within what the binding takes
  const checks: string[] = []
  let first: string | null = null
  flat.forEach((a, i) => {
    if (!FLOAT_KINDS.has(a.kind)) return
    const v = expr(a.path)
    const nullable = a.kind.endsWith('?')
    const only32 = !spec[i].dtypes.includes('float64'), only64 = !spec[i].dtypes.includes('float32')
    let test = only32 ? `${v} instanceof Float32Array` : only64 ? `${v} instanceof Float64Array` : first === null ? `(${v} instanceof Float32Array || ${v} instanceof Float64Array)` : `${v} instanceof (${first} ? Float32Array : Float64Array)`
    if (nullable) test = `(${expr(a.path)} === null || ${test})`
    checks.push(test)
    if (first === null && !nullable) first = 'f32', checks.push(`(f32 = ${v} instanceof Float32Array, true)`)
  })
  // layouts: packed into scratch[i] (the call is synchronous: one array per argument is enough); deeper than the addon takes stays in TS
  const scratch: Float64Array[] = [], buffers: ArrayBuffer[] = []
  const passed = flat.map((a) => {
    if (a.kind !== 'layout' && a.kind !== 'layout?') return expr(a.path)
    const v = expr(a.path), s = `scratch[${scratch.length}]`, b = `buffers[${scratch.length}]`
    scratch.push(new Float64Array(2 + 2 * MAX_PACKED_DIMS))
    buffers.push(scratch[scratch.length - 1]!.buffer as ArrayBuffer)
    checks.push(a.kind === 'layout?' ? `(${v} === null || ${v}.shape.length <= ${MAX_PACKED_DIMS})` : `${v}.shape.length <= ${MAX_PACKED_DIMS}`)
    return a.kind === 'layout?' ? `(${v} === null ? null : (pack(${v}, ${s}), ${b}))` : `(pack(${v}, ${s}), ${b})`
  })
  const call = params.join(', ')
  const body = [
    'let f32 = false',
    `if (!(${[...checks, 'true'].join(' && ')}) || (when !== null && !when(${call}))) return reference().${name}(${call})`,
    `return native(${passed.join(', ')})`,
  ].join('\n')
  // eslint-disable-next-line no-new-func
  const make = new Function('native', 'reference', 'when', 'pack', 'scratch', 'buffers', `return function ${name}(${call}) {\n${body}\n}`) as (n: unknown, r: unknown, w: unknown, p: unknown, s: unknown, b: unknown) => Backend[K]
  return make(native, reference, when, packInto, scratch, buffers)
}

/**
 * How the addon's declaration of binding `name` differs from core's table
 * (arity, then each argument's name and kind, struct fields flattened); [] when
 * they agree. The array kinds' element types may be narrower in the addon.
 */
export function specDrift(name: KernelName, spec: NativeArgSpec[]): string[] {
  const flat = flatArgs(KERNELS[name])
  const out: string[] = []
  if (flat.length !== spec.length) out.push(`${name}: core's table has ${flat.length} arguments, the addon ${spec.length}`)
  for (let i = 0; i < Math.min(flat.length, spec.length); i++) {
    const c = flat[i], n = spec[i]
    if (c.name !== n.name || c.kind !== n.kind) out.push(`${name} argument ${i}: core's table has ${c.path} (${c.kind}), the addon ${n.name} (${n.kind})`)
  }
  return out
}
