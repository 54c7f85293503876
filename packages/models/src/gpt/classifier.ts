// GPTForSequenceClassification (HF's GPT2ForSequenceClassification): a linear
// layer `score` (no bias, randomly initialized) on the hidden state of each
// sequence's last non-padding token. The whole network trains, or only `score`
// after freezeBackbone() (a linear probe).
import { Generator, ShapeError, Tensor, noGrad } from '@adjoint/core'
import { F, Linear, Module, init } from '@adjoint/nn'
import { gptConfig, type GPTConfig } from './config.js'
import { GPTBackbone, initGPTWeights, type GPT } from './model.js'

export interface ClassifierOptions {
  /** Token id used for right-padding; the last token before it is read. Default: no padding. */
  padTokenId?: number | null
  generator?: Generator
}

export interface ClassifierOutput {
  /** [B, numLabels] */
  logits: Tensor
  loss: Tensor | null
}

export class GPTForSequenceClassification extends Module {
  readonly config: GPTConfig
  readonly padTokenId: number | null
  transformer: GPTBackbone
  score: Linear

  constructor(config: Partial<GPTConfig>, readonly numLabels: number, opts: ClassifierOptions = {}) {
    super()
    this.config = gptConfig(config)
    if (!Number.isInteger(numLabels) || numLabels < 2) throw new ShapeError(`GPTForSequenceClassification: numLabels must be an integer >= 2, got ${numLabels}`)
    this.padTokenId = opts.padTokenId ?? null
    this.transformer = new GPTBackbone(this.config)
    this.score = new Linear(this.config.nEmbd, numLabels, { bias: false })
    initGPTWeights(this, this.config.nLayer, opts.generator)
  }

  /** A classifier whose decoder starts from a trained GPT's weights (copied) and whose head is new. */
  static fromPretrained(gpt: GPT, numLabels: number, opts: ClassifierOptions = {}): GPTForSequenceClassification {
    const clf = new GPTForSequenceClassification({ ...gpt.config, dropout: gpt.config.dropout }, numLabels, opts)
    clf.transformer.loadStateDict(gpt.transformer.stateDict())
    return clf
  }

  /** Linear probe: only `score` is trained (the decoder's parameters stop requiring grad). */
  freezeBackbone(frozen = true): this {
    this.transformer.requiresGrad_(!frozen)
    return this
  }

  /** Index of each row's last non-padding token (T - 1 without a pad id). */
  lastTokenIndex(idx: Tensor): number[] {
    const [B, T] = idx.shape
    const d = idx.contiguousData()
    const out: number[] = []
    for (let b = 0; b < B; b++) {
      let last = T - 1
      if (this.padTokenId !== null) while (last > 0 && d[b * T + last] === this.padTokenId) last--
      out.push(last)
    }
    return out
  }

  /**
   * idx [B, T] int32 (right-padded), labels [B] int32 -> logits [B, numLabels] and loss. The head reads
   * position lengths[b] - 1 of row b when lengths are given, else the last token before padTokenId.
   */
  override forward(idx: Tensor, labels?: Tensor | null, lengths?: readonly number[]): ClassifierOutput {
    const hidden = this.transformer.forward(idx)
    const [B, T, E] = hidden.shape
    if (lengths && (lengths.length !== B || lengths.some((n) => !Number.isInteger(n) || n < 1 || n > T))) throw new ShapeError(`GPTForSequenceClassification: lengths must be ${B} integers in [1, ${T}], got [${lengths.join(', ')}]`)
    const last = lengths ? lengths.map((n) => n - 1) : this.lastTokenIndex(idx)
    const rows = Tensor.fromArray(Int32Array.from(last, (t, b) => b * T + t), [B], 'int32')
    const logits = this.score.forward(hidden.reshape([B * T, E]).indexSelect(0, rows))
    if (!labels) return { logits, loss: null }
    if (labels.dtype !== 'int32' || labels.ndim !== 1 || labels.shape[0] !== B) throw new ShapeError(`GPTForSequenceClassification: labels must be int32 [${B}], got ${labels.dtype} [${labels.shape.join(',')}]`)
    return { logits, loss: F.crossEntropy(logits, labels) }
  }

  /** Re-draws the head's weights (N(0, 0.02), as at construction). */
  resetHead(generator?: Generator): void {
    noGrad(() => init.normal_(this.score.weight, 0, 0.02, { generator }))
  }
}
