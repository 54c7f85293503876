// BERT's masked-LM pre-training objective for the shared training run
// (train/run.ts, `adjoint train --model bert`), and fillMasks, its demo and `adjoint sample`.
import { Generator, Tensor, noGrad } from '@adjoint/core'
import { BERT_SPECIAL_TOKENS, type Tokenizer } from '../tokenizers/index.js'
import { TINY_PRETRAIN } from '../train/config.js'
import { millions, oneLine } from '../train/demo.js'
import type { Objective } from '../train/objective.js'
import { bertConfig, BERT_PRESETS, type BertConfig } from './config.js'
import { BertForMaskedLM } from './heads.js'
import { maskTokens, mlmBatch } from './mlm-masking.js'

export function bertSpecialIds(tok: Tokenizer): { pad: number; cls: number; sep: number; mask: number; unk: number } {
  return { pad: tok.specialId('[PAD]'), cls: tok.specialId('[CLS]'), sep: tok.specialId('[SEP]'), mask: tok.specialId('[MASK]'), unk: tok.specialId('[UNK]') }
}

/** BERT's masked-LM pre-training: [CLS] window [SEP] rows, 15% of tokens masked (80/10/10), loss on them. */
export const bertObjective: Objective<BertForMaskedLM> = {
  kind: 'bert',
  name: 'BERT',
  presets: {
    tiny: { description: 'BERT, 2 layers, 4 heads, 128 wide, sequences of 64 tokens ([CLS] + 62 + [SEP]), masked-LM for 400 steps: minutes on a 2-core laptop', model: { ...BERT_PRESETS.tiny }, train: TINY_PRETRAIN },
    mini: { description: 'BERT-Mini, 4 layers, 256 wide, sequences of 128, 3000 steps', model: { ...BERT_PRESETS.mini, maxPositionEmbeddings: 128 }, train: { ...TINY_PRETRAIN, steps: 3000, lrDecaySteps: 3000, warmupSteps: 200, blockSize: 128, lr: 5e-4, evalInterval: 250, ckptInterval: 250 } },
  },
  specialTokens: BERT_SPECIAL_TOKENS,
  // with characters, a masked position is predictable only from its neighbours, which tiny BERTs take
  // thousands of steps to learn to attend to (the loss sits at the unigram entropy); with word pieces,
  // the context's words help at once, and the [CLS] state carries what a classifier needs
  defaultTokenizer: { kind: 'bpe', vocabSize: 2048 },
  configure: (model, tok) => ({ ...model, vocabSize: tok.vocabSize, padTokenId: tok.specialId('[PAD]') }),
  maxBlockSize: (model) => bertConfig(model as Partial<BertConfig>).maxPositionEmbeddings,
  withBlockSize: (model, blockSize) => ({ ...model, maxPositionEmbeddings: blockSize }),
  build: (model) => new BertForMaskedLM(model as Partial<BertConfig> & { vocabSize: number }),
  shape: (model, train) => {
    const c = bertConfig(model as Partial<BertConfig>)
    const E = c.hiddenSize, layer = 4 * E * E + 2 * E * c.intermediateSize + 9 * E + c.intermediateSize
    const parameters = (c.vocabSize + c.maxPositionEmbeddings + c.typeVocabSize) * E + c.numHiddenLayers * layer + E * E + 4 * E + c.vocabSize
    return { parameters, layers: c.numHiddenLayers, width: E, heads: c.numAttentionHeads, vocab: c.vocabSize, seq: train.blockSize, batch: train.batchSize }
  },
  batchLoss(model, data, train, gen, tok) {
    const s = bertSpecialIds(tok)
    const { inputIds, labels } = mlmBatch(data, {
      batchSize: train.batchSize, seqLen: train.blockSize, clsTokenId: s.cls, sepTokenId: s.sep, maskTokenId: s.mask,
      specialTokenIds: [s.pad, s.unk], randomVocabSize: tok.baseVocabSize,
    }, gen)
    return { loss: model.forward({ inputIds, labels }).loss!, tokens: train.batchSize * train.blockSize }
  },
  describe: (model, preset) => {
    const c = model.config
    return `model: BERT (masked LM) ${c.numHiddenLayers} layers, ${c.numAttentionHeads} heads, ${c.hiddenSize} wide, up to ${c.maxPositionEmbeddings} positions, ${millions(model.numParameters())} (config ${preset})`
  },
  sample(model, tok, line, { seed }) {
    const filled = fillMasks(model, tok, line, { seed })
    return { title: `masked-LM demo: 15% of the tokens of a training line masked, each [MASK] filled with the most likely token:`, text: `input:  ${oneLine(filled.masked)}\noutput: ${oneLine(filled.filled)}\ntruth:  ${line}` }
  },
}

/**
 * Masks about 15% of a text's tokens (or uses the [MASK]s it has) and fills
 * each masked position with BERT's most likely token.
 */
export function fillMasks(model: BertForMaskedLM, tok: Tokenizer, text: string, opts: { seed?: number; mlmProbability?: number } = {}): { masked: string; filled: string } {
  const s = bertSpecialIds(tok)
  let ids = tok.encode(text)
  const maxLen = model.config.maxPositionEmbeddings - 2
  if (ids.length > maxLen) ids = ids.slice(0, maxLen)
  if (!ids.includes(s.mask)) {
    ids = [...maskTokens(ids, { maskTokenId: s.mask, specialTokenIds: [s.pad, s.cls, s.sep, s.unk], randomVocabSize: tok.baseVocabSize, mlmProbability: opts.mlmProbability ?? 0.15, maskFraction: 1, randomFraction: 0, generator: new Generator(opts.seed ?? 0) }).inputIds]
  }
  const input = Tensor.fromArray(Int32Array.from([s.cls, ...ids, s.sep]), [1, ids.length + 2], 'int32')
  const wasTraining = model.training
  model.eval()
  // the encoder over the whole input, the MLM head only at the [MASK] positions
  const at = ids.flatMap((id, i) => (id === s.mask ? [i + 1] : []))
  const logits = noGrad(() => {
    const hidden = model.bert.forward({ inputIds: input }).lastHiddenState
    return model.cls.forward(hidden.reshape([-1, hidden.shape[2]]).indexSelect(0, Tensor.fromArray(Int32Array.from(at), [at.length], 'int32')))
  })
  model.train(wasTraining)
  const V = model.config.vocabSize
  const l = logits.contiguousData()
  let k = 0
  const out = ids.map((id) => {
    if (id !== s.mask) return id
    const row = l.subarray(k * V, (k + 1) * V)
    k++
    let best = -1
    for (let v = 0; v < tok.baseVocabSize; v++) if (best < 0 || row[v] > row[best]) best = v
    return best
  })
  return { masked: tok.decode(ids), filled: tok.decode(out) }
}
