import type { TypedArray } from '../../dtype.js'
import type { ReduceOp } from '../backend.js'

/** Reduces each contiguous row of length r of an [outer, r] array. NaN propagates through max/min. */
export function reduce(op: ReduceOp, x: TypedArray, out: TypedArray, outer: number, r: number): void {
  switch (op) {
    case 'sum':
      for (let o = 0, p = 0; o < outer; o++) {
        let s = 0
        for (let i = 0; i < r; i++) s += x[p++]
        out[o] = s
      }
      return
    case 'prod':
      for (let o = 0, p = 0; o < outer; o++) {
        let s = 1
        for (let i = 0; i < r; i++) s *= x[p++]
        out[o] = s
      }
      return
    case 'max':
    case 'argmax':
    case 'min':
    case 'argmin': {
      const isMax = op === 'max' || op === 'argmax', arg = op === 'argmax' || op === 'argmin'
      for (let o = 0, p = 0; o < outer; o++, p += r) {
        let best = x[p], bi = 0
        for (let i = 1; i < r && best === best; i++) {
          const v = x[p + i]
          if (v !== v || (isMax ? v > best : v < best)) { best = v; bi = i }
        }
        out[o] = arg ? bi : best
      }
      return
    }
  }
}

/** out[c] = sum over r of x[xOffset + r * cols + c]: float64 sums, row by row (whole rows are read in order). */
export function columnSums(x: TypedArray, xOffset: number, out: TypedArray, rows: number, cols: number): void {
  const acc = new Float64Array(cols)
  for (let r = 0, base = xOffset; r < rows; r++, base += cols) for (let c = 0; c < cols; c++) acc[c] += x[base + c]
  for (let c = 0; c < cols; c++) out[c] = acc[c]
}
