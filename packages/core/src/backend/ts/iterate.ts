// Shared N-d iteration helpers for strided kernels.

/**
 * Merges adjacent dims that are contiguous with each other in every operand
 * (stride[d] == stride[d+1] * shape[d+1]), so strided loops run over as few,
 * as long dims as possible. Size-1 dims are dropped.
 */
export function coalesce(shape: readonly number[], strides: readonly (readonly number[])[]): { shape: number[]; strides: number[][] } {
  const outShape: number[] = []
  const outStrides: number[][] = strides.map(() => [])
  for (let d = 0; d < shape.length; d++) {
    if (shape[d] === 1) continue
    const last = outShape.length - 1
    if (last >= 0 && strides.every((s, i) => outStrides[i][last] === s[d] * shape[d])) {
      outShape[last] *= shape[d]
      for (let i = 0; i < strides.length; i++) outStrides[i][last] = strides[i][d]
    } else {
      outShape.push(shape[d])
      for (let i = 0; i < strides.length; i++) outStrides[i].push(strides[i][d])
    }
  }
  return { shape: outShape, strides: outStrides }
}
