"""PyTorch's side of bench/src/train-step.bench.ts: nanoGPT's model (pre-LN GPT,
exact GELU, tied LM head, GPT-2 init) and training step (AdamW with weight decay
on 2-D weights, warmup-cosine lr, grad clip 1.0) on the same token stream, with
torch.set_num_threads matching adjoint's thread count. Serves bench:train's
interleaved rounds: reads "steps K" / "info" lines on stdin and answers each with
one line (torch_common.serve; the protocol is in bench/src/step-server.ts).

usage: echo "steps 20" | /usr/bin/python3 train-step.py --tokens FILE --vocab V --threads T
"""
import argparse
import math
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.dont_write_bytecode = True  # the shared modules below leave no __pycache__ in the repository
import torch_common as common  # noqa: E402

p = argparse.ArgumentParser()
p.add_argument("--tokens", required=True)  # int32 little-endian token ids
p.add_argument("--vocab", type=int, required=True)
p.add_argument("--threads", type=int, required=True)
p.add_argument("--layers", type=int, default=4)
p.add_argument("--heads", type=int, default=4)
p.add_argument("--embd", type=int, default=128)
p.add_argument("--block", type=int, default=64)
p.add_argument("--batch", type=int, default=12)
a = p.parse_args()

torch.set_num_threads(a.threads)
torch.manual_seed(1337)
with open(a.tokens, "rb") as f:
    data = torch.frombuffer(bytearray(f.read()), dtype=torch.int32).long()


class CausalSelfAttention(nn.Module):
    def __init__(self):
        super().__init__()
        self.c_attn = nn.Linear(a.embd, 3 * a.embd)
        self.c_proj = nn.Linear(a.embd, a.embd)
        self.register_buffer("bias", torch.tril(torch.ones(a.block, a.block)).view(1, 1, a.block, a.block))

    def forward(self, x):
        B, T, C = x.size()
        q, k, v = self.c_attn(x).split(a.embd, dim=2)
        k = k.view(B, T, a.heads, C // a.heads).transpose(1, 2)
        q = q.view(B, T, a.heads, C // a.heads).transpose(1, 2)
        v = v.view(B, T, a.heads, C // a.heads).transpose(1, 2)
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(k.size(-1)))
        att = att.masked_fill(self.bias[:, :, :T, :T] == 0, float("-inf"))
        att = F.softmax(att, dim=-1)
        y = (att @ v).transpose(1, 2).contiguous().view(B, T, C)
        return self.c_proj(y)


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.ln_1 = nn.LayerNorm(a.embd)
        self.attn = CausalSelfAttention()
        self.ln_2 = nn.LayerNorm(a.embd)
        self.mlp = nn.Sequential(nn.Linear(a.embd, 4 * a.embd), nn.GELU(), nn.Linear(4 * a.embd, a.embd))

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp(self.ln_2(x))


class GPT(nn.Module):
    def __init__(self):
        super().__init__()
        self.wte = nn.Embedding(a.vocab, a.embd)
        self.wpe = nn.Embedding(a.block, a.embd)
        self.h = nn.ModuleList([Block() for _ in range(a.layers)])
        self.ln_f = nn.LayerNorm(a.embd)
        self.lm_head = nn.Linear(a.embd, a.vocab, bias=False)
        self.wte.weight = self.lm_head.weight
        self.apply(self._init)
        for n, q in self.named_parameters():
            if n.endswith("c_proj.weight") or n.endswith("mlp.2.weight"):
                torch.nn.init.normal_(q, mean=0.0, std=0.02 / math.sqrt(2 * a.layers))

    def _init(self, m):
        if isinstance(m, (nn.Linear, nn.Embedding)):
            torch.nn.init.normal_(m.weight, mean=0.0, std=0.02)
        if isinstance(m, nn.Linear) and m.bias is not None:
            torch.nn.init.zeros_(m.bias)

    def forward(self, idx, targets):
        T = idx.size(1)
        x = self.wte(idx) + self.wpe(torch.arange(T))
        for b in self.h:
            x = b(x)
        logits = self.lm_head(self.ln_f(x))
        return F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1))


model = GPT()
params = [q for q in model.parameters() if q.requires_grad]
opt = torch.optim.AdamW([
    {"params": [q for q in params if q.dim() >= 2], "weight_decay": 0.1},
    {"params": [q for q in params if q.dim() < 2], "weight_decay": 0.0},
], lr=1e-3, betas=(0.9, 0.99))


def lr_at(it):
    return common.lr_at(it, warmup=100, decay=2000, lr=1e-3, min_lr=1e-4)


g = torch.Generator().manual_seed(1337)


def batch_at(it):
    ix = torch.randint(len(data) - a.block, (a.batch,), generator=g)
    return torch.stack([data[i:i + a.block] for i in ix]), torch.stack([data[i + 1:i + 1 + a.block] for i in ix])


common.serve(common.make_step(batch_at, model, opt, list(model.parameters()), 1.0, lr_at))
