// class Tensor: a view (a Layout: shape, strides, offset) over a shared Storage.
// Ops are installed as methods by ./methods.ts; this file holds the data model.
import type { Node } from './autograd/node.js'
import { getBackend } from './backend/backend.js'
import { allocArray, arrayHoldsDtype, dtypeOfArray, type DType, type TypedArray } from './dtype.js'
import { AdjointError, DTypeError, ShapeError, ValueError, fmtShape } from './errors.js'
import { formatTensor } from './format.js'
import { takeArray } from './memory/pool.js'
import { Layout } from './layout.js'
import { numel, type Shape } from './shape.js'

/** The memory a tensor and its views share; `version` counts in-place writes. */
export interface Storage {
  data: TypedArray
  version: number
}

export type NestedArray = number | boolean | NestedArray[]

let nextId = 1

/**
 * Told about every storage Tensor.empty / Tensor.zeros create while it is set
 * (the autograd engine sets it during backward, to know which buffers it made).
 */
let allocSink: ((s: Storage) => void) | null = null
export function setAllocSink(sink: ((s: Storage) => void) | null): ((s: Storage) => void) | null {
  const prev = allocSink
  allocSink = sink
  return prev
}

/**
 * The layout of a new contiguous tensor: of `shape`, or `like`'s own when that is
 * contiguous from offset 0 (an op's output shaped as its input shares the input's
 * immutable Layout: no strides to compute, nothing allocated).
 */
function outputLayout(like: Shape | Layout): Layout {
  if (!(like instanceof Layout)) return Layout.contiguous(like)
  return like.offset === 0 && like.isContiguous() ? like : Layout.contiguous(like.shape)
}

export class Tensor {
  readonly id = nextId++
  /** Autograd: does this tensor take part in gradient computation? */
  requiresGrad = false
  /** The gradient accumulated by backward() (leaves, and non-leaves that called retainGrad()). */
  grad: Tensor | null = null
  /** The node that created this tensor (null for leaves). */
  gradFn: Node | null = null
  /** An optional name, shown in graph exports. */
  name: string | undefined = undefined
  /** Autograd hooks on a leaf: run on the gradient before it is accumulated. */
  hooks: ((grad: Tensor) => Tensor | void)[] | null = null
  /** Autograd hooks on a leaf: run after the gradient was accumulated into .grad. */
  postAccumulateHooks: ((t: Tensor) => void)[] | null = null

  constructor(
    readonly storage: Storage,
    /** Where the elements sit in storage.data (shape, strides, offset); immutable, may be shared. */
    readonly layout: Layout,
    readonly dtype: DType,
  ) {}

  get shape(): readonly number[] {
    return this.layout.shape
  }

  get strides(): readonly number[] {
    return this.layout.strides
  }

  get offset(): number {
    return this.layout.offset
  }

  /**
   * A contiguous tensor over `data` itself (no copy). dtype defaults to the array's own
   * (Float32Array float32, Float64Array float64, Int32Array int32, Uint8Array bool).
   */
  static fromArray(data: TypedArray, shape: readonly number[], dtype?: DType): Tensor {
    const dt = dtype ?? dtypeOfArray(data)
    if (!arrayHoldsDtype(data, dt)) throw new DTypeError(`Tensor.fromArray: a ${dt} tensor needs a ${allocArray(dt, 0).constructor.name}, got a ${data?.constructor?.name ?? typeof data}`)
    if (data.length !== numel(shape)) throw new ShapeError(`Tensor.fromArray: shape ${fmtShape(shape)} has ${numel(shape)} elements, but the array has ${data.length}`)
    return new Tensor({ data, version: 0 }, Layout.contiguous(shape), dt)
  }

  /**
   * A contiguous tensor with unspecified contents (like torch.empty): the memory
   * may be a pooled buffer that held other numbers. Write every element before
   * reading; use Tensor.zeros when the code relies on zeros.
   */
  static empty(shape: Shape | Layout, dtype: DType): Tensor {
    const layout = outputLayout(shape)
    const n = layout.numel()
    // the array is made for this shape and dtype: no need for fromArray's checks on every op output
    const t = new Tensor({ data: takeArray(dtype, n) ?? allocArray(dtype, n), version: 0 }, layout, dtype)
    if (allocSink !== null) allocSink(t.storage)
    return t
  }

  /** A zero-filled contiguous tensor (a pooled buffer cleared, or a fresh array). */
  static zeros(shape: Shape | Layout, dtype: DType): Tensor {
    const layout = outputLayout(shape)
    const n = layout.numel()
    const pooled = takeArray(dtype, n)
    if (pooled !== null) pooled.fill(0)
    const t = new Tensor({ data: pooled ?? allocArray(dtype, n), version: 0 }, layout, dtype)
    if (allocSink !== null) allocSink(t.storage)
    return t
  }

  /** A view sharing this tensor's storage (no copy, no autograd). */
  view_(layout: Layout): Tensor {
    return new Tensor(this.storage, layout, this.dtype)
  }

  get ndim(): number {
    return this.shape.length
  }

  numel(): number {
    return numel(this.shape)
  }

  /** `size()` is the shape, `size(d)` one dim (negative counts from the end). */
  size(): number[]
  size(dim: number): number
  size(dim?: number): number | number[] {
    if (dim === undefined) return [...this.shape]
    const d = dim < 0 ? dim + this.ndim : dim
    if (d < 0 || d >= this.ndim) throw new AdjointError(`size: dim ${dim} out of range for shape ${fmtShape(this.shape)}`)
    return this.shape[d]
  }

  get isLeaf(): boolean {
    return this.gradFn === null
  }

  /** Version of the storage: bumped by every in-place write. */
  get version(): number {
    return this.storage.version
  }

  isContiguous(): boolean {
    return this.layout.isContiguous()
  }

  /**
   * The TypedArray of a contiguous tensor, exactly its elements (a subarray when
   * the view starts at an offset). Throws for non-contiguous views: call contiguous() first.
   */
  get data(): TypedArray {
    if (!this.isContiguous()) throw new AdjointError(`data: tensor of shape ${fmtShape(this.shape)} with strides ${fmtShape(this.strides)} is not contiguous; call contiguous() first`)
    const n = this.numel()
    const d = this.storage.data
    return this.offset === 0 && d.length === n ? d : d.subarray(this.offset, this.offset + n)
  }

  /** Elements in row-major order as a fresh (or, when contiguous, the shared) TypedArray. */
  contiguousData(): TypedArray {
    if (this.isContiguous()) return this.data
    const out = allocArray(this.dtype, this.numel())
    getBackend().copy(this.storage.data, this.layout, out, Layout.contiguous(this.shape))
    return out
  }

  /** The single value of a one-element tensor. */
  item(): number {
    if (this.numel() !== 1) throw new ValueError(`item: only a one-element tensor can be converted to a number, got shape ${fmtShape(this.shape)}`)
    return this.storage.data[this.offset]
  }

  /** Nested JS arrays (numbers; booleans for bool tensors). */
  toArray(): NestedArray {
    const flat = this.contiguousData()
    const isBool = this.dtype === 'bool'
    const build = (dim: number, start: number): NestedArray => {
      if (dim === this.ndim) return isBool ? flat[start] !== 0 : flat[start]
      const step = numel(this.shape.slice(dim + 1))
      const out: NestedArray[] = []
      for (let i = 0; i < this.shape[dim]; i++) out.push(build(dim + 1, start + i * step))
      return out
    }
    return build(0, 0)
  }

  /** Flat JS array of the elements in row-major order. */
  toList(): number[] {
    return Array.from(this.contiguousData())
  }

  toString(): string {
    return formatTensor(this)
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString()
  }
}
