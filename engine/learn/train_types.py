"""The training run's configuration, its resumable state and its result (kept apart from the loop, so the
export and the CLI use them without importing each other)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class TrainConfig:
    data: str  # the shared data root (train/, train-extra/: engine.learn.splits), or one folder of photos
    out: str
    loss: str = "contrastive"  # engine.learn.losses.LOSSES
    mining: str = "semihard"
    margin: float | None = None
    temperature: float = 0.05  # InfoNCE
    memory: int = 0  # InfoNCE: embeddings kept from earlier batches as extra negatives (0: batch only)
    memory_start: int = 100  # steps before the memory is used (early embeddings move too fast to be negatives)
    koleo: float = 0.0  # weight of the KoLeo spreading term
    neighbour_batches: bool = False  # batches of globally nearest instances, re-mined every epoch
    cluster: int = 4  # instances per neighbourhood in such a batch
    halves: float = 0.0  # share of photos split into two halves: two different pictures of one scene
    input_mode: str = "squash"  # engine.imaging.INPUT_MODES
    precision_target: float = 0.99  # the default threshold: best F1 among cuts this precise on the held-out pairs
    epochs: int = 8
    seed: int = 0
    input_size: int = 160
    cut: int = 11
    embedding_dim: int = 256
    hidden: int = 512
    views: int = 5  # per training photo: the clean one plus views-1 augmented ones
    val_views: int = 4  # per held-out (calibration) photo
    val_photos: int = 500  # held out of a plain photo folder (the shared data root has its own split)
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
