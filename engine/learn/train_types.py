"""The training run's configuration, its resumable state and its result (kept apart from the loop, so the
export and the CLI use them without importing each other)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class TrainConfig:
    data: str
    out: str
    loss: str = "triplet"
    mining: str = "semihard"
    margin: float | None = None
    epochs: int = 8
    seed: int = 0
    input_size: int = 160
    cut: int = 11
    embedding_dim: int = 256
    hidden: int = 512
    views: int = 5  # per training photo: the clean one plus views-1 augmented ones
    val_photos: int = 500
    batch_photos: int = 64
    lr: float = 1e-3  # projection head
    body_lr: float = 3e-4  # trained backbone blocks
    weight_decay: float = 1e-4
    warmup_steps: int = 50
    max_photos: int | None = None  # a smaller run (tests, quick looks)
    time_limit_min: float | None = None  # stop training (then calibrate and export) after this long
    stop_epoch: int | None = None  # pause after this epoch (same schedule), e.g. to compare losses, then resume
    workers: int = 2
    device: str = "auto"
    cache_dir: str | None = None  # default: <out>/cache


@dataclass
class TrainState:
    """Where a run stands; saved in the checkpoint, so ``--resume`` continues mid-epoch."""

    epoch: int = 0
    batch: int = 0  # next batch of the current epoch
    step: int = 0  # optimiser steps so far
    best: dict[str, Any] = field(default_factory=lambda: {"ap": -1.0})  # the best epoch's validation record
    history: list[dict[str, Any]] = field(default_factory=list)  # one validation record per epoch
    elapsed: float = 0.0  # training seconds, across resumes


@dataclass
class TrainResult:
    model_dir: Path | None
    history: list[dict[str, Any]]
    best: dict[str, Any]
    seconds: float
