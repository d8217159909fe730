"""Fine-tuning on the pairs the user labelled: teach the model the user's own idea of "duplicate".

Recipe (sized for a 2-core CPU; see the README section "Teaching Doppel your idea of a duplicate"):

* The images are few, so the frozen backbone runs once per image and its pooled features are cached; only the
  projection head trains on top (``train_blocks`` > 0 also trains the last MBConv blocks from cached feature
  maps; measured on the benchmark, it did not help and took 16x longer: bench/RESULTS.md).
* Loss: the contrastive loss on explicit pairs, ``(1-Y)/2 D^2 + Y/2 max(0, m-D)^2``, half of it on the user's
  pairs (classes balanced) and half on replay pairs from the user's own library: augmentation-made positives
  (``engine.model.augment``) and negatives (random and hardest-in-library), so the model does not forget
  what it knew. A library pair the starting model already scores as a likely duplicate is never used as a
  negative: libraries are full of duplicates. An L2-SP term (``anchor`` * ||w - w_start||^2) keeps the head
  near its starting weights (measured, bench/RESULTS.md: with 0.01 the dev-bench AP stays within 0.001 after
  200 labels of the default notion while a grayscale notion is still learnt; 1.0 learnt next to nothing; with
  no anchor a briefly trained model lost 0.08 dev AP).
* Augmentation families that the user's "not a duplicate" labels reject (say, grayscale) are found first
  (:func:`engine.finetune_parts.rejected_families`); they are then never taught as positives, and copies made
  by them become negatives, so the notion generalises beyond the labelled photos.
* A stratified fraction of the user's pairs is held out. The current (active) model and the candidate are
  both scored on it (agreement with the labels at the threshold, and AP); the held-out library photos check
  that the candidate still finds augmented copies (AP within ``REPLAY_AP_TOLERANCE`` of the starting model).
  The candidate is saved as a new version (``engine.model.versions``) only if it is not worse.
* The sigmoid is re-calibrated (``engine.training.fit_calibration``) on the training pairs, the user's pairs
  weighted as much as the replay pairs, both classes weighted equally; the version's default threshold is 0.5,
  the boundary that fit puts between the user's duplicates and non-duplicates.

Fine-tuning always starts from the bundled model (or ``config.base``) with every label, rather than from the
previous version, so versions do not drift. If that model has no projection head (the interim raw-feature
model), a fresh head of ``embedding_dim`` is added: it cannot start as the identity because the dimension
changes, so it is first trained to reproduce the raw features' pairwise distances, then fine-tuned.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace

import numpy as np

from engine.finetune_parts import (
    SplitModel,
    clean_image,
    cyclic,
    distill_head,
    map_with_progress,
    median,
    pair_contrastive,
    pair_dist,
    random_negatives,
    rejected_families,
    replay_batch,
    replay_views,
    scores_of,
)
from engine.labels import LabelledPair
from engine.model.weights import Calibration, ModelSpec, load_spec
from engine.progress import NULL_PROGRESS, Progress

MIN_LABELS = 10
MIN_AP_CLASS = 5  # the hold-out AP counts in the decision only with this many duplicates and non-duplicates
AP_TOLERANCE = 0.005  # hold-out AP may be this much lower (ties on tiny hold-outs) and still count as not worse
REPLAY_AP_TOLERANCE = 0.02  # what it may lose on augmented copies of held-out library photos (see replay_tolerance)
NEGATIVE_GUARD_SCORE = 0.2  # library pairs the starting model scores above this are never used as negatives
CANDIDATE_THRESHOLD = 0.5  # the calibration weighs both classes equally: 0.5 is its likeliest boundary

NEED_MORE, SAVED, NOT_BETTER, CANDIDATE = "need-more-labels", "saved", "not-better", "candidate"


@dataclass(frozen=True)
class FinetuneConfig:
    epochs: int = 40
    distill_steps: int = 300  # only for a fresh head: steps matching it to the starting model's distances
    min_steps: int = 300  # few labels still get enough optimiser steps (a step on cached features is cheap)
    seed: int = 0
    holdout: float = 0.25  # fraction of the user's pairs kept for the current-vs-candidate comparison
    train_blocks: int = 0  # last MBConv blocks trained beside the head (0: head only, the measured best)
    margin: float | None = None  # contrastive m; None: the starting model's median distance between photos
    lr: float = 1e-3
    body_lr: float = 1e-4
    weight_decay: float = 1e-4
    anchor: float = 0.01  # L2-SP: weight of ||w - w_start||^2, which keeps the head near what it knew
    user_weight: float = 0.5  # share of the loss carried by the user's pairs; the replay pairs carry the rest
    user_batch: int = 64
    replay_batch: int = 192
    replay_images: int = 200  # library photos mixed in
    replay_views: int = 2  # augmented copies per library photo, besides the clean one
    replay_holdout: float = 0.2  # of the library photos: the "did it forget?" check
    embedding_dim: int = 256  # only for a base model without a head
    hidden: int = 512
    min_labels: int = MIN_LABELS
    device: str = "auto"
    base: str | None = None  # model folder to start from; None: the bundled model
    name: str = "doppel-ft"
    workers: int = 2  # decoding/augmenting threads
    detect_families: bool = True  # find augmentation families the labels reject (see rejected_families)
    detect_pairs: int = 6  # "not a duplicate" pairs examined for it
    detect_ratio: float = 0.5  # a family explains a pair when its copy is this much closer than the pair


@dataclass(frozen=True)
class Scores:
    """One model on the held-out user pairs."""

    agreement: float  # fraction of pairs where (score >= threshold) matches the label
    ap: float  # average precision of "is a duplicate" ranked by distance (nan without positives)
    pairs: int
    threshold: float
    model_id: str
    positives: int = 0  # held-out pairs labelled "duplicate"


@dataclass(frozen=True)
class FinetuneResult:
    status: str  # NEED_MORE | SAVED | NOT_BETTER | CANDIDATE (save=False)
    message: str
    labels: int  # usable labelled pairs
    needed: int = 0  # how many more labels are needed (NEED_MORE)
    current: Scores | None = None
    candidate: Scores | None = None
    replay_base_ap: float | None = None
    replay_candidate_ap: float | None = None
    spec: ModelSpec | None = None  # the saved version (SAVED), or the unsaved candidate (CANDIDATE/NOT_BETTER)
    seconds: float = 0.0
    details: dict = field(default_factory=dict)
    state_dict: dict | None = field(default=None, repr=False)  # the unsaved candidate's weights

    @property
    def saved(self) -> bool:
        return self.status == SAVED


Pair = tuple[str, str, int]  # path_a, path_b, 1 = duplicate


# ================================================================================================ labels
def usable_pairs(pairs: Sequence[LabelledPair | tuple[str, str, bool]]) -> tuple[list[Pair], int]:
    """Pairs whose both files still exist (deduplicated), and how many were dropped."""
    import os

    out: dict[frozenset, Pair] = {}
    dropped = 0
    for p in pairs:
        a, b, y = (p.path_a, p.path_b, p.is_duplicate) if isinstance(p, LabelledPair) else p
        if a == b or not (os.path.isfile(a) and os.path.isfile(b)):
            dropped += 1
            continue
        out[frozenset((a, b))] = (a, b, int(bool(y)))  # a later label of the same pair wins
    return list(out.values()), dropped


def need_more(n: int, minimum: int = MIN_LABELS) -> int:
    return max(0, minimum - n)


def split_holdout(labels: np.ndarray, fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Stratified: each class gives round(fraction * n) pairs (at least one if it has two) to the hold-out."""
    rng = np.random.default_rng([seed, 7])
    train, hold = [], []
    for cls in (0, 1):
        idx = rng.permutation(np.flatnonzero(labels == cls))
        k = int(round(fraction * len(idx)))
        if len(idx) >= 2:
            k = min(max(k, 1), len(idx) - 1)
        else:
            k = 0
        hold += idx[:k].tolist()
        train += idx[k:].tolist()
    return np.array(sorted(train), dtype=np.int64), np.array(sorted(hold), dtype=np.int64)


# ================================================================================================ decisions
def holdout_scores(d: np.ndarray, y: np.ndarray, cal: Calibration, threshold: float, model_id: str) -> Scores:
    from engine.training import average_precision

    agree = float(np.mean((scores_of(cal, d) >= threshold) == (y > 0))) if len(y) else float("nan")
    ap = average_precision(d, y > 0) if (y > 0).any() else float("nan")
    return Scores(agree, ap, int(len(y)), float(threshold), model_id, int((y > 0).sum()))


def replay_tolerance(positives: int) -> float:
    """How much library-copy AP may drop: 0.02, or the sampling noise of a small hold-out when that is larger."""
    return max(REPLAY_AP_TOLERANCE, 0.5 / math.sqrt(max(positives, 1)))


def not_worse(
    current: Scores, candidate: Scores, replay_base: float, replay_cand: float, replay_positives: int = 10**6
) -> bool:
    if candidate.agreement < current.agreement - 1e-9:
        return False
    if (
        not (math.isnan(current.ap) or math.isnan(candidate.ap))
        and min(current.positives, current.pairs - current.positives) >= MIN_AP_CLASS
        and candidate.ap < current.ap - AP_TOLERANCE
    ):  # AP of one or two positives says nothing
        return False
    return not (replay_cand < replay_base - replay_tolerance(replay_positives))


# ================================================================================================ the run
def finetune(
    pairs: Sequence[LabelledPair | tuple[str, str, bool]],
    library: Sequence[str] = (),
    config: FinetuneConfig = FinetuneConfig(),
    progress: Progress = NULL_PROGRESS,
    current: ModelSpec | None = None,
    save: bool = True,
    force: bool = False,
    log: Callable[[str], None] = lambda s: None,
) -> FinetuneResult:
    """Fine-tune on labelled ``pairs`` with replay from ``library`` (image paths, e.g. the last scan's files).

    ``current`` is the model to beat (default: the active one). With ``save`` the candidate becomes a new
    version if it is not worse (or always, with ``force``); it is not made active here: callers decide.
    Raises :class:`~engine.progress.Cancelled` when cancelled, ModelError for an unusable model.
    """
    t0 = time.monotonic()
    cfg = config
    labelled, dropped = usable_pairs(pairs)
    n = len(labelled)
    more = need_more(n, cfg.min_labels)
    if more:
        gone = f" ({dropped} labelled pairs point to files that are gone)" if dropped else ""
        return FinetuneResult(
            NEED_MORE,
            f"Label {more} more pair{'s' * (more != 1)} to improve the model: "
            f"{n} usable so far, {cfg.min_labels} needed{gone}.",
            n,
            needed=more,
            seconds=time.monotonic() - t0,
        )
    import torch

    from engine.model import versions
    from engine.model.inference import select_device
    from engine.training import average_precision, fit_calibration, pair_distances

    progress.report("preparing", 0, 0)
    device = select_device(cfg.device)
    torch.manual_seed(cfg.seed)
    rng = np.random.default_rng(cfg.seed)
    base = load_spec(cfg.base)
    current = current or versions.active_spec()
    model = SplitModel(base, cfg, device)
    size = base.input_size

    # ---- the labelled photos, clean, as a scan sees them
    label_paths = sorted({p for a, b, _ in labelled for p in (a, b)})
    cleans = map_with_progress(
        lambda p: clean_image(p, size), label_paths, cfg.workers, progress, "reading labelled photos"
    )
    ok = {p: im for p, im in zip(label_paths, cleans) if im is not None}
    labelled = [t for t in labelled if t[0] in ok and t[1] in ok]
    if need_more(len(labelled), cfg.min_labels):
        more = need_more(len(labelled), cfg.min_labels)
        return FinetuneResult(
            NEED_MORE,
            f"Label {more} more pairs: some labelled photos cannot be read.",
            len(labelled),
            needed=more,
            seconds=time.monotonic() - t0,
        )
    label_paths = sorted(ok)
    row = {p: i for i, p in enumerate(label_paths)}
    ia = np.array([row[a] for a, _, _ in labelled])
    ib = np.array([row[b] for _, b, _ in labelled])
    y = np.array([t[2] for t in labelled])
    tr, ho = split_holdout(y, cfg.holdout, cfg.seed)
    label_feats = model.front(np.stack([ok[p] for p in label_paths]), progress)

    # ---- which augmentation families the user's "not a duplicate" labels reject (never taught as positives)
    from engine.model.augment import FAMILIES

    rejected = (
        rejected_families(model, base, label_feats, label_paths, ia[tr], ib[tr], y[tr], cfg, progress)
        if cfg.detect_families
        else []
    )
    allowed = tuple(f for f in FAMILIES if f not in rejected)
    log(
        f"labels checked after {time.monotonic() - t0:.1f} s; how well each kind of copy explains the "
        f"'not a duplicate' labels the model disagrees with (lower: better): {model.family_ratios}; "
        f"direction cosines {model.family_cosines}"
    )
    if rejected:
        log(f"the labels reject these augmentations as duplicates: {', '.join(rejected)}")

    # ---- replay photos from the library: clean, augmented positives, copies by rejected families as negatives
    lib = sorted(set(library) - set(label_paths))
    if len(lib) > cfg.replay_images:
        lib = sorted(rng.choice(lib, cfg.replay_images, replace=False).tolist())
    jobs = [(p, size, cfg.replay_views, cfg.seed, allowed, tuple(rejected)) for p in lib]
    views = map_with_progress(replay_views, jobs, cfg.workers, progress, "augmenting library photos")
    replay = [(p, v) for p, v in zip(lib, views) if v is not None]
    log(
        f"{len(labelled)} labelled pairs on {len(label_paths)} photos, {len(replay)} library photos "
        f"x {1 + cfg.replay_views + len(rejected)} views, input {size}, device {device}"
        + (", fresh projection head" if model.fresh_head else "")
    )
    owner = [-1] * len(label_paths)  # replay photo index per row; -1 for labelled photos
    kind = [0] * len(label_paths)  # 0 clean, 1 positive copy, 2 copy by a rejected family
    images = []
    for k, (_, vs) in enumerate(replay):
        images += vs
        owner += [k] * len(vs)
        kind += [0] + [1] * cfg.replay_views + [2] * len(rejected)
    owner_arr, kind_arr = np.array(owner), np.array(kind)
    feats = torch.cat([label_feats, model.front(np.stack(images), progress)]) if images else label_feats

    # ---- replay pairs: positives within a photo's copies, negatives between photos the base calls different
    n_rep = len(replay)
    rep_perm = rng.permutation(n_rep)
    n_rep_hold = int(round(cfg.replay_holdout * n_rep)) if n_rep >= 5 else 0
    rep_hold = set(rep_perm[:n_rep_hold].tolist())
    base_emb = model.base_embed_all(feats)  # the starting model's own embeddings (raw features if no head)
    rows_of = [np.flatnonzero(owner_arr == k) for k in range(n_rep)]
    pos_a, pos_b, fam_a, fam_b = [], [], [], []
    for k in range(n_rep):
        if k in rep_hold:
            continue
        r = rows_of[k]
        same = r[kind_arr[r] < 2]
        for i in range(len(same)):
            for j in range(i + 1, len(same)):
                pos_a.append(same[i])
                pos_b.append(same[j])
        for neg in r[kind_arr[r] == 2]:
            for other in same:
                fam_a.append(other)
                fam_b.append(neg)
    pos_a, pos_b = np.array(pos_a, dtype=np.int64), np.array(pos_b, dtype=np.int64)
    fam_a, fam_b = np.array(fam_a, dtype=np.int64), np.array(fam_b, dtype=np.int64)
    clean_rows = np.array([rows_of[k][0] for k in range(n_rep) if k not in rep_hold], dtype=np.int64)
    guard_d = base.calibration.distance_for(NEGATIVE_GUARD_SCORE)
    allowed_neg = torch.cdist(base_emb[clean_rows], base_emb[clean_rows]).cpu() > guard_d
    allowed_neg.fill_diagonal_(False)
    log(
        f"replay: {len(pos_a)} positive pairs, {len(fam_a)} negatives by rejected families, {len(clean_rows)} "
        f"photos for negatives ({int((~allowed_neg).sum().item() - len(clean_rows)) // 2} library pairs barred "
        "as likely duplicates)"
    )

    # a margin in the starting model's own scale: different photos already that far apart cost nothing, so the
    # loss (and the anchor's budget) goes to the pairs that need to move
    between = torch.cdist(base_emb[clean_rows], base_emb[clean_rows]).cpu()[allowed_neg]
    margin = cfg.margin or (float(between.median()) if len(between) else 1.0)
    log(f"features ready after {time.monotonic() - t0:.1f} s; contrastive margin {margin:.3f}")

    # ---- training
    if model.fresh_head:  # start the new head as a copy of the old geometry: distances like the raw features'
        distill_head(model, feats, base_emb, cfg, progress)
        log(f"fresh head matched to the raw features' distances after {time.monotonic() - t0:.1f} s")
    params = [{"params": model.head_params, "lr": cfg.lr}]
    if model.body_params:
        params.append({"params": model.body_params, "lr": cfg.body_lr})
    opt = torch.optim.AdamW(params, weight_decay=cfg.weight_decay)
    start = [p.detach().clone() for p in model.head_params + model.body_params]  # L2-SP anchor: stay near it
    base_lrs = [g["lr"] for g in opt.param_groups]
    steps_per_epoch = max(1, math.ceil(len(tr) / cfg.user_batch), math.ceil(cfg.min_steps / max(cfg.epochs, 1)))
    total = cfg.epochs * steps_per_epoch
    y_t = torch.from_numpy(y).float().to(device)
    feats = feats.to(device)
    history = []
    step = 0
    for epoch in range(cfg.epochs):
        # hardest allowed negative of each replay photo under the current weights, refreshed every epoch
        if len(clean_rows) >= 2:
            e = model.embed_all(feats[clean_rows])
            dm = torch.cdist(e, e).masked_fill(~allowed_neg.to(device), float("inf"))
            hard = dm.argmin(1)
            has = torch.isfinite(dm.gather(1, hard[:, None]))[:, 0].cpu().numpy()
            hard_a, hard_b = clean_rows[has], clean_rows[hard.cpu().numpy()[has]]
        else:
            hard_a = hard_b = np.zeros(0, dtype=np.int64)
        order = rng.permutation(tr)
        losses = []
        for s in range(steps_per_epoch):
            progress.report("training", step, total)
            ub = cyclic(order, s * cfg.user_batch, cfg.user_batch)
            f = 0.5 * (1 + math.cos(math.pi * step / max(1, total)))
            for g, lr in zip(opt.param_groups, base_lrs):
                g["lr"] = lr * f
            need = {ia[i] for i in ub} | {ib[i] for i in ub}
            ra, rb, ry = replay_batch(
                rng, cfg.replay_batch, pos_a, pos_b, fam_a, fam_b, hard_a, hard_b, clean_rows, allowed_neg
            )
            need |= set(ra.tolist()) | set(rb.tolist())
            rows = np.array(sorted(need), dtype=np.int64)
            local = {r: i for i, r in enumerate(rows)}
            emb = model.embed(feats[torch.from_numpy(rows).to(device)])
            loc = np.vectorize(local.__getitem__, otypes=[np.int64])
            loss = torch.zeros((), device=device)
            if len(ub):
                d = pair_dist(emb, loc(ia[ub]), loc(ib[ub]))
                per = pair_contrastive(d, y_t[ub], margin)
                yb = y[ub]
                cls = [per[torch.from_numpy(yb == c).to(device)].mean() for c in (0, 1) if (yb == c).any()]
                loss = loss + cfg.user_weight * torch.stack(cls).mean()
            if len(ra):
                d = pair_dist(emb, loc(ra), loc(rb))
                loss = (
                    loss
                    + (1 - cfg.user_weight)
                    * pair_contrastive(d, torch.from_numpy(ry).float().to(device), margin).mean()
                )
            if cfg.anchor:
                loss = loss + cfg.anchor * sum(
                    (p - p0).pow(2).sum() for p, p0 in zip(model.head_params + model.body_params, start)
                )
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            losses.append(float(loss.detach()))
            step += 1
        history.append(float(np.mean(losses)))
        if (epoch + 1) % 10 == 0 or epoch + 1 == cfg.epochs:
            log(f"epoch {epoch + 1}/{cfg.epochs} loss {history[-1]:.4f}")
    progress.report("training", total, total)
    log(f"trained after {time.monotonic() - t0:.1f} s")

    # ---- calibration on the training pairs, the user's weighted like the replay pairs
    progress.report("evaluating", 0, 0)
    emb = model.embed_all(feats).cpu()
    neg_a, neg_b = random_negatives(rng, clean_rows, allowed_neg, max(len(pos_a) - len(fam_a), 1))
    neg_a, neg_b = np.r_[neg_a, fam_a], np.r_[neg_b, fam_b]
    rep_d = (
        torch.cat([pair_dist(emb, pos_a, pos_b), pair_dist(emb, neg_a, neg_b)]).numpy() if len(pos_a) else np.zeros(0)
    )
    rep_y = np.r_[np.ones(len(pos_a)), np.zeros(len(neg_a))]
    user_d = pair_dist(emb, ia[tr], ib[tr]).numpy()
    med = [median(user_d[y[tr] == 1]), median(user_d[y[tr] == 0]), median(rep_d[rep_y == 1]), median(rep_d[rep_y == 0])]
    log(
        "median distances after training: the user's duplicates {:.2f}, non-duplicates {:.2f}; library copies "
        "{:.2f}, other library photos {:.2f}".format(*med)
    )
    reps = max(1, round(len(rep_d) / max(len(user_d), 1)))
    cal_d = np.r_[rep_d, np.tile(user_d, reps)]
    cal_y = np.r_[rep_y, np.tile(y[tr], reps)].astype(bool)
    scale, offset = fit_calibration(cal_d, cal_y)
    scale = float(min(max(scale, 1.0), 200.0))  # separable training pairs would send it to infinity
    cal = Calibration(round(scale, 4), round(offset, 5))

    # ---- hold-out: current vs candidate on the user's pairs; base vs candidate on held-out library photos
    cand_d = pair_dist(emb, ia[ho], ib[ho]).numpy()
    cand = holdout_scores(cand_d, y[ho], cal, CANDIDATE_THRESHOLD, "candidate")
    cur_d = _current_distances(current, base, base_emb, ia[ho], ib[ho], label_paths, device, progress)
    cur = holdout_scores(cur_d, y[ho], current.calibration, current.threshold, current.model_id)
    hold_rows = np.flatnonzero(np.isin(owner_arr, sorted(rep_hold)) & (kind_arr < 2))
    if len(hold_rows) >= 2:
        d0, s0 = pair_distances(base_emb[hold_rows].cpu().numpy(), owner_arr[hold_rows])
        d1, s1 = pair_distances(emb[hold_rows].numpy(), owner_arr[hold_rows])
        replay_base, replay_cand = average_precision(d0, s0), average_precision(d1, s1)
        replay_pos = int(s0.sum())
    else:
        replay_base = replay_cand = float("nan")
        replay_pos = 0
    better = not_worse(cur, cand, replay_base, replay_cand, replay_pos) or force
    details = {
        "created": time.time(),
        "base_id": base.model_id,
        "current_id": current.model_id,
        "labels": len(labelled),
        "train_labels": int(len(tr)),
        "holdout_labels": int(len(ho)),
        "duplicates": int(y.sum()),
        "not_duplicates": int(len(y) - y.sum()),
        "library_photos": len(replay),
        "fresh_head": model.fresh_head,
        "rejected_families": rejected,
        "current": asdict(cur),
        "candidate": asdict(cand),
        "replay_base_ap": replay_base,
        "replay_candidate_ap": replay_cand,
        "loss_history": history,
        "config": {k: v for k, v in asdict(cfg).items() if k not in ("device", "base")},
    }
    spec = ModelSpec(
        model_id="",
        weights="",
        embedding_dim=model.dim,
        hidden=model.hidden,
        input_size=size,
        mean=base.mean,
        std=base.std,
        calibration=cal,
        threshold=CANDIDATE_THRESHOLD,
        extra={
            "finetune": details,
            "note": f"Fine-tuned from {base.model_id} on {len(labelled)} pairs the user labelled.",
        },
    )
    state = {k: v.detach().cpu().clone() for k, v in model.net.state_dict().items()}
    secs = time.monotonic() - t0
    details["seconds"] = secs
    summary = (
        f"held-out pairs ({cur.pairs}): agreement {cur.agreement:.0%} -> {cand.agreement:.0%}, "
        f"AP {cur.ap:.3f} -> {cand.ap:.3f}; library copies AP {replay_base:.3f} -> {replay_cand:.3f}"
    )
    if not better:
        return FinetuneResult(
            NOT_BETTER,
            f"The candidate is not better than {current.model_id}: {summary}. Nothing was saved.",
            len(labelled),
            current=cur,
            candidate=cand,
            replay_base_ap=replay_base,
            replay_candidate_ap=replay_cand,
            spec=spec,
            seconds=secs,
            details=details,
            state_dict=state,
        )
    if not save:
        return FinetuneResult(
            CANDIDATE,
            f"Candidate ready (not saved): {summary}.",
            len(labelled),
            current=cur,
            candidate=cand,
            replay_base_ap=replay_base,
            replay_candidate_ap=replay_cand,
            spec=spec,
            seconds=secs,
            details=details,
            state_dict=state,
        )
    saved = versions.save_version(spec, state, cfg.name)
    log(f"saved version {saved.model_id} in {saved.folder}")
    return FinetuneResult(
        SAVED,
        f"Saved new version {saved.model_id}: {summary}.",
        len(labelled),
        current=cur,
        candidate=replace(cand, model_id=saved.model_id),
        replay_base_ap=replay_base,
        replay_candidate_ap=replay_cand,
        spec=saved,
        seconds=secs,
        details=details,
    )


def _current_distances(
    current: ModelSpec,
    base: ModelSpec,
    base_emb,
    ha: np.ndarray,
    hb: np.ndarray,
    label_paths: list[str],
    device,
    progress: Progress,
) -> np.ndarray:
    """The current model's distances on the held-out pairs: free when it is the starting model."""
    if current.model_id == base.model_id and current.input_size == base.input_size:
        return pair_dist(base_emb.cpu(), ha, hb).numpy()
    import torch

    from engine.model.inference import Embedder

    rows = sorted(set(ha.tolist()) | set(hb.tolist()))
    imgs = [clean_image(label_paths[r], current.input_size) for r in rows]
    emb = Embedder(current, str(device.type)).embed_images(imgs)
    local = {r: i for i, r in enumerate(rows)}
    e = torch.from_numpy(emb)
    return pair_dist(e, np.array([local[r] for r in ha]), np.array([local[r] for r in hb])).numpy()
