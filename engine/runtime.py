"""How the numeric libraries run in this process: OpenMP's wait policy and the device torch computes on.

Inference, training and fine-tuning all choose their device here, so ``--device`` means the same everywhere.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import torch

DEVICES = ("auto", "cpu", "cuda", "mps")


def quiet_openmp() -> None:
    """Make idle OpenMP threads sleep instead of spin (unless the user set OMP_WAIT_POLICY).

    Spinning threads steal the cores from everything else on a desktop (our own decode threads, the GUI, other
    programs): measured 3x slower inference, 4 vs 28 images/s training and 11 s instead of 3.6 s for a faiss
    IVF build on a busy 2-core machine. OpenMP reads the variable once, so call this before torch or faiss loads.
    """
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")


def select_device(name: str = "auto") -> torch.device:
    """CUDA if present, then Apple MPS, else the CPU; an unknown or missing device is a ModelError."""
    import torch

    from engine.model.weights import ModelError

    if name not in DEVICES:
        raise ModelError(f"unknown device {name!r} (choose from {', '.join(DEVICES)})")
    has_mps = getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available()
    if name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        return torch.device("mps") if has_mps else torch.device("cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise ModelError("--device cuda was asked for, but no CUDA GPU is available")
    if name == "mps" and not has_mps:
        raise ModelError("--device mps was asked for, but Apple MPS is not available")
    return torch.device(name)
