"""Helpers shared by the PyTorch sides of bench:train (train-step.py, train-step-bert-t5.py)."""
import ctypes
import math


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
