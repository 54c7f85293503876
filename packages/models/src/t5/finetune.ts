// A T5 checkpoint (adjoint train --model t5) as a text-to-text classifier, for
// `adjoint finetune --model t5`: the encoder reads the passage (its first
// tokens when longer than the block) and the decoder learns to write the
// label's text (t5/classifier.ts). --probe freezes the encoder.
import { DataError, VocabularyError } from '../errors.js'
import type { Tokenizer } from '../tokenizers/index.js'
import { expectKind, loadRunWeights, type OpenedRun } from '../train/checkpoint.js'
import type { ClassifierBackbone, SavedClassifier } from '../train/finetune.js'
import { T5TextClassifier } from './classifier.js'
import { t5Config, type T5Config } from './config.js'
import { T5ForConditionalGeneration } from './model.js'

/** Each label's text as token ids (the decoder's targets). */
function labelIds(tok: Tokenizer, labels: readonly string[]): Int32Array[] {
  return labels.map((l) => {
    try {
      return tok.encodeToInt32(l, { allowSpecial: false })
    } catch (e) {
      if (e instanceof VocabularyError) throw new DataError(`T5 writes the label as text, and the label ${JSON.stringify(l)} cannot be encoded by the checkpoint's tokenizer (${e.message})`)
      throw e
    }
  })
}

export function t5Backbone(run: OpenedRun): ClassifierBackbone {
  expectKind(run, 't5')
  const cfg = t5Config(run.meta.model as Partial<T5Config>)
  return {
    kind: 't5-classifier',
    name: 'T5',
    maxBlock: Number(run.meta.train.blockSize ?? 64),
    truncate: 'first',
    frozenPart: 'encoder',
    defaultLr: 1e-3,
    classifier(labels, { probe, pretrained }) {
      const t5 = new T5ForConditionalGeneration(cfg)
      if (pretrained) loadRunWeights(run, t5)
      const clf = new T5TextClassifier(t5, labelIds(run.tokenizer, labels))
      if (probe) t5.encoder.requiresGrad_(false)
      return clf
    },
    config: () => ({ ...cfg }),
  }
}

/** A classifier checkpoint written by `adjoint finetune --model t5`, for `adjoint classify`. */
export function savedT5Classifier(run: OpenedRun): SavedClassifier {
  expectKind(run, 't5-classifier')
  const clf = new T5TextClassifier(new T5ForConditionalGeneration(t5Config(run.meta.model as Partial<T5Config>)), labelIds(run.tokenizer, run.meta.labels ?? []))
  loadRunWeights(run, clf)
  return { clf, truncate: 'first' }
}
