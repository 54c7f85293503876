"""PyTorch's side of `pnpm bench:train --model bert,t5` (bench/src/train-step-bert-t5.ts).

The models are plain PyTorch, written after Hugging Face's modeling_bert.py and
modeling_t5.py: the classes of the models package's parity fixtures
(packages/models/test/fixtures/generate_bert_t5_fixtures.py), imported as they
are. This script gives them adjoint's initialisation (HF's _init_weights: BERT's
N(0, initializer_range) weights and embeddings, T5's fan-in scaled normals) and
adjoint's training step (AdamW on two groups, weight decay on 2-D weights only,
warmup-cosine lr, global grad-norm clip), and trains on the batches adjoint made
(MLM-masked or span-corrupted token ids, in --batches, cycled), with
torch.set_num_threads matching adjoint's thread count. Serves bench:train's
interleaved rounds: reads "steps K" / "info" lines on stdin and answers each with
one line (torch_common.serve; the protocol is in bench/src/step-server.ts).

usage: echo "steps 20" | /usr/bin/python3 train-step-bert-t5.py --batches FILE --threads T
"""
import argparse
import json
import os
import sys

import torch
import torch.nn as nn

sys.dont_write_bytecode = True  # the shared modules below leave no __pycache__ in the repository
import torch_common as common  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../packages/models/test/fixtures"))
import generate_bert_t5_fixtures as ref  # noqa: E402  (the plain-PyTorch BERT and T5)

p = argparse.ArgumentParser()
p.add_argument("--batches", required=True)  # JSON written by train-step-bert-t5.ts
p.add_argument("--threads", type=int, required=True)
a = p.parse_args()

torch.set_num_threads(a.threads)
torch.manual_seed(1337)
with open(a.batches) as f:
    spec = json.load(f)
c, t = spec["config"], spec["train"]


def ids(x):
    return torch.tensor(x["data"], dtype=torch.long).view(x["shape"])


batches = [(ids(b["input_ids"]), ids(b["labels"])) for b in spec["batches"]]


def init_bert(model):
    """HF's BertPreTrainedModel._init_weights (as adjoint's initBertWeights)."""
    std = c["initializer_range"]
    for m in model.modules():
        if isinstance(m, nn.Linear):
            nn.init.normal_(m.weight, 0.0, std)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, nn.Embedding):
            nn.init.normal_(m.weight, 0.0, std)
            if m.padding_idx is not None:
                with torch.no_grad():
                    m.weight[m.padding_idx].zero_()
        elif isinstance(m, nn.LayerNorm):
            nn.init.ones_(m.weight)
            nn.init.zeros_(m.bias)


def init_t5(model):
    """HF's T5PreTrainedModel._init_weights (as adjoint's initT5Weights): normals scaled by the fan-in."""
    s, d, kv, h, ff = c["initializer_factor"], c["d_model"], c["d_kv"], c["num_heads"], c["d_ff"]
    nn.init.normal_(model.shared.weight, 0.0, s)
    if hasattr(model, "lm_head"):
        nn.init.normal_(model.lm_head.weight, 0.0, s)
    for m in model.modules():
        if isinstance(m, ref.T5Attention):
            nn.init.normal_(m.q.weight, 0.0, s * (d * kv) ** -0.5)
            nn.init.normal_(m.k.weight, 0.0, s * d ** -0.5)
            nn.init.normal_(m.v.weight, 0.0, s * d ** -0.5)
            nn.init.normal_(m.o.weight, 0.0, s * (h * kv) ** -0.5)
            if m.has_relative_attention_bias:
                nn.init.normal_(m.relative_attention_bias.weight, 0.0, s * d ** -0.5)
        elif isinstance(m, ref.T5DenseActDense):
            nn.init.normal_(m.wi.weight, 0.0, s * d ** -0.5)
            nn.init.normal_(m.wo.weight, 0.0, s * ff ** -0.5)
        elif isinstance(m, ref.T5DenseGatedActDense):
            nn.init.normal_(m.wi_0.weight, 0.0, s * d ** -0.5)
            nn.init.normal_(m.wi_1.weight, 0.0, s * d ** -0.5)
            nn.init.normal_(m.wo.weight, 0.0, s * ff ** -0.5)
        elif isinstance(m, ref.T5LayerNorm):
            nn.init.ones_(m.weight)


if spec["model"] == "bert":
    model = ref.BertForMaskedLM(c)
    init_bert(model)
    # no attention mask: every row is full ([CLS] window [SEP]), as in adjoint's step
    loss_of = lambda x, y: model(x, None, torch.zeros_like(x), y)[-1]
else:
    model = ref.T5ForConditionalGeneration(c)
    init_t5(model)
    loss_of = lambda x, y: model(x, None, y)[-1]
model.train()

params = [q for q in model.parameters() if q.requires_grad]
opt = torch.optim.AdamW([
    {"params": [q for q in params if q.dim() >= 2], "weight_decay": t["weight_decay"]},
    {"params": [q for q in params if q.dim() < 2], "weight_decay": 0.0},
], lr=t["lr"], betas=(t["beta1"], t["beta2"]), eps=1e-8)

common.serve(common.make_step(
    lambda it: batches[it % len(batches)], loss_of, opt, params, t["grad_clip"],
    lambda it: common.lr_at(it, t["warmup_steps"], t["lr_decay_steps"], t["lr"], t["min_lr"])),
    parameters=sum(q.numel() for q in params))
