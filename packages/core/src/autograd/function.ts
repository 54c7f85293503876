// Custom differentiable ops from a forward and a backward, like
// torch.autograd.Function:
//
//   const cube = defineFunction({
//     name: 'cube',
//     forward(ctx, x: Tensor) { ctx.saveForBackward(x); return x.mul(x).mul(x) },
//     backward(ctx, g) { const [x] = ctx.savedTensors; return g.mul(x.square()).mul(3) },
//   })
//
// forward runs without recording (its inner ops are invisible to autograd: the
// op is one node named `name`); backward maps the output gradient(s) to one
// gradient per input. A backward written with Tensor ops is itself
// differentiable, so grad-of-grad works through the custom op.
import { AutogradError, ValueError, fmtShape } from '../errors.js'
import { isFloat } from '../dtype.js'
import { broadcastShapes, shapesEqual } from '../shape.js'
import { Tensor } from '../tensor.js'
import { isGradEnabled, noGrad } from './grad-mode.js'
import { record } from './node.js'

/** What forward hands to backward. Extra fields (ctx.dim = 1) may be set freely. */
export interface FunctionCtx {
  /** Keep tensors for backward; in-place changes to them before backward are detected. */
  saveForBackward(...tensors: Tensor[]): void
  /** The tensors passed to saveForBackward, in order. */
  readonly savedTensors: readonly Tensor[]
  /** needsInputGrad[i]: does input i need a gradient? (false for numbers and constants) */
  readonly needsInputGrad: readonly boolean[]
  [key: string]: any
}

type Outputs = Tensor | readonly Tensor[]
/** The gradients backward receives: one per output. */
type GradsOf<O extends Outputs> = O extends Tensor ? [grad: Tensor] : Tensor[]
/** What backward returns: one gradient (or null) per input; a bare Tensor when there is one input. */
export type FunctionGrads = Tensor | null | readonly (Tensor | null | undefined)[]

export interface FunctionSpec<I extends unknown[], O extends Outputs> {
  /** The op's name: shown in graph exports, traces and error messages. */
  name: string
  forward(ctx: FunctionCtx, ...inputs: I): O
  backward(ctx: FunctionCtx, ...grads: GradsOf<O>): FunctionGrads
  /**
   * Set when backward is not written with differentiable Tensor ops (e.g. it
   * computes on raw arrays): differentiating it again then throws instead of
   * silently giving zero.
   */
  onceDifferentiable?: boolean
}

class Ctx {
  savedTensors: Tensor[] = []
  constructor(readonly needsInputGrad: readonly boolean[]) {}
  saveForBackward(...tensors: Tensor[]): void {
    tensors.forEach((t, i) => { if (!(t instanceof Tensor)) throw new ValueError(`saveForBackward: argument ${i} is not a Tensor (store other values as ctx fields)`) })
    this.savedTensors.push(...tensors)
  }
}

/** Defines a differentiable op from a forward and a backward; returns the op as a function. */
export function defineFunction<I extends unknown[], O extends Outputs>(spec: FunctionSpec<I, O>): (...inputs: I) => O {
  if (!spec || typeof spec.name !== 'string' || !spec.name) throw new ValueError('defineFunction: spec.name must be a non-empty string')
  if (typeof spec.forward !== 'function' || typeof spec.backward !== 'function') throw new ValueError(`defineFunction(${spec.name}): spec.forward and spec.backward must be functions`)
  const name = spec.name
  const apply = (...inputs: I): O => {
    const needs = inputs.map((x) => x instanceof Tensor && x.requiresGrad && isGradEnabled())
    const ctx = new Ctx(needs) as unknown as FunctionCtx
    const raw = noGrad(() => spec.forward(ctx, ...inputs))
    const single = raw instanceof Tensor
    if (!single && !Array.isArray(raw)) throw new ValueError(`defineFunction(${name}): forward must return a Tensor or an array of Tensors, got ${raw === null ? 'null' : typeof raw}`)
    const outs = single ? [raw] : [...(raw as readonly Tensor[])]
    outs.forEach((o, k) => { if (!(o instanceof Tensor)) throw new ValueError(`defineFunction(${name}): forward's output ${k} is not a Tensor`) })
    if (!needs.some(Boolean)) return raw
    if (single && !isFloat((raw as Tensor).dtype)) return raw // an index or mask output has no gradient
    // an output that is an input (or any tensor already in a graph) gets its own Tensor object
    const own = outs.map((o) => (o.requiresGrad || (inputs as unknown[]).includes(o) ? o.detach() : o))
    const backward = (...grads: Tensor[]) => runBackward(spec, ctx, inputs, needs, grads)
    const saved = ctx.savedTensors
    // the node's inputs: tensors and numbers as given, anything else (options objects) as null
    const recorded = (inputs as unknown[]).map((x) => (x instanceof Tensor || typeof x === 'number' || typeof x === 'boolean' ? x : null))
    if (single) {
      record(name, own[0], recorded, (g) => backward(g), saved).gradFn!.opaque = true // user code: see Node.opaque
      return own[0] as O
    }
    return multiOutput(name, own, recorded, backward, saved) as unknown as O
  }
  Object.defineProperty(apply, 'name', { value: name })
  return apply
}

/**
 * Several outputs, one node: the differentiable outputs are packed into one flat
 * tensor that the node produces, and handed out as views of it. The engine sums
 * the views' gradients into the flat gradient (zeros for unused outputs), which
 * is split back into one gradient per output for backward.
 */
function multiOutput(name: string, outs: Tensor[], inputs: readonly (Tensor | number | boolean | null)[], backward: (...grads: Tensor[]) => readonly (Tensor | null)[], saved: readonly Tensor[]): Tensor[] {
  const diff = outs.filter((o) => isFloat(o.dtype))
  if (diff.length === 0) return outs
  const dtype = diff[0].dtype
  if (diff.some((o) => o.dtype !== dtype)) throw new ValueError(`defineFunction(${name}): differentiable outputs must share one dtype, got ${diff.map((o) => o.dtype).join(', ')}`)
  const sizes = diff.map((o) => o.numel())
  const flat = Tensor.empty([sizes.reduce((a, b) => a + b, 0)], dtype)
  let at = 0
  for (const o of diff) { flat.storage.data.set(o.contiguousData(), at); at += o.numel() }
  record(name, flat, inputs, (g) => {
    let start = 0
    const pieces = new Map<Tensor, Tensor>()
    diff.forEach((o, k) => { pieces.set(o, g.slice(0, start, start + sizes[k]).reshape(o.shape)); start += sizes[k] })
    return backward(...outs.map((o) => pieces.get(o) ?? Tensor.zeros(o.shape, dtype)))
  }, saved).gradFn!.opaque = true // user code: see Node.opaque
  let start = 0
  return outs.map((o) => {
    if (!isFloat(o.dtype)) return o
    const v = flat.slice(0, start, start + o.numel()).reshape(o.shape)
    start += o.numel()
    return v
  })
}

function runBackward<I extends unknown[], O extends Outputs>(spec: FunctionSpec<I, O>, ctx: FunctionCtx, inputs: I, needs: readonly boolean[], grads: Tensor[]): (Tensor | null)[] {
  const name = spec.name
  const differentiating = isGradEnabled() // true inside backward({createGraph: true})
  const call = () => spec.backward(ctx, ...(grads as GradsOf<O>))
  const r = spec.onceDifferentiable ? noGrad(call) : call()
  const list = r instanceof Tensor || r === null ? [r] : Array.isArray(r) ? r : null
  if (list === null) throw new AutogradError(`defineFunction(${name}): backward must return a Tensor, null, or an array with one gradient per input; got ${typeof r}`)
  if (list.length !== inputs.length) throw new AutogradError(`defineFunction(${name}): backward returned ${list.length} gradient(s) for ${inputs.length} input(s); return one per input (null for inputs without a gradient)`)
  return inputs.map((inp, i) => {
    const g = list[i]
    if (!needs[i] || g === null || g === undefined) return null
    if (!(g instanceof Tensor)) throw new AutogradError(`defineFunction(${name}): backward's gradient ${i} is not a Tensor`)
    const x = inp as Tensor
    if (!shapesEqual(g.shape, x.shape)) {
      let ok = false
      try { ok = shapesEqual(broadcastShapes(name, x.shape, g.shape), g.shape) } catch { ok = false }
      if (!ok) throw new AutogradError(`defineFunction(${name}): backward returned a gradient of shape ${fmtShape(g.shape)} for input ${i} of shape ${fmtShape(x.shape)}`)
    }
    if (spec.onceDifferentiable && differentiating) return forbidDoubleBackward(name, g, grads, inputs)
    return g
  })
}

/** Wraps a gradient so that differentiating through it throws a clear error. */
function forbidDoubleBackward(name: string, g: Tensor, grads: readonly Tensor[], inputs: readonly unknown[]): Tensor {
  const sources = [...grads, ...inputs.filter((x): x is Tensor => x instanceof Tensor)]
  if (!sources.some((t) => t.requiresGrad)) return g
  const out = g.detach()
  return record(`${name}Backward`, out, sources, () => {
    throw new AutogradError(`defineFunction(${name}): its backward is marked onceDifferentiable, so it cannot be differentiated again (a second-order gradient went through it)`)
  })
}
