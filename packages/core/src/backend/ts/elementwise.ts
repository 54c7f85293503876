// Elementwise kernels. Each op is one scalar expression; a small code generator
// turns it into its own loop so V8 compiles a tight, monomorphic loop per op.
import type { FloatArray, TypedArray } from '../../dtype.js'
import type { Layout } from '../../layout.js'
import type { BinaryOp, UnaryOp } from '../backend.js'
import { erf, erfFast } from './erf.js'
import { geluTable32 } from './gelu.js'
import { coalesce } from './iterate.js'

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI)

// x is the input element; `erf` is exact for float64 outputs, fast for float32.
// float32 gelu/geluTanh use gelu.ts's table instead (3-4 ms vs 11-17 ms on 393k elements).
const unaryExpr: Record<UnaryOp, string> = {
  neg: '-x',
  exp: 'Math.exp(x)',
  log: 'Math.log(x)',
  sqrt: 'Math.sqrt(x)',
  rsqrt: '1 / Math.sqrt(x)',
  tanh: 'Math.tanh(x)',
  sigmoid: '1 / (1 + Math.exp(-x))',
  relu: 'x > 0 ? x : 0',
  gelu: '0.5 * x * (1 + erf(x * Math.SQRT1_2))',
  geluTanh: `0.5 * x * (1 + Math.tanh(${SQRT_2_OVER_PI} * (x + 0.044715 * x * x * x)))`,
  silu: 'x / (1 + Math.exp(-x))',
  sin: 'Math.sin(x)',
  cos: 'Math.cos(x)',
  abs: 'Math.abs(x)',
  reciprocal: '1 / x',
  square: 'x * x',
  sign: 'x > 0 ? 1 : x < 0 ? -1 : x',
  erf: 'erf(x)',
  floor: 'Math.floor(x)',
  ceil: 'Math.ceil(x)',
  round: 'roundHalfEven(x)',
  logicalNot: 'x ? 0 : 1',
  isnan: 'x !== x ? 1 : 0',
  isinf: 'x === Infinity || x === -Infinity ? 1 : 0',
}

const binaryExpr: Record<BinaryOp, string> = {
  add: 'x + y',
  sub: 'x - y',
  mul: 'x * y',
  div: 'x / y',
  pow: 'y === 2 ? x * x : y === 3 ? x * x * x : Math.pow(x, y)', // small integer powers by multiplication (Math.pow is ~10x slower)
  maximum: 'x > y || x !== x ? x : y',
  minimum: 'x < y || x !== x ? x : y',
  eq: 'x === y ? 1 : 0',
  ne: 'x !== y ? 1 : 0',
  lt: 'x < y ? 1 : 0',
  le: 'x <= y ? 1 : 0',
  gt: 'x > y ? 1 : 0',
  ge: 'x >= y ? 1 : 0',
  logicalAnd: 'x && y ? 1 : 0',
  logicalOr: 'x || y ? 1 : 0',
}

function roundHalfEven(x: number): number {
  const r = Math.round(x)
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r
}

type UnaryLoop = (x: TypedArray, out: TypedArray, n: number) => void
type BinaryLoop = (a: TypedArray, pa: number, sa: number, b: TypedArray, pb: number, sb: number, out: TypedArray, po: number, n: number) => void

function compileUnary(expr: string, erfImpl: (x: number) => number): UnaryLoop {
  const body = `for (let i = 0; i < n; i++) { const x = X[i]; out[i] = ${expr} }`
  return new Function('erf', 'roundHalfEven', `return function unary(X, out, n) { ${body} }`)(erfImpl, roundHalfEven) as UnaryLoop
}

// One strided inner loop per op, with fast paths for the common stride patterns.
function compileBinary(expr: string): BinaryLoop {
  const loop = (ai: string, bi: string) => `for (let i = 0; i < n; i++) { const x = a[${ai}], y = b[${bi}]; out[po + i] = ${expr} }`
  return new Function(`return function binary(a, pa, sa, b, pb, sb, out, po, n) {
    if (sa === 1 && sb === 1) { ${loop('pa + i', 'pb + i')} }
    else if (sa === 1 && sb === 0) { const y0 = b[pb]; for (let i = 0; i < n; i++) { const x = a[pa + i], y = y0; out[po + i] = ${expr} } }
    else if (sa === 0 && sb === 1) { const x0 = a[pa]; for (let i = 0; i < n; i++) { const x = x0, y = b[pb + i]; out[po + i] = ${expr} } }
    else { ${loop('pa + i * sa', 'pb + i * sb')} }
  }`)() as BinaryLoop
}

const unaryLoops = {} as Record<UnaryOp, UnaryLoop>
const unaryLoops32 = {} as Record<UnaryOp, UnaryLoop>
for (const op of Object.keys(unaryExpr) as UnaryOp[]) {
  unaryLoops[op] = compileUnary(unaryExpr[op], erf)
  unaryLoops32[op] = op === 'erf' ? compileUnary(unaryExpr[op], erfFast) : unaryLoops[op]
}
unaryLoops32.gelu = (x, out, n) => geluTable32(x as FloatArray, out as FloatArray, n, false)
unaryLoops32.geluTanh = (x, out, n) => geluTable32(x as FloatArray, out as FloatArray, n, true)
const binaryLoops = {} as Record<BinaryOp, BinaryLoop>
for (const op of Object.keys(binaryExpr) as BinaryOp[]) binaryLoops[op] = compileBinary(binaryExpr[op])

export function unary(op: UnaryOp, x: TypedArray, out: TypedArray, n: number): void {
  ;(out instanceof Float32Array ? unaryLoops32 : unaryLoops)[op](x, out, n)
}

// d relu = [x > 0]
export function reluBackward(x: FloatArray, gy: FloatArray, gx: FloatArray, n: number): void {
  for (let i = 0; i < n; i++) gx[i] = x[i] > 0 ? gy[i] : 0
}

export function binary(op: BinaryOp, a: TypedArray, aLayout: Layout, b: TypedArray, bLayout: Layout, out: TypedArray, outLayout: Layout): void {
  const f = binaryLoops[op]
  const aOffset = aLayout.offset, bOffset = bLayout.offset
  if (aLayout.isContiguous() && bLayout.isContiguous()) {
    // the common case: one flat loop, no stride bookkeeping
    f(a, aOffset, 1, b, bOffset, 1, out, outLayout.offset, outLayout.numel())
    return
  }
  const shape = outLayout.shape
  const c = coalesce(shape, [aLayout.strides, bLayout.strides, outLayout.strides])
  const sh = c.shape, [sa, sb] = c.strides
  const nd = sh.length
  if (nd === 0) {
    f(a, aOffset, 0, b, bOffset, 0, out, 0, 1)
    return
  }
  const inner = sh[nd - 1]
  let outer = 1
  for (let d = 0; d < nd - 1; d++) outer *= sh[d]
  const idx = new Array<number>(nd).fill(0)
  let pa = aOffset, pb = bOffset, po = outLayout.offset
  for (let o = 0; o < outer; o++) {
    f(a, pa, sa[nd - 1], b, pb, sb[nd - 1], out, po, inner)
    po += inner
    for (let d = nd - 2; d >= 0; d--) {
      pa += sa[d]
      pb += sb[d]
      if (++idx[d] < sh[d]) break
      pa -= sa[d] * sh[d]
      pb -= sb[d] * sh[d]
      idx[d] = 0
    }
  }
}
