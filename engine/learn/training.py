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
from torch.optim.lr_scheduler import CosineAnnealingLR, LinearLR, LRScheduler, SequentialLR

from engine.learn.batches import cut_mask, neighbour_batches, random_batches, view_pairs
from engine.learn.calibration import average_precision, best_f1, choose_threshold, pair_distances
from engine.learn.export import export_model
from engine.learn.losses import EmbeddingMemory, InfoNCELoss, PairLoss, koleo, make_loss
from engine.learn.split_branch import SplitBranch, channels_last
from engine.learn.train_types import TrainConfig, TrainResult, TrainState
from engine.learn.views import build_cache, embed_cache, training_instances
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
    train_cuts: np.ndarray  # (instances, views): the view is a cut (engine.learn.batches)
    val_maps: np.ndarray
    val_cuts: np.ndarray
    val_photos: np.ndarray  # photo number of each held-out instance: halves of one photo share it
    state: TrainState
    progress: Progress
    log: Callable[[str], None]
    checkpoint: Path
    memory: EmbeddingMemory | None = None
    best_weights: dict[str, torch.Tensor] | None = None
    started: float = 0.0  # monotonic time the run would have started, counting earlier sessions
    last_save: float = 0.0

    @property
    def steps_per_epoch(self) -> int:
        return max(1, len(self.train_maps) // self.cfg.batch_photos)  # as engine.learn.batches makes them

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


# ================================================================================================ the loop
def epoch_batches(run: Run) -> list[np.ndarray]:
    """This epoch's batches of instance rows: random, or neighbourhoods from a global nearest-neighbour pass."""
    cfg = run.cfg
    if not cfg.neighbour_batches:
        return random_batches(cfg.seed, run.state.epoch, len(run.train_maps), cfg.batch_photos)
    clean = torch.from_numpy(embed_cache(run.split, run.train_maps[:, :1], run.device))
    return neighbour_batches(clean, cfg.seed, run.state.epoch, cfg.batch_photos, cfg.cluster)


def train_step(
    split: SplitBranch,
    loss_fn: PairLoss,
    opt: torch.optim.Optimizer,
    maps: torch.Tensor,
    labels: torch.Tensor,
    memory: EmbeddingMemory | None = None,
    use_memory: bool = False,
    koleo_weight: float = 0.0,
) -> float:
    """One optimiser step on cached front ``maps`` of rows labelled by instance. InfoNCE also scores against
    ``memory`` (when ``use_memory``), which then takes this batch's embeddings; ``koleo_weight`` adds the
    spreading term over the first view of each instance."""
    emb = split.tail(maps)
    if isinstance(loss_fn, InfoNCELoss):
        loss = loss_fn(emb, labels, memory=memory.contents() if memory is not None and use_memory else None)
    else:
        loss = loss_fn(emb, labels)
    if koleo_weight:
        half = len(emb) // 2
        loss = loss + koleo_weight * koleo(emb[:half], labels[:half])
    opt.zero_grad(set_to_none=True)
    loss.backward()
    opt.step()
    if memory is not None:
        memory.push(emb.detach(), labels)
    return float(loss.detach())


def batch_step(run: Run, idx: np.ndarray, v1: np.ndarray, v2: np.ndarray) -> float:
    """The step on views ``v1``/``v2`` of the instances ``idx``; labels are instance rows, so the memory knows
    which of its entries are views of the same picture."""
    x = np.concatenate([run.train_maps[idx, v1[idx]], run.train_maps[idx, v2[idx]]])
    maps = channels_last(torch.from_numpy(x).float().to(run.device))
    labels = torch.from_numpy(np.concatenate([idx, idx])).to(run.device)
    use_memory = run.state.step >= run.cfg.memory_start
    return train_step(run.split, run.loss_fn, run.opt, maps, labels, run.memory, use_memory, run.cfg.koleo)


def train_one_epoch(run: Run) -> tuple[list[float], bool]:
    """The rest of the current epoch (from the saved batch on resume): per-step losses, and whether the time
    limit stopped it early. Each batch holds two views of ``batch_photos`` instances."""
    cfg, st = run.cfg, run.state
    batches = epoch_batches(run)
    v1, v2 = view_pairs(cfg.seed, st.epoch, run.train_cuts)
    losses: list[float] = []
    while st.batch < len(batches):
        factor = run.opt.param_groups[-1]["lr"] / cfg.lr
        losses.append(batch_step(run, batches[st.batch], v1, v2))
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


def validate(
    split: SplitBranch,
    maps: np.ndarray,
    device: torch.device,
    cuts: np.ndarray | None = None,
    photos: np.ndarray | None = None,
    precision_target: float = 0.99,
) -> dict[str, Any]:
    """Every pair of held-out views ranked by distance: AP, the best-F1 cut, the recall where precision reaches
    ``precision_target`` and, on original-vs-copy pairs alone, AP again. Two cuts of one picture (which may share
    no pixel) are not judged. ``halves_fp``: the share of pairs of two halves of one photo (different pictures of
    one scene) inside that precise cut. The raw pairs come back as ``_dist`` / ``_same`` for calibration."""
    emb = embed_cache(split, maps, device)
    n, views = maps.shape[:2]
    labels = np.repeat(np.arange(n), views)
    dist, same = pair_distances(emb, labels)
    iu = np.triu_indices(len(emb), 1)
    keep = np.ones(len(dist), dtype=bool)
    if cuts is not None:
        cut = cuts.reshape(-1)
        keep = ~(same & cut[iu[0]] & cut[iu[1]])
    dist, same, ia, ib = dist[keep], same[keep], iu[0][keep], iu[1][keep]
    f1, p, r, t = best_f1(dist, same)
    t_p, _, p_p, r_p = choose_threshold(dist, same, precision_target)
    view = np.tile(np.arange(views), n)
    copies = ~same | (view[ia] == 0) | (view[ib] == 0)
    out: dict[str, Any] = {
        "ap": average_precision(dist, same),
        "ap_copies": average_precision(dist[copies], same[copies]),
        "f1": f1,
        "precision": p,
        "recall": r,
        "distance": t,
        "recall_at_target": r_p if p_p >= precision_target else 0.0,
        "_dist": dist,
        "_same": same,
    }
    if photos is not None:
        ph = np.repeat(photos, views)
        halves = (ph[ia] == ph[ib]) & ~same
        if halves.any():
            out["halves_fp"] = float((dist[halves] <= t_p).mean())
    return out


def validate_run(run: Run) -> dict[str, Any]:
    return validate(run.split, run.val_maps, run.device, run.val_cuts, run.val_photos, run.cfg.precision_target)


def end_epoch(run: Run, losses: list[float], on_epoch: Callable[[dict[str, Any]], None] | None) -> None:
    """Validate, record the epoch and keep the weights when it is the best so far by validation AP."""
    st = run.state
    m = validate_run(run)
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
    train_inst, val_inst = training_instances(cfg.data, cfg.halves, cfg.seed, cfg.val_photos, cfg.max_photos)
    log(
        f"{len(train_inst)} training instances x {cfg.views} views, {len(val_inst)} held-out instances, "
        f"input {cfg.input_size} ({cfg.input_mode}), cut after block {cfg.cut}, device {device}"
    )
    cache = partial(
        build_cache,
        split,
        size=cfg.input_size,
        mode=cfg.input_mode,
        seed=cfg.seed,
        mean=LITE0_MEAN,
        std=LITE0_STD,
        folder=Path(cfg.cache_dir or out / "cache"),
        workers=cfg.workers,
        device=device,
        progress=progress,
    )
    va = cache(val_inst, cfg.val_views, name="calib", phase=Phase.VIEWS_VAL)
    tr = cache(train_inst, cfg.views, name="train", phase=Phase.VIEWS_TRAIN)
    log(f"feature cache ready after {time.monotonic() - t0:.0f}s: {tr.path} {tuple(tr.maps.shape)}")
    opt = make_optimizer(split, cfg)
    steps = max(1, len(train_inst) // cfg.batch_photos)
    memory = EmbeddingMemory(cfg.memory, split.branch.embedding_dim, device) if cfg.memory else None
    return Run(
        cfg=cfg,
        split=split,
        opt=opt,
        scheduler=make_scheduler(opt, cfg.warmup_steps, cfg.epochs * steps),
        loss_fn=make_loss(cfg.loss, cfg.mining, cfg.margin, cfg.temperature),
        device=device,
        train_maps=np.asarray(tr.maps),  # into RAM: random batches from a memmap are slow
        train_cuts=cut_mask(tr.families),
        val_maps=va.maps,
        val_cuts=cut_mask(va.families),
        val_photos=np.array([i.photo for i in val_inst]),
        state=TrainState(),
        progress=progress,
        log=log,
        checkpoint=out / "checkpoint.pt",
        memory=memory,
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
    model_dir = export_model(run.split.branch, validate_run(run), cfg, run.state, log)
    return TrainResult(model_dir, run.state.history, run.state.best, time.monotonic() - t0)
