// Layout: how a tensor's elements sit in its storage. Element (i0, i1, ...) is at
// offset + i0*strides[0] + i1*strides[1] + ...; a stride may be 0 (a broadcast
// dim) or anything a view made (a transpose swaps two strides). One immutable
// value that tensors hold and kernels take: a view is a new Layout over the same
// storage, and an output may share its input's Layout object when both are
// contiguous (nothing to copy, nothing to allocate).
import { contiguousStrides, isContiguous, numel, type Shape } from './shape.js'

export class Layout {
  constructor(
    readonly shape: Shape,
    readonly strides: readonly number[],
    readonly offset: number,
  ) {}

  /** The row-major layout of `shape` from `offset`. */
  static contiguous(shape: Shape, offset = 0): Layout {
    return new Layout(shape, contiguousStrides(shape), offset)
  }

  get ndim(): number {
    return this.shape.length
  }

  numel(): number {
    return numel(this.shape)
  }

  /** Row-major with no gaps (size-1 dims may have any stride). */
  isContiguous(): boolean {
    return isContiguous(this.shape, this.strides)
  }

  /** Dims reordered: new dim i is old dim dims[i] (dims: a permutation, checked by the caller). */
  permute(dims: readonly number[]): Layout {
    return new Layout(dims.map((i) => this.shape[i]), dims.map((i) => this.strides[i]), this.offset)
  }

  /** Dims a and b swapped. */
  transpose(a: number, b: number): Layout {
    const shape = [...this.shape], strides = [...this.strides]
    shape[a] = this.shape[b]; shape[b] = this.shape[a]
    strides[a] = this.strides[b]; strides[b] = this.strides[a]
    return new Layout(shape, strides, this.offset)
  }

  /**
   * This layout read as `target` by NumPy broadcasting (right-aligned; new leading
   * dims and size-1 dims that grow get stride 0). The caller checked the shapes.
   */
  expand(target: Shape): Layout {
    const lead = target.length - this.shape.length
    const strides = new Array<number>(target.length)
    for (let i = 0; i < target.length; i++) {
      const have = i < lead ? 1 : this.shape[i - lead]
      strides[i] = i < lead || (have === 1 && target[i] !== 1) ? 0 : this.strides[i - lead]
    }
    return new Layout(target, strides, this.offset)
  }

  /** A size-1 dim inserted at d (0..ndim). */
  unsqueeze(d: number): Layout {
    const shape = [...this.shape], strides = [...this.strides]
    shape.splice(d, 0, 1)
    strides.splice(d, 0, d < this.ndim ? this.strides[d] * this.shape[d] : 1)
    return new Layout(shape, strides, this.offset)
  }

  /** Only the dims with keep[d]. */
  select(keep: readonly boolean[]): Layout {
    return new Layout(this.shape.filter((_, i) => keep[i]), this.strides.filter((_, i) => keep[i]), this.offset)
  }

  /** Elements start, start+step, ... along dim d, `length` of them (the caller checked the range). */
  slice(d: number, start: number, length: number, step = 1): Layout {
    const shape = [...this.shape], strides = [...this.strides]
    shape[d] = length
    strides[d] = this.strides[d] * step
    return new Layout(shape, strides, this.offset + start * this.strides[d])
  }

  /**
   * The same elements in row-major order seen with another shape of as many
   * elements, without copying; null when the strides do not allow it (PyTorch's
   * view rule: each new dim must fall within a run of old dims that are
   * contiguous with each other).
   */
  view(shape: Shape): Layout | null {
    if (this.isContiguous()) return Layout.contiguous(shape, this.offset)
    const oldShape = this.shape.filter((s) => s !== 1), oldStrides = this.strides.filter((_, i) => this.shape[i] !== 1)
    const out = new Array<number>(shape.length).fill(0)
    let oi = 0, ni = 0
    while (ni < shape.length || oi < oldShape.length) {
      if (ni < shape.length && shape[ni] === 1) { out[ni] = 1; ni++; continue }
      if (oi >= oldShape.length || ni >= shape.length) return null
      // take a group of old dims and new dims with equal products
      let op = oldShape[oi], np = shape[ni]
      const oStart = oi, nStart = ni
      while (op !== np) {
        if (op < np) { oi++; if (oi >= oldShape.length) return null; op *= oldShape[oi] }
        else { ni++; if (ni >= shape.length) return null; np *= shape[ni] }
      }
      for (let d = oStart; d < oi; d++) if (oldStrides[d] !== oldStrides[d + 1] * oldShape[d + 1]) return null
      let s = oldStrides[oi]
      for (let d = ni; d >= nStart; d--) { out[d] = s; s *= shape[d] }
      oi++; ni++
    }
    return new Layout(shape, out, this.offset)
  }
}
