// Test helper: gradcheck perturbs its own input tensors, so a model's
// parameters are replaced by them for the duration of a call.
import type { Tensor } from '@adjoint/core'

/** Runs fn with owner[key] = value for each slot, then restores the originals. */
export function withSwapped<T>(slots: readonly (readonly [object, string])[], values: Tensor[], fn: () => T): T {
  const rec = slots.map(([o, k]) => [o as Record<string, unknown>, k] as const)
  const orig = rec.map(([o, k]) => o[k])
  rec.forEach(([o, k], i) => { o[k] = values[i] })
  try { return fn() } finally { rec.forEach(([o, k], i) => { o[k] = orig[i] }) }
}

/** Detached float64 copies (requiring grad) of the tensors in the slots: gradcheck's inputs. */
export function leavesOf(slots: readonly (readonly [object, string])[]): Tensor[] {
  return slots.map(([o, k]) => ((o as Record<string, unknown>)[k] as Tensor).detach().clone().requiresGrad_())
}
