// trace(fn): runs fn and records, as readable steps, every op it puts in the
// autograd graph (forward) and every backward step the engine takes, so a
// learner can follow the chain rule on a real example:
//
//   forward  mul: [3,4] * [4] -> [3,4]    t1 = x * w
//   forward  sum: [3,4] -> []    t2 = sum(t1) = 30
//   backward sum: grad_t1 [3,4] = grad_t2 expanded to [3,4]    (grad_t2 = 1)
//   backward mul: grad_x [3,4] = grad_t1 * w; grad_w [4] = (grad_t1 * x) [3,4] summed over the broadcast dims
//
// Tensors are called by their .name, else t1, t2, ... in order of appearance.
import { fmtShape } from '../errors.js'
import { shapesEqual } from '../shape.js'
import { Tensor } from '../tensor.js'
import { formatValues } from './graph-export.js'
import type { Node } from './node.js'
import { traceBackward, traceForward } from './trace-state.js'

export interface TraceStep {
  phase: 'forward' | 'backward'
  op: string
  /** The readable line. */
  text: string
  /** Label of the op's output (t3, or its name). */
  output: string
  /** Labels of the op's inputs ("2" for a constant). */
  inputs: string[]
  /** The autograd node of this op (the same object in its forward and backward steps). */
  node: Node
  /**
   * The backward rule for each of the node's inputs (node.inputs order), with
   * the step's labels filled in ("grad_t1 * w"); '' for inputs without a gradient.
   */
  rules: string[]
  /** Forward: the op's output tensor. */
  value?: Tensor
  /** Backward: 0 for the first backward pass seen by this trace, 1 for the next, ... */
  pass?: number
  /** Backward: the gradient that reached the node (of its output's shape). */
  grad?: Tensor
  /**
   * Backward: what the node sends to each input (node.inputs order), before the
   * engine sums a broadcast gradient back to the input's shape; null for none.
   */
  inputGrads?: (Tensor | null)[]
  /** Backward: true for inputs that already got a gradient earlier in this pass (the engine adds to it). */
  accumulates?: boolean[]
}

/**
 * The local backward rule of an op, one formula per input: `grad` is the
 * output's gradient, {a} and {b} the inputs, {out} the output, {shape} the
 * input's shape. Undefined for ops without a written rule (custom functions).
 */
export function backwardRule(op: string): readonly string[] | undefined {
  return RULES[op]
}

export interface TraceResult<T> {
  /** What fn returned. */
  result: T
  steps: TraceStep[]
  /** The steps, one per line. */
  toString(): string
}

export interface TraceOptions {
  /** Print the values of tensors with at most this many elements (default 4; 0 for none). */
  maxElements?: number
  /**
   * Also list forward ops whose output was never used (by a later op, as fn's
   * result, or in a backward pass). Default false.
   */
  showUnused?: boolean
}

const INFIX: Record<string, string> = { add: '+', sub: '-', mul: '*', div: '/', pow: '^', matmul: '@' }

// How each op's backward turns grad (the output's gradient) into its inputs' gradients.
// {a}, {b}: the inputs; {out}: the output; {shape}: the input's shape.
const RULES: Record<string, string[]> = {
  add: ['grad', 'grad'],
  sub: ['grad', '-grad'],
  mul: ['grad * {b}', 'grad * {a}'],
  div: ['grad / {b}', '-grad * {a} / {b}^2'],
  pow: ['grad * {b} * {a}^({b} - 1)', 'grad * {out} * log({a})'],
  maximum: ['grad where {a} > {b} (half on ties)', 'grad where {b} > {a} (half on ties)'],
  minimum: ['grad where {a} < {b} (half on ties)', 'grad where {b} < {a} (half on ties)'],
  matmul: ['grad @ {b}ᵀ', '{a}ᵀ @ grad'],
  neg: ['-grad'],
  exp: ['grad * {out}'],
  log: ['grad / {a}'],
  sqrt: ['grad / (2 * {out})'],
  rsqrt: ['-0.5 * grad * {out}^3'],
  tanh: ['grad * (1 - {out}^2)'],
  sigmoid: ['grad * {out} * (1 - {out})'],
  relu: ['grad * ({a} > 0)'],
  gelu: ["grad * gelu'({a})"],
  geluTanh: ["grad * gelu_tanh'({a})"],
  silu: ['grad * s * (1 + {a} * (1 - s)), s = sigmoid({a})'],
  sin: ['grad * cos({a})'],
  cos: ['-grad * sin({a})'],
  abs: ['grad * sign({a})'],
  reciprocal: ['-grad * {out}^2'],
  square: ['2 * grad * {a}'],
  erf: ['grad * 2/sqrt(pi) * exp(-{a}^2)'],
  sign: ['0'], floor: ['0'], ceil: ['0'], round: ['0'],
  sum: ['grad expanded to {shape}'],
  prod: ['grad * {out} / {a}'],
  amax: ['grad at the maximum of {a} (split between ties)'],
  amin: ['grad at the minimum of {a} (split between ties)'],
  softmax: ['{out} * (grad - sum(grad * {out}))'],
  logSoftmax: ['grad - exp({out}) * sum(grad)'],
  reshape: ['grad reshaped to {shape}'], view: ['grad reshaped to {shape}'],
  squeeze: ['grad reshaped to {shape}'], unsqueeze: ['grad reshaped to {shape}'],
  permute: ['grad permuted back'],
  expand: ['grad summed over the expanded dims'],
  slice: ['zeros of {shape} with grad written at the slice'],
  sliceBackward: ['grad sliced'],
  cat: ['grad split back into the pieces'],
  gather: ['zeros of {shape} with grad scatter-added at the index'],
  scatterAdd: ['grad', 'grad gathered at the index'],
  indexSelect: ['zeros of {shape} with grad index-added at the index'],
  embedding: ['zeros of {shape} with grad index-added at the ids'],
  indexAdd: ['grad', 'grad selected at the index'],
  where: ['grad where cond', 'grad where not cond'],
  clamp: ['grad where min <= {a} <= max'],
  clone: ['grad'],
  to: ['grad cast back'],
  linear: ['grad @ {b}', 'gradᵀ @ {a} (rows flattened)', 'grad summed over the rows'],
  layerNorm: ['rstd * (h - mean(h) - x̂ * mean(h * x̂)), x̂ = ({a} - mean) * rstd, h = grad * weight', 'grad * x̂ summed over the leading dims', 'grad summed over the leading dims'],
  crossEntropy: ['grad * (softmax({a}) - q), q the (smoothed) one-hot target'],
  dropout: ['grad * mask (kept positions, scaled by 1/(1-p))'],
  scaledDotProductAttention: [
    'scale * dS @ {b}, dS = P * (dP - rowsum(dP * P)), dP = grad @ vᵀ, P the attention weights',
    'scale * dSᵀ @ {a}', 'Pᵀ @ grad', 'dS',
  ],
}

/**
 * Runs fn and records its forward ops and backward steps. Labels are given
 * when the trace ends, so names set after an op ran (h.name = 'h') are used.
 * Traces nest: an outer trace sees the inner one's steps too.
 */
export function trace<T>(fn: () => T, opts: TraceOptions = {}): TraceResult<T> {
  const max = opts.maxElements ?? 4
  const val = (t: Tensor) => {
    const v = max > 0 ? formatValues(t, max) : undefined
    return v === undefined ? '' : ` = ${v}`
  }
  type Fwd = { phase: 'forward', node: Node, out: Tensor, inputs: unknown[], outVal: string }
  type Bwd = { phase: 'backward', node: Node, grad: Tensor, gradVal: string, pass: object, results: ({ tensor: Tensor, val: string } | null)[] }
  const raw: (Fwd | Bwd)[] = []
  const prevF = traceForward.sink, prevB = traceBackward.sink
  traceForward.sink = (node, out, inputs) => {
    prevF?.(node, out, inputs)
    raw.push({ phase: 'forward', node, out, inputs: inputs.filter((x) => x !== null && x !== undefined), outVal: val(out) })
  }
  traceBackward.sink = (node, grad, results, pass) => {
    prevB?.(node, grad, results, pass)
    raw.push({ phase: 'backward', node, grad, gradVal: val(grad), pass, results: node.inputs.map((inp, i) => (inp && results[i] ? { tensor: results[i]!, val: val(results[i]!) } : null)) })
  }
  let result: T
  try {
    result = fn()
  } finally {
    traceForward.sink = prevF
    traceBackward.sink = prevB
  }
  const steps = render(opts.showUnused ? raw : withoutUnused(raw, result!))
  return { result, steps, toString: () => steps.map((s) => s.text).join('\n') }

  /** Drops forward ops whose output nothing used: not an input of a later op, not the result, not backpropagated through. */
  function withoutUnused(records: (Fwd | Bwd)[], res: unknown): (Fwd | Bwd)[] {
    const used = new Set<Node>()
    for (const r of records) {
      if (r.phase === 'backward') used.add(r.node)
      else for (const x of r.inputs) if (x instanceof Tensor && x.gradFn) used.add(x.gradFn)
    }
    const results = res instanceof Tensor ? [res] : Array.isArray(res) ? res : []
    for (const x of results) if (x instanceof Tensor && x.gradFn) used.add(x.gradFn)
    return records.filter((r) => r.phase === 'backward' || used.has(r.node))
  }

  function render(records: (Fwd | Bwd)[]): TraceStep[] {
    const labels = new Map<Tensor, string>()
    const nodeLabels = new Map<Node, string>()
    const nodeInputs = new Map<Node, string[]>()
    const gotGrad = new Set<string>()
    let counter = 0
    const label = (t: Tensor): string => {
      let l = labels.get(t)
      if (l === undefined) {
        l = t.name ?? (t.gradFn && nodeLabels.get(t.gradFn)) ?? `t${++counter}`
        labels.set(t, l)
      }
      return l
    }
    const isConstant = (t: Tensor) => !t.requiresGrad && !t.name && t.numel() === 1 && !labels.has(t)
    const operand = (x: unknown): { text: string, shape: string } => {
      if (x instanceof Tensor) {
        if (isConstant(x)) { const v = formatValues(x, 1)!; return { text: v, shape: v } }
        return { text: label(x), shape: fmtShape(x.shape) }
      }
      return { text: String(x), shape: String(x) }
    }
    const ruleFor = (node: Node, i: number, outLabel: string, names: readonly string[]): string => {
      const inp = node.inputs[i]
      if (!inp) return ''
      return (RULES[node.op]?.[i] ?? `backward of ${node.op}`)
        .replace(/\bgrad\b/g, `grad_${outLabel}`)
        .replace(/\{a\}/g, names[0] ?? 'a').replace(/\{b\}/g, names[1] ?? 'b')
        .replace(/\{out\}/g, outLabel).replace(/\{shape\}/g, fmtShape(inp.shape))
    }
    const passes = new Map<object, number>()
    return records.map((r): TraceStep => {
      const node = r.node
      if (r.phase === 'forward') {
        const ops = r.inputs.map(operand)
        const outLabel = label(r.out)
        nodeLabels.set(node, outLabel)
        nodeInputs.set(node, ops.map((o) => o.text))
        const sym = INFIX[node.op]
        const infix = sym !== undefined && ops.length === 2
        const shapes = infix ? `${ops[0].shape} ${sym} ${ops[1].shape}` : ops.map((o) => o.shape).join(', ')
        const expr = infix ? `${ops[0].text} ${sym} ${ops[1].text}` : `${node.op}(${ops.map((o) => o.text).join(', ')})`
        const rules = node.inputs.map((_, i) => ruleFor(node, i, outLabel, ops.map((o) => o.text)))
        return { phase: 'forward', op: node.op, output: outLabel, inputs: ops.map((o) => o.text), node, rules, value: r.out, text: `forward  ${node.op}: ${shapes} -> ${fmtShape(r.out.shape)}    ${outLabel} = ${expr}${r.outVal}` }
      }
      let pass = passes.get(r.pass)
      if (pass === undefined) { pass = passes.size; passes.set(r.pass, pass); gotGrad.clear() } // a new backward pass
      const outLabel = nodeLabels.get(node) ?? `${node.op}_out`
      const names = nodeInputs.get(node) ?? node.inputs.map((t, i) => (t ? label(t) : `input${i}`))
      const rules = node.inputs.map((_, i) => ruleFor(node, i, outLabel, names))
      const accumulates = node.inputs.map(() => false)
      const parts: string[] = []
      node.inputs.forEach((inp, i) => {
        const g = r.results[i]
        if (!inp || !g) return
        const who = label(inp)
        const again = gotGrad.has(who)
        gotGrad.add(who)
        accumulates[i] = again
        const op = again ? '+=' : '='
        parts.push(shapesEqual(g.tensor.shape, inp.shape)
          ? `grad_${who} ${fmtShape(inp.shape)} ${op} ${rules[i]}${g.val}`
          : `grad_${who} ${fmtShape(inp.shape)} ${op} (${rules[i]}) ${fmtShape(g.tensor.shape)} summed over the broadcast dims`)
      })
      const text = `backward ${node.op}: ${parts.length ? parts.join('; ') : '(no input needs a gradient)'}${r.gradVal ? `    (grad_${outLabel}${r.gradVal})` : ''}`
      const inputGrads = r.results.map((g) => g?.tensor ?? null)
      return { phase: 'backward', op: node.op, output: outLabel, inputs: names, node, rules, pass, grad: r.grad, inputGrads, accumulates, text }
    })
  }
}
