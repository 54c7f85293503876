// How much memory a training run will need, estimated from the configs before
// anything is built, so that an impossible size (--block 100000) is refused at
// once with the figures, instead of failing inside the first step.
import { totalmem } from 'node:os'
import { ConfigError } from '../errors.js'

/** The sizes that decide a transformer's training memory. */
export interface TransformerShape {
  /** Parameters (weights). */
  parameters: number
  /** Layers (an encoder-decoder: both stacks). */
  layers: number
  width: number
  heads: number
  vocab: number
  /** Tokens per sequence and sequences per batch. */
  seq: number
  batch: number
}

export interface Footprint {
  /** Bytes of weights, gradients and AdamW's two moments, and of the activations kept for backward (float32). */
  bytes: number
  /** The largest single tensor of a step. */
  largest: { what: string; shape: number[]; elements: number }
}

/**
 * float32 bytes: 4 copies of the parameters (weights, gradients, AdamW's m and v),
 * per layer about 16 activations of [batch, seq, width] and 2 of [batch, heads, seq, seq]
 * (attention scores and probabilities), and 3 of the logits [batch, seq, vocab].
 */
export function transformerFootprint(s: TransformerShape): Footprint {
  const scores = s.batch * s.heads * s.seq * s.seq
  const logits = s.batch * s.seq * s.vocab
  const hidden = 4 * s.batch * s.seq * s.width
  const floats = 4 * s.parameters + s.layers * (16 * s.batch * s.seq * s.width + 2 * scores) + 3 * logits
  const candidates = [
    { what: 'the attention scores', shape: [s.batch, s.heads, s.seq, s.seq], elements: scores },
    { what: 'the logits', shape: [s.batch, s.seq, s.vocab], elements: logits },
    { what: "the MLP's hidden activations", shape: [s.batch, s.seq, 4 * s.width], elements: hidden },
  ]
  return { bytes: 4 * floats, largest: candidates.reduce((a, b) => (b.elements > a.elements ? b : a)) }
}

/** Most elements one typed array may hold here (V8's limit for float32 arrays on 64-bit machines). */
export const MAX_TENSOR_ELEMENTS = 2 ** 32 - 1

const gb = (bytes: number) => `${(bytes / 2 ** 30).toFixed(bytes < 2 ** 30 ? 2 : 1)} GB`

/** Throws a ConfigError naming the size that cannot fit: a tensor too large for an array, or more memory than the machine has. */
export function checkFootprint(fp: Footprint, settings: string, memory = totalmem()): void {
  const { largest } = fp
  if (largest.elements > MAX_TENSOR_ELEMENTS) {
    throw new ConfigError(`${settings} is too large: ${largest.what} alone would be a [${largest.shape.join(', ')}] tensor of ${largest.elements.toExponential(2)} elements (at most ${MAX_TENSOR_ELEMENTS.toExponential(2)} fit in one array); lower --block or --batch`)
  }
  if (fp.bytes > memory) {
    throw new ConfigError(`${settings} needs about ${gb(fp.bytes)} of memory to train, more than this machine's ${gb(memory)}; lower --block or --batch, or pick a smaller --config`)
  }
}
