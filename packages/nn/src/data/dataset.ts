// Dataset / DataLoader: indexable examples, batched and optionally shuffled
// with a seeded generator.
import { Generator, IndexError, ShapeError, Tensor, ValueError, defaultGenerator, stack, tensor } from '@adjoint/core'

/** Anything indexable with a length. */
export interface Dataset<T> {
  readonly length: number
  get(index: number): T
}

/** Example i is [t[i] for each tensor]: all tensors share their first dim. */
export class TensorDataset implements Dataset<Tensor[]> {
  readonly tensors: Tensor[]

  constructor(...tensors: Tensor[]) {
    if (tensors.length === 0) throw new ValueError('TensorDataset: expected at least one tensor')
    for (const t of tensors) if (!(t instanceof Tensor) || t.ndim === 0) throw new ShapeError('TensorDataset: every argument must be a tensor with at least 1 dim')
    const n = tensors[0].shape[0]
    if (tensors.some((t) => t.shape[0] !== n)) throw new ShapeError(`TensorDataset: size mismatch between tensors along dim 0: ${tensors.map((t) => t.shape[0]).join(', ')}`)
    this.tensors = tensors
  }

  get length(): number {
    return this.tensors[0].shape[0]
  }

  get(i: number): Tensor[] {
    if (!Number.isInteger(i) || i < 0 || i >= this.length) throw new IndexError(`TensorDataset.get: index ${i} out of range for ${this.length} examples`)
    return this.tensors.map((t) => t.narrow(0, i, 1).squeeze(0))
  }
}

type Collated = Tensor | Collated[] | { [k: string]: Collated }

/** The batch type defaultCollate makes from examples of type T (tensors and numbers become tensors). */
export type Batch<T> = T extends Tensor | number | boolean ? Tensor
  : T extends readonly unknown[] ? { -readonly [K in keyof T]: Batch<T[K]> }
  : T extends object ? { [K in keyof T]: Batch<T[K]> }
  : never

/**
 * Stacks a list of examples into a batch: tensors are stacked on a new dim 0,
 * numbers become a tensor (int32 when all are integers, else float32),
 * arrays and objects are collated field by field.
 */
export function defaultCollate(items: readonly unknown[]): Collated {
  if (items.length === 0) throw new ValueError('defaultCollate: empty batch')
  const first = items[0]
  if (first instanceof Tensor) return stack(items as Tensor[], 0)
  if (typeof first === 'number') {
    const nums = items as number[]
    return tensor(nums, { dtype: nums.every(Number.isInteger) ? 'int32' : 'float32' })
  }
  if (typeof first === 'boolean') return tensor(items as boolean[])
  if (Array.isArray(first)) {
    const len = first.length
    if ((items as unknown[][]).some((x) => !Array.isArray(x) || x.length !== len)) throw new ShapeError('defaultCollate: examples are arrays of different lengths')
    return Array.from({ length: len }, (_, j) => defaultCollate((items as unknown[][]).map((x) => x[j])))
  }
  if (first !== null && typeof first === 'object') {
    const out: Record<string, Collated> = {}
    for (const k of Object.keys(first)) out[k] = defaultCollate(items.map((x) => (x as Record<string, unknown>)[k]))
    return out
  }
  throw new ValueError(`defaultCollate: cannot batch examples of type ${typeof first}`)
}

export interface DataLoaderOptions<T, B> {
  batchSize?: number
  /** A new random order every epoch (every time the loader is iterated). */
  shuffle?: boolean
  /** Drop the last batch when it is smaller than batchSize. */
  dropLast?: boolean
  collate?: (items: T[]) => B
  /** Random source for shuffling (default: the global generator). */
  generator?: Generator
}

/** Iterates over a dataset in batches. */
export class DataLoader<T, B = Batch<T>> implements Iterable<B> {
  readonly batchSize: number
  readonly shuffle: boolean
  readonly dropLast: boolean
  private readonly collate: (items: T[]) => B
  private readonly generator: Generator

  constructor(readonly dataset: Dataset<T>, opts: DataLoaderOptions<T, B> = {}) {
    if (!dataset || typeof dataset.get !== 'function' || !Number.isInteger(dataset.length)) throw new ValueError('DataLoader: dataset must have an integer length and a get(i) method')
    this.batchSize = opts.batchSize ?? 1
    if (!Number.isInteger(this.batchSize) || this.batchSize <= 0) throw new ValueError(`DataLoader: batchSize must be a positive integer, got ${opts.batchSize}`)
    this.shuffle = opts.shuffle ?? false
    this.dropLast = opts.dropLast ?? false
    this.collate = opts.collate ?? (defaultCollate as unknown as (items: T[]) => B)
    this.generator = opts.generator ?? defaultGenerator
  }

  /** Number of batches per epoch. */
  get length(): number {
    const n = this.dataset.length
    return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize)
  }

  /** The example order of one epoch (a Fisher-Yates shuffle when shuffle is on). */
  private order(): number[] {
    const idx = Array.from({ length: this.dataset.length }, (_, i) => i)
    if (this.shuffle) {
      for (let i = idx.length - 1; i > 0; i--) {
        const j = this.generator.int(0, i + 1)
        const t = idx[i]; idx[i] = idx[j]; idx[j] = t
      }
    }
    return idx
  }

  *[Symbol.iterator](): Iterator<B> {
    const idx = this.order()
    for (let s = 0; s < idx.length; s += this.batchSize) {
      const batch = idx.slice(s, s + this.batchSize)
      if (batch.length < this.batchSize && this.dropLast) return
      yield this.collate(batch.map((i) => this.dataset.get(i)))
    }
  }
}
