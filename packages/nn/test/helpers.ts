// Shared test helpers: fixture loading and closeness checks.
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Tensor, type DType } from '@adjoint/core'
import { assertClose } from '@adjoint/core/testing'
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
  assertClose(a, e, { rtol, atol, what })
}
