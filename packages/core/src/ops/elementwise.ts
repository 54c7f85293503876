// Elementwise ops: unary math, binary arithmetic with broadcasting, comparisons,
// where/maskedFill/clamp/triu/tril. Each op's backward sits right under its forward.
import { recordFused, type FusedBackward } from '../autograd/fused.js'
import { record, needsGrad } from '../autograd/node.js'
import { getBackend, type BinaryOp, type UnaryOp } from '../backend/backend.js'
import { isFloat, promoteTypes, promoteWithScalar, type DType, type FloatArray } from '../dtype.js'
import { DTypeError, ValueError } from '../errors.js'
import { broadcastShapes, shapesEqual } from '../shape.js'
import { Tensor } from '../tensor.js'
import { assertTensor, scalar, type TensorLike } from './util.js'

// ---------- unary ----------

const floatResult = new Set<UnaryOp>(['exp', 'log', 'sqrt', 'rsqrt', 'tanh', 'sigmoid', 'gelu', 'geluTanh', 'silu', 'sin', 'cos', 'reciprocal', 'erf'])
const boolResult = new Set<UnaryOp>(['logicalNot', 'isnan', 'isinf'])

function unaryForward(op: UnaryOp, x: Tensor): Tensor {
  assertTensor(op, x)
  let dtype: DType = x.dtype
  if (boolResult.has(op)) dtype = 'bool'
  else if (floatResult.has(op) && !isFloat(dtype)) dtype = 'float32'
  else if (x.dtype === 'bool' && op !== 'abs') dtype = op === 'neg' ? 'bool' : 'int32'
  if (op === 'neg' && x.dtype === 'bool') throw new DTypeError('neg: negation of a bool tensor is not supported; use logicalNot')
  const out = Tensor.empty(x.layout, dtype)
  if (op === 'gelu' || op === 'geluTanh') {
    // GELU has a kernel pair of its own (backend.gelu / geluBackward)
    const xd = (x.dtype === dtype ? x : x.to(dtype)).contiguousData() as FloatArray
    getBackend().gelu(xd, out.storage.data as FloatArray, out.numel(), op === 'geluTanh')
  } else {
    getBackend().unary(op, x.contiguousData(), out.storage.data, out.numel())
  }
  return out
}

/** gx = g gelu'(x) in one pass of the backend's kernel (first-order backward only: it records no graph). */
function geluKernelBackward(g: Tensor, x: Tensor, approximate: boolean): Tensor {
  const gx = Tensor.empty(x.layout, x.dtype)
  const gd = (g.dtype === x.dtype ? g : g.to(x.dtype)).contiguousData() as FloatArray
  getBackend().geluBackward(x.contiguousData() as FloatArray, gd, gx.storage.data as FloatArray, gx.numel(), approximate)
  return gx
}

/** gx = g [x > 0] in one pass of the backend's kernel (first-order backward only). */
function reluKernelBackward(g: Tensor, x: Tensor): Tensor {
  const gx = Tensor.empty(x.layout, x.dtype)
  const gd = (g.dtype === x.dtype ? g : g.to(x.dtype)).contiguousData() as FloatArray
  getBackend().reluBackward(x.contiguousData() as FloatArray, gd, gx.storage.data as FloatArray, gx.numel())
  return gx
}

type UnaryRule = (g: Tensor, x: Tensor, out: Tensor) => Tensor
const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI)
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI)

// d gelu = Phi(x) + x phi(x), composed of Tensor ops (exported for tests comparing it to the kernel)
export function geluComposed(g: Tensor, x: Tensor): Tensor {
  return g.mul(x.mul(Math.SQRT1_2).erf().add(1).mul(0.5).add(x.mul(x.square().mul(-0.5).exp()).mul(INV_SQRT_2PI)))
}

// d geluTanh = (1 + t)/2 + x/2 (1 - t^2) u', t = tanh u, u = sqrt(2/pi)(x + 0.044715 x^3), composed of Tensor ops
export function geluTanhComposed(g: Tensor, x: Tensor): Tensor {
  const t = x.add(x.pow(3).mul(0.044715)).mul(SQRT_2_OVER_PI).tanh()
  const du = x.square().mul(3 * 0.044715).add(1).mul(SQRT_2_OVER_PI)
  return g.mul(t.add(1).mul(0.5).add(x.mul(0.5).mul(t.square().neg().add(1)).mul(du)))
}

// d out / d x, times g. Written with Tensor ops, so each is differentiable again.
// The table is total over UnaryOp: a new op without a rule (or an explicit null,
// "no gradient": bool results) is a type error, not a silent missing gradient.
// A fused rule ({kernel, composed}) is recorded by recordFused.
const unaryRules: Record<UnaryOp, UnaryRule | { kernel: UnaryRule; composed: UnaryRule } | null> = {
  neg: (g) => g.neg(), //                                     d(-x) = -1
  exp: (g, _x, y) => g.mul(y), //                             d e^x = e^x
  log: (g, x) => g.div(x), //                                 d ln x = 1/x
  sqrt: (g, _x, y) => g.div(y.mul(2)), //                     d sqrt x = 1/(2 sqrt x)
  rsqrt: (g, _x, y) => g.mul(y.pow(3)).mul(-0.5), //          d x^-1/2 = -1/2 x^-3/2
  tanh: (g, _x, y) => g.mul(y.square().neg().add(1)), //      d tanh = 1 - tanh^2
  sigmoid: (g, _x, y) => g.mul(y.mul(y.neg().add(1))), //     d s = s (1 - s)
  // d relu = [x > 0]: one kernel pass, or composed when the backward's graph is wanted
  relu: { kernel: reluKernelBackward, composed: (g, x) => g.mul(x.gt(0)) },
  // d gelu = Phi(x) + x phi(x), Phi(x) = (1 + erf(x/sqrt2))/2, phi(x) = e^{-x^2/2}/sqrt(2 pi);
  // one kernel pass when no graph of the backward is needed, else composed (differentiable again)
  gelu: { kernel: (g, x) => geluKernelBackward(g, x, false), composed: geluComposed },
  // u = sqrt(2/pi)(x + 0.044715 x^3), t = tanh u: d = (1 + t)/2 + x/2 (1 - t^2) sqrt(2/pi)(1 + 3*0.044715 x^2)
  geluTanh: { kernel: (g, x) => geluKernelBackward(g, x, true), composed: geluTanhComposed },
  silu: (g, x) => { const s = x.sigmoid(); return g.mul(s.mul(x.mul(s.neg().add(1)).add(1))) }, // d x s(x) = s (1 + x (1 - s))
  sin: (g, x) => g.mul(x.cos()), //                           d sin = cos
  cos: (g, x) => g.mul(x.sin()).neg(), //                     d cos = -sin
  abs: (g, x) => g.mul(x.sign()), //                          d |x| = sign x
  reciprocal: (g, _x, y) => g.mul(y.square()).neg(), //       d 1/x = -1/x^2
  square: (g, x) => g.mul(x).mul(2), //                       d x^2 = 2x
  erf: (g, x) => g.mul(x.square().neg().exp()).mul(2 / Math.sqrt(Math.PI)), // d erf = 2/sqrt(pi) e^{-x^2}
  sign: (g) => g.mul(0), //                                   piecewise constant: zero gradient
  floor: (g) => g.mul(0),
  ceil: (g) => g.mul(0),
  round: (g) => g.mul(0),
  logicalNot: null,
  isnan: null,
  isinf: null,
}
const savesOutput = new Set<UnaryOp>(['exp', 'sqrt', 'rsqrt', 'tanh', 'sigmoid', 'reciprocal'])

export function unaryOp(op: UnaryOp, x: Tensor): Tensor {
  const out = unaryForward(op, x)
  const rule = unaryRules[op]
  if (rule && isFloat(out.dtype) && needsGrad(x)) {
    const saved = savesOutput.has(op) ? [out] : [x]
    if (typeof rule === 'function') record(op, out, [x], (g) => [rule(g, x, out)], saved)
    else recordFused(op, out, [x], { kernel: (g) => [rule.kernel(g, x, out)], composed: (g) => [rule.composed(g, x, out)] } satisfies FusedBackward, saved)
  }
  return out
}

// ---------- binary ----------

function asTensor(op: string, v: TensorLike, other: Tensor): Tensor {
  if (v instanceof Tensor) return v
  if (typeof v !== 'number' && typeof v !== 'boolean') throw new ValueError(`${op}: expected a Tensor or a number, got ${v === null ? 'null' : typeof v}`)
  return scalar(v, promoteWithScalar(other.dtype, v))
}

const comparison = new Set<BinaryOp>(['eq', 'ne', 'lt', 'le', 'gt', 'ge', 'logicalAnd', 'logicalOr'])

// bool op bool, as in PyTorch: add is logical or; mul, maximum and minimum stay bool; sub and pow are errors.
function boolBinary(op: BinaryOp): BinaryOp {
  if (op === 'sub') throw new DTypeError('sub: subtraction of two bool tensors is not supported; use logicalXor (ne) instead')
  if (op === 'pow') throw new DTypeError('pow: not implemented for two bool tensors; cast one to int32 or float first')
  return op === 'add' ? 'logicalOr' : op
}

function binaryForward(op: BinaryOp, a: Tensor, b: Tensor): Tensor {
  const shape = broadcastShapes(op, a.shape, b.shape)
  if (a.dtype === 'bool' && b.dtype === 'bool') op = boolBinary(op)
  let dtype: DType = comparison.has(op) ? 'bool' : promoteTypes(a.dtype, b.dtype)
  if (op === 'div' && !isFloat(dtype)) dtype = 'float32' // true division, as in PyTorch
  if (shapesEqual(a.shape, b.shape)) {
    // no broadcast: the inputs' own layouts (out shares a's when that is contiguous)
    const out = Tensor.empty(a.layout, dtype)
    getBackend().binary(op, a.storage.data, a.layout, b.storage.data, b.layout, out.storage.data, out.layout)
    return out
  }
  const out = Tensor.empty(shape, dtype)
  getBackend().binary(op, a.storage.data, a.layout.expand(shape), b.storage.data, b.layout.expand(shape), out.storage.data, out.layout)
  return out
}

type BinaryRule = (g: Tensor, a: Tensor, b: Tensor, out: Tensor) => [Tensor | null, Tensor | null]

// Gradients w.r.t. (a, b), of the broadcast output shape; the engine sums them to each input's shape.
// Total over BinaryOp, like unaryRules; comparisons and logical ops (bool results) have none.
const binaryRules: Record<BinaryOp, BinaryRule | null> = {
  add: (g) => [g, g], //                                       d(a + b) = (1, 1)
  sub: (g, _a, b) => [g, b.requiresGrad ? g.neg() : null], //  d(a - b) = (1, -1)
  mul: (g, a, b) => [a.requiresGrad ? g.mul(b) : null, b.requiresGrad ? g.mul(a) : null], // d(a b) = (b, a)
  // d(a / b) = (1/b, -a/b^2)
  div: (g, a, b) => [a.requiresGrad ? g.div(b) : null, b.requiresGrad ? g.mul(a).div(b.square()).neg() : null],
  // d(a^b) = (b a^(b-1), a^b ln a); as in PyTorch, the first is 0 where b == 0 and the
  // second 0 where a == 0 and b >= 0 (instead of the NaN of 0 * 0^-1 and 0 * ln 0)
  pow: (g, a, b, out) => [
    a.requiresGrad ? where(b.eq(0), 0, g.mul(b).mul(a.pow(b.sub(1)))) : null,
    b.requiresGrad ? where(a.eq(0).logicalAnd(b.ge(0)), 0, g.mul(out).mul(a.log())) : null,
  ],
  // ties split the gradient evenly, as PyTorch does
  maximum: (g, a, b) => { const h = g.mul(a.eq(b)).mul(0.5); return [g.mul(a.gt(b)).add(h), g.mul(b.gt(a)).add(h)] },
  minimum: (g, a, b) => { const h = g.mul(a.eq(b)).mul(0.5); return [g.mul(a.lt(b)).add(h), g.mul(b.lt(a)).add(h)] },
  eq: null, ne: null, lt: null, le: null, gt: null, ge: null, logicalAnd: null, logicalOr: null,
}

export function binaryOp(op: BinaryOp, a: TensorLike, b: TensorLike): Tensor {
  if (!(a instanceof Tensor) && !(b instanceof Tensor)) throw new ValueError(`${op}: at least one operand must be a Tensor`)
  const ta = a instanceof Tensor ? a : asTensor(op, a, b as Tensor)
  const tb = b instanceof Tensor ? b : asTensor(op, b, ta)
  const out = binaryForward(op, ta, tb)
  const rule = binaryRules[op]
  if (rule && isFloat(out.dtype) && needsGrad(ta, tb)) {
    record(op, out, [ta, tb], (g) => rule(g, ta, tb, out), op === 'pow' ? [ta, tb, out] : op === 'add' || op === 'sub' ? [] : [ta, tb])
  }
  return out
}

// ---------- selection ----------

/** where(cond, a, b): a where cond is true, else b (broadcast together). */
export function where(cond: Tensor, a: TensorLike, b: TensorLike): Tensor {
  assertTensor('where', cond, 'condition')
  if (cond.dtype !== 'bool') throw new DTypeError(`where: condition must be a bool tensor, got ${cond.dtype}`)
  const ref = a instanceof Tensor ? a : b instanceof Tensor ? b : null
  const ta = a instanceof Tensor ? a : scalar(a, ref ? promoteWithScalar(ref.dtype, a) : typeof a === 'boolean' ? 'bool' : 'float32')
  const tb = b instanceof Tensor ? b : scalar(b, promoteWithScalar(ta.dtype, b))
  const shape = broadcastShapes('where', broadcastShapes('where', cond.shape, ta.shape), tb.shape)
  const dtype = promoteTypes(ta.dtype, tb.dtype)
  const out = Tensor.empty(shape, dtype)
  const dense = (t: Tensor) => t.detach().expand(shape).contiguousData()
  getBackend().where(dense(cond) as Uint8Array, dense(ta), dense(tb), out.storage.data, out.numel())
  if (isFloat(dtype) && needsGrad(ta, tb)) {
    // d where(c, a, b) = (g where c, g where not c)
    // cond is saved: changing it in place before backward is an error, as in PyTorch
    record('where', out, [ta, tb], (g) => [ta.requiresGrad ? where(cond, g, 0) : null, tb.requiresGrad ? where(cond, 0, g) : null], [cond])
  }
  return out
}

/** Elements where mask is true replaced by value (mask broadcasts to x). */
export function maskedFill(x: Tensor, mask: Tensor, value: number): Tensor {
  assertTensor('maskedFill', x)
  assertTensor('maskedFill', mask, 'mask')
  if (mask.dtype !== 'bool') throw new DTypeError(`maskedFill: mask must be a bool tensor, got ${mask.dtype}`)
  const shape = broadcastShapes('maskedFill', x.shape, mask.shape)
  if (shape.length !== x.ndim || shape.some((s, i) => s !== x.shape[i])) throw new ValueError(`maskedFill: mask of shape [${mask.shape.join(',')}] does not broadcast to the input's shape [${x.shape.join(',')}]`)
  return where(mask, scalar(value, x.dtype), x)
}

/** clamp(x, min, max): gradient 1 where min <= x <= max, else 0. */
export function clamp(x: Tensor, min?: number | null, max?: number | null): Tensor {
  assertTensor('clamp', x)
  if ((min === undefined || min === null) && (max === undefined || max === null)) throw new ValueError('clamp: at least one of min and max must be given')
  // PyTorch's type promotion: a fractional bound makes an int32 input's result float32 (int32.clamp(1.5) is [1.5, 2, ...], not truncated)
  let dtype = x.dtype
  if (min !== undefined && min !== null) dtype = promoteWithScalar(dtype, min)
  if (max !== undefined && max !== null) dtype = promoteWithScalar(dtype, max)
  let out = x
  const inner = () => {
    if (min !== undefined && min !== null) out = binaryForward('maximum', out, scalar(min, dtype))
    if (max !== undefined && max !== null) out = binaryForward('minimum', out, scalar(max, dtype))
    return out === x ? binaryForward('add', x, scalar(0, dtype)) : out
  }
  const result = inner()
  if (isFloat(x.dtype) && needsGrad(x)) {
    record('clamp', result, [x], (g) => {
      let keep = g
      if (min !== undefined && min !== null) keep = keep.mul(x.ge(min))
      if (max !== undefined && max !== null) keep = keep.mul(x.le(max))
      return [keep]
    }, [x])
  }
  return result
}

function triangle(op: 'triu' | 'tril', x: Tensor, k: number): Tensor {
  assertTensor(op, x)
  if (x.ndim < 2) throw new ValueError(`${op}: expected a tensor with at least 2 dims, got ${x.ndim}`)
  const rows = x.shape[x.ndim - 2], cols = x.shape[x.ndim - 1]
  const mask = Tensor.zeros([rows, cols], 'bool')
  const m = mask.storage.data
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) m[i * cols + j] = (op === 'triu' ? j - i >= k : j - i <= k) ? 1 : 0
  return where(mask, x, x.dtype === 'bool' ? false : 0) // a bool tensor stays bool (as in PyTorch)
}

/** Upper triangle (j - i >= k) of the last two dims; the rest zero. */
export function triu(x: Tensor, k = 0): Tensor {
  return triangle('triu', x, k)
}

/** Lower triangle (j - i <= k) of the last two dims; the rest zero. */
export function tril(x: Tensor, k = 0): Tensor {
  return triangle('tril', x, k)
}
