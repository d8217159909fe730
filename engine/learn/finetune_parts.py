"""The pieces of fine-tuning (:mod:`engine.learn.finetune`): images and their augmented copies, decoded on a
short-lived thread pool (:func:`map_with_progress`, which a cancel interrupts), the network split into a frozen
front and a trainable part, the fresh head's start and the replay batches. The stages that use them are in
:mod:`engine.learn.finetune_data` and :mod:`engine.learn.finetune_train`.
"""

from __future__ import annotations

import os
import random
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

import numpy as np
import torch
from PIL import Image
from torch.nn import functional as F

from engine.learn.finetune_types import FinetuneConfig
from engine.learn.split_branch import SplitBranch
from engine.model.transforms import to_input
from engine.model.weights import Calibration, ModelSpec, build_network
from engine.progress import Phase, Progress

N_BLOCKS = 16
J = TypeVar("J")
R = TypeVar("R")


# ================================================================================================ images
def clean_image(path: str, size: int, mode: str = "squash") -> np.ndarray | None:
    from engine.imaging import load_for_model

    try:
        return np.asarray(load_for_model(path, size, mode)[0], dtype=np.uint8)
    except Exception:  # noqa: BLE001 - an unreadable file is left out, as a scan would skip it
        return None


def augment_source(path: str, size: int) -> Image.Image:
    from engine.imaging import load_thumbnail

    return load_thumbnail(path, max(2 * size, 320))


def replay_views(job: tuple[str, int, str, int, int, tuple[str, ...], tuple[str, ...]]) -> list[np.ndarray] | None:
    """[clean, ``views`` augmented copies (families ``allowed``), one copy per ``rejected`` family], fitted to the
    input as the model's ``input_mode`` says.

    The rejected families are those the user's labels say do not make a duplicate: their copies are negatives.
    """
    from engine.learn.augment import FAMILIES, encode, fit, random_view

    path, size, mode, views, seed, allowed, rejected = job
    clean = clean_image(path, size, mode)
    if clean is None:
        return None
    try:
        src = augment_source(path, size)
        out = [clean]
        fams = {k: FAMILIES[k] for k in allowed}
        for v in range(views):
            rng = random.Random(f"{seed}:{os.path.basename(path)}:{v}")
            out.append(fit(random_view(src, rng, fams)[0] if fams else encode(src, rng), size, mode))
        for name in rejected:
            rng = random.Random(f"{seed}:{os.path.basename(path)}:{name}")
            out.append(fit(encode(FAMILIES[name][0](src, rng).convert("RGB"), rng), size, mode))
        return out
    except Exception:  # noqa: BLE001
        return None


def family_views(job: tuple[str, int, str, int]) -> list[np.ndarray] | None:
    """One copy of the photo per augmentation family (no format round trip), for
    :func:`engine.learn.finetune_data.find_rejected`."""
    from engine.learn.augment import FAMILIES, fit

    path, size, mode, seed = job
    try:
        src = augment_source(path, size)
        key = f"{seed}:{os.path.basename(path)}"  # not the full path: a moved library must train the same
        return [
            fit(FAMILIES[name][0](src, random.Random(f"{key}:{name}")).convert("RGB"), size, mode) for name in FAMILIES
        ]
    except Exception:  # noqa: BLE001
        return None


def map_with_progress(
    fn: Callable[[J], R], jobs: Sequence[J], workers: int, progress: Progress, phase: Phase
) -> list[R]:
    """``fn`` over ``jobs`` on ``workers`` threads, in order, reporting each result; a cancel drops the rest."""
    out: list[R] = []
    progress.report(phase, 0, len(jobs))
    pool = ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="doppel-finetune")
    try:
        for i, r in enumerate(pool.map(fn, jobs), 1):
            out.append(r)
            progress.report(phase, i, len(jobs))
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
    return out


# ================================================================================================ the network
class SplitModel:
    """The starting network split into a frozen front whose outputs are cached and a trainable part."""

    def __init__(self, base: ModelSpec, cfg: FinetuneConfig, device: torch.device) -> None:
        from engine.model.network import SiameseBranch

        net = build_network(base)
        self.fresh_head = net.head is None
        if self.fresh_head:  # the interim model: raw pooled features; add a head (random init, seeded)
            torch.manual_seed(cfg.seed)
            headed = SiameseBranch(cfg.embedding_dim, cfg.hidden)
            headed.backbone.load_state_dict(net.backbone.state_dict())
            net = headed
        net.eval()  # BatchNorm keeps its statistics; only weights move
        assert net.head is not None
        self.net = net.to(device)
        self.head = net.head
        self.device = device
        self.spec = base
        self.hidden = net.head.fc1.out_features
        self.dim = net.embedding_dim
        self.blocks = max(0, min(cfg.train_blocks, N_BLOCKS))
        self.split = SplitBranch(net, N_BLOCKS - self.blocks) if self.blocks else None
        for p in net.backbone.parameters():
            p.requires_grad_(False)
        body = self.split.tail_parameters()[0] if self.split else []
        for p in body:
            p.requires_grad_(True)
        self.body_params = body
        self.head_params = list(net.head.parameters())

    def front(self, images: np.ndarray, progress: Progress, batch: int = 32) -> torch.Tensor:
        """Cached inputs of the trainable part for uint8 images (N, S, S, 3): pooled features or block maps."""
        out = []
        with torch.inference_mode():
            for i in range(0, len(images), batch):
                progress.report(Phase.FEATURES, i, len(images))
                x = to_input(images[i : i + batch], self.spec.mean, self.spec.std, self.device)
                out.append((self.split.front(x) if self.split else self.net.backbone(x)).float())
        progress.report(Phase.FEATURES, len(images), len(images))
        return torch.cat(out) if out else torch.zeros(0)

    def embed(self, feats: torch.Tensor) -> torch.Tensor:
        if self.split is not None:
            return self.split.tail(feats)
        return F.normalize(self.head(feats), dim=1)

    def pooled(self, feats: torch.Tensor) -> torch.Tensor:
        """Pooled backbone features from the cached inputs of the trainable part."""
        return feats if self.split is None else self.split.pooled(feats).to(torch.float32)

    def backbone_vectors(self, feats: torch.Tensor, batch: int = 256) -> torch.Tensor:
        """Unit-length pooled backbone features: before the head, which a trained model made blind to the very
        changes (grayscale, crops) a user may care about, so they still show how two pictures differ."""
        with torch.no_grad():
            return torch.cat(
                [F.normalize(self.pooled(feats[i : i + batch]), dim=1) for i in range(0, len(feats), batch)]
            )

    def base_embed_all(self, feats: torch.Tensor, batch: int = 256) -> torch.Tensor:
        """The starting model's embeddings: its own head, or the raw pooled features when it had none."""
        return self.backbone_vectors(feats, batch) if self.fresh_head else self.embed_all(feats, batch)

    def embed_all(self, feats: torch.Tensor, batch: int = 256) -> torch.Tensor:
        with torch.no_grad():
            return torch.cat([self.embed(feats[i : i + batch]) for i in range(0, len(feats), batch)])


def scores_of(cal: Calibration, d: np.ndarray) -> np.ndarray:
    z = np.clip(cal.scale * (cal.offset - d.astype(np.float64)), -60, 60)
    return 1.0 / (1.0 + np.exp(-z))


def distill_head(
    model: SplitModel, feats: torch.Tensor, target: torch.Tensor, cfg: FinetuneConfig, progress: Progress
) -> None:
    """Teach a fresh head to reproduce the starting model's pairwise distances (its "identity" init)."""
    g = torch.Generator().manual_seed(cfg.seed)
    opt = torch.optim.Adam(model.head_params, lr=cfg.lr)
    n = len(feats)
    for step in range(cfg.distill_steps):
        progress.report(Phase.NEW_HEAD, step, cfg.distill_steps)
        idx = torch.randperm(n, generator=g)[:256].to(feats.device)
        e = model.embed(feats[idx])
        loss = (torch.cdist(e, e) - torch.cdist(target[idx], target[idx])).pow(2).mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()


def median(x: np.ndarray) -> float:
    return float(np.median(x)) if len(x) else float("nan")


def cyclic(order: np.ndarray, start: int, size: int) -> np.ndarray:
    if len(order) == 0:
        return order
    return order[(start + np.arange(min(size, len(order)))) % len(order)]


def random_negatives(
    rng: np.random.Generator, clean_rows: np.ndarray, allowed: torch.Tensor, k: int
) -> tuple[np.ndarray, np.ndarray]:
    """``k`` random pairs of library photos the starting model does not call duplicates (``allowed``)."""
    if len(clean_rows) < 2 or k <= 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    i = rng.integers(0, len(clean_rows), 3 * k)
    j = rng.integers(0, len(clean_rows), 3 * k)
    okm = allowed[i, j].numpy()
    i, j = i[okm][:k], j[okm][:k]
    return clean_rows[i], clean_rows[j]


def replay_batch(
    rng: np.random.Generator,
    size: int,
    pos_a: np.ndarray,
    pos_b: np.ndarray,
    fam_a: np.ndarray,
    fam_b: np.ndarray,
    hard_a: np.ndarray,
    hard_b: np.ndarray,
    clean_rows: np.ndarray,
    allowed: torch.Tensor,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Half augmentation positives; the rest negatives: copies by rejected families, hardest and random ones."""
    if len(pos_a) == 0 or size <= 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(0)
    p = rng.integers(0, len(pos_a), size // 2)
    parts_a, parts_b = [pos_a[p]], [pos_b[p]]
    n_neg = size - len(p)
    for xa, xb, share in ((fam_a, fam_b, 0.5), (hard_a, hard_b, 0.5 if not len(fam_a) else 0.25)):
        if len(xa):
            h = rng.integers(0, len(xa), int(n_neg * share))
            parts_a.append(xa[h])
            parts_b.append(xb[h])
    ra, rb = random_negatives(rng, clean_rows, allowed, size - sum(len(x) for x in parts_a))
    parts_a.append(ra)
    parts_b.append(rb)
    a, b = np.concatenate(parts_a), np.concatenate(parts_b)
    yy = np.zeros(len(a))
    yy[: len(p)] = 1.0
    return a, b, yy
