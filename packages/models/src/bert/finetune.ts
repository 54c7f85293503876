// A BERT masked-LM checkpoint (adjoint train --model bert) as the start of a
// sequence classifier, for `adjoint finetune --model bert`: the encoder's
// weights are loaded, the pooler and the classifier are new, and each passage
// is read as [CLS] passage [SEP] (the pooler reads the [CLS] state).
import { loadRunWeights, type OpenedRun } from '../train/checkpoint.js'
import type { LabeledSet } from '../train/classify.js'
import type { ClassifierBackbone } from '../train/finetune.js'
import { bertConfig, type BertConfig } from './config.js'
import { BertForMaskedLM, BertForSequenceClassification } from './heads.js'

export function bertBackbone(run: OpenedRun): ClassifierBackbone {
  const cfg = bertConfig(run.meta.model as Partial<BertConfig>)
  const tok = run.tokenizer
  const cls = tok.specialId('[CLS]'), sep = tok.specialId('[SEP]')
  return {
    kind: 'bert-classifier',
    name: 'BERT',
    maxBlock: cfg.maxPositionEmbeddings - 2,
    frozenPart: 'encoder',
    // a tiny BERT pre-trained for minutes is far from converged: its [CLS] states differ little between
    // passages, and the new head needs a larger step than GPT's 5e-4 to pull them apart in 300 steps
    defaultLr: 2e-3,
    classifier(numLabels, probe) {
      const mlm = new BertForMaskedLM(cfg)
      loadRunWeights(run, mlm)
      const clf = new BertForSequenceClassification({ ...cfg, numLabels })
      clf.loadEncoder(mlm.stateDict())
      if (probe) clf.freezeEncoder()
      return clf
    },
    config: (clf) => ({ ...(clf as BertForSequenceClassification).config }),
    prepare: (set: LabeledSet) => ({ ids: set.ids.map((p) => Int32Array.from([cls, ...p, sep])), labels: set.labels }),
  }
}
