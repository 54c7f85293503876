// T5's span-corruption pre-training objective for the shared training run
// (train/run.ts, `adjoint train --model t5`), and fillSentinels, its demo and `adjoint sample`.
import { Generator } from '@adjoint/core'
import { ConfigError } from '../errors.js'
import { t5Sentinels, type Tokenizer } from '../tokenizers/index.js'
import { TINY_PRETRAIN } from '../train/config.js'
import { millions, oneLine } from '../train/demo.js'
import type { Objective } from '../train/objective.js'
import { t5Config, T5_PRESETS, type T5Config } from './config.js'
import { t5Generate } from './generate.js'
import { T5ForConditionalGeneration } from './model.js'
import { fillSpans, numNoiseSpans, spanCorrupt, spanCorruptionBatch } from './span-corruption.js'

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
    tiny: { description: 'T5, 2 + 2 layers, 4 heads, 128 wide, windows of 64, span corruption for 400 steps: minutes on a 2-core laptop', model: { ...T5_PRESETS.tiny }, train: TINY_PRETRAIN },
    small: { description: 'T5-small (6 + 6 layers, 512 wide), windows of 128: hours on a laptop', model: { ...T5_PRESETS.small }, train: { ...TINY_PRETRAIN, steps: 3000, lrDecaySteps: 3000, warmupSteps: 200, blockSize: 128, lr: 5e-4, evalInterval: 250, ckptInterval: 250 } },
  },
  specialTokens: T5_SPECIAL_TOKENS,
  configure: (model, tok) => {
    const pad = tok.specialId('<pad>')
    return { ...model, vocabSize: tok.vocabSize, padTokenId: pad, eosTokenId: tok.specialId('</s>'), decoderStartTokenId: pad }
  },
  maxBlockSize: () => longestFor(T5_NUM_SENTINELS),
  withBlockSize: (model) => model,
  build: (model) => new T5ForConditionalGeneration(model as Partial<T5Config> & { vocabSize: number }),
  shape: (model, train) => {
    const c = t5Config(model as Partial<T5Config> & { vocabSize: number })
    const attn = 4 * c.dModel * c.numHeads * c.dKv, ff = (c.feedForwardProj === 'gated-gelu' ? 3 : 2) * c.dModel * c.dFf
    const parameters = c.vocabSize * c.dModel * (c.tieWordEmbeddings ? 1 : 2) + c.numLayers * (attn + ff) + c.numDecoderLayers * (2 * attn + ff)
    return { parameters, layers: c.numLayers + c.numDecoderLayers, width: c.dModel, heads: c.numHeads, vocab: c.vocabSize, seq: train.blockSize, batch: train.batchSize }
  },
  batchLoss(model, data, train, gen, tok) {
    const s = t5SpecialIds(tok)
    const { inputIds, labels } = spanCorruptionBatch(data, { batchSize: train.batchSize, length: train.blockSize, sentinelIds: s.sentinels, eosId: s.eos }, gen)
    return { loss: model.forward({ inputIds, labels }).loss!, tokens: train.batchSize * train.blockSize }
  },
  describe: (model, preset) => {
    const c = t5Config(model.config)
    return `model: T5 ${c.numLayers} + ${c.numDecoderLayers} layers, ${c.numHeads} heads, ${c.dModel} wide, ${c.feedForwardProj} feed-forward, ${c.tieWordEmbeddings ? 'tied' : 'untied'} LM head, ${millions(model.numParameters())} (config ${preset})`
  },
  sample(model, tok, line, { seed }) {
    const s = t5SpecialIds(tok)
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
export function fillSentinels(model: T5ForConditionalGeneration, tok: Tokenizer, input: string | readonly number[], opts: { maxNewTokens?: number; temperature?: number; seed?: number; onToken?: (id: number) => void } = {}): { target: string; filled: string } {
  const s = t5SpecialIds(tok)
  let ids = typeof input === 'string' ? tok.encode(input) : [...input]
  if (ids[ids.length - 1] !== s.eos) ids = [...ids, s.eos]
  const spans = ids.filter((t) => s.sentinels.includes(t)).length
  const onToken = opts.onToken
  const out = t5Generate(model, ids, { maxNewTokens: opts.maxNewTokens ?? Math.max(8, 6 * spans + 4), temperature: opts.temperature ?? 0, seed: opts.seed, onToken: onToken && ((_row, id) => onToken(id)) })
  const target = [...out.contiguousData()].filter((t) => t !== s.pad)
  return { target: tok.decode(target.filter((t) => t !== s.eos)), filled: tok.decode(fillSpans(ids, target, s.sentinels, s.eos)) }
}
