"""Fine-tuning's training stage: :func:`train_candidate` (the head, and optionally the last blocks, on the cached
front outputs). The candidate's threshold and calibration come from the guard set afterwards
(:mod:`engine.learn.finetune_judge`, :mod:`engine.learn.guard`).

Loss: :class:`~engine.learn.losses.ContrastiveLoss` on explicit pairs, ``user_weight`` of it on the user's
pairs (classes balanced) and the rest on replay pairs (positives, then negatives: copies by rejected families,
the hardest allowed library photo, random ones), plus an L2-SP anchor that keeps the weights near their start.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

import numpy as np
import torch
from torch.optim.lr_scheduler import CosineAnnealingLR

from engine.learn.finetune_data import Labels, Replay
from engine.learn.finetune_parts import SplitModel, cyclic, distill_head, replay_batch
from engine.learn.finetune_types import FinetuneConfig
from engine.learn.losses import EUCLIDEAN, ContrastiveLoss, Pairs
from engine.progress import Phase, Progress


def hardest_negatives(model: SplitModel, feats: torch.Tensor, replay: Replay) -> tuple[np.ndarray, np.ndarray]:
    """Each library photo with its closest allowed other photo under the current weights."""
    rows = replay.clean_rows
    if len(rows) < 2:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    e = model.embed_all(feats[rows])
    dm = torch.cdist(e, e).masked_fill(~replay.allowed_neg.to(feats.device), float("inf"))
    hard = dm.argmin(1)
    has = torch.isfinite(dm.gather(1, hard[:, None]))[:, 0].cpu().numpy()
    return rows[has], rows[hard.cpu().numpy()[has]]


class StepLoss:
    """One optimiser step's loss: the user's pairs and the replay pairs, embedded together, plus the anchor."""

    def __init__(self, model: SplitModel, labels: Labels, margin: float, cfg: FinetuneConfig) -> None:
        self.model, self.labels, self.cfg = model, labels, cfg
        self.user = ContrastiveLoss(margin, EUCLIDEAN, miner=None, reduction="balanced")
        self.replay = ContrastiveLoss(margin, EUCLIDEAN, miner=None, reduction="mean")
        self.params = model.head_params + model.body_params
        self.start = [p.detach().clone() for p in self.params]  # L2-SP anchor: stay near it

    def __call__(
        self, feats: torch.Tensor, ub: np.ndarray, ra: np.ndarray, rb: np.ndarray, ry: np.ndarray
    ) -> torch.Tensor:
        lab, cfg = self.labels, self.cfg
        need = {lab.a[i] for i in ub} | {lab.b[i] for i in ub} | set(ra.tolist()) | set(rb.tolist())
        rows = np.array(sorted(need), dtype=np.int64)
        local = {r: i for i, r in enumerate(rows)}
        loc = np.vectorize(local.__getitem__, otypes=[np.int64])
        emb = self.model.embed(feats[torch.from_numpy(rows).to(feats.device)])
        loss = torch.zeros((), device=feats.device)
        if len(ub):
            loss = loss + cfg.user_weight * self.user(
                emb, indices=Pairs.labelled(loc(lab.a[ub]), loc(lab.b[ub]), lab.y[ub])
            )
        if len(ra):
            loss = loss + (1 - cfg.user_weight) * self.replay(emb, indices=Pairs.labelled(loc(ra), loc(rb), ry))
        if cfg.anchor:
            loss = loss + cfg.anchor * sum((p - p0).pow(2).sum() for p, p0 in zip(self.params, self.start))
        return loss


def train_candidate(
    model: SplitModel,
    labels: Labels,
    replay: Replay,
    cfg: FinetuneConfig,
    rng: np.random.Generator,
    progress: Progress,
    log: Callable[[str], None],
    t0: float,
) -> list[float]:
    """Train ``model`` in place; returns the mean loss of each epoch. The learning rate follows a cosine to 0."""
    if model.fresh_head:  # start the new head as a copy of the old geometry: distances like the raw features'
        distill_head(model, replay.feats, replay.base_emb, cfg, progress)
        log(f"fresh head matched to the raw features' distances after {time.monotonic() - t0:.1f} s")
    params = [{"params": model.head_params, "lr": cfg.lr}]
    if model.body_params:
        params.append({"params": model.body_params, "lr": cfg.body_lr})
    opt = torch.optim.AdamW(params, weight_decay=cfg.weight_decay)
    step_loss = StepLoss(model, labels, replay.margin, cfg)
    n_train = len(labels.train)
    steps_per_epoch = max(1, math.ceil(n_train / cfg.user_batch), math.ceil(cfg.min_steps / max(cfg.epochs, 1)))
    total = cfg.epochs * steps_per_epoch
    scheduler = CosineAnnealingLR(opt, T_max=max(1, total))
    feats = replay.feats.to(model.device)
    history: list[float] = []
    step = 0
    for epoch in range(cfg.epochs):
        hard_a, hard_b = hardest_negatives(model, feats, replay)  # refreshed every epoch
        order = rng.permutation(labels.train)
        losses = []
        for s in range(steps_per_epoch):
            progress.report(Phase.TRAINING, step, total)
            ub = cyclic(order, s * cfg.user_batch, cfg.user_batch)
            r = replay
            ra, rb, ry = replay_batch(
                rng, cfg.replay_batch, r.pos_a, r.pos_b, r.fam_a, r.fam_b, hard_a, hard_b, r.clean_rows, r.allowed_neg
            )
            loss = step_loss(feats, ub, ra, rb, ry)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            scheduler.step()
            losses.append(float(loss.detach()))
            step += 1
        history.append(float(np.mean(losses)))
        if (epoch + 1) % 10 == 0 or epoch + 1 == cfg.epochs:
            log(f"epoch {epoch + 1}/{cfg.epochs} loss {history[-1]:.4f}")
    progress.report(Phase.TRAINING, total, total)
    log(f"trained after {time.monotonic() - t0:.1f} s")
    return history
