"""PyTorch's side of bench/src/generate.bench.ts: the same GPT (adjoint's weights,
read from a raw float32 file described by a JSON list of [name, shape]) and the
same greedy decoding loop, with a key/value cache (prefill, then one row per
token; when the cache is full it restarts from the last half window) or without
(each token re-runs the last block_size tokens). Prints one JSON line:
{"cached": {"ms": CPU ms, "tokens": [...]}, "uncached": {...}}.

usage: /usr/bin/python3 generate.py --weights FILE --index FILE --config JSON --prompt IDS --tokens N --threads T [--runs R]
"""
import argparse
import json
import math
import time

import torch
import torch.nn.functional as F

p = argparse.ArgumentParser()
p.add_argument("--weights", required=True)
p.add_argument("--index", required=True)
p.add_argument("--config", required=True)
p.add_argument("--prompt", required=True)
p.add_argument("--tokens", type=int, required=True)
p.add_argument("--threads", type=int, default=1)
p.add_argument("--runs", type=int, default=3)
a = p.parse_args()
torch.set_num_threads(a.threads)
cfg = json.loads(a.config)
H, E, block, gelu_tanh = cfg["nHead"], cfg["nEmbd"], cfg["blockSize"], cfg.get("activation") == "geluTanh"

raw = torch.frombuffer(bytearray(open(a.weights, "rb").read()), dtype=torch.float32)
W, off = {}, 0
for name, shape in json.load(open(a.index)):
    n = math.prod(shape)
    W[name] = raw[off:off + n].view(shape)
    off += n
L = sum(1 for k in W if k.endswith("attn.c_attn.weight"))


def lin(x, name, bias=True):
    b = W.get(name + ".bias") if bias else None
    return F.linear(x, W[name + ".weight"], b)


def forward(idx, caches, past):
    """idx [1, T] after `past` cached positions; caches: per layer [k, v] or None. Logits of the last position."""
    T = idx.size(1)
    x = F.embedding(idx, W["transformer.wte.weight"]) + F.embedding(torch.arange(past, past + T), W["transformer.wpe.weight"])
    for i in range(L):
        pre = f"transformer.h.{i}."
        h = F.layer_norm(x, (E,), W[pre + "ln_1.weight"], W.get(pre + "ln_1.bias"))
        q, k, v = lin(h, pre + "attn.c_attn").split(E, dim=2)
        heads = lambda t: t.view(1, T, H, E // H).transpose(1, 2)
        q, k, v = heads(q), heads(k), heads(v)
        if caches is not None:
            if caches[i] is not None:
                k = torch.cat([caches[i][0], k], 2)
                v = torch.cat([caches[i][1], v], 2)
            caches[i] = [k, v]
        S = k.size(2)
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(E // H))
        if T > 1:
            mask = torch.ones(T, S, dtype=torch.bool).tril(S - T)
            att = att.masked_fill(~mask, float("-inf"))
        y = (att.softmax(-1) @ v).transpose(1, 2).reshape(1, T, E)
        x = x + lin(y, pre + "attn.c_proj")
        h = F.layer_norm(x, (E,), W[pre + "ln_2.weight"], W.get(pre + "ln_2.bias"))
        h = F.gelu(lin(h, pre + "mlp.c_fc"), approximate="tanh" if gelu_tanh else "none")
        x = x + lin(h, pre + "mlp.c_proj")
    x = F.layer_norm(x[:, -1:], (E,), W["transformer.ln_f.weight"], W.get("transformer.ln_f.bias"))
    return F.linear(x, W["lm_head.weight"])[0, -1]


def generate(prompt, n, cached):
    seq = list(prompt)
    caches, cached_len = None, 0
    refill = max(1, block // 2)
    for _ in range(n):
        ln = len(seq)
        if not cached:
            keep, past = min(ln, block), 0
        elif caches is not None and cached_len == ln - 1 and cached_len < block:
            keep, past = 1, cached_len
        else:
            keep = min(ln, block if caches is None else refill)
            caches, past = [None] * L, 0
        logits = forward(torch.tensor([seq[ln - keep:]]), caches if cached else None, past)
        cached_len = past + keep
        seq.append(int(logits.argmax()))
    return seq[len(prompt):]


prompt = [int(t) for t in a.prompt.split(",")]
out = {}
with torch.no_grad():
    generate(prompt, 20, True)  # warm-up
    for mode in ("cached", "uncached"):
        best = float("inf")
        for _ in range(a.runs):  # best of `runs`, as adjoint's side
            t0 = time.process_time()  # CPU time: the machine is shared
            toks = generate(prompt, a.tokens, mode == "cached")
            best = min(best, (time.process_time() - t0) * 1000)
        out[mode] = {"ms": best, "tokens": toks}
out["torch"] = torch.__version__
print(json.dumps(out))
