// GELU kernels: forward and backward (gx = gy * gelu'(x)), exact (erf) or with
// the tanh approximation. float64 evaluates the formulas with core's erf;
// float32 interpolates tables (below), a third of the cost of an erf or tanh
// per element.
import type { FloatArray } from '../../dtype.js'
import { erf } from './erf.js'
import { columnSums } from './reduce.js'

// GELU and its derivative are smooth, so a cubic Hermite interpolation over a
// table (values and slopes at 32 points per unit on [-6, 6], from float64
// formulas) is accurate to ~5e-8, below float32's resolution. Outside [-6, 6],
// GELU is x or 0 and its slope 1 or 0 to within 1e-8.
const LO = -6, HI = 6, PER = 32, N = (HI - LO) * PER

const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI)
const C = Math.sqrt(2 / Math.PI), K = 0.044715

/** [f, f', f''] of exact GELU: f = x Phi(x), f' = Phi + x phi, f'' = phi (2 - x^2). */
function geluExact(x: number): [number, number, number] {
  const Phi = 0.5 * (1 + erf(x * Math.SQRT1_2)), phi = Math.exp(-0.5 * x * x) * INV_SQRT_2PI
  return [x * Phi, Phi + x * phi, phi * (2 - x * x)]
}

/** [f, f', f''] of GELU's tanh approximation: f = x (1 + tanh u) / 2, u = sqrt(2/pi) (x + 0.044715 x^3). */
function geluTanhExact(x: number): [number, number, number] {
  const th = Math.tanh(C * (x + K * x * x * x)), s = 1 - th * th
  const du = C * (1 + 3 * K * x * x), ddu = 6 * C * K * x
  return [0.5 * x * (1 + th), 0.5 * (1 + th) + 0.5 * x * s * du, s * du + 0.5 * x * s * (ddu - 2 * th * du * du)]
}

/** Per interval j, the cubic c0 + c1 t + c2 t^2 + c3 t^3 (t in [0, 1)) through the knots' values and slopes, interleaved. */
type Cubics = Float64Array
const tables = new Map<boolean, { value: Cubics; slope: Cubics }>()

function cubics(f: Float64Array, df: Float64Array): Cubics {
  const h = 1 / PER, c = new Float64Array(4 * N)
  for (let j = 0; j < N; j++) {
    const f0 = f[j], f1 = f[j + 1], d0 = df[j] * h, d1 = df[j + 1] * h
    c[4 * j] = f0
    c[4 * j + 1] = d0
    c[4 * j + 2] = -3 * f0 - 2 * d0 + 3 * f1 - d1
    c[4 * j + 3] = 2 * f0 + d0 - 2 * f1 + d1
  }
  return c
}

/** The cubic Hermite pieces of GELU (value) and of its derivative (slope), built once per kind. */
function tablesFor(tanh: boolean): { value: Cubics; slope: Cubics } {
  let t = tables.get(tanh)
  if (!t) {
    const f = new Float64Array(N + 1), d1 = new Float64Array(N + 1), d2 = new Float64Array(N + 1)
    for (let i = 0; i <= N; i++) [f[i], d1[i], d2[i]] = (tanh ? geluTanhExact : geluExact)(LO + i / PER)
    t = { value: cubics(f, d1), slope: cubics(d1, d2) }
    tables.set(tanh, t)
  }
  return t
}

/** float32 y = gelu(x) by table: x above HI, 0 below LO, NaN stays NaN. */
export function geluTable32(x: FloatArray, y: FloatArray, n: number, tanh: boolean): void {
  const c = tablesFor(tanh).value
  for (let i = 0; i < n; i++) {
    const v = x[i]
    let r: number
    if (v >= HI) r = v
    else if (v > LO) {
      const s = (v - LO) * PER, j = s | 0, t = s - j, o = 4 * j
      r = c[o] + t * (c[o + 1] + t * (c[o + 2] + t * c[o + 3]))
    } else r = v === v ? 0 : v
    y[i] = r
  }
}

/** float32 gx = gy gelu'(x) by table: the slope is 1 above HI, 0 below LO, NaN stays NaN. */
function geluBackwardTable32(x: FloatArray, gy: FloatArray, gx: FloatArray, n: number, tanh: boolean): void {
  const c = tablesFor(tanh).slope
  for (let i = 0; i < n; i++) {
    const v = x[i]
    let r: number
    if (v >= HI) r = gy[i]
    else if (v > LO) {
      const s = (v - LO) * PER, j = s | 0, t = s - j, o = 4 * j
      r = gy[i] * (c[o] + t * (c[o + 1] + t * (c[o + 2] + t * c[o + 3])))
    } else r = v === v ? 0 : v
    gx[i] = r
  }
}

/** y = gelu(x) over n elements; approximate: the tanh form. */
export function gelu(x: FloatArray, y: FloatArray, n: number, approximate: boolean): void {
  if (y instanceof Float32Array) return geluTable32(x, y, n, approximate)
  if (approximate) {
    for (let i = 0; i < n; i++) { const v = x[i]; y[i] = 0.5 * v * (1 + Math.tanh(C * (v + K * v * v * v))) }
  } else {
    for (let i = 0; i < n; i++) { const v = x[i]; y[i] = 0.5 * v * (1 + erf(v * Math.SQRT1_2)) }
  }
}

/** gx = gy * gelu'(x) over n elements: exact Phi(x) + x phi(x); tanh form (1 + t)/2 + x/2 (1 - t^2) u'(x). */
export function geluBackward(x: FloatArray, gy: FloatArray, gx: FloatArray, n: number, approximate: boolean): void {
  if (gx instanceof Float32Array) return geluBackwardTable32(x, gy, gx, n, approximate)
  if (approximate) {
    for (let i = 0; i < n; i++) {
      const v = x[i], t = Math.tanh(C * (v + K * v * v * v))
      gx[i] = gy[i] * (0.5 * (1 + t) + 0.5 * v * (1 - t * t) * C * (1 + 3 * K * v * v))
    }
  } else {
    for (let i = 0; i < n; i++) {
      const v = x[i]
      gx[i] = gy[i] * (0.5 * (1 + erf(v * Math.SQRT1_2)) + v * Math.exp(-0.5 * v * v) * INV_SQRT_2PI)
    }
  }
}

/** pre = x + bias (per row), y = gelu(pre), over [rows, cols]; pre may be x. */
export function biasGelu(x: FloatArray, bias: FloatArray, pre: FloatArray, y: FloatArray, rows: number, cols: number, approximate: boolean): void {
  for (let r = 0, o = 0; r < rows; r++) for (let c = 0; c < cols; c++, o++) pre[o] = x[o] + bias[c]
  gelu(pre, y, rows * cols, approximate)
}

/** gx = gy gelu'(pre) over [rows, cols]; gb = sum of gx over the rows (float64 sums) when given. */
export function biasGeluBackward(pre: FloatArray, gy: FloatArray, gx: FloatArray, gb: FloatArray | null, rows: number, cols: number, approximate: boolean): void {
  geluBackward(pre, gy, gx, rows * cols, approximate)
  if (gb) columnSums(gx, 0, gb, rows, cols)
}
