"""The pieces of fine-tuning (:mod:`engine.finetune`): images and their augmented copies, the network split into
a frozen front and a trainable part, the pair loss, replay batches and the check of which kinds of copy the
user's labels reject. No threads and no Qt; the orchestration and the decisions are in engine.finetune.
"""

from __future__ import annotations

import os
import random
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

import numpy as np

from engine.model.weights import Calibration, ModelSpec, build_network
from engine.progress import Progress

if TYPE_CHECKING:
    from engine.finetune import FinetuneConfig

N_BLOCKS = 16


# ================================================================================================ images
def clean_image(path: str, size: int) -> np.ndarray | None:
    from engine.imaging import load_for_model

    try:
        return np.asarray(load_for_model(path, size)[0], dtype=np.uint8)
    except Exception:  # noqa: BLE001 - an unreadable file is left out, as a scan would skip it
        return None


def augment_source(path: str, size: int):
    from engine.imaging import load_thumbnail

    return load_thumbnail(path, max(2 * size, 320))


def replay_views(job: tuple[str, int, int, int, tuple[str, ...], tuple[str, ...]]) -> list[np.ndarray] | None:
    """[clean, ``views`` augmented copies (families ``allowed``), one copy per ``rejected`` family], squashed.

    The rejected families are those the user's labels say do not make a duplicate: their copies are negatives.
    """
    from engine.model.augment import FAMILIES, encode, random_view, squash

    path, size, views, seed, allowed, rejected = job
    clean = clean_image(path, size)
    if clean is None:
        return None
    try:
        src = augment_source(path, size)
        out = [clean]
        fams = {k: FAMILIES[k] for k in allowed}
        for v in range(views):
            rng = random.Random(f"{seed}:{os.path.basename(path)}:{v}")
            out.append(squash(random_view(src, rng, fams)[0] if fams else encode(src, rng), size))
        for name in rejected:
            rng = random.Random(f"{seed}:{os.path.basename(path)}:{name}")
            out.append(squash(encode(FAMILIES[name][0](src, rng).convert("RGB"), rng), size))
        return out
    except Exception:  # noqa: BLE001
        return None


def family_views(job: tuple[str, int, int]) -> list[np.ndarray] | None:
    """One copy of the photo per augmentation family (no format round trip), for :func:`rejected_families`."""
    from engine.model.augment import FAMILIES, squash

    path, size, seed = job
    try:
        src = augment_source(path, size)
        key = f"{seed}:{os.path.basename(path)}"  # not the full path: a moved library must train the same
        return [
            squash(FAMILIES[name][0](src, random.Random(f"{key}:{name}")).convert("RGB"), size) for name in FAMILIES
        ]
    except Exception:  # noqa: BLE001
        return None


def map_with_progress(fn: Callable, jobs: list, workers: int, progress: Progress, phase: str) -> list:
    out = []
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

    def __init__(self, base: ModelSpec, cfg: FinetuneConfig, device) -> None:
        import torch

        from engine.model.network import SiameseBranch
        from engine.training import SplitBranch

        net = build_network(base)
        self.fresh_head = net.head is None
        if self.fresh_head:  # the interim model: raw pooled features; add a head (random init, seeded)
            torch.manual_seed(cfg.seed)
            headed = SiameseBranch(cfg.embedding_dim, cfg.hidden)
            headed.backbone.load_state_dict(net.backbone.state_dict())
            net = headed
        net.eval()  # BatchNorm keeps its statistics; only weights move
        self.net = net.to(device)
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
        self.family_ratios: dict[str, float] = {}  # filled by rejected_families, for the log
        self.family_cosines: dict[str, float] = {}
        self._mean = torch.tensor(base.mean, device=device)
        self._std = torch.tensor(base.std, device=device)

    def _input(self, batch: np.ndarray):
        import torch

        x = torch.from_numpy(batch).to(self.device)
        return ((x.permute(0, 3, 1, 2).float() - self._mean) / self._std).contiguous(memory_format=torch.channels_last)

    def front(self, images: np.ndarray, progress: Progress, batch: int = 32):
        """Cached inputs of the trainable part for uint8 images (N, S, S, 3): pooled features or block maps."""
        import torch

        out = []
        with torch.inference_mode():
            for i in range(0, len(images), batch):
                progress.report("features", i, len(images))
                x = self._input(images[i : i + batch])
                out.append((self.split.front(x) if self.split else self.net.backbone(x)).float())
        progress.report("features", len(images), len(images))
        return torch.cat(out) if out else torch.zeros(0)

    def embed(self, feats):
        from torch.nn import functional as F

        if self.split is not None:
            return self.split.tail(feats)
        return F.normalize(self.net.head(feats), dim=1)

    def pooled(self, feats):
        """Pooled backbone features from the cached inputs of the trainable part."""
        import torch
        from torch.nn import functional as F

        if self.split is None:
            return feats
        b = self.net.backbone
        for blk in b._blocks[self.split.cut :]:
            feats = blk(feats)
        return F.relu6(b._bn1(b._conv_head(feats))).mean(dim=(2, 3)).to(torch.float32)

    def backbone_vectors(self, feats, batch: int = 256):
        """Unit-length pooled backbone features: before the head, which a trained model made blind to the very
        changes (grayscale, crops) a user may care about, so they still show how two pictures differ."""
        import torch
        from torch.nn import functional as F

        with torch.no_grad():
            return torch.cat(
                [F.normalize(self.pooled(feats[i : i + batch]), dim=1) for i in range(0, len(feats), batch)]
            )

    def base_embed_all(self, feats, batch: int = 256):
        """The starting model's embeddings: its own head, or the raw pooled features when it had none."""
        import torch
        from torch.nn import functional as F

        if not self.fresh_head:
            return self.embed_all(feats, batch)
        with torch.no_grad():
            return torch.cat(
                [F.normalize(self.pooled(feats[i : i + batch]), dim=1) for i in range(0, len(feats), batch)]
            )

    def embed_all(self, feats, batch: int = 256):
        import torch

        with torch.no_grad():
            return torch.cat([self.embed(feats[i : i + batch]) for i in range(0, len(feats), batch)])


def pair_contrastive(d, y, margin: float):
    """Per pair (1-Y)/2 D^2 + Y/2 max(0, m-D)^2, with Y = 1 for a dissimilar pair (y here is 1 = duplicate)."""
    import torch

    dissimilar = 1.0 - y
    return (1 - dissimilar) * 0.5 * d**2 + dissimilar * 0.5 * torch.relu(margin - d) ** 2


def pair_dist(emb, a, b):
    return (emb[a] - emb[b]).pow(2).sum(1).clamp_min(1e-12).sqrt()


def scores_of(cal: Calibration, d: np.ndarray) -> np.ndarray:
    z = np.clip(cal.scale * (cal.offset - d.astype(np.float64)), -60, 60)
    return 1.0 / (1.0 + np.exp(-z))


def distill_head(model: SplitModel, feats, target, cfg: FinetuneConfig, progress: Progress) -> None:
    """Teach a fresh head to reproduce the starting model's pairwise distances (its "identity" init)."""
    import torch

    g = torch.Generator().manual_seed(cfg.seed)
    opt = torch.optim.Adam(model.head_params, lr=cfg.lr)
    n = len(feats)
    for step in range(cfg.distill_steps):
        progress.report("preparing the new head", step, cfg.distill_steps)
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


def random_negatives(rng, clean_rows: np.ndarray, allowed, k: int) -> tuple[np.ndarray, np.ndarray]:
    if len(clean_rows) < 2 or k <= 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    i = rng.integers(0, len(clean_rows), 3 * k)
    j = rng.integers(0, len(clean_rows), 3 * k)
    okm = allowed[i, j].numpy()
    i, j = i[okm][:k], j[okm][:k]
    return clean_rows[i], clean_rows[j]


def replay_batch(rng, size: int, pos_a, pos_b, fam_a, fam_b, hard_a, hard_b, clean_rows, allowed):
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


def rejected_families(
    model: SplitModel,
    base: ModelSpec,
    label_feats,
    label_paths: list[str],
    ia: np.ndarray,
    ib: np.ndarray,
    y: np.ndarray,
    cfg: FinetuneConfig,
    progress: Progress,
) -> list[str]:
    """Augmentation families that explain the user's "not a duplicate" labels on pairs the base model joins.

    For such a pair (a, b), a family f explains it when a copy of one made by f lands much closer to the other
    than the two are (b is, say, the grayscale of a: gray(a) ~ b). A family that explains most of those pairs
    is what the user rejects: teaching its copies as positives would fight the labels. Random families whose
    copy cannot land on b (crops of another region) are not found this way; the direction cosines are logged
    for them, but measured on the benchmark they did not single out crops reliably (mirror came out once).
    """
    import torch

    from engine.model.augment import FAMILIES

    emb = model.backbone_vectors(label_feats)
    scores = scores_of(base.calibration, pair_dist(model.base_embed_all(label_feats), ia, ib).cpu().numpy())
    d = pair_dist(emb, ia, ib).cpu().numpy()
    disagree = np.flatnonzero((y == 0) & (scores >= min(base.threshold, 0.5)))
    if len(disagree) < 2:
        return []
    disagree = disagree[np.argsort(d[disagree])][: cfg.detect_pairs]  # the most confident mistakes first
    paths = sorted({label_paths[i] for k in disagree for i in (ia[k], ib[k])})
    fviews = map_with_progress(
        family_views, [(p, base.input_size, cfg.seed) for p in paths], cfg.workers, progress, "checking the labels"
    )
    got = {p: v for p, v in zip(paths, fviews) if v is not None}
    if not got:
        return []
    names = list(FAMILIES)
    order = sorted(got)
    stack = np.stack([im for p in order for im in got[p]])
    fe = model.backbone_vectors(model.front(stack, progress)).cpu()
    fe = fe.reshape(len(order), len(names), -1)
    idx = {p: i for i, p in enumerate(order)}
    ratios, cosines = [], []
    for k in disagree:
        pa, pb = label_paths[ia[k]], label_paths[ib[k]]
        if pa not in idx or pb not in idx:
            continue
        ea, eb = emb[ia[k]].cpu(), emb[ib[k]].cpu()
        da = (fe[idx[pa]] - eb).norm(dim=1)  # f(a) vs b, per family
        db = (fe[idx[pb]] - ea).norm(dim=1)  # f(b) vs a
        ratios.append((torch.minimum(da, db) / max(float(d[k]), 1e-6)).numpy())
        ca = torch.nn.functional.cosine_similarity(fe[idx[pa]] - ea, (eb - ea)[None], dim=1)
        cb = torch.nn.functional.cosine_similarity(fe[idx[pb]] - eb, (ea - eb)[None], dim=1)
        cosines.append(torch.maximum(ca, cb).numpy())
    if not ratios:
        return []
    med = np.median(np.stack(ratios), axis=0)
    cos = np.median(np.stack(cosines), axis=0)
    model.family_ratios = dict(zip(names, np.round(med, 3).tolist()))  # for the log and the benchmark
    model.family_cosines = dict(zip(names, np.round(cos, 3).tolist()))
    return [n for n, r in zip(names, med) if r < cfg.detect_ratio]
