"""The one place that chooses the torch device, dtype and CPU threads."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Literal, get_args

from pipeline.errors import ConfigError, DeviceError

if TYPE_CHECKING:
    import torch

# The config fields are annotated with these; the tuples are the same choices, for checks here.
Device = Literal["auto", "cpu", "cuda"]
Dtype = Literal["float32", "float16", "bfloat16"]
DEVICES: tuple[str, ...] = get_args(Device)
DTYPES: tuple[str, ...] = get_args(Dtype)


def choose_device(requested: str = "auto") -> torch.device:
    """``auto`` takes CUDA when torch sees it; ``cuda`` without a GPU is an error, never a fallback."""
    import torch

    if requested not in DEVICES:
        raise ConfigError("", "device", f"is {requested!r}", ", ".join(DEVICES))
    has_cuda = torch.cuda.is_available()
    if requested == "cuda" and not has_cuda:
        raise DeviceError(requested)
    return torch.device("cuda" if requested == "cuda" or (requested == "auto" and has_cuda) else "cpu")


def choose_dtype(requested: str, device: torch.device) -> torch.dtype:
    """Half precision only makes sense on a GPU; on CPU it is slower, so it is refused."""
    import torch

    if requested not in DTYPES:
        raise ConfigError("", "dtype", f"is {requested!r}", ", ".join(DTYPES))
    if requested != "float32" and device.type == "cpu":
        raise ConfigError("", "dtype", f"{requested} needs a CUDA device", "float32 on cpu")
    return getattr(torch, requested)


def set_cpu_threads(threads: int | None) -> int:
    """Set torch's intra-op threads explicitly (default: all cores this process may use).

    Explicit so that several worker processes can each be given a share instead of all
    of them oversubscribing every core.
    """
    import torch

    if threads is None:
        threads = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    threads = max(1, int(threads))
    torch.set_num_threads(threads)
    return threads
