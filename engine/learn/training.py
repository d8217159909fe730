"""Siamese training of the shared branch (``python main.py train``): the loop, its checkpoint and the export.

Design (measured on a 2-core CPU, see resources/model/MODEL_CARD.md): the stem and the first ``cut`` MBConv
blocks keep their ImageNet weights and run once over pre-generated augmented views; their feature maps are
cached as float16 (:mod:`engine.learn.views`). Training then runs only the tail (the remaining blocks, the 1x1
head conv and the projection MLP) on those maps, with different view pairs every epoch. The result is an
ordinary ``SiameseBranch`` state dict, so inference is the usual full network.

The loop reads like torchvision's reference scripts: :func:`train_one_epoch`, :func:`validate` and the driver
:func:`train`, with the learning-rate schedule (linear warm-up, then cosine) a ``torch.optim.lr_scheduler``
object saved in the checkpoint beside the :class:`TrainState`.
"""

from __future__ import annotations

import json
import random
import time
import warnings
from collections.abc import Callable
from dataclasses import asdict, dataclass
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn
from torch.optim.lr_scheduler import CosineAnnealingLR, LinearLR, LRScheduler, SequentialLR

from engine.learn.calibration import average_precision, best_f1, pair_distances
from engine.learn.export import export_model
from engine.learn.losses import PairLoss, make_loss
from engine.learn.split_branch import SplitBranch, channels_last
from engine.learn.train_types import TrainConfig, TrainResult, TrainState
from engine.learn.views import build_cache, embed_cache, list_photos, split_val
from engine.model.weights import LITE0_MEAN, LITE0_STD
from engine.progress import NULL_PROGRESS, Phase, Progress
from engine.runtime import select_device

CHECKPOINT_EVERY_S = 300  # also written at the end of each epoch, on cancel and on any error


@dataclass
class Run:
    """What the loop works on: the model and its optimiser, the cached maps, the state and where to report."""

    cfg: TrainConfig
    split: SplitBranch
    opt: torch.optim.Optimizer
    scheduler: LRScheduler
    loss_fn: PairLoss
    device: torch.device
    train_maps: np.ndarray
    val_maps: np.ndarray
    state: TrainState
    progress: Progress
    log: Callable[[str], None]
    checkpoint: Path
    best_weights: dict[str, torch.Tensor] | None = None
    started: float = 0.0  # monotonic time the run would have started, counting earlier sessions
    last_save: float = 0.0

    @property
    def steps_per_epoch(self) -> int:
        return max(1, len(self.train_maps) // self.cfg.batch_photos)

    @property
    def total_steps(self) -> int:
        return self.cfg.epochs * self.steps_per_epoch


# ================================================================================================ parts
def build_split(cfg: TrainConfig, device: torch.device) -> SplitBranch:
    from engine.model.network import SiameseBranch, load_imagenet_backbone

    torch.manual_seed(cfg.seed)
    branch = SiameseBranch(cfg.embedding_dim, cfg.hidden)
    load_imagenet_backbone(branch.backbone)
    branch.eval()  # BatchNorm keeps its ImageNet statistics; its affine parameters still train
    return SplitBranch(branch, cfg.cut).to(device).to(memory_format=torch.channels_last)


def make_optimizer(split: SplitBranch, cfg: TrainConfig) -> torch.optim.Optimizer:
    body, head = split.tail_parameters()
    groups = [{"params": body, "lr": cfg.body_lr}, {"params": head, "lr": cfg.lr}]
    return torch.optim.AdamW(groups, weight_decay=cfg.weight_decay)


def make_scheduler(opt: torch.optim.Optimizer, warmup: int, total: int) -> LRScheduler:
    """Per step: linear warm-up to the base rate over ``warmup`` steps, then cosine decay to 0 at ``total``."""
    if warmup <= 0:
        return CosineAnnealingLR(opt, T_max=max(1, total))
    ramp = LinearLR(opt, start_factor=1 / warmup, end_factor=1.0, total_iters=warmup - 1)
    decay = CosineAnnealingLR(opt, T_max=max(1, total - warmup))
    return SequentialLR(opt, [ramp, decay], milestones=[warmup])


def epoch_pairs(seed: int, epoch: int, n: int, views: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The photo order and, per photo, two different views: half the pairs are clean vs transformed."""
    rng = np.random.default_rng([seed, epoch])
    perm = rng.permutation(n)
    v1 = np.where(rng.random(n) < 0.5, 0, rng.integers(1, views, n))
    off = rng.integers(1, views, n)  # any other view
    v2 = (v1 + off) % views
    return perm, v1, v2


def train_step(
    split: SplitBranch, loss_fn: nn.Module, opt: torch.optim.Optimizer, maps: torch.Tensor, labels: torch.Tensor
) -> float:
    emb = split.tail(maps)
    loss = loss_fn(emb, labels)
    opt.zero_grad(set_to_none=True)
    loss.backward()
    opt.step()
    return float(loss.detach())


# ================================================================================================ the loop
def train_one_epoch(run: Run) -> tuple[list[float], bool]:
    """The rest of the current epoch (from the saved batch on resume): per-step losses, and whether the time
    limit stopped it early. Each batch holds two views of ``batch_photos`` photos; the loss mines its pairs."""
    cfg, st = run.cfg, run.state
    perm, v1, v2 = epoch_pairs(cfg.seed, st.epoch, len(run.train_maps), cfg.views)
    size = cfg.batch_photos
    losses: list[float] = []
    while st.batch < run.steps_per_epoch:
        idx = np.sort(perm[st.batch * size : (st.batch + 1) * size])
        x = np.concatenate([run.train_maps[idx, v1[idx]], run.train_maps[idx, v2[idx]]])
        factor = run.opt.param_groups[-1]["lr"] / cfg.lr
        maps = channels_last(torch.from_numpy(x).float().to(run.device))
        labels = torch.arange(len(idx), device=run.device).repeat(2)
        losses.append(train_step(run.split, run.loss_fn, run.opt, maps, labels))
        run.scheduler.step()
        st.batch += 1
        st.step += 1
        st.elapsed = time.monotonic() - run.started
        run.progress.report(Phase.TRAINING, st.step, run.total_steps)
        if st.step % 20 == 0:
            run.log(
                f"epoch {st.epoch + 1} step {st.step}/{run.total_steps} loss {np.mean(losses[-20:]):.4f} "
                f"lr x{factor:.2f} {st.elapsed / 60:.1f} min"
            )
        if time.monotonic() - run.last_save > CHECKPOINT_EVERY_S:
            save_checkpoint(run)
        if cfg.time_limit_min and st.elapsed > cfg.time_limit_min * 60:
            run.log("time limit reached: stopping after this step")
            return losses, True
    return losses, False


def validate(split: SplitBranch, maps: np.ndarray, device: torch.device) -> dict[str, Any]:
    """Every pair of cached validation views ranked by distance: AP and the best-F1 cut (plus the raw pairs)."""
    emb = embed_cache(split, maps, device)
    labels = np.repeat(np.arange(maps.shape[0]), maps.shape[1])
    dist, same = pair_distances(emb, labels)
    f1, p, r, t = best_f1(dist, same)
    return {
        "ap": average_precision(dist, same),
        "f1": f1,
        "precision": p,
        "recall": r,
        "distance": t,
        "_dist": dist,
        "_same": same,
    }


def end_epoch(run: Run, losses: list[float], on_epoch: Callable[[dict[str, Any]], None] | None) -> None:
    """Validate, record the epoch and keep the weights when it is the best so far by validation AP."""
    st = run.state
    m = validate(run.split, run.val_maps, run.device)
    rec = {
        "epoch": st.epoch + 1,
        "step": st.step,
        "loss": float(np.mean(losses or [0])),
        "minutes": st.elapsed / 60,
        **{k: v for k, v in m.items() if not k.startswith("_")},
    }
    st.history.append(rec)
    run.log("validation " + json.dumps(rec))
    if rec["ap"] > st.best["ap"]:
        st.best = rec
        run.best_weights = {k: v.detach().cpu().clone() for k, v in run.split.branch.state_dict().items()}
    if on_epoch:
        on_epoch(rec)


# ================================================================================================ checkpoint
def save_checkpoint(run: Run) -> None:
    tmp = run.checkpoint.with_suffix(".tmp")
    torch.save(
        {
            "model": run.split.branch.state_dict(),
            "optimizer": run.opt.state_dict(),
            "scheduler": run.scheduler.state_dict(),
            "state": asdict(run.state),
            "best_model": run.best_weights,
            "torch_rng": torch.get_rng_state(),
            "config": asdict(run.cfg),
        },
        tmp,
    )
    tmp.replace(run.checkpoint)
    run.last_save = time.monotonic()


def load_checkpoint(run: Run) -> None:
    """Continue from the checkpoint. One written before the schedule was a scheduler object has none: the
    schedule is then replayed up to the saved step."""
    saved = torch.load(run.checkpoint, map_location="cpu", weights_only=True)
    run.split.branch.load_state_dict(saved["model"])
    run.opt.load_state_dict(saved["optimizer"])
    run.state = TrainState(**saved["state"])
    run.best_weights = saved.get("best_model")
    torch.set_rng_state(saved["torch_rng"])
    if "scheduler" in saved:
        run.scheduler.load_state_dict(saved["scheduler"])
    else:
        for g, base in zip(run.opt.param_groups, (run.cfg.body_lr, run.cfg.lr)):
            g["lr"] = g["initial_lr"] = base
        run.scheduler = make_scheduler(run.opt, run.cfg.warmup_steps, run.total_steps)
        with warnings.catch_warnings():  # "scheduler.step() before optimizer.step()": replaying on purpose
            warnings.simplefilter("ignore", UserWarning)
            for _ in range(run.state.step):
                run.scheduler.step()
    st = run.state
    run.log(f"resumed at epoch {st.epoch} batch {st.batch} (step {st.step})")


# ================================================================================================ the driver
def prepare(cfg: TrainConfig, progress: Progress, log: Callable[[str], None]) -> Run:
    """Seed, build the split network, cache the views' feature maps and set up the optimiser and schedule."""
    t0 = time.monotonic()
    out = Path(cfg.out)
    out.mkdir(parents=True, exist_ok=True)
    device = select_device(cfg.device)
    random.seed(cfg.seed)
    np.random.seed(cfg.seed)
    split = build_split(cfg, device)
    train_files, val_files = split_val(list_photos(cfg.data, cfg.max_photos), cfg.val_photos, cfg.seed)
    log(
        f"{len(train_files)} training photos x {cfg.views} views, {len(val_files)} validation photos, "
        f"input {cfg.input_size}, cut after block {cfg.cut}, device {device}"
    )
    cache = partial(
        build_cache,
        split,
        size=cfg.input_size,
        seed=cfg.seed,
        mean=LITE0_MEAN,
        std=LITE0_STD,
        folder=Path(cfg.cache_dir or out / "cache"),
        workers=cfg.workers,
        device=device,
        progress=progress,
    )
    tr = cache(train_files, cfg.views, name="train", phase=Phase.VIEWS_TRAIN)
    va = cache(val_files, max(2, cfg.views - 1), name="val", phase=Phase.VIEWS_VAL)
    log(f"feature cache ready after {time.monotonic() - t0:.0f}s: {tr.path} {tuple(tr.maps.shape)}")
    opt = make_optimizer(split, cfg)
    steps = max(1, len(train_files) // cfg.batch_photos)
    return Run(
        cfg=cfg,
        split=split,
        opt=opt,
        scheduler=make_scheduler(opt, cfg.warmup_steps, cfg.epochs * steps),
        loss_fn=make_loss(cfg.loss, cfg.mining, cfg.margin),
        device=device,
        train_maps=np.asarray(tr.maps),  # into RAM: random batches from a memmap are slow
        val_maps=va.maps,
        state=TrainState(),
        progress=progress,
        log=log,
        checkpoint=out / "checkpoint.pt",
    )


def train(
    cfg: TrainConfig,
    progress: Progress = NULL_PROGRESS,
    resume: bool = False,
    on_epoch: Callable[[dict[str, Any]], None] | None = None,
    log: Callable[[str], None] = lambda s: None,
) -> TrainResult:
    """Train, keep the best epoch by validation AP, calibrate on the validation split, export a model folder.

    ``progress`` reports phases (``Phase.VIEWS_TRAIN``, ``VIEWS_VAL``, ``TRAINING``) and carries the cancel
    token; on cancel the checkpoint is written and :class:`~engine.progress.Cancelled` propagates. ``resume``
    continues from ``<out>/checkpoint.pt`` (the cached feature maps are reused either way).
    """
    t0 = time.monotonic()
    run = prepare(cfg, progress, log)
    if resume and run.checkpoint.exists():
        load_checkpoint(run)
    run.started = time.monotonic() - run.state.elapsed
    run.last_save = time.monotonic()
    stop = False
    try:
        while run.state.epoch < cfg.epochs and not stop:
            losses, stop = train_one_epoch(run)
            end_epoch(run, losses, on_epoch)
            if not stop:
                run.state.epoch += 1
                run.state.batch = 0
                stop = cfg.stop_epoch is not None and run.state.epoch >= cfg.stop_epoch
            save_checkpoint(run)
    except BaseException:
        save_checkpoint(run)
        raise
    if run.best_weights is not None:
        run.split.branch.load_state_dict(run.best_weights)
    model_dir = export_model(run.split.branch, validate(run.split, run.val_maps, run.device), cfg, run.state, log)
    return TrainResult(model_dir, run.state.history, run.state.best, time.monotonic() - t0)
