// A GPT checkpoint (adjoint train) as the start of a sequence classifier, for
// `adjoint finetune`: the decoder's weights are loaded and a new linear head
// reads the last token's hidden state (gpt/classifier.ts).
import { expectKind, loadRunWeights, type OpenedRun } from '../train/checkpoint.js'
import type { ClassifierBackbone } from '../train/finetune.js'
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
    frozenPart: 'decoder',
    classifier(numLabels, probe) {
      const gpt = new GPT(cfg)
      loadRunWeights(run, gpt)
      const clf = GPTForSequenceClassification.fromPretrained(gpt, numLabels)
      if (probe) clf.freezeBackbone()
      return clf
    },
    config: () => ({ ...cfg }),
  }
}
