"""Which runtime embeds the images: OpenVINO on the CPU, torch on CUDA and MPS (and wherever OpenVINO is missing).

Deciding must not import torch: a scan that OpenVINO serves never pays torch's 2-3 s import. So "is there a GPU
torch would use?" is first asked of the driver (libcuda's ``cuDeviceGetCount``, Apple silicon for MPS); only
when the answer may be yes does torch get the last word.
"""

from __future__ import annotations

import ctypes
import importlib.util
import platform
import sys
from functools import cache

from engine.model.weights import ModelError

# Importing openvino imports its model converter, which sends a usage event to Google Analytics by default
# (openvino-telemetry assumes consent when no opt-out file exists) and writes ~/intel/. A photo app sends nothing
# anywhere: a None entry makes "import openvino_telemetry" fail, and OpenVINO (and NNCF) use their own stubs.
# Every engine module that imports openvino imports this one first.
sys.modules.setdefault("openvino_telemetry", None)  # type: ignore[arg-type]  # None: the import fails

BACKENDS = ("auto", "torch", "openvino")
TORCH, OPENVINO = "torch", "openvino"
ASK_TORCH = "ask-torch"  # auto on a machine that may have a GPU: torch decides, OpenVINO serves if it says CPU


@cache
def openvino_available() -> bool:
    return importlib.util.find_spec("openvino") is not None


@cache
def torch_available() -> bool:
    return importlib.util.find_spec("torch") is not None


@cache
def cuda_driver_devices() -> int:
    """How many CUDA devices the NVIDIA driver reports (0 without a driver); honours CUDA_VISIBLE_DEVICES."""
    names = ("nvcuda.dll",) if sys.platform == "win32" else ("libcuda.so.1", "libcuda.so", "libcuda.dylib")
    for name in names:
        try:
            lib = ctypes.CDLL(name)
        except OSError:
            continue
        try:
            count = ctypes.c_int(0)
            if lib.cuInit(0) != 0 or lib.cuDeviceGetCount(ctypes.byref(count)) != 0:
                return 0
            return count.value
        except (AttributeError, OSError):
            return 0
    return 0


def gpu_possible() -> bool:
    """True when torch might find CUDA or MPS here; False means the CPU for certain."""
    if not torch_available():
        return False
    if sys.platform == "darwin" and platform.machine() == "arm64":
        return True  # Apple silicon: MPS
    return cuda_driver_devices() > 0


def choose_backend(backend: str = "auto", device: str = "auto") -> str:
    """``torch``, ``openvino`` or :data:`ASK_TORCH`, without importing torch; a choice that cannot work raises."""
    if backend not in BACKENDS:
        raise ModelError(f"unknown backend {backend!r} (choose from {', '.join(BACKENDS)})")
    if backend == TORCH:
        return TORCH
    if device not in ("auto", "cpu"):
        if backend == OPENVINO:
            raise ModelError(f"the OpenVINO backend runs on the CPU only: use --backend torch with --device {device}")
        return TORCH
    if backend == OPENVINO:
        if not openvino_available():
            raise ModelError("--backend openvino was asked for, but OpenVINO is not installed (pip install openvino)")
        return OPENVINO
    if not openvino_available():
        return TORCH
    if device == "cpu" or not gpu_possible():
        return OPENVINO
    return ASK_TORCH
