// The fine-tuning demo: which of the Brown corpus's 15 genres (or of a few of
// them) does a passage come from? Passages are windows of `block` tokens. Training passages are
// drawn at random from the training files, the held-out ones cut from the
// validation files (documents the pretrained GPT never saw either).
import { Generator } from '@adjoint/core'
import { BROWN_GENRES, BROWN_GENRE_LETTERS, loadBrownDocuments, splitBrown, type BrownDocument, type BrownGenre } from './brown.js'
import { DataError, VocabularyError } from '../errors.js'
import type { Tokenizer } from '../tokenizers/index.js'
import type { LabeledSet } from '../train/classify.js'

export interface GenreTask {
  /** Class names, index = label. */
  labels: string[]
  /**
   * Draws a batch of training passages, each a random window of a training file:
   * uniform over all windows (genres as often as the corpus has them), or with
   * balanced, a genre chosen uniformly first (so the rare genres are seen as often as the common ones).
   */
  sample(gen: Generator, batchSize: number, opts?: { balanced?: boolean }): LabeledSet
  /** Labels of a large random draw of training passages (for the majority baseline). */
  trainLabelSample(gen: Generator, n: number): Int32Array
  /** Held-out passages: up to perDoc consecutive windows from each validation file. */
  heldOut: LabeledSet
}

interface EncodedDoc { ids: Int32Array; label: number }

function encodeDocs(docs: BrownDocument[], tok: Tokenizer, block: number, genres: readonly BrownGenre[]): EncodedDoc[] {
  return docs.filter((d) => genres.includes(d.genre)).map((d) => {
    let ids: number[]
    try {
      ids = tok.encode(d.text, { allowSpecial: false })
    } catch (e) {
      if (e instanceof VocabularyError) throw new VocabularyError(`the Brown corpus cannot be encoded with this checkpoint's tokenizer (was it trained on other data?): ${e.message}`)
      throw e
    }
    if (ids.length < block) throw new DataError(`Brown file ${d.id} has ${ids.length} tokens, fewer than the passage length ${block}`)
    return { ids: Int32Array.from(ids), label: genres.indexOf(d.genre) }
  })
}

/** The genres of the quick task `brown-3`: three that differ clearly in vocabulary and style. */
export const BROWN_3_GENRES: readonly BrownGenre[] = ['a', 'j', 'p']

/** Passages of the given genres (default all 15), labelled by genre. */
export function brownGenreTask(tok: Tokenizer, block: number, opts: { perDoc?: number; genres?: readonly BrownGenre[] } = {}): GenreTask {
  const genres = opts.genres ?? BROWN_GENRE_LETTERS
  const { train, val } = splitBrown(loadBrownDocuments())
  const trainDocs = encodeDocs(train, tok, block, genres)
  const valDocs = encodeDocs(val, tok, block, genres)
  // a random passage: a document with probability proportional to its windows, then a window
  const cum: number[] = []
  let total = 0
  for (const d of trainDocs) { total += d.ids.length - block + 1; cum.push(total) }
  const pick = (gen: Generator, docs: EncodedDoc[], cumulative: number[]): EncodedDoc & { start: number } => {
    const r = gen.int(0, cumulative[cumulative.length - 1])
    let lo = 0, hi = cumulative.length - 1
    while (lo < hi) { const mid = (lo + hi) >> 1; if (cumulative[mid] > r) hi = mid; else lo = mid + 1 }
    const d = docs[lo]
    return { ...d, start: gen.int(0, d.ids.length - block + 1) }
  }
  const draw = (gen: Generator) => pick(gen, trainDocs, cum)
  const byGenre = genres.map((_, label) => {
    const docs = trainDocs.filter((d) => d.label === label)
    let t = 0
    return { docs, cum: docs.map((d) => (t += d.ids.length - block + 1)) }
  })
  const drawBalanced = (gen: Generator) => {
    const g = byGenre[gen.int(0, byGenre.length)]
    return pick(gen, g.docs, g.cum)
  }
  const perDoc = opts.perDoc ?? 20
  const heldIds: Int32Array[] = [], heldLabels: number[] = []
  for (const d of valDocs) {
    const n = Math.min(perDoc, Math.floor(d.ids.length / block))
    for (let k = 0; k < n; k++) { heldIds.push(d.ids.slice(k * block, (k + 1) * block)); heldLabels.push(d.label) }
  }
  return {
    labels: genres.map((g) => BROWN_GENRES[g]),
    sample(gen, batchSize, opts = {}) {
      const ids: Int32Array[] = [], labels = new Int32Array(batchSize)
      for (let b = 0; b < batchSize; b++) {
        const d = opts.balanced ? drawBalanced(gen) : draw(gen)
        ids.push(d.ids.slice(d.start, d.start + block))
        labels[b] = d.label
      }
      return { ids, labels }
    },
    trainLabelSample(gen, n) {
      return Int32Array.from({ length: n }, () => draw(gen).label)
    },
    heldOut: { ids: heldIds, labels: Int32Array.from(heldLabels) },
  }
}
