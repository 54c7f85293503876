// Installs the ops as Tensor methods (x.add(y), x.sum(1, true), ...), the way
// PyTorch exposes both torch.add(x, y) and x.add(y). Declaration merging tells
// TypeScript about them; the prototype assignments below provide them.
import { backward, type BackwardOptions } from './autograd/engine.js'
import type { BinaryOp, UnaryOp } from './backend/backend.js'
import type { DType } from './dtype.js'
import { AutogradError, DTypeError } from './errors.js'
import { isFloat } from './dtype.js'
import { to, detach } from './ops/cast.js'
import { binaryOp, clamp, maskedFill, tril, triu, unaryOp, where } from './ops/elementwise.js'
import { add_, clamp_, copy_, div_, fill_, mul_, sub_, zero_ } from './ops/inplace.js'
import { embedding, gather, indexAdd, indexSelect, scatterAdd } from './ops/indexing.js'
import { linear, matmul } from './ops/matmul.js'
import { cat, chunk, clone, contiguous, expand, flatten, narrow, permute, reshape, slice, split, squeeze, stack, transpose, unflatten, unsqueeze, view } from './ops/movement.js'
import { amax, amin, argmax, argmin, logsumexp, max, mean, min, prod, std, sum, variance, type Dims, type ValuesIndices, type VarOptions } from './ops/reduce.js'
import { logSoftmax, softmax } from './ops/softmax.js'
import type { TensorLike } from './ops/util.js'
import { Tensor } from './tensor.js'

type Unary = () => Tensor
type Binary = (other: TensorLike) => Tensor

declare module './tensor.js' {
  interface Tensor {
    neg: Unary; exp: Unary; log: Unary; sqrt: Unary; rsqrt: Unary; tanh: Unary; sigmoid: Unary; relu: Unary
    silu: Unary; sin: Unary; cos: Unary; abs: Unary; reciprocal: Unary; square: Unary; sign: Unary; erf: Unary
    floor: Unary; ceil: Unary; round: Unary; logicalNot: Unary; isnan: Unary; isinf: Unary
    gelu(opts?: { approximate?: 'none' | 'tanh' }): Tensor
    add(other: TensorLike, opts?: { alpha?: number }): Tensor
    sub(other: TensorLike, opts?: { alpha?: number }): Tensor
    mul: Binary; div: Binary; pow: Binary; maximum: Binary; minimum: Binary
    eq: Binary; ne: Binary; lt: Binary; le: Binary; gt: Binary; ge: Binary; logicalAnd: Binary; logicalOr: Binary
    where(cond: Tensor, other: TensorLike): Tensor
    maskedFill(mask: Tensor, value: number): Tensor
    clamp(min?: number | null, max?: number | null): Tensor
    triu(k?: number): Tensor
    tril(k?: number): Tensor

    sum(dim?: Dims, keepdim?: boolean): Tensor
    mean(dim?: Dims, keepdim?: boolean): Tensor
    prod(dim?: Dims, keepdim?: boolean): Tensor
    amax(dim?: Dims, keepdim?: boolean): Tensor
    amin(dim?: Dims, keepdim?: boolean): Tensor
    max(): Tensor
    max(dim: number, keepdim?: boolean): ValuesIndices
    min(): Tensor
    min(dim: number, keepdim?: boolean): ValuesIndices
    argmax(dim?: number, keepdim?: boolean): Tensor
    argmin(dim?: number, keepdim?: boolean): Tensor
    logsumexp(dim?: Dims, keepdim?: boolean): Tensor
    var(dim?: Dims, opts?: VarOptions): Tensor
    std(dim?: Dims, opts?: VarOptions): Tensor

    matmul(other: Tensor): Tensor
    softmax(dim: number): Tensor
    logSoftmax(dim: number): Tensor

    reshape(shape: readonly number[]): Tensor
    view(shape: readonly number[]): Tensor
    permute(dims: readonly number[]): Tensor
    transpose(dim0: number, dim1: number): Tensor
    /** Transpose of a 2-D tensor (like PyTorch's .T / .t()). */
    t(): Tensor
    flatten(startDim?: number, endDim?: number): Tensor
    unflatten(dim: number, sizes: readonly number[]): Tensor
    unsqueeze(dim: number): Tensor
    squeeze(dim?: number | readonly number[]): Tensor
    expand(shape: readonly number[]): Tensor
    expandAs(other: Tensor): Tensor
    slice(dim: number, start?: number, end?: number, step?: number): Tensor
    narrow(dim: number, start: number, length: number): Tensor
    split(sizeOrSections: number | readonly number[], dim?: number): Tensor[]
    chunk(chunks: number, dim?: number): Tensor[]
    cat(tensors: readonly Tensor[], dim?: number): Tensor
    contiguous(): Tensor
    clone(): Tensor

    gather(dim: number, index: Tensor): Tensor
    scatterAdd(dim: number, index: Tensor, src: Tensor): Tensor
    indexSelect(dim: number, index: Tensor): Tensor
    indexAdd(dim: number, index: Tensor, src: Tensor): Tensor

    to(dtype: DType): Tensor
    float(): Tensor
    double(): Tensor
    int(): Tensor
    bool(): Tensor
    detach(): Tensor

    add_(other: TensorLike, opts?: { alpha?: number }): Tensor
    sub_(other: TensorLike): Tensor
    mul_(other: TensorLike): Tensor
    div_(other: TensorLike): Tensor
    clamp_(min?: number | null, max?: number | null): Tensor
    copy_(src: Tensor): Tensor
    fill_(value: number): Tensor
    zero_(): Tensor
    requiresGrad_(on?: boolean): Tensor

    backward(gradient?: Tensor, opts?: BackwardOptions): void
    /** Keep this non-leaf tensor's gradient in .grad after backward. */
    retainGrad(): Tensor
    /** Calls fn with this tensor's gradient during backward; fn may return a replacement. Returns a remover. */
    registerHook(fn: (grad: Tensor) => Tensor | void): () => void
    /** On a leaf: calls fn(tensor) after its .grad was accumulated. Returns a remover. */
    registerPostAccumulateGradHook(fn: (t: Tensor) => void): () => void
  }
}

const P = Tensor.prototype as unknown as Record<string, unknown>

const unaries: UnaryOp[] = ['neg', 'exp', 'log', 'sqrt', 'rsqrt', 'tanh', 'sigmoid', 'relu', 'silu', 'sin', 'cos', 'abs', 'reciprocal', 'square', 'sign', 'erf', 'floor', 'ceil', 'round', 'logicalNot', 'isnan', 'isinf']
for (const op of unaries) P[op] = function (this: Tensor) { return unaryOp(op, this) }
const binaries: BinaryOp[] = ['mul', 'div', 'pow', 'maximum', 'minimum', 'eq', 'ne', 'lt', 'le', 'gt', 'ge', 'logicalAnd', 'logicalOr']
for (const op of binaries) P[op] = function (this: Tensor, o: TensorLike) { return binaryOp(op, this, o) }

Object.assign(Tensor.prototype, {
  gelu(this: Tensor, opts: { approximate?: 'none' | 'tanh' } = {}) { return unaryOp(opts.approximate === 'tanh' ? 'geluTanh' : 'gelu', this) },
  add(this: Tensor, o: TensorLike, opts: { alpha?: number } = {}) { return binaryOp('add', this, scaled(o, opts.alpha)) },
  sub(this: Tensor, o: TensorLike, opts: { alpha?: number } = {}) { return binaryOp('sub', this, scaled(o, opts.alpha)) },
  where(this: Tensor, cond: Tensor, other: TensorLike) { return where(cond, this, other) },
  maskedFill(this: Tensor, mask: Tensor, value: number) { return maskedFill(this, mask, value) },
  clamp(this: Tensor, lo?: number | null, hi?: number | null) { return clamp(this, lo, hi) },
  triu(this: Tensor, k?: number) { return triu(this, k) },
  tril(this: Tensor, k?: number) { return tril(this, k) },

  sum(this: Tensor, d?: Dims, k?: boolean) { return sum(this, d, k) },
  mean(this: Tensor, d?: Dims, k?: boolean) { return mean(this, d, k) },
  prod(this: Tensor, d?: Dims, k?: boolean) { return prod(this, d, k) },
  amax(this: Tensor, d?: Dims, k?: boolean) { return amax(this, d, k) },
  amin(this: Tensor, d?: Dims, k?: boolean) { return amin(this, d, k) },
  max(this: Tensor, d?: number, k?: boolean) { return d === undefined ? max(this) : max(this, d, k) },
  min(this: Tensor, d?: number, k?: boolean) { return d === undefined ? min(this) : min(this, d, k) },
  argmax(this: Tensor, d?: number, k?: boolean) { return argmax(this, d, k) },
  argmin(this: Tensor, d?: number, k?: boolean) { return argmin(this, d, k) },
  logsumexp(this: Tensor, d?: Dims, k?: boolean) { return logsumexp(this, d, k) },
  var(this: Tensor, d?: Dims, o?: VarOptions) { return variance(this, d, o) },
  std(this: Tensor, d?: Dims, o?: VarOptions) { return std(this, d, o) },

  matmul(this: Tensor, o: Tensor) { return matmul(this, o) },
  softmax(this: Tensor, d: number) { return softmax(this, d) },
  logSoftmax(this: Tensor, d: number) { return logSoftmax(this, d) },

  reshape(this: Tensor, s: readonly number[]) { return reshape(this, s) },
  view(this: Tensor, s: readonly number[]) { return view(this, s) },
  permute(this: Tensor, d: readonly number[]) { return permute(this, d) },
  transpose(this: Tensor, a: number, b: number) { return transpose(this, a, b) },
  t(this: Tensor) { return this.ndim < 2 ? this : transpose(this, 0, 1) },
  flatten(this: Tensor, s?: number, e?: number) { return flatten(this, s, e) },
  unflatten(this: Tensor, d: number, s: readonly number[]) { return unflatten(this, d, s) },
  unsqueeze(this: Tensor, d: number) { return unsqueeze(this, d) },
  squeeze(this: Tensor, d?: number | readonly number[]) { return squeeze(this, d) },
  expand(this: Tensor, s: readonly number[]) { return expand(this, s) },
  expandAs(this: Tensor, o: Tensor) { return expand(this, o.shape) },
  slice(this: Tensor, d: number, s?: number, e?: number, st?: number) { return slice(this, d, s, e, st) },
  narrow(this: Tensor, d: number, s: number, l: number) { return narrow(this, d, s, l) },
  split(this: Tensor, s: number | readonly number[], d?: number) { return split(this, s, d) },
  chunk(this: Tensor, c: number, d?: number) { return chunk(this, c, d) },
  cat(this: Tensor, ts: readonly Tensor[], d?: number) { return cat([this, ...ts], d) },
  contiguous(this: Tensor) { return contiguous(this) },
  clone(this: Tensor) { return clone(this) },

  gather(this: Tensor, d: number, i: Tensor) { return gather(this, d, i) },
  scatterAdd(this: Tensor, d: number, i: Tensor, s: Tensor) { return scatterAdd(this, d, i, s) },
  indexSelect(this: Tensor, d: number, i: Tensor) { return indexSelect(this, d, i) },
  indexAdd(this: Tensor, d: number, i: Tensor, s: Tensor) { return indexAdd(this, d, i, s) },

  to(this: Tensor, d: DType) { return to(this, d) },
  float(this: Tensor) { return to(this, 'float32') },
  double(this: Tensor) { return to(this, 'float64') },
  int(this: Tensor) { return to(this, 'int32') },
  bool(this: Tensor) { return to(this, 'bool') },
  detach(this: Tensor) { return detach(this) },

  add_(this: Tensor, o: TensorLike, opts: { alpha?: number } = {}) { return add_(this, o, opts.alpha) },
  sub_(this: Tensor, o: TensorLike) { return sub_(this, o) },
  mul_(this: Tensor, o: TensorLike) { return mul_(this, o) },
  div_(this: Tensor, o: TensorLike) { return div_(this, o) },
  clamp_(this: Tensor, lo?: number | null, hi?: number | null) { return clamp_(this, lo, hi) },
  copy_(this: Tensor, s: Tensor) { return copy_(this, s) },
  fill_(this: Tensor, v: number) { return fill_(this, v) },
  zero_(this: Tensor) { return zero_(this) },
  requiresGrad_(this: Tensor, on = true) {
    if (on && !isFloat(this.dtype)) throw new DTypeError(`requiresGrad_: only floating-point tensors can require gradients, got ${this.dtype}`)
    if (!on && !this.isLeaf) throw new AutogradError('requiresGrad_: cannot turn off requiresGrad on a non-leaf tensor; use detach()')
    this.requiresGrad = on
    return this
  },

  backward(this: Tensor, g?: Tensor, o?: BackwardOptions) { backward(this, g, o) },
  retainGrad(this: Tensor) {
    if (!this.requiresGrad) throw new AutogradError('retainGrad: tensor does not require grad')
    if (this.gradFn) this.gradFn.retained = this
    return this
  },
  registerHook(this: Tensor, fn: (g: Tensor) => Tensor | void) {
    if (!this.requiresGrad) throw new AutogradError('registerHook: cannot register a hook on a tensor that does not require grad')
    const owner = this.gradFn ?? this
    owner.hooks ??= []
    owner.hooks.push(fn)
    return () => { owner.hooks = owner.hooks?.filter((h) => h !== fn) ?? null }
  },
  registerPostAccumulateGradHook(this: Tensor, fn: (t: Tensor) => void) {
    if (!this.isLeaf || !this.requiresGrad) throw new AutogradError('registerPostAccumulateGradHook: only leaf tensors that require grad accumulate gradients')
    this.postAccumulateHooks ??= []
    this.postAccumulateHooks.push(fn)
    return () => { this.postAccumulateHooks = this.postAccumulateHooks?.filter((h) => h !== fn) ?? null }
  },
})

function scaled(o: TensorLike, alpha: number | undefined): TensorLike {
  if (alpha === undefined || alpha === 1) return o
  return typeof o === 'object' ? o.mul(alpha) : Number(o) * alpha
}
