// The pre-training objectives of BERT (masked-LM) and T5 (span corruption) for
// the shared training run (train/gpt-run.ts's trainModel, `adjoint train --model bert|t5`).
import { Generator, Tensor, noGrad } from '@adjoint/core'
import { bertConfig, BERT_PRESETS, type BertConfig } from '../bert/config.js'
import { BertForMaskedLM } from '../bert/heads.js'
import { ConfigError } from '../errors.js'
import { t5Config, T5_PRESETS, type T5Config } from '../t5/config.js'
import { t5Generate } from '../t5/generate.js'
import { T5ForConditionalGeneration } from '../t5/model.js'
import { BERT_SPECIAL_TOKENS, t5Sentinels, type Tokenizer } from '../tokenizers/index.js'
import type { TrainConfig } from '../train/config.js'
import type { Objective } from '../train/objective.js'
import { maskTokens, mlmBatch } from './mlm-masking.js'
import { fillSpans, numNoiseSpans, spanCorrupt, spanCorruptionBatch } from './span-corruption.js'

const TINY_TRAIN: TrainConfig = {
  steps: 400, batchSize: 16, blockSize: 64, lr: 1e-3, minLr: 1e-4, warmupSteps: 40, lrDecaySteps: 400,
  beta1: 0.9, beta2: 0.99, weightDecay: 0.01, gradClip: 1, evalInterval: 100, evalIters: 8, ckptInterval: 100, seed: 1337,
}

const millions = (n: number) => `${(n / 1e6).toFixed(2)}M parameters`
/** One line of text for a demo: newlines shown as \n. */
const oneLine = (s: string) => s.replace(/\n/g, '\\n')

/** A line of `text` (40 to 120 characters) chosen by seed, for the end-of-run demos. */
function demoLine(text: string, seed: number): string {
  const lines = text.split('\n').filter((l) => l.length >= 40 && l.length <= 120)
  if (lines.length === 0) return text.slice(0, 80)
  return lines[new Generator(seed).int(0, lines.length)]
}

// ---------------------------------------------------------------- BERT

export function bertSpecialIds(tok: Tokenizer): { pad: number; cls: number; sep: number; mask: number; unk: number } {
  return { pad: tok.specialId('[PAD]'), cls: tok.specialId('[CLS]'), sep: tok.specialId('[SEP]'), mask: tok.specialId('[MASK]'), unk: tok.specialId('[UNK]') }
}

/** BERT's masked-LM pre-training: [CLS] window [SEP] rows, 15% of tokens masked (80/10/10), loss on them. */
export const bertObjective: Objective<BertForMaskedLM> = {
  kind: 'bert',
  name: 'BERT',
  presets: {
    tiny: { description: 'BERT, 2 layers, 4 heads, 128 wide, sequences of 64 tokens ([CLS] + 62 + [SEP]), masked-LM for 400 steps: minutes on a 2-core laptop', model: { ...BERT_PRESETS.tiny }, train: TINY_TRAIN },
    mini: { description: 'BERT-Mini, 4 layers, 256 wide, sequences of 128, 3000 steps', model: { ...BERT_PRESETS.mini, maxPositionEmbeddings: 128 }, train: { ...TINY_TRAIN, steps: 3000, lrDecaySteps: 3000, warmupSteps: 200, blockSize: 128, lr: 5e-4, evalInterval: 250, ckptInterval: 250 } },
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
  sample(model, tok, text, { seed }) {
    const line = demoLine(text, seed)
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
  const logits = noGrad(() => model.forward({ inputIds: input }).logits)
  model.train(wasTraining)
  const V = model.config.vocabSize
  const l = logits.contiguousData()
  const out = ids.map((id, i) => {
    if (id !== s.mask) return id
    const row = l.subarray((i + 1) * V, (i + 2) * V)
    let best = -1
    for (let v = 0; v < tok.baseVocabSize; v++) if (best < 0 || row[v] > row[best]) best = v
    return best
  })
  return { masked: tok.decode(ids), filled: tok.decode(out) }
}

// ---------------------------------------------------------------- T5

/** Sentinels a T5 tokenizer gets: enough for sequences of up to ~600 tokens. */
export const T5_NUM_SENTINELS = 32
export const T5_SPECIAL_TOKENS: readonly string[] = ['<pad>', '</s>', '<unk>', ...t5Sentinels(T5_NUM_SENTINELS)]

export function t5SpecialIds(tok: Tokenizer): { pad: number; eos: number; sentinels: number[] } {
  const sentinels: number[] = []
  for (let i = 0; tok.special.id(`<extra_id_${i}>`) !== undefined; i++) sentinels.push(tok.special.id(`<extra_id_${i}>`)!)
  if (sentinels.length === 0) throw new ConfigError('t5: the tokenizer has no sentinel tokens (<extra_id_0>, ...)')
  return { pad: tok.specialId('<pad>'), eos: tok.specialId('</s>'), sentinels }
}

/** The longest sequence whose span corruption needs at most n sentinels. */
function longestFor(sentinels: number): number {
  let L = 2
  while (numNoiseSpans(L + 1) <= sentinels) L++
  return L
}

/** T5's span-corruption pre-training: 15% of each window in spans of mean length 3, replaced by sentinels; the decoder predicts the spans. */
export const t5Objective: Objective<T5ForConditionalGeneration> = {
  kind: 't5',
  name: 'T5',
  presets: {
    tiny: { description: 'T5, 2 + 2 layers, 4 heads, 128 wide, windows of 64, span corruption for 400 steps: minutes on a 2-core laptop', model: { ...T5_PRESETS.tiny }, train: TINY_TRAIN },
    small: { description: 'T5-small (6 + 6 layers, 512 wide), windows of 128: hours on a laptop', model: { ...T5_PRESETS.small }, train: { ...TINY_TRAIN, steps: 3000, lrDecaySteps: 3000, warmupSteps: 200, blockSize: 128, lr: 5e-4, evalInterval: 250, ckptInterval: 250 } },
  },
  specialTokens: T5_SPECIAL_TOKENS,
  configure: (model, tok) => {
    const pad = tok.specialId('<pad>')
    return { ...model, vocabSize: tok.vocabSize, padTokenId: pad, eosTokenId: tok.specialId('</s>'), decoderStartTokenId: pad }
  },
  maxBlockSize: () => longestFor(T5_NUM_SENTINELS),
  withBlockSize: (model) => model,
  build: (model) => new T5ForConditionalGeneration(model as Partial<T5Config> & { vocabSize: number }),
  batchLoss(model, data, train, gen, tok) {
    const s = t5SpecialIds(tok)
    const { inputIds, labels } = spanCorruptionBatch(data, { batchSize: train.batchSize, length: train.blockSize, sentinelIds: s.sentinels, eosId: s.eos }, gen)
    return { loss: model.forward({ inputIds, labels }).loss!, tokens: train.batchSize * train.blockSize }
  },
  describe: (model, preset) => {
    const c = t5Config(model.config)
    return `model: T5 ${c.numLayers} + ${c.numDecoderLayers} layers, ${c.numHeads} heads, ${c.dModel} wide, ${c.feedForwardProj} feed-forward, ${c.tieWordEmbeddings ? 'tied' : 'untied'} LM head, ${millions(model.numParameters())} (config ${preset})`
  },
  sample(model, tok, text, { seed }) {
    const s = t5SpecialIds(tok)
    const line = demoLine(text, seed)
    const ids = tok.encode(line, { allowSpecial: false })
    const { input } = spanCorrupt(ids, { sentinelIds: s.sentinels, eosId: s.eos, generator: new Generator(seed) })
    const r = fillSentinels(model, tok, input)
    return { title: 'span-corruption demo: spans of a training line dropped (<extra_id_N>), the spans T5 generates for them (greedy):', text: `input:  ${oneLine(tok.decode(input.filter((t) => t !== s.eos)))}\ntarget: ${oneLine(r.target)}\nfilled: ${oneLine(r.filled)}\ntruth:  ${line}` }
  },
}

/**
 * Generates the spans for the sentinels of `input` (token ids or text with
 * <extra_id_N> markers) and puts them in place: T5's fill-in-the-blank.
 */
export function fillSentinels(model: T5ForConditionalGeneration, tok: Tokenizer, input: string | readonly number[], opts: { maxNewTokens?: number; temperature?: number; seed?: number } = {}): { target: string; filled: string } {
  const s = t5SpecialIds(tok)
  let ids = typeof input === 'string' ? tok.encode(input) : [...input]
  if (ids[ids.length - 1] !== s.eos) ids = [...ids, s.eos]
  const spans = ids.filter((t) => s.sentinels.includes(t)).length
  const out = t5Generate(model, ids, { maxNewTokens: opts.maxNewTokens ?? Math.max(8, 6 * spans + 4), temperature: opts.temperature ?? 0, seed: opts.seed })
  const target = [...out.contiguousData()].filter((t) => t !== s.pad)
  return { target: tok.decode(target.filter((t) => t !== s.eos)), filled: tok.decode(fillSpans(ids, target, s.sentinels, s.eos)) }
}
