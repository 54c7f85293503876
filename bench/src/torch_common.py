"""Helpers shared by the PyTorch sides of bench:train (train-step.py, train-step-bert-t5.py)."""
import ctypes
import json
import math
import resource
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


def timed_steps(steps, warmup, batch_at, loss_of, opt, params, clip, lr_at):
    """warmup + steps training steps: batch_at(it) -> (x, y), the lr of lr_at(it), loss_of(x, y),
    zero_grad, backward, global grad-norm clip, opt.step(). Returns the times (s) of the steps
    after the warm-up, their CPU times (s, all threads: process_time) and every loss."""
    times, cpu, losses = [], [], []
    for it in range(warmup + steps):
        t0, c0 = time.perf_counter(), time.process_time()
        x, y = batch_at(it)
        for group in opt.param_groups:
            group["lr"] = lr_at(it)
        loss = loss_of(x, y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, clip)
        opt.step()
        dt, dc = time.perf_counter() - t0, time.process_time() - c0
        losses.append(loss.item())
        if it >= warmup:
            times.append(dt)
            cpu.append(dc)
    return times, cpu, losses


def report(times, cpu, losses, steps, **extra):
    """The one JSON line bench:train reads: median and best step and median CPU time per step (ms), losses, peak RSS, OpenBLAS's core."""
    times, cpu = sorted(times), sorted(cpu)
    print(json.dumps({
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "steps": steps,
        **extra,
        "median_ms": 1000 * times[len(times) // 2],
        "min_ms": 1000 * times[0],
        "cpu_ms": 1000 * cpu[len(cpu) // 2],
        "first_loss": losses[0],
        "last_loss": sum(losses[-10:]) / min(10, len(losses)),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "blas_core": blas_core(),
    }))
