"""The one place that chooses the device, its number type and CPU threads, for each backend."""

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
Backend = Literal["transformers", "ctranslate2"]
# CTranslate2 compute types; `auto` is int8 on CPU and int8_float16 on CUDA
ComputeType = Literal["auto", "int8", "int8_float32", "int8_float16", "int8_bfloat16", "float16", "bfloat16", "float32"]
COMPUTE_TYPES: tuple[str, ...] = get_args(ComputeType)


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


def cpu_threads(threads: int | None) -> int:
    """The threads asked for, else all cores this process may use.

    Explicit so that several worker processes can each be given a share instead of all
    of them oversubscribing every core.
    """
    if threads is None:
        threads = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, int(threads))


def set_cpu_threads(threads: int | None) -> int:
    """Set torch's intra-op threads explicitly (see ``cpu_threads``)."""
    import torch

    threads = cpu_threads(threads)
    torch.set_num_threads(threads)
    return threads


def choose_ct2_device(requested: str = "auto") -> str:
    """The CTranslate2 device, by the same rule as ``choose_device``; asks CTranslate2, not torch,
    whether a GPU is there, so that backend never imports torch."""
    import ctranslate2

    if requested not in DEVICES:
        raise ConfigError("", "device", f"is {requested!r}", ", ".join(DEVICES))
    has_cuda = ctranslate2.get_cuda_device_count() > 0
    if requested == "cuda" and not has_cuda:
        raise DeviceError(requested, "CTranslate2")
    return "cuda" if requested == "cuda" or (requested == "auto" and has_cuda) else "cpu"


def choose_compute_type(requested: str, device: str) -> str:
    """``auto``: int8 on CPU, int8_float16 on CUDA; a type the device cannot run is refused."""
    import ctranslate2

    if requested not in COMPUTE_TYPES:
        raise ConfigError("", "compute_type", f"is {requested!r}", ", ".join(COMPUTE_TYPES))
    chosen = ("int8_float16" if device == "cuda" else "int8") if requested == "auto" else requested
    supported = sorted(ctranslate2.get_supported_compute_types(device))
    if chosen not in supported:
        raise ConfigError("", "compute_type", f"{chosen} is not supported on {device}", ", ".join(supported))
    return chosen
