// A BERT masked-LM checkpoint (adjoint train --model bert) as the start of a
// sequence classifier, for `adjoint finetune --model bert`: the encoder's
// weights are loaded, the pooler and the classifier are new, and each passage
// is read as [CLS] passage [SEP] (the pooler reads the [CLS] state).
import { expectKind, loadRunWeights, type OpenedRun } from '../train/checkpoint.js'
import type { LabeledSet } from '../train/classify.js'
import type { Tokenizer } from '../tokenizers/index.js'
import type { ClassifierBackbone, SavedClassifier } from '../train/finetune.js'
import { bertConfig, type BertConfig } from './config.js'
import { BertForMaskedLM, BertForSequenceClassification } from './heads.js'

export function bertBackbone(run: OpenedRun): ClassifierBackbone {
  expectKind(run, 'bert')
  const cfg = bertConfig(run.meta.model as Partial<BertConfig>)
  return {
    kind: 'bert-classifier',
    name: 'BERT',
    maxBlock: cfg.maxPositionEmbeddings - 2,
    truncate: 'first',
    frozenPart: 'encoder',
    // a tiny BERT pre-trained for minutes is far from converged: its [CLS] states differ little between
    // passages, and the new head needs a larger step than GPT's 5e-4 to pull them apart in 300 steps
    defaultLr: 2e-3,
    classifier(labels, { probe, pretrained }) {
      const clf = new BertForSequenceClassification({ ...cfg, numLabels: labels.length })
      if (pretrained) {
        const mlm = new BertForMaskedLM(cfg)
        loadRunWeights(run, mlm)
        clf.loadEncoder(mlm.stateDict())
      }
      if (probe) clf.freezeEncoder()
      return clf
    },
    config: (clf) => ({ ...(clf as BertForSequenceClassification).config }),
    prepare: framing(run.tokenizer),
  }
}

/** Passages as BERT reads them: [CLS] passage [SEP]. */
function framing(tok: Tokenizer): (set: LabeledSet) => LabeledSet {
  const cls = tok.specialId('[CLS]'), sep = tok.specialId('[SEP]')
  return (set) => ({ ids: set.ids.map((p) => Int32Array.from([cls, ...p, sep])), labels: set.labels })
}

/** A classifier checkpoint written by `adjoint finetune --model bert`, for `adjoint classify`. */
export function savedBertClassifier(run: OpenedRun): SavedClassifier {
  expectKind(run, 'bert-classifier')
  const clf = new BertForSequenceClassification(bertConfig(run.meta.model as Partial<BertConfig>))
  loadRunWeights(run, clf)
  return { clf, truncate: 'first', prepare: framing(run.tokenizer) }
}
