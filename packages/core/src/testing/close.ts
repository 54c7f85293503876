// NaN-safe closeness checks, the one comparison every adjoint test uses
// (like torch.isclose / torch.testing.assert_close):
//   close(a, e)  <=>  |a - e| <= atol + rtol * |e|,
// except that NaN is close only to NaN (and only when equalNan, the default),
// and an infinity only to the same infinity. A NaN anywhere else never passes,
// which `Math.abs(a - e) > tol` style checks get wrong (NaN > tol is false).
import type { DType } from '../dtype.js'
import { Tensor } from '../tensor.js'

export interface CloseOptions {
  /** Relative tolerance; default by dtype (DEFAULT_TOLERANCES). */
  rtol?: number
  /** Absolute tolerance; default by dtype (DEFAULT_TOLERANCES). */
  atol?: number
  /** NaN matches NaN (default true); NaN never matches a number. */
  equalNan?: boolean
  /** Names what is compared, in the message. */
  what?: string
}

export interface CloseResult {
  pass: boolean
  /** How many elements are not close. */
  mismatches: number
  /** Flat index of the worst element (-1 when all are close, or when shapes differ). */
  worst: number
  /** Says what differs ('' when pass). */
  message: string
}

/** Tolerances used when none are given: about 10 ulp-ish of each dtype's precision (PyTorch's defaults). */
export const DEFAULT_TOLERANCES: Readonly<Record<DType, { rtol: number; atol: number }>> = {
  float64: { rtol: 1e-7, atol: 1e-7 },
  float32: { rtol: 1.3e-6, atol: 1e-5 },
  int32: { rtol: 0, atol: 0 },
  bool: { rtol: 0, atol: 0 },
}

/** Whether the numbers a (actual) and e (expected) are close; see the file comment. */
export function isClose(a: number, e: number, rtol: number, atol: number, equalNan = true): boolean {
  if (Number.isNaN(a) || Number.isNaN(e)) return equalNan && Number.isNaN(a) && Number.isNaN(e)
  if (a === e) return true
  if (!Number.isFinite(a) || !Number.isFinite(e)) return false
  return Math.abs(a - e) <= atol + rtol * Math.abs(e)
}

type Values = Tensor | ArrayLike<number | boolean>

function valuesOf(x: Values): ArrayLike<number | boolean> {
  return x instanceof Tensor ? x.contiguousData() : x
}

/** Compares element by element; tensors must also have the same shape. */
export function compareClose(actual: Values, expected: Values, opts: CloseOptions = {}): CloseResult {
  const what = opts.what ? `${opts.what}: ` : ''
  const dtype: DType = actual instanceof Tensor ? actual.dtype : expected instanceof Tensor ? expected.dtype : 'float64'
  const rtol = opts.rtol ?? DEFAULT_TOLERANCES[dtype].rtol
  const atol = opts.atol ?? DEFAULT_TOLERANCES[dtype].atol
  const equalNan = opts.equalNan ?? true
  if (actual instanceof Tensor && expected instanceof Tensor && actual.shape.join(',') !== expected.shape.join(',')) {
    return { pass: false, mismatches: -1, worst: -1, message: `${what}shape [${actual.shape}], expected [${expected.shape}]` }
  }
  const a = valuesOf(actual), e = valuesOf(expected)
  if (a.length !== e.length) return { pass: false, mismatches: -1, worst: -1, message: `${what}${a.length} elements, expected ${e.length}` }
  let mismatches = 0, worst = -1, worstRatio = -1
  for (let i = 0; i < a.length; i++) {
    const ai = Number(a[i]), ei = Number(e[i])
    if (isClose(ai, ei, rtol, atol, equalNan)) continue
    mismatches++
    const err = Math.abs(ai - ei)
    const ratio = Number.isFinite(err) ? err / (atol + rtol * Math.abs(ei)) : Infinity
    if (ratio > worstRatio) { worstRatio = ratio; worst = i }
  }
  if (mismatches === 0) return { pass: true, mismatches: 0, worst: -1, message: '' }
  const ai = Number(a[worst]), ei = Number(e[worst])
  return {
    pass: false, mismatches, worst,
    message: `${what}${mismatches} of ${a.length} elements differ; worst at flat index ${worst}: got ${ai}, expected ${ei} (|diff| ${Math.abs(ai - ei).toExponential(2)}, rtol ${rtol}, atol ${atol}${equalNan ? '' : ', NaN never equal'})`,
  }
}

/** Throws an Error saying what differs unless actual and expected are close (see compareClose). */
export function assertClose(actual: Values, expected: Values, opts: CloseOptions = {}): void {
  const r = compareClose(actual, expected, opts)
  if (!r.pass) throw new Error(r.message)
}
