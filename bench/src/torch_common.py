"""Helpers shared by the PyTorch sides of bench:train (train-step.py, train-step-bert-t5.py)."""
import ctypes
import json
import math
import resource
import sys
import time

import torch


def lr_at(it, warmup, decay, lr, min_lr):
    """adjoint's WarmupCosineLR: linear warmup over `warmup` steps, cosine to min_lr at `decay`, then min_lr."""
    if it < warmup:
        return lr * (it + 1) / (warmup + 1)
    if it > decay:
        return min_lr
    return min_lr + 0.5 * (1 + math.cos(math.pi * (it - warmup) / (decay - warmup))) * (lr - min_lr)


def blas_core():
    """OpenBLAS's kernel family in this process (after OPENBLAS_CORETYPE), or 'unknown'."""
    for name in ("libopenblas.so.0", "libopenblasp.so.0", "libblas.so.3"):
        try:
            f = ctypes.CDLL(name).openblas_get_corename
        except (OSError, AttributeError):
            continue
        f.restype = ctypes.c_char_p
        return f().decode()
    return "unknown"


def make_step(batch_at, loss_of, opt, params, clip, lr_at):
    """One training step a call, as adjoint's: batch_at(it) -> (x, y), the lr of lr_at(it), loss_of(x, y),
    zero_grad, backward, global grad-norm clip, opt.step(). Returns the step function (it returns the loss)."""
    it = 0

    def step():
        nonlocal it
        x, y = batch_at(it)
        for group in opt.param_groups:
            group["lr"] = lr_at(it)
        loss = loss_of(x, y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, clip)
        opt.step()
        it += 1
        return loss.item()

    return step


def serve(step, **extra):
    """PyTorch's side of bench:train's interleaved pairs: the line protocol of bench/src/step-server.ts on
    stdin/stdout. "steps K" runs K steps and answers their wall and CPU times (ms; CPU: process_time, all
    threads) and the CPU time used while waiting since the last answer; "info" answers the versions, threads,
    OpenBLAS core, peak RSS and losses (with `extra`); "profile K" runs K steps under PyTorch's profiler.
    Ends at the end of its input."""
    losses = []
    last = time.process_time()

    def reply(o):
        sys.stdout.write("step-server: " + json.dumps(o) + "\n")
        sys.stdout.flush()

    for line in sys.stdin:
        name, _, arg = line.strip().partition(" ")
        if not name:
            continue
        idle = time.process_time() - last
        if name == "steps" and arg.isdigit():
            times, cpu = [], []
            for _ in range(int(arg)):
                t0, c0 = time.perf_counter(), time.process_time()
                losses.append(step())
                times.append(1000 * (time.perf_counter() - t0))
                cpu.append(1000 * (time.process_time() - c0))
            reply({"times_ms": times, "cpu_ms": cpu, "idle_cpu_ms": 1000 * idle})
        elif name == "profile" and arg.isdigit():
            reply(profile(step, int(arg), losses))
        elif name == "info":
            reply({
                "torch": torch.__version__,
                "threads": torch.get_num_threads(),
                "blas_core": blas_core(),
                "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                "steps": len(losses),
                "first_loss": losses[0] if losses else None,
                "last_loss": sum(losses[-10:]) / min(10, len(losses)) if losses else None,
                **extra,
            })
        else:
            reply({"error": f"unknown command {line.strip()!r} (PyTorch's side answers steps K, profile K, info)"})
        last = time.process_time()


def profile(step, k, losses):
    """k steps under torch.autograd.profiler: the wall time per step while profiling and each op's self CPU
    time and calls per step (ms), largest first (the profiler's own cost inflates the small ops)."""
    with torch.autograd.profiler.profile() as prof:
        t0 = time.perf_counter()
        for _ in range(k):
            losses.append(step())
        wall = time.perf_counter() - t0
    ops = [[e.key, e.self_cpu_time_total / 1000 / k, e.count / k] for e in prof.key_averages()]
    ops.sort(key=lambda o: -o[1])
    return {"steps": k, "step_ms": 1000 * wall / k, "ops": ops}
