// THE KERNEL TABLE: every Backend kernel's name, arguments and result, written
// once. The Backend type (backend.ts) is derived from it, the pure-TS kernels
// (./ts) are checked against it by the compiler, and @adjoint/native's addon
// exports the same table from C++ (src/cc/kernel_specs.h) which a test
// (native/test/specs.test.ts) compares with this one, so a drift fails.
//
// Adding a kernel:
//   1. one row below: `name: kernel([arg('x', 'floats'), ...], 'void')` with a
//      doc comment giving its contract (the derived Backend type shows it);
//   2. its reference in ./ts, added to tsBackend (ts/index.ts);
//   3. optional native version: a binding in packages/native/src/cc/bind_*.cc
//      declared with ADJ_KERNEL(name, fn, args...) (same names and kinds, in
//      the same order, a struct argument flattened to its fields), then a row
//      in native/src/kernels.ts's forwarders (a fallback rule when it does not
//      handle every case). specs.test.ts fails until both sides agree.
import type { FloatArray, TypedArray } from '../dtype.js'
import type { Layout } from '../layout.js'

export type UnaryOp =
  | 'neg' | 'exp' | 'log' | 'sqrt' | 'rsqrt' | 'tanh' | 'sigmoid' | 'relu' | 'gelu' | 'geluTanh'
  | 'silu' | 'sin' | 'cos' | 'abs' | 'reciprocal' | 'square' | 'sign' | 'erf' | 'floor' | 'ceil'
  | 'round' | 'logicalNot' | 'isnan' | 'isinf'

export type BinaryOp =
  | 'add' | 'sub' | 'mul' | 'div' | 'pow' | 'maximum' | 'minimum'
  | 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge' | 'logicalAnd' | 'logicalOr'

export type ReduceOp = 'sum' | 'prod' | 'max' | 'min' | 'argmax' | 'argmin'

/**
 * What each argument kind is in TS. Array kinds: `floats` is a Float32Array or
 * Float64Array (one float type for all the float arrays of a call), `array` any
 * dtype's array; a `?` kind may be null (absent: not read / not wanted).
 */
export interface ArgKinds {
  floats: FloatArray
  'floats?': FloatArray | null
  array: TypedArray
  i32: Int32Array
  u8: Uint8Array
  f64: Float64Array
  floatList: FloatArray[]
  'floatList?': FloatArray[] | null
  /** Where an array's elements are: shape, strides, offset (core's Layout; a stride may be 0 or negative). */
  layout: Layout
  /** A Layout, or null beside an absent `?` array. */
  'layout?': Layout | null
  /** A shape (a JS array of integers). */
  dims: readonly number[]
  /** An integer (size, offset, stride, index; the range is the kernel's contract). */
  int: number
  number: number
  bool: boolean
  unaryOp: UnaryOp
  binaryOp: BinaryOp
  reduceOp: ReduceOp
}
export type ArgKind = keyof ArgKinds

/** A named argument of a kernel (or a field of a struct argument). */
export interface ArgSpec<N extends string = string, K extends ArgKind = ArgKind> {
  readonly name: N
  readonly kind: K
}
/** An argument that is a plain object of fields (passed to a native binding flattened, field by field in this order). */
export interface StructSpec<N extends string = string, F extends readonly ArgSpec[] = readonly ArgSpec[]> {
  readonly name: N
  readonly kind: 'struct'
  readonly fields: F
}
export type ParamSpec = ArgSpec | StructSpec

export interface KernelSpec<A extends readonly ParamSpec[] = readonly ParamSpec[], R extends 'void' | 'number' = 'void' | 'number'> {
  readonly args: A
  readonly result: R
}

export const arg = <N extends string, K extends ArgKind>(name: N, kind: K): ArgSpec<N, K> => ({ name, kind })
export const struct = <N extends string, const F extends readonly ArgSpec[]>(name: N, fields: F): StructSpec<N, F> => ({ name, kind: 'struct', fields })
const kernel = <const A extends readonly ParamSpec[], R extends 'void' | 'number'>(args: A, result: R): KernelSpec<A, R> => ({ args, result })

/** The object type of a struct's fields. */
export type StructType<F extends readonly ArgSpec[]> = { [S in F[number] as S['name']]: ArgKinds[S['kind']] }
type ParamType<P> = P extends StructSpec<string, infer F> ? StructType<F> : P extends ArgSpec<string, infer K> ? ArgKinds[K] : never
type Params<A extends readonly ParamSpec[]> = { -readonly [I in keyof A]: ParamType<A[I]> }
/** The TS function type of a kernel spec. */
export type KernelFn<S extends KernelSpec> = (...args: Params<S['args']>) => S['result'] extends 'number' ? number : void

// Structs shared by several kernels
const adamFields = [arg('beta1', 'number'), arg('beta2', 'number'), arg('eps', 'number'), arg('weightDecay', 'number'), arg('decoupled', 'bool'), arg('maximize', 'bool')] as const
const sgdFields = [arg('lr', 'number'), arg('momentum', 'number'), arg('dampening', 'number'), arg('weightDecay', 'number'), arg('nesterov', 'bool'), arg('maximize', 'bool')] as const
// q [batch, heads, L, E], k [batch, heads, S, E], v [batch, heads, S, Ev]: the sizes come from these layouts
const attentionFields = [
  arg('q', 'floats'), arg('qLayout', 'layout'), arg('k', 'floats'), arg('kLayout', 'layout'), arg('v', 'floats'), arg('vLayout', 'layout'),
  arg('scale', 'number'), arg('causal', 'bool'), arg('queryOffset', 'int'), arg('probs', 'floats'),
] as const

const rows = [arg('rows', 'int'), arg('cols', 'int')] as const

export const KERNELS = {
  /**
   * Element-by-element copy of src read through srcLayout into dst written through
   * dstLayout (both of one shape; dtype converts on store; bool stores 0/1).
   */
  copy: kernel([arg('src', 'array'), arg('srcLayout', 'layout'), arg('dst', 'array'), arg('dstLayout', 'layout')], 'void'),
  /** out[i] = f(x[i]) over contiguous arrays of length n. */
  unary: kernel([arg('op', 'unaryOp'), arg('x', 'array'), arg('out', 'array'), arg('n', 'int')], 'void'),
  /** ReLU's backward: gx[i] = x[i] > 0 ? gy[i] : 0 (0 where x is NaN, even for a NaN gy; gx may be gy) over contiguous arrays of length n. */
  reluBackward: kernel([arg('x', 'floats'), arg('gy', 'floats'), arg('gx', 'floats'), arg('n', 'int')], 'void'),
  /**
   * out = f(a, b) elementwise, the three read/written through layouts of one shape (a and b
   * broadcast to it: stride 0 on broadcast dims, Layout.expand). out's layout is contiguous,
   * or exactly a's (in place).
   */
  binary: kernel([arg('op', 'binaryOp'), arg('a', 'array'), arg('aLayout', 'layout'), arg('b', 'array'), arg('bLayout', 'layout'), arg('out', 'array'), arg('outLayout', 'layout')], 'void'),
  /** out[o] = reduce(x[o*r .. o*r + r)) over a contiguous [outer, r] array; arg ops write indices. */
  reduce: kernel([arg('op', 'reduceOp'), arg('x', 'array'), arg('out', 'array'), arg('outer', 'int'), arg('r', 'int')], 'void'),
  /**
   * out[c] = sum over r of x[xOffset + r * cols + c] for a contiguous [rows, cols] block
   * (a bias gradient: the sum over leading dims), float64 sums in row order, out overwritten.
   */
  columnSums: kernel([arg('x', 'array'), arg('xOffset', 'int'), arg('out', 'array'), ...rows], 'void'),
  /**
   * C = alpha * A @ B + beta * C for every index of the batch dims: a, b, c are read and
   * written through layouts of one ndim >= 2, aLayout [...batch, m, k], bLayout [...batch, k, n],
   * cLayout [...batch, m, n], with equal batch dims (none for ndim 2). A stride 0 shares an
   * operand across a batch dim; A's and B's strides may be anything (a transposed view just
   * swaps two), so `x @ w.T` costs no copy. C's last stride is 1 (rows contiguous) and its
   * matrices do not overlap each other, A or B. beta is 0 or 1 (beta = 0 ignores C's old
   * contents, even NaN).
   */
  gemm: kernel([arg('a', 'floats'), arg('aLayout', 'layout'), arg('b', 'floats'), arg('bLayout', 'layout'), arg('c', 'floats'), arg('cLayout', 'layout'), arg('alpha', 'number'), arg('beta', 'number')], 'void'),
  /** out[i] = cond[i] ? a[i] : b[i] over contiguous arrays of length n. */
  where: kernel([arg('cond', 'u8'), arg('a', 'array'), arg('b', 'array'), arg('out', 'array'), arg('n', 'int')], 'void'),
  /** out[o, j, i] = x[o, index[j], i] for contiguous x [outer, dimSize, inner], out [outer, index.length, inner]. */
  indexSelect: kernel([arg('x', 'array'), arg('out', 'array'), arg('outer', 'int'), arg('dimSize', 'int'), arg('inner', 'int'), arg('index', 'i32')], 'void'),
  /** out[o, index[j], i] += src[o, j, i] for contiguous out [outer, dimSize, inner], src [outer, index.length, inner]. */
  indexAdd: kernel([arg('src', 'array'), arg('out', 'array'), arg('outer', 'int'), arg('dimSize', 'int'), arg('inner', 'int'), arg('index', 'i32')], 'void'),
  /**
   * out (contiguous, shape of index) = x[..., index[...], ...] along dim: for a multi-index p of index,
   * out[p] = x[p with p[dim] replaced by index[p]], x read through xLayout (its strides and offset).
   */
  gather: kernel([arg('x', 'array'), arg('xLayout', 'layout'), arg('index', 'i32'), arg('indexShape', 'dims'), arg('dim', 'int'), arg('out', 'array')], 'void'),
  /** The adjoint of gather: out[p with p[dim] = index[p]] += src[p], out written through outLayout (contiguous). */
  scatterAdd: kernel([arg('src', 'array'), arg('index', 'i32'), arg('indexShape', 'dims'), arg('dim', 'int'), arg('out', 'array'), arg('outLayout', 'layout')], 'void'),

  // Row-wise kernels over a contiguous [rows, cols] array, the row being the last dim.
  /** out = softmax(x) along each row (max subtracted first). */
  softmax: kernel([arg('x', 'floats'), arg('out', 'floats'), ...rows], 'void'),
  /** out = x - logsumexp(x) along each row. */
  logSoftmax: kernel([arg('x', 'floats'), arg('out', 'floats'), ...rows], 'void'),
  /** gx = y * (gy - sum(gy * y)), y the softmax output. */
  softmaxBackward: kernel([arg('y', 'floats'), arg('gy', 'floats'), arg('gx', 'floats'), ...rows], 'void'),
  /** gx = gy - exp(y) * sum(gy), y the logSoftmax output. */
  logSoftmaxBackward: kernel([arg('y', 'floats'), arg('gy', 'floats'), arg('gx', 'floats'), ...rows], 'void'),

  // Fused layer norm and cross-entropy over contiguous [rows, cols] arrays (a row is the
  // normalized / class dim): one pass instead of a chain of ten elementwise ops.
  /**
   * Per row: y = (x - mean) * rstd * w + b with mean the row mean and
   * rstd = 1 / sqrt(var + eps) (biased variance); writes mean[r] and rstd[r] for the backward.
   * w and b (length cols) may be null: no scale / no shift.
   */
  layerNorm: kernel([arg('x', 'floats'), arg('w', 'floats?'), arg('b', 'floats?'), arg('y', 'floats'), arg('mean', 'floats'), arg('rstd', 'floats'), ...rows, arg('eps', 'number')], 'void'),
  /**
   * With xhat = (x - mean) rstd and h = gy w (h = gy when w is null), per row:
   * gx = rstd (h - mean(h) - xhat mean(h xhat)); over all rows: gw = sum gy xhat, gb = sum gy.
   * gx, gw, gb may be null (not wanted); gw and gb are overwritten, not accumulated into.
   */
  layerNormBackward: kernel([arg('x', 'floats'), arg('gy', 'floats'), arg('w', 'floats?'), arg('mean', 'floats'), arg('rstd', 'floats'), arg('gx', 'floats?'), arg('gw', 'floats?'), arg('gb', 'floats?'), ...rows], 'void'),
  /**
   * Per row (T5's LayerNorm: no mean subtraction, no bias): rstd = 1 / sqrt(mean(x^2) + eps),
   * y = x * rstd * w; writes rstd[r] for the backward. w (length cols) may be null: no scale.
   */
  rmsNorm: kernel([arg('x', 'floats'), arg('w', 'floats?'), arg('y', 'floats'), arg('rstd', 'floats'), ...rows, arg('eps', 'number')], 'void'),
  /**
   * With xhat = x rstd and h = gy w (h = gy when w is null), per row: gx = rstd (h - xhat mean(h xhat));
   * over all rows: gw = sum gy xhat. gx, gw may be null (not wanted); gw is overwritten.
   */
  rmsNormBackward: kernel([arg('x', 'floats'), arg('gy', 'floats'), arg('w', 'floats?'), arg('rstd', 'floats'), arg('gx', 'floats?'), arg('gw', 'floats?'), ...rows], 'void'),
  /**
   * Per row r with t = target[r] and s = labelSmoothing: lse[r] = logsumexp(x[r]) and
   * loss[r] = lse[r] - (1 - s) x[r, t] - (s / cols) sum_c x[r, c]; a row with t == ignoreIndex
   * gets loss 0 and lse 0. Other targets are in [0, cols) (the caller checks).
   */
  crossEntropy: kernel([arg('x', 'floats'), arg('target', 'i32'), arg('loss', 'floats'), arg('lse', 'floats'), ...rows, arg('ignoreIndex', 'int'), arg('labelSmoothing', 'number')], 'void'),
  /** gx[r, c] = gLoss[r] (exp(x[r, c] - lse[r]) - (1 - s) [c == t] - s / cols); ignored rows get 0. */
  crossEntropyBackward: kernel([arg('x', 'floats'), arg('target', 'i32'), arg('lse', 'floats'), arg('gLoss', 'floats'), arg('gx', 'floats'), ...rows, arg('ignoreIndex', 'int'), arg('labelSmoothing', 'number')], 'void'),

  // GELU: approximate = the tanh form 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))), else
  // the exact x Phi(x). Contiguous arrays of length n; float32 accurate to ~1e-7 absolute.
  /** y = gelu(x). */
  gelu: kernel([arg('x', 'floats'), arg('y', 'floats'), arg('n', 'int'), arg('approximate', 'bool')], 'void'),
  /** gx = gy * gelu'(x): exact Phi(x) + x phi(x), or the derivative of the tanh form. */
  geluBackward: kernel([arg('x', 'floats'), arg('gy', 'floats'), arg('gx', 'floats'), arg('n', 'int'), arg('approximate', 'bool')], 'void'),
  /**
   * A linear layer's bias and GELU in one pass over its [rows, cols] product x:
   * pre[r, c] = x[r, c] + bias[c] (kept for the backward; pre may be x, and y may be pre), y = gelu(pre).
   */
  biasGelu: kernel([arg('x', 'floats'), arg('bias', 'floats'), arg('pre', 'floats'), arg('y', 'floats'), ...rows, arg('approximate', 'bool')], 'void'),
  /**
   * gx = gy * gelu'(pre) over [rows, cols] (gx may be gy) and, when gb is given, the bias
   * gradient gb[c] = sum over r of gx[r, c] (overwritten; float64 sums in row order).
   */
  biasGeluBackward: kernel([arg('pre', 'floats'), arg('gy', 'floats'), arg('gx', 'floats'), arg('gb', 'floats?'), ...rows, arg('approximate', 'bool')], 'void'),

  // Scaled dot-product attention: P = softmax(scale q k^T + mask, causal entries -inf),
  // out = P v, and its backward. Every operand is an array and its 4-D Layout
  // [batch, heads, rows, cols] (strides may be 0 or anything a view has: q, k, v are read
  // in place); the sizes are the layouts' shapes: q's [batch, heads, L, E], k's [.., S, E],
  // v's [.., S, Ev], and every other operand's must match them. With causal, query i sees
  // keys j <= i + queryOffset only (queryOffset: the absolute position of query 0 when L
  // new queries attend to a longer cache; 0 is PyTorch's is_causal). Outputs are written
  // through their layouts, whose last (col) stride must be 1. probs: contiguous
  // [batch, heads, L, S], written by attention, read by attentionBackward.
  /** Writes probs and out [batch, heads, L, Ev]. mask [batch, heads, L, S] (null: none, with a null layout) is added to the scores. */
  attention: kernel([struct('a', [...attentionFields, arg('mask', 'floats?'), arg('maskLayout', 'layout?'), arg('out', 'floats'), arg('outLayout', 'layout')])], 'void'),
  /**
   * From gOut [batch, heads, L, Ev] = dL/dout: dP = gOut v^T, dS = P (dP - rowsum(dP P)) (written to gScores,
   * contiguous [batch, heads, L, S]: the mask's gradient; null when not wanted: the kernel keeps dS in scratch), gq = scale dS k, gk = scale dS^T q,
   * gv = P^T gOut (shaped as q, k, v). gq, gk, gv may be null with a null layout (not wanted); they are
   * overwritten, or added to with accumulate (then they may share one array, even overlap: q, k, v views
   * of one tensor). causal and queryOffset are the forward's: a kernel may skip the keys a query cannot see (P is 0 there).
   */
  attentionBackward: kernel([struct('a', [
    ...attentionFields, arg('gOut', 'floats'), arg('gOutLayout', 'layout'), arg('gScores', 'floats?'),
    arg('gq', 'floats?'), arg('gqLayout', 'layout?'), arg('gk', 'floats?'), arg('gkLayout', 'layout?'), arg('gv', 'floats?'), arg('gvLayout', 'layout?'),
    arg('accumulate', 'bool'),
  ])], 'void'),

  // Optimizer updates over lists of arrays, one entry per parameter (the i-th entries of the
  // lists have one length; all one float type; no overlap): one call per parameter group.
  /**
   * Adam(W), per element with c = consts[3i..3i+2] = (stepSize = lr / (1 - b1^t), sqrt(1 - b2^t), lr):
   * g' = +-g (+ wd p for Adam); p *= 1 - lr wd (AdamW, h.decoupled); m = b1 m + (1 - b1) g'; v = b2 v + (1 - b2) g'^2;
   * s = v, or vmax = max(vmax, v) and s = vmax (amsgrad); p -= stepSize m / (sqrt(s) / c[1] + eps).
   */
  adamStep: kernel([arg('params', 'floatList'), arg('grads', 'floatList'), arg('expAvg', 'floatList'), arg('expAvgSq', 'floatList'), arg('maxExpAvgSq', 'floatList?'), arg('consts', 'f64'), struct('h', adamFields)], 'void'),
  /**
   * SGD: d = +-g + wd p; with momentum buffers b: b = d (fresh[i] != 0) or mu b + (1 - dampening) d,
   * d = nesterov ? d + mu b : b; p -= lr d.
   */
  sgdStep: kernel([arg('params', 'floatList'), arg('grads', 'floatList'), arg('momentumBuffers', 'floatList?'), arg('fresh', 'i32'), struct('h', sgdFields)], 'void'),
  /** sum over every element of every array of x^2 (accumulated in float64). */
  sumSquares: kernel([arg('arrays', 'floatList')], 'number'),
  /** x *= c for every element of every array. */
  scaleAll: kernel([arg('arrays', 'floatList'), arg('c', 'number')], 'void'),
} as const

export type KernelTable = typeof KERNELS
export type KernelName = keyof KernelTable

/** Adam / AdamW hyper-parameters shared by a parameter group (AdamW: p *= 1 - lr wd before the update; else Adam's L2 term g += wd p). */
export type AdamHyper = StructType<typeof adamFields>
export type SgdHyper = StructType<typeof sgdFields>
/** The inputs shared by the attention kernels (one float dtype throughout). */
export type AttentionInputs = StructType<typeof attentionFields>

/** One argument of a kernel as a native binding receives it: a struct argument's fields come one by one. */
export interface FlatArg {
  /** The argument's name, or `struct.field`. */
  path: string
  name: string
  kind: ArgKind
}

/** A kernel's arguments flattened (struct fields in their declared order), as native bindings take them. */
export function flatArgs(spec: KernelSpec): FlatArg[] {
  return spec.args.flatMap((p): FlatArg[] => p.kind === 'struct'
    ? p.fields.map((f) => ({ path: `${p.name}.${f.name}`, name: f.name, kind: f.kind }))
    : [{ path: p.name, name: p.name, kind: p.kind }])
}

type FlatOne<P, T extends Record<ArgKind, unknown>> = P extends StructSpec<string, infer F>
  ? { -readonly [I in keyof F]: F[I] extends ArgSpec<string, infer K> ? T[K] : never }
  : P extends ArgSpec<string, infer K> ? [T[K]] : never
type Flat<A extends readonly unknown[], T extends Record<ArgKind, unknown>> = A extends readonly [infer H, ...infer R] ? [...FlatOne<H, T>, ...Flat<R, T>] : []
/**
 * The TS type of a kernel's native binding: its arguments flattened (flatArgs),
 * each kind's type from T (ArgKinds, or a backend's own: native takes layouts packed).
 */
export type FlatKernelFn<S extends KernelSpec, T extends Record<ArgKind, unknown> = ArgKinds> = (...args: Flat<S['args'], T>) => S['result'] extends 'number' ? number : void
