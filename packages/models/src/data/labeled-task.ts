// Labelled texts (data/labeled-file.ts) as a classification task: the class
// names (the training labels, sorted), a held-out split (a --val file, or a
// stratified fraction of each class), and every text encoded by the
// checkpoint's tokenizer and cut to the model's longest passage.
import { Generator } from '@adjoint/core'
import { DataError, VocabularyError } from '../errors.js'
import type { Tokenizer } from '../tokenizers/index.js'
import type { ClassificationTask, LabeledSet } from '../train/classify.js'
import type { LabeledTexts } from './labeled-file.js'

/** Which tokens a text longer than the block keeps: a decoder reads the last ones, an encoder the first. */
export type Truncation = 'first' | 'last'

export interface LabeledTaskOptions {
  /** Task name shown to the user (the file's name). */
  name: string
  /** Held-out examples from their own file (--val FILE); otherwise valFraction of each class. */
  val?: LabeledTexts | null
  /** Fraction of each class held out when there is no val file (default 0.2). */
  valFraction?: number
  /** Longest passage in tokens. */
  block: number
  truncate: Truncation
  /** Seed of the split. */
  seed?: number
}

export interface LabeledTask extends ClassificationTask {
  trainCount: number
  /** Texts cut to the block (training and held-out). */
  truncated: number
}

/** Splits without a val file: each class's examples are shuffled and a fraction held out, at least one kept for training. */
export function stratifiedSplit(labels: readonly string[], fraction: number, seed: number): { train: number[]; val: number[] } {
  if (!(fraction > 0 && fraction < 1)) throw new DataError(`the held-out fraction must be in (0, 1), got ${fraction}`)
  const byClass = new Map<string, number[]>()
  labels.forEach((l, i) => { const a = byClass.get(l); if (a) a.push(i); else byClass.set(l, [i]) })
  const gen = new Generator(seed)
  const train: number[] = [], val: number[] = []
  for (const idx of byClass.values()) {
    for (let i = idx.length - 1; i > 0; i--) { const j = gen.int(0, i + 1); [idx[i], idx[j]] = [idx[j], idx[i]] }
    const nVal = idx.length < 2 ? 0 : Math.min(idx.length - 1, Math.max(1, Math.round(idx.length * fraction)))
    val.push(...idx.slice(0, nVal))
    train.push(...idx.slice(nVal))
  }
  return { train: train.sort((a, b) => a - b), val: val.sort((a, b) => a - b) }
}

function pick(t: LabeledTexts, idx: readonly number[]): LabeledTexts {
  return { texts: idx.map((i) => t.texts[i]), labels: idx.map((i) => t.labels[i]), where: idx.map((i) => t.where[i]) }
}

export function labeledTask(tok: Tokenizer, data: LabeledTexts, o: LabeledTaskOptions): LabeledTask {
  let train = data, val = o.val ?? null
  if (!val) {
    const s = stratifiedSplit(data.labels, o.valFraction ?? 0.2, o.seed ?? 1337)
    train = pick(data, s.train)
    val = pick(data, s.val)
  }
  const labels = [...new Set(train.labels)].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }))
  if (labels.length < 2) throw new DataError(`${o.name}: only one class (${JSON.stringify(labels[0])}) in the training data; a classifier needs at least two`)
  if (val.texts.length === 0) throw new DataError(`${o.name}: no held-out examples (each class has a single example); add examples or pass --val FILE`)
  const classOf = new Map(labels.map((l, i) => [l, i]))
  val.labels.forEach((l, i) => {
    if (!classOf.has(l)) throw new DataError(`${val!.where[i]}: label ${JSON.stringify(l)} appears only in the held-out data, never in the training data (whose labels are ${labels.map((x) => JSON.stringify(x)).join(', ')})`)
  })
  let truncated = 0
  const encode = (t: LabeledTexts): LabeledSet => ({
    ids: t.texts.map((text, i) => {
      let ids: Int32Array
      try {
        ids = tok.encodeToInt32(text, { allowSpecial: false })
      } catch (e) {
        if (e instanceof VocabularyError) throw new DataError(`${t.where[i]}: the checkpoint's tokenizer cannot encode the text (${e.message})`)
        throw e
      }
      if (ids.length === 0) throw new DataError(`${t.where[i]}: the text encodes to no tokens`)
      if (ids.length <= o.block) return ids
      truncated++
      return o.truncate === 'last' ? ids.slice(ids.length - o.block) : ids.slice(0, o.block)
    }),
    labels: Int32Array.from(t.labels, (l) => classOf.get(l)!),
  })
  const trainSet = encode(train), heldOut = encode(val)
  return {
    name: o.name,
    labels,
    trainCount: trainSet.labels.length,
    truncated,
    trainLabels: trainSet.labels,
    heldOut,
    sample(gen, batchSize) {
      const ids: Int32Array[] = [], y = new Int32Array(batchSize)
      for (let b = 0; b < batchSize; b++) {
        const i = gen.int(0, trainSet.labels.length)
        ids.push(trainSet.ids[i])
        y[b] = trainSet.labels[i]
      }
      return { ids, labels: y }
    },
  }
}
