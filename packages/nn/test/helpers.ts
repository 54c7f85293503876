// Shared test helpers: fixture loading and closeness checks.
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Tensor, type DType } from '@adjoint/core'
import { expect } from 'vitest'

export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), 'fixtures')

export function fixture<T = any>(name: string): T {
  return JSON.parse(readFileSync(join(FIXTURES, name), 'utf8')) as T
}

export interface TJson { shape: number[]; data: (number | boolean)[] }

export function fromJson(t: TJson, dtype: DType = 'float64'): Tensor {
  const n = t.data.length
  const out = Tensor.empty(t.shape, dtype)
  for (let i = 0; i < n; i++) out.storage.data[i] = Number(t.data[i])
  return out
}

/** |a - b| <= atol + rtol |b| elementwise, with a message naming the worst element. */
export function expectClose(actual: Tensor | ArrayLike<number>, expected: TJson | Tensor | ArrayLike<number>, rtol = 1e-6, atol = 1e-12, what = ''): void {
  const a = actual instanceof Tensor ? actual.contiguousData() : actual
  const e = expected instanceof Tensor ? expected.contiguousData() : 'data' in (expected as object) ? ((expected as TJson).data as number[]) : (expected as ArrayLike<number>)
  if (actual instanceof Tensor && !(expected instanceof Tensor) && 'shape' in (expected as object)) expect(actual.shape, `${what} shape`).toEqual((expected as TJson).shape)
  expect(a.length, `${what} length`).toBe(e.length)
  let worst = -1, worstErr = 0
  for (let i = 0; i < a.length; i++) {
    const ex = Number(e[i]), ac = Number(a[i])
    if (Number.isNaN(ex) && Number.isNaN(ac)) continue
    if (ex === ac) continue
    const err = Math.abs(ac - ex) - (atol + rtol * Math.abs(ex))
    if (!(err <= 0) && (worst < 0 || err > worstErr || Number.isNaN(err))) { worst = i; worstErr = err }
  }
  if (worst >= 0) expect.fail(`${what}: element ${worst}: got ${a[worst]}, expected ${e[worst]} (rtol ${rtol}, atol ${atol})`)
}
