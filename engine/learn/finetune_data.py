"""Fine-tuning's first stages, each a function returning a small dataclass the next one takes:

labels (:func:`read_labels` -> :class:`Labels`) -> which kinds of copy the labels reject (:func:`find_rejected`
-> :class:`Rejection`) -> replay photos from the user's library and their pairs (:func:`gather_replay` ->
:class:`Replay`). Training, calibration and the decision follow in :mod:`engine.learn.finetune_train` and
:mod:`engine.learn.finetune`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import torch
from torch.nn import functional as F

from engine.labels import LabelledPair
from engine.learn.augment import FAMILIES
from engine.learn.finetune_parts import (
    SplitModel,
    clean_image,
    family_views,
    map_with_progress,
    replay_views,
    scores_of,
)
from engine.learn.finetune_types import FinetuneConfig, Pair
from engine.learn.losses import EUCLIDEAN
from engine.model.weights import ModelSpec
from engine.progress import Phase, Progress

NEGATIVE_GUARD_SCORE = 0.2  # library pairs the starting model scores above this are never used as negatives


# ================================================================================================ labels
def usable_pairs(pairs: Sequence[LabelledPair | tuple[str, str, bool]]) -> tuple[list[Pair], int]:
    """Pairs whose both files still exist (deduplicated), and how many were dropped."""
    out: dict[frozenset[str], Pair] = {}
    dropped = 0
    for p in pairs:
        a, b, y = (p.path_a, p.path_b, p.is_duplicate) if isinstance(p, LabelledPair) else p
        if a == b or not (os.path.isfile(a) and os.path.isfile(b)):
            dropped += 1
            continue
        out[frozenset((a, b))] = (a, b, int(bool(y)))  # a later label of the same pair wins
    return list(out.values()), dropped


def need_more(n: int, minimum: int) -> int:
    return max(0, minimum - n)


def split_folds(labels: np.ndarray, folds: int, seed: int) -> np.ndarray:
    """Per pair, the cross-validation fold that holds it out; stratified (each class dealt round the folds in a
    seeded order). A class with a single pair is never held out (-1): a fold's training would lack it."""
    rng = np.random.default_rng([seed, 7])
    fold = np.full(len(labels), -1, dtype=np.int64)
    for cls in (0, 1):
        idx = rng.permutation(np.flatnonzero(labels == cls))
        if len(idx) >= 2 and folds >= 2:
            fold[idx] = np.arange(len(idx)) % folds
    return fold


@dataclass(frozen=True)
class Labels:
    """The user's pairs whose photos could be read, as rows of ``feats`` (one row per photo)."""

    pairs: list[Pair]
    paths: list[str]  # photo of each row
    a: np.ndarray  # per pair: row of one photo
    b: np.ndarray  # per pair: row of the other
    y: np.ndarray  # per pair: 1 = duplicate
    train: np.ndarray  # pair indices trained on: all of them, or all but one fold (engine.learn.finetune_judge)
    holdout: np.ndarray  # pair indices held out from this training
    fold: np.ndarray  # per pair: the cross-validation fold holding it out (-1: never held out)
    feats: torch.Tensor  # the frozen front's output for each photo

    def without_fold(self, k: int) -> Labels:
        """The same labels with fold ``k`` held out of training."""
        return replace(self, train=np.flatnonzero(self.fold != k), holdout=np.flatnonzero(self.fold == k))


def read_labels(labelled: list[Pair], model: SplitModel, cfg: FinetuneConfig, progress: Progress) -> Labels:
    """The labelled photos, clean as a scan sees them, through the frozen front; unreadable ones drop their pairs.
    With fewer than ``min_labels`` pairs left the front is not run (the caller asks for more labels)."""
    size = model.spec.input_size
    paths = sorted({p for a, b, _ in labelled for p in (a, b)})
    mode = model.spec.input_mode
    cleans = map_with_progress(lambda p: clean_image(p, size, mode), paths, cfg.workers, progress, Phase.READING_LABELS)
    ok = {p: im for p, im in zip(paths, cleans) if im is not None}
    kept = [t for t in labelled if t[0] in ok and t[1] in ok]
    enough = len(kept) >= cfg.min_labels
    paths = sorted(ok)
    row = {p: i for i, p in enumerate(paths)}
    y = np.array([t[2] for t in kept])
    return Labels(
        pairs=kept,
        paths=paths,
        a=np.array([row[a] for a, _, _ in kept]),
        b=np.array([row[b] for _, b, _ in kept]),
        y=y,
        train=np.arange(len(kept)),
        holdout=np.zeros(0, dtype=np.int64),
        fold=split_folds(y, cfg.folds, cfg.seed),
        feats=model.front(np.stack([ok[p] for p in paths]), progress) if enough else torch.zeros(0),
    )


# ================================================================================================ rejected kinds
@dataclass(frozen=True)
class Rejection:
    """Augmentation families the user's "not a duplicate" labels reject, and the measurements behind it."""

    families: tuple[str, ...] = ()
    ratios: dict[str, float] = field(default_factory=dict)  # per family: how well it explains the labels
    cosines: dict[str, float] = field(default_factory=dict)  # per family: direction agreement (logged only)

    @property
    def allowed(self) -> tuple[str, ...]:
        """The families still taught as positives."""
        return tuple(f for f in FAMILIES if f not in self.families)


def find_rejected(
    model: SplitModel, base: ModelSpec, labels: Labels, cfg: FinetuneConfig, progress: Progress
) -> Rejection:
    """Augmentation families that explain the user's "not a duplicate" labels on pairs the base model joins.

    For such a pair (a, b), a family f explains it when a copy of one made by f lands much closer to the other
    than the two are (b is, say, the grayscale of a: gray(a) ~ b). A family that explains most of those pairs
    is what the user rejects: teaching its copies as positives would fight the labels. Random families whose
    copy cannot land on b (crops of another region) are not found this way; the direction cosines are logged
    for them, but measured on the benchmark they did not single out crops reliably (mirror came out once).
    """
    ia, ib, y = labels.a[labels.train], labels.b[labels.train], labels.y[labels.train]
    emb = model.backbone_vectors(labels.feats)
    scores = scores_of(base.calibration, EUCLIDEAN.pairs(model.base_embed_all(labels.feats), ia, ib).cpu().numpy())
    d = EUCLIDEAN.pairs(emb, ia, ib).cpu().numpy()
    disagree = np.flatnonzero((y == 0) & (scores >= min(base.threshold, 0.5)))
    if len(disagree) < 2:
        return Rejection()
    disagree = disagree[np.argsort(d[disagree])][: cfg.detect_pairs]  # the most confident mistakes first
    paths = sorted({labels.paths[i] for k in disagree for i in (ia[k], ib[k])})
    jobs = [(p, base.input_size, base.input_mode, cfg.seed) for p in paths]
    fviews = map_with_progress(family_views, jobs, cfg.workers, progress, Phase.CHECKING_LABELS)
    got = {p: v for p, v in zip(paths, fviews) if v is not None}
    if not got:
        return Rejection()
    names = list(FAMILIES)
    order = sorted(got)
    stack = np.stack([im for p in order for im in got[p]])
    fe = model.backbone_vectors(model.front(stack, progress)).cpu()
    fe = fe.reshape(len(order), len(names), -1)
    idx = {p: i for i, p in enumerate(order)}
    ratios, cosines = [], []
    for k in disagree:
        pa, pb = labels.paths[ia[k]], labels.paths[ib[k]]
        if pa not in idx or pb not in idx:
            continue
        ea, eb = emb[ia[k]].cpu(), emb[ib[k]].cpu()
        da = (fe[idx[pa]] - eb).norm(dim=1)  # f(a) vs b, per family
        db = (fe[idx[pb]] - ea).norm(dim=1)  # f(b) vs a
        ratios.append((torch.minimum(da, db) / max(float(d[k]), 1e-6)).numpy())
        ca = F.cosine_similarity(fe[idx[pa]] - ea, (eb - ea)[None], dim=1)
        cb = F.cosine_similarity(fe[idx[pb]] - eb, (ea - eb)[None], dim=1)
        cosines.append(torch.maximum(ca, cb).numpy())
    if not ratios:
        return Rejection()
    med = np.median(np.stack(ratios), axis=0)
    cos = np.median(np.stack(cosines), axis=0)
    return Rejection(
        families=tuple(n for n, r in zip(names, med) if r < cfg.detect_ratio),
        ratios=dict(zip(names, np.round(med, 3).tolist())),
        cosines=dict(zip(names, np.round(cos, 3).tolist())),
    )


# ================================================================================================ replay
@dataclass(frozen=True)
class Replay:
    """Every row the training sees (the labelled photos, then library photos and their copies) and the library
    pairs built from them: the replay that keeps the model from forgetting what it knew."""

    photos: int  # library photos used
    owner: np.ndarray  # per row: its library photo, -1 for a labelled photo
    kind: np.ndarray  # per row: 0 clean, 1 copy taught as a positive, 2 copy by a rejected family
    feats: torch.Tensor  # the frozen front's output per row
    base_emb: torch.Tensor  # the starting model's embedding per row (raw features if it had no head)
    holdout: np.ndarray  # library photos kept for the "did it forget?" check
    pos_a: np.ndarray  # positives: two copies of one photo
    pos_b: np.ndarray
    fam_a: np.ndarray  # negatives: a photo and its copy by a rejected family
    fam_b: np.ndarray
    clean_rows: np.ndarray  # the clean row of each trained library photo: negatives are drawn between them
    allowed_neg: torch.Tensor  # clean_rows x clean_rows: the starting model does not call them duplicates
    margin: float  # the contrastive margin, in the starting model's own scale


def gather_replay(
    library: Sequence[str],
    labels: Labels,
    rejection: Rejection,
    model: SplitModel,
    cfg: FinetuneConfig,
    rng: np.random.Generator,
    progress: Progress,
    log: Callable[[str], None],
) -> Replay:
    """Library photos (not labelled ones): clean, augmented positives and copies by rejected families, through
    the frozen front; then the positive pairs, negatives and the margin."""
    lib = sorted(set(library) - set(labels.paths))
    if len(lib) > cfg.replay_images:
        lib = sorted(rng.choice(lib, cfg.replay_images, replace=False).tolist())
    size = model.spec.input_size
    mode = model.spec.input_mode
    jobs = [(p, size, mode, cfg.replay_views, cfg.seed, rejection.allowed, rejection.families) for p in lib]
    views = map_with_progress(replay_views, jobs, cfg.workers, progress, Phase.AUGMENTING)
    replay = [v for v in views if v is not None]
    log(
        f"{len(labels.pairs)} labelled pairs on {len(labels.paths)} photos, {len(replay)} library photos "
        f"x {1 + cfg.replay_views + len(rejection.families)} views, input {size}, device {model.device}"
        + (", fresh projection head" if model.fresh_head else "")
    )
    owner = [-1] * len(labels.paths)
    kind = [0] * len(labels.paths)
    images = []
    for k, vs in enumerate(replay):
        images += vs
        owner += [k] * len(vs)
        kind += [0] + [1] * cfg.replay_views + [2] * len(rejection.families)
    feats = torch.cat([labels.feats, model.front(np.stack(images), progress)]) if images else labels.feats
    return _replay_pairs(len(replay), np.array(owner), np.array(kind), feats, model, cfg, rng, log)


def _replay_pairs(
    n_rep: int,
    owner: np.ndarray,
    kind: np.ndarray,
    feats: torch.Tensor,
    model: SplitModel,
    cfg: FinetuneConfig,
    rng: np.random.Generator,
    log: Callable[[str], None],
) -> Replay:
    """Positives within a photo's copies, negatives between photos the starting model calls different."""
    rep_perm = rng.permutation(n_rep)
    n_rep_hold = int(round(cfg.replay_holdout * n_rep)) if n_rep >= 5 else 0
    rep_hold = set(rep_perm[:n_rep_hold].tolist())
    base_emb = model.base_embed_all(feats)
    rows_of = [np.flatnonzero(owner == k) for k in range(n_rep)]
    pos_a, pos_b, fam_a, fam_b = [], [], [], []
    for k in range(n_rep):
        if k in rep_hold:
            continue
        r = rows_of[k]
        same = r[kind[r] < 2]
        for i in range(len(same)):
            for j in range(i + 1, len(same)):
                pos_a.append(same[i])
                pos_b.append(same[j])
        for neg in r[kind[r] == 2]:
            for other in same:
                fam_a.append(other)
                fam_b.append(neg)
    clean_rows = np.array([rows_of[k][0] for k in range(n_rep) if k not in rep_hold], dtype=np.int64)
    guard_d = model.spec.calibration.distance_for(NEGATIVE_GUARD_SCORE)
    between_all = torch.cdist(base_emb[clean_rows], base_emb[clean_rows]).cpu()
    allowed_neg = between_all > guard_d
    allowed_neg.fill_diagonal_(False)
    log(
        f"replay: {len(pos_a)} positive pairs, {len(fam_a)} negatives by rejected families, {len(clean_rows)} "
        f"photos for negatives ({int((~allowed_neg).sum().item() - len(clean_rows)) // 2} library pairs barred "
        "as likely duplicates)"
    )
    # a margin in the starting model's own scale: different photos already that far apart cost nothing, so the
    # loss (and the anchor's budget) goes to the pairs that need to move
    between = between_all[allowed_neg]
    margin = cfg.margin or (float(between.median()) if len(between) else 1.0)
    return Replay(
        photos=n_rep,
        owner=owner,
        kind=kind,
        feats=feats,
        base_emb=base_emb,
        holdout=np.array(sorted(rep_hold), dtype=np.int64),
        pos_a=np.array(pos_a, dtype=np.int64),
        pos_b=np.array(pos_b, dtype=np.int64),
        fam_a=np.array(fam_a, dtype=np.int64),
        fam_b=np.array(fam_b, dtype=np.int64),
        clean_rows=clean_rows,
        allowed_neg=allowed_neg,
        margin=margin,
    )
