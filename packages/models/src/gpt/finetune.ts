// A GPT checkpoint (adjoint train) as the start of a sequence classifier, for
// `adjoint finetune`: the decoder's weights are loaded and a new linear head
// reads the last real token's hidden state (gpt/classifier.ts); a text longer
// than the block keeps its last tokens (the ones the head's position sees).
import { expectKind, loadRunWeights, type OpenedRun } from '../train/checkpoint.js'
import type { ClassifierBackbone, SavedClassifier } from '../train/finetune.js'
import { GPTForSequenceClassification } from './classifier.js'
import type { GPTConfig } from './config.js'
import { GPT } from './model.js'

export function gptBackbone(run: OpenedRun): ClassifierBackbone {
  expectKind(run, 'gpt')
  const cfg = run.meta.model as unknown as GPTConfig
  return {
    kind: 'gpt-classifier',
    name: 'GPT',
    maxBlock: cfg.blockSize,
    truncate: 'last',
    frozenPart: 'decoder',
    classifier(labels, { probe, pretrained }) {
      const numLabels = labels.length
      let clf: GPTForSequenceClassification
      if (pretrained) {
        const gpt = new GPT(cfg)
        loadRunWeights(run, gpt)
        clf = GPTForSequenceClassification.fromPretrained(gpt, numLabels)
      } else clf = new GPTForSequenceClassification(cfg, numLabels)
      if (probe) clf.freezeBackbone()
      return clf
    },
    config: () => ({ ...cfg }),
  }
}

/** A classifier checkpoint written by `adjoint finetune` from a GPT, for `adjoint classify`. */
export function savedGptClassifier(run: OpenedRun): SavedClassifier {
  expectKind(run, 'gpt-classifier')
  const clf = new GPTForSequenceClassification(run.meta.model as unknown as GPTConfig, run.meta.labels?.length ?? 0)
  loadRunWeights(run, clf)
  return { clf, truncate: 'last' }
}
