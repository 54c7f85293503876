// The seam between tensors and numbers. A kernel is a plain function over
// TypedArrays plus shape/stride numbers: no Tensor, no autograd inside.
// The pure-TS kernels (./ts) implement everything; @adjoint/native replaces
// some of them (gemm, softmax...) by calling registerKernels().
import type { FloatArray, TypedArray } from '../dtype.js'

export type UnaryOp =
  | 'neg' | 'exp' | 'log' | 'sqrt' | 'rsqrt' | 'tanh' | 'sigmoid' | 'relu' | 'gelu' | 'geluTanh'
  | 'silu' | 'sin' | 'cos' | 'abs' | 'reciprocal' | 'square' | 'sign' | 'erf' | 'floor' | 'ceil'
  | 'round' | 'logicalNot' | 'isnan' | 'isinf'

export type BinaryOp =
  | 'add' | 'sub' | 'mul' | 'div' | 'pow' | 'maximum' | 'minimum'
  | 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge' | 'logicalAnd' | 'logicalOr'

export type ReduceOp = 'sum' | 'prod' | 'max' | 'min' | 'argmax' | 'argmin'

/**
 * C[b] = alpha * A[b] @ B[b] + beta * C[b] for b in 0..batch-1, where
 * A[b] is m x k with element (i, p) at a[aOffset + b*aBatchStride + i*aRowStride + p*aColStride],
 * B[b] is k x n likewise, and C[b] is m x n with element (i, j) at
 * c[cOffset + b*cBatchStride + i*cRowStride + j] (C rows are contiguous).
 * A batch stride of 0 shares one operand across the batch. Strides of A and B may be
 * anything (a transposed view has aRowStride = 1), so `x @ w.T` costs no copy.
 * beta is 0 or 1 (beta = 0 ignores C's old contents, even NaN).
 */
export interface GemmArgs {
  batch: number
  m: number
  n: number
  k: number
  alpha: number
  beta: 0 | 1
  a: FloatArray
  aOffset: number
  aBatchStride: number
  aRowStride: number
  aColStride: number
  b: FloatArray
  bOffset: number
  bBatchStride: number
  bRowStride: number
  bColStride: number
  c: FloatArray
  cOffset: number
  cBatchStride: number
  cRowStride: number
}

/** Row-wise kernels over a contiguous [rows, cols] array, with the row being the last dim. */
export interface RowwiseKernels {
  /** out = softmax(x) along each row (max subtracted first). */
  softmax(x: FloatArray, out: FloatArray, rows: number, cols: number): void
  /** out = x - logsumexp(x) along each row. */
  logSoftmax(x: FloatArray, out: FloatArray, rows: number, cols: number): void
  /** gx = y * (gy - sum(gy * y)), y the softmax output. */
  softmaxBackward(y: FloatArray, gy: FloatArray, gx: FloatArray, rows: number, cols: number): void
  /** gx = gy - exp(y) * sum(gy), y the logSoftmax output. */
  logSoftmaxBackward(y: FloatArray, gy: FloatArray, gx: FloatArray, rows: number, cols: number): void
}

/**
 * Fused kernels of @adjoint/nn's layer norm and cross-entropy, over contiguous
 * [rows, cols] arrays (a row is the normalized / class dim). One pass instead of
 * a chain of ten elementwise ops; the backward of each is its own kernel.
 */
export interface FusedKernels {
  /**
   * Per row: y = (x - mean) * rstd * w + b with mean the row mean and
   * rstd = 1 / sqrt(var + eps) (biased variance); writes mean[r] and rstd[r] for the backward.
   * w and b (length cols) may be null: no scale / no shift.
   */
  layerNorm(x: FloatArray, w: FloatArray | null, b: FloatArray | null, y: FloatArray, mean: FloatArray, rstd: FloatArray, rows: number, cols: number, eps: number): void
  /**
   * With xhat = (x - mean) rstd and h = gy w (h = gy when w is null), per row:
   * gx = rstd (h - mean(h) - xhat mean(h xhat)); over all rows: gw = sum gy xhat, gb = sum gy.
   * gx, gw, gb may be null (not wanted); gw and gb are overwritten, not accumulated into.
   */
  layerNormBackward(x: FloatArray, gy: FloatArray, w: FloatArray | null, mean: FloatArray, rstd: FloatArray, gx: FloatArray | null, gw: FloatArray | null, gb: FloatArray | null, rows: number, cols: number): void
  /**
   * Per row r with t = target[r] and s = labelSmoothing: lse[r] = logsumexp(x[r]) and
   * loss[r] = lse[r] - (1 - s) x[r, t] - (s / cols) sum_c x[r, c]; a row with t == ignoreIndex
   * gets loss 0 and lse 0. Other targets are in [0, cols) (the caller checks).
   */
  crossEntropy(x: FloatArray, target: Int32Array, loss: FloatArray, lse: FloatArray, rows: number, cols: number, ignoreIndex: number, labelSmoothing: number): void
  /** gx[r, c] = gLoss[r] (exp(x[r, c] - lse[r]) - (1 - s) [c == t] - s / cols); ignored rows get 0. */
  crossEntropyBackward(x: FloatArray, target: Int32Array, lse: FloatArray, gLoss: FloatArray, gx: FloatArray, rows: number, cols: number, ignoreIndex: number, labelSmoothing: number): void
}

/**
 * GELU's forward and backward as kernels of their own (one pass each; the op's
 * first-order backward uses geluBackward instead of a dozen composed passes).
 * approximate: the tanh form 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))),
 * else the exact x Phi(x). Contiguous arrays of length n, one float dtype;
 * float32 results are accurate to ~1e-7 absolute (tables or approximations).
 */
export interface GeluKernels {
  /** y = gelu(x). */
  gelu(x: FloatArray, y: FloatArray, n: number, approximate: boolean): void
  /** gx = gy * gelu'(x): exact Phi(x) + x phi(x), or the derivative of the tanh form. */
  geluBackward(x: FloatArray, gy: FloatArray, gx: FloatArray, n: number, approximate: boolean): void
}

/**
 * A strided 4-D operand [batch, head, row, col] of the attention kernels: element
 * (b, h, i, j) is data[offset + b*strides[0] + h*strides[1] + i*strides[2] + j*strides[3]].
 * A stride may be 0 (broadcast) or anything a view has (no copy of q, k, v is needed).
 */
export interface AttentionOperand {
  data: FloatArray
  offset: number
  strides: readonly number[]
}

/** Sizes and inputs shared by the attention kernels (one float dtype throughout). */
export interface AttentionInputs {
  batch: number
  heads: number
  /** Query rows, key rows, query/key width, value width. */
  L: number
  S: number
  E: number
  Ev: number
  q: AttentionOperand
  k: AttentionOperand
  v: AttentionOperand
  /** Multiplies q k^T. */
  scale: number
  /**
   * Softmax weights, contiguous [batch, heads, L, S]: written by attention, read by
   * attentionBackward.
   */
  probs: FloatArray
}

/**
 * Scaled dot-product attention as kernels: P = softmax(scale q k^T + mask, causal
 * entries -inf), out = P v, and the backward of that. Outputs are written through
 * their strides, whose last (col) stride must be 1.
 */
export interface AttentionKernels {
  /**
   * Writes probs and out [batch, heads, L, Ev]. mask (may be null) is added to the scores;
   * with causal, query i sees keys j <= i + queryOffset only (queryOffset: the absolute
   * position of query 0 when L new queries attend to a longer cache; 0 is PyTorch's is_causal).
   */
  attention(a: AttentionInputs & { mask: AttentionOperand | null; causal: boolean; queryOffset: number; out: AttentionOperand }): void
  /**
   * From gOut = dL/dout: dP = gOut v^T, dS = P (dP - rowsum(dP P)) (written to gScores,
   * contiguous [batch, heads, L, S]: the mask's gradient), gq = scale dS k, gk = scale dS^T q,
   * gv = P^T gOut. gq, gk, gv may be null (not wanted); they are overwritten, or added to
   * with accumulate (then they may share one array, even overlap: q, k, v views of one tensor).
   */
  attentionBackward(a: AttentionInputs & { gOut: AttentionOperand; gScores: FloatArray; gq: AttentionOperand | null; gk: AttentionOperand | null; gv: AttentionOperand | null; accumulate: boolean }): void
}

/** Adam / AdamW hyper-parameters shared by a parameter group. */
export interface AdamHyper {
  beta1: number
  beta2: number
  eps: number
  weightDecay: number
  /** AdamW: p *= 1 - lr wd before the update; else Adam's L2 term g += wd p. */
  decoupled: boolean
  maximize: boolean
}

export interface SgdHyper {
  lr: number
  momentum: number
  dampening: number
  weightDecay: number
  nesterov: boolean
  maximize: boolean
}

/**
 * Optimizer updates and gradient-norm helpers over lists of arrays, one entry per
 * parameter (the i-th entries of the lists have one length; all one float type).
 * One call updates a whole parameter group, so a native backend can vectorise and
 * thread it; parameter, gradient and state arrays are distinct (no overlap).
 */
export interface OptimizerKernels {
  /**
   * Adam(W), per element with c = consts[3i..3i+2] = (stepSize = lr / (1 - b1^t), sqrt(1 - b2^t), lr):
   * g' = +-g (+ wd p for Adam); p *= 1 - lr wd (AdamW); m = b1 m + (1 - b1) g'; v = b2 v + (1 - b2) g'^2;
   * s = v, or vmax = max(vmax, v) and s = vmax (amsgrad); p -= stepSize m / (sqrt(s) / c[1] + eps).
   */
  adamStep(params: FloatArray[], grads: FloatArray[], expAvg: FloatArray[], expAvgSq: FloatArray[], maxExpAvgSq: FloatArray[] | null, consts: Float64Array, h: AdamHyper): void
  /**
   * SGD: d = +-g + wd p; with momentum buffers b: b = d (fresh[i] != 0) or mu b + (1 - dampening) d,
   * d = nesterov ? d + mu b : b; p -= lr d.
   */
  sgdStep(params: FloatArray[], grads: FloatArray[], momentumBuffers: FloatArray[] | null, fresh: Int32Array, h: SgdHyper): void
  /** sum over every element of every array of x^2 (accumulated in float64). */
  sumSquares(arrays: FloatArray[]): number
  /** x *= c for every element of every array. */
  scaleAll(arrays: FloatArray[], c: number): void
}

export interface Backend extends RowwiseKernels, FusedKernels, GeluKernels, AttentionKernels, OptimizerKernels {
  /**
   * Strided copy of `src` (shape, strides, offset) into `dst` from dstOffset, contiguous
   * unless dstStrides is given (dtype converts on store; bool stores 0/1).
   */
  copy(src: TypedArray, srcOffset: number, shape: readonly number[], srcStrides: readonly number[], dst: TypedArray, dstOffset: number, dstStrides?: readonly number[]): void
  /** out[i] = f(x[i]) over contiguous arrays of length n. */
  unary(op: UnaryOp, x: TypedArray, out: TypedArray, n: number): void
  /** out (contiguous, `shape`) = f(a, b) where a and b are read through broadcast strides (0 on broadcast dims). */
  binary(op: BinaryOp, a: TypedArray, aOffset: number, aStrides: readonly number[], b: TypedArray, bOffset: number, bStrides: readonly number[], out: TypedArray, shape: readonly number[]): void
  /** out[o] = reduce(x[o*r .. o*r + r)) over a contiguous [outer, r] array; arg ops write indices. */
  reduce(op: ReduceOp, x: TypedArray, out: TypedArray, outer: number, r: number): void
  gemm(args: GemmArgs): void
  /** out[i] = cond[i] ? a[i] : b[i] over contiguous arrays of length n. */
  where(cond: Uint8Array, a: TypedArray, b: TypedArray, out: TypedArray, n: number): void
  /** out[o, j, i] = x[o, index[j], i] for contiguous x [outer, dimSize, inner], out [outer, index.length, inner]. */
  indexSelect(x: TypedArray, out: TypedArray, outer: number, dimSize: number, inner: number, index: Int32Array): void
  /** out[o, index[j], i] += src[o, j, i] for contiguous out [outer, dimSize, inner], src [outer, index.length, inner]. */
  indexAdd(src: TypedArray, out: TypedArray, outer: number, dimSize: number, inner: number, index: Int32Array): void
  /**
   * out (contiguous, shape of index) = x[..., index[...], ...] along dim: for a multi-index p of index,
   * out[p] = x[p with p[dim] replaced by index[p]], x read through xStrides from xOffset.
   */
  gather(x: TypedArray, xOffset: number, xStrides: readonly number[], index: Int32Array, indexShape: readonly number[], dim: number, out: TypedArray): void
  /** The adjoint of gather: out[p with p[dim] = index[p]] += src[p], out contiguous with outShape. */
  scatterAdd(src: TypedArray, index: Int32Array, indexShape: readonly number[], dim: number, out: TypedArray, outShape: readonly number[]): void
}

export type KernelName = keyof Backend

const overrides = new Map<KernelName, string>()
let active: Backend | null = null

/** The kernels in use now. */
export function getBackend(): Backend {
  if (active === null) throw new Error('adjoint: no backend installed (import @adjoint/core, not a deep path)')
  return active
}

/** Installs the reference kernels; called once by core's index. */
export function setReferenceBackend(b: Backend): void {
  active = { ...b }
  reference = b
  overrides.clear()
}
let reference: Backend | null = null

/** The pure-TS kernels, whatever is registered over them (used by tests as the reference). */
export function referenceBackend(): Backend {
  if (reference === null) throw new Error('adjoint: no backend installed')
  return reference
}

/** Replaces some kernels (e.g. by @adjoint/native). `source` names who provides them. */
export function registerKernels(source: string, kernels: Partial<Backend>): void {
  const b = getBackend() as unknown as Record<string, unknown>
  for (const [name, fn] of Object.entries(kernels)) {
    if (typeof fn !== 'function') continue
    b[name] = fn
    overrides.set(name as KernelName, source)
  }
}

/** Restores the reference kernels (all, or the named ones). */
export function resetKernels(names?: KernelName[]): void {
  const b = getBackend() as unknown as Record<string, unknown>
  const ref = referenceBackend() as unknown as Record<string, unknown>
  for (const name of names ?? [...overrides.keys()]) {
    b[name] = ref[name]
    overrides.delete(name)
  }
}

/** E.g. "ts" or "ts + native(gemm, softmax, ...)". */
export function backendInfo(): { name: string; overrides: Record<string, string> } {
  const bySource = new Map<string, string[]>()
  for (const [k, s] of overrides) bySource.set(s, [...(bySource.get(s) ?? []), k])
  const parts = [...bySource].map(([s, ks]) => `${s}(${ks.join(', ')})`)
  return { name: ['ts', ...parts].join(' + '), overrides: Object.fromEntries(overrides) }
}
