// A fine-tuned classifier applied to new texts (adjoint classify): each text is
// encoded and cut as in fine-tuning, and the softmax of the logits gives each
// class's probability.
import { noGrad, softmax } from '@adjoint/core'
import { DataError, VocabularyError } from '../errors.js'
import { padBatch } from './classify.js'
import type { OpenedRun } from './checkpoint.js'
import type { SavedClassifier } from './finetune.js'

export interface Prediction {
  /** The most probable class. */
  label: string
  probability: number
  /** Every class's probability, in the checkpoint's label order. */
  probabilities: number[]
}

/** Classifies texts with a classifier from openClassifier (runs.ts). */
export function classifyTexts(c: SavedClassifier & { run: OpenedRun }, texts: readonly string[], batchSize = 32): Prediction[] {
  const labels = c.run.meta.labels!, block = Number(c.run.meta.train.block)
  const prepare = c.prepare ?? ((s) => s)
  const ids = texts.map((text, i) => {
    let t: Int32Array
    try {
      t = c.run.tokenizer.encodeToInt32(text, { allowSpecial: false })
    } catch (e) {
      if (e instanceof VocabularyError) throw new DataError(`text ${i + 1}: the classifier's tokenizer cannot encode it (${e.message})`)
      throw e
    }
    if (t.length === 0) throw new DataError(`text ${i + 1} is empty`)
    return t.length <= block ? t : c.truncate === 'last' ? t.slice(t.length - block) : t.slice(0, block)
  })
  const out: Prediction[] = []
  c.clf.eval()
  noGrad(() => {
    for (let i = 0; i < ids.length; i += batchSize) {
      const chunk = prepare({ ids: ids.slice(i, i + batchSize), labels: new Int32Array(0) }).ids
      const p = softmax(c.clf.forward(padBatch(chunk, c.clf.padTokenId ?? 0), null, chunk.map((x) => x.length)).logits, -1).contiguousData()
      for (let b = 0; b < chunk.length; b++) {
        const probabilities = Array.from(p.subarray(b * labels.length, (b + 1) * labels.length))
        let best = 0
        probabilities.forEach((q, k) => { if (q > probabilities[best]) best = k })
        out.push({ label: labels[best], probability: probabilities[best], probabilities })
      }
    }
  })
  return out
}
