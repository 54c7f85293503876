// The inverse of erf in float64, for truncNormal_'s inverse-CDF sampling (erf itself is core's).
import { erfScalar as erf } from '@adjoint/core'

const TWO_OVER_SQRT_PI = 1.1283791670955126

export { erf }

/** Inverse of erf on (-1, 1): Giles' approximation refined by Newton steps on erf. */
export function erfinv(y: number): number {
  if (y <= -1) return y === -1 ? -Infinity : NaN
  if (y >= 1) return y === 1 ? Infinity : NaN
  let w = -Math.log((1 - y) * (1 + y))
  let x: number
  if (w < 5) {
    w -= 2.5
    let p = 2.81022636e-8
    for (const c of [3.43273939e-7, -3.5233877e-6, -4.39150654e-6, 0.00021858087, -0.00125372503, -0.00417768164, 0.246640727, 1.50140941]) p = c + p * w
    x = p * y
  } else {
    w = Math.sqrt(w) - 3
    let p = -0.000200214257
    for (const c of [0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773, -0.0076224613, 0.00943887047, 1.00167406, 2.83297682]) p = c + p * w
    x = p * y
  }
  // Newton on erf(x) - y: d erf = 2/sqrt(pi) e^{-x^2}
  for (let i = 0; i < 2; i++) {
    const d = TWO_OVER_SQRT_PI * Math.exp(-x * x)
    if (d === 0) break
    x -= (erf(x) - y) / d
  }
  return x
}
