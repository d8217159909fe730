"""Fine-tuning's evidence: is the candidate to be used? (The driver is :mod:`engine.learn.finetune`.)

A candidate is used only when all three hold; otherwise it is saved but not used, and :meth:`Decision.reasons`
says why in plain words:

1. **Enough held-out labels**: at least ``min_held_out`` (20) pairs of each kind, "is a duplicate" and "not a
   duplicate". Each labelled pair is held out once by ``folds``-fold cross-validation (:func:`cross_validate`):
   a candidate trained the same way on the other folds scores it. So 20 labels of each kind are enough, where a
   held-out quarter would need 80 of each, and no label is spent on the comparison alone.
2. **Strictly better on them** than the current model: more held-out pairs agreed with at each model's
   threshold ("equal is not better"), AP not lower, and copies of held-out library photos found about as well.
3. **No loss on the guard set** (:mod:`engine.learn.guard`), for the candidate trained on every label.

Each candidate (each fold's and the final one) gets its threshold on the guard set (``guard.fit_threshold``), so
the agreement above is measured at the threshold the version would ship with.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import numpy as np
import torch

from engine.learn.calibration import average_precision
from engine.learn.finetune_data import Labels, Rejection, Replay
from engine.learn.finetune_parts import SplitModel, clean_image, map_with_progress, median, scores_of
from engine.learn.finetune_train import train_candidate
from engine.learn.finetune_types import FinetuneConfig, Scores
from engine.learn.guard import (
    GuardPairs,
    GuardScores,
    GuardSet,
    GuardVerdict,
    calibration_at,
    fit_threshold,
    guard_dir,
    load_guard,
    measure,
    precision_target,
)
from engine.learn.losses import EUCLIDEAN
from engine.model.weights import Calibration, ModelError
from engine.progress import Phase, Progress

MIN_AP_CLASS = 5  # the hold-out AP counts in the decision only with this many duplicates and non-duplicates
AP_TOLERANCE = 0.005  # hold-out AP may be this much lower (ties) and still count as not worse
REPLAY_AP_TOLERANCE = 0.02  # what it may lose on augmented copies of held-out library photos (see replay_tolerance)

_GUARD_FEATS: dict[tuple[str, object, str, int, str], torch.Tensor] = {}  # the front's output per starting model


# ================================================================================================ the guard set
@dataclass(frozen=True)
class GuardContext:
    """The guard set through the starting model's frozen front, and the starting model's own numbers on it."""

    guard: GuardSet
    pairs: GuardPairs  # less the copies made by kinds of edit the labels reject
    feats: torch.Tensor
    reference: GuardScores  # the starting (bundled) model at its threshold
    target: float  # the bundled model's precision target


def guard_context(model: SplitModel, rejection: Rejection, cfg: FinetuneConfig, progress: Progress) -> GuardContext:
    """Read the guard photos once per starting model and process (they never change); measure the starting model."""
    guard = load_guard()
    spec = model.spec
    key = (spec.model_id, spec.input_size, spec.input_mode, model.blocks, str(model.device))
    feats = _GUARD_FEATS.get(key)
    if feats is None:
        size, mode = spec.input_size, spec.input_mode
        read = partial(clean_image, size=size, mode=mode)
        images = map_with_progress(read, guard.paths, cfg.workers, progress, Phase.GUARD)
        if any(im is None for im in images):
            raise ModelError(f"the guard photos in {guard_dir()} cannot be read: reinstall Doppel")
        feats = model.front(np.stack([im for im in images if im is not None]), progress)
        _GUARD_FEATS.clear()  # one starting model at a time
        _GUARD_FEATS[key] = feats
    pairs = guard.pairs(rejection.families)
    dist = pairs.distances(model.base_embed_all(feats).cpu().numpy())
    reference = measure(dist, pairs, spec.calibration, spec.threshold, spec.model_id)
    return GuardContext(guard, pairs, feats, reference, precision_target(spec))


# ================================================================================================ one candidate
@dataclass(frozen=True)
class Fitted:
    """A trained candidate: its embedding of every row, its calibration, and its threshold from the guard set."""

    emb: torch.Tensor
    calibration: Calibration  # the bundled slope, the bundled threshold's score at ``threshold_distance``
    threshold: float  # the bundled model's threshold (a score): see engine.learn.guard.calibration_at
    threshold_distance: float  # where the guard set put it
    guard: GuardScores
    guard_dist: np.ndarray


class Fitter:
    """Trains candidates on the same cached features, each from the starting weights (folds, then the final one)."""

    def __init__(self, model: SplitModel, replay: Replay, ctx: GuardContext, cfg: FinetuneConfig, t0: float) -> None:
        self.model, self.replay, self.ctx, self.cfg, self.t0 = model, replay, ctx, cfg, t0
        self.start = [p.detach().clone() for p in model.head_params + model.body_params]

    def fit(self, labels: Labels, rng: np.random.Generator, progress: Progress, log: Callable[[str], None]) -> Fitted:
        model, replay, ctx = self.model, self.replay, self.ctx
        with torch.no_grad():
            for p, p0 in zip(model.head_params + model.body_params, self.start):
                p.copy_(p0)
        train_candidate(model, labels, replay, self.cfg, rng, progress, log, self.t0)
        emb = model.embed_all(replay.feats.to(model.device)).cpu()
        dist = ctx.pairs.distances(model.embed_all(ctx.feats).cpu().numpy())
        at = fit_threshold(dist, ctx.pairs.same, ctx.reference, ctx.target)
        base = model.spec
        cal = calibration_at(base.calibration, at, base.threshold)
        _log_distances(emb, labels, replay, at, log)
        return Fitted(emb, cal, base.threshold, at, measure(dist, ctx.pairs, cal, base.threshold, "candidate"), dist)


def _log_distances(emb: torch.Tensor, labels: Labels, replay: Replay, at: float, log: Callable[[str], None]) -> None:
    tr, r = labels.train, replay
    user = EUCLIDEAN.pairs(emb, labels.a[tr], labels.b[tr]).numpy()
    y = labels.y[tr]
    copies = EUCLIDEAN.pairs(emb, r.pos_a, r.pos_b).numpy() if len(r.pos_a) else np.zeros(0)
    log(
        f"median distances after training: the user's duplicates {median(user[y == 1]):.2f}, non-duplicates "
        f"{median(user[y == 0]):.2f}; library copies {median(copies):.2f}; threshold from the guard set {at:.3f}"
    )


def runs_progress(progress: Progress, k: int, runs: int) -> Progress:
    """``progress`` with the training steps of run ``k`` of ``runs`` placed on one bar."""

    def report(phase: str, done: int, total: int) -> None:
        if phase == Phase.TRAINING and total:
            progress.report(phase, k * total + done, runs * total)
        else:
            progress.report(phase, done, total)

    return Progress(report, progress.token)


@dataclass(frozen=True)
class CrossValidation:
    """Per labelled pair, what the candidate trained without it said: its score and whether that reached the
    candidate's threshold (nan / False for pairs never held out)."""

    scores: np.ndarray
    agrees: np.ndarray  # (score >= threshold) == label
    held: np.ndarray  # the pairs held out (fold >= 0)


def cross_validate(
    fitter: Fitter, labels: Labels, cfg: FinetuneConfig, progress: Progress, log: Callable[[str], None]
) -> CrossValidation:
    """Train one candidate per fold on the other folds; score the fold's pairs at that candidate's threshold."""
    folds = sorted(set(labels.fold.tolist()) - {-1})
    scores = np.full(len(labels.y), np.nan)
    agrees = np.zeros(len(labels.y), dtype=bool)
    for n, k in enumerate(folds):
        part = labels.without_fold(k)
        rng = np.random.default_rng([cfg.seed, 11, k])
        fitted = fitter.fit(part, rng, runs_progress(progress, n, len(folds) + 1), log)
        h = part.holdout
        d = EUCLIDEAN.pairs(fitted.emb, labels.a[h], labels.b[h]).numpy()
        scores[h] = scores_of(fitted.calibration, d)
        agrees[h] = (scores[h] >= fitted.threshold) == (labels.y[h] > 0)
    log(f"cross-validated on {len(folds)} folds after {time.monotonic() - fitter.t0:.1f} s")
    return CrossValidation(scores, agrees, labels.fold >= 0)


# ================================================================================================ the decision
def holdout_scores(d: np.ndarray, y: np.ndarray, cal: Calibration, threshold: float, model_id: str) -> Scores:
    """A model on held-out pairs from its distances ``d``."""
    agree = float(np.mean((scores_of(cal, d) >= threshold) == (y > 0))) if len(y) else float("nan")
    ap = average_precision(d, y > 0) if (y > 0).any() else float("nan")
    return Scores(agree, ap, int(len(y)), float(threshold), model_id, int((y > 0).sum()))


def cv_scores(cv: CrossValidation, y: np.ndarray, threshold: float) -> Scores:
    """The candidates of the folds on the pairs they held out (AP over their calibrated scores)."""
    h = cv.held
    yh = y[h] > 0
    agree = float(np.mean(cv.agrees[h])) if h.any() else float("nan")
    ap = average_precision(-cv.scores[h], yh) if yh.any() else float("nan")
    return Scores(agree, ap, int(h.sum()), float(threshold), "candidate", int(yh.sum()))


def replay_tolerance(positives: int) -> float:
    """How much library-copy AP may drop: 0.02, or the sampling noise of a small hold-out when that is larger."""
    return max(REPLAY_AP_TOLERANCE, 0.5 / math.sqrt(max(positives, 1)))


def not_worse(
    current: Scores, candidate: Scores, replay_base: float, replay_cand: float, replay_positives: int = 10**6
) -> bool:
    """No loss: agreement not lower, AP not lower (when there are enough of each class), library copies kept."""
    if candidate.agreement < current.agreement - 1e-9:
        return False
    if (
        not (math.isnan(current.ap) or math.isnan(candidate.ap))
        and min(current.positives, current.pairs - current.positives) >= MIN_AP_CLASS
        and candidate.ap < current.ap - AP_TOLERANCE
    ):  # AP of one or two positives says nothing
        return False
    return not (replay_cand < replay_base - replay_tolerance(replay_positives))


def better(
    current: Scores, candidate: Scores, replay_base: float, replay_cand: float, replay_positives: int = 10**6
) -> bool:
    """Strictly better: no loss anywhere, and more held-out pairs agreed with. Equal is not better."""
    gain = candidate.agreement > current.agreement + 0.5 / max(current.pairs, 1)
    return gain and not_worse(current, candidate, replay_base, replay_cand, replay_positives)


def missing_labels(duplicates: int, different: int, minimum: int) -> str:
    """What to label before a version can be judged ("" when there is enough). Every labelled pair is held out
    once (a kind with a single pair never is, but then far more are missing anyway)."""
    more_dup, more_diff = max(0, minimum - duplicates), max(0, minimum - different)
    wants = [f"{n} more “{kind}”" for n, kind in ((more_dup, "Is a duplicate"), (more_diff, "Not a duplicate")) if n]
    if not wants:
        return ""
    return (
        f"there are too few labels to judge it: {duplicates} “Is a duplicate” and {different} “Not a duplicate” "
        f"pairs, where each kind needs at least {minimum}; label {' and '.join(wants)} "
        f"pair{'s' * (max(more_dup, more_diff) != 1)}"
    )


@dataclass(frozen=True)
class Decision:
    """The candidate against the current model on the held-out labels, against the starting model on held-out
    library photos and on the guard set; whether to use it and, if not, why."""

    current: Scores | None  # None: too few held-out labels, so the folds were not trained
    candidate: Scores | None
    replay_base_ap: float
    replay_candidate_ap: float
    guard: GuardVerdict
    duplicates: int  # labelled pairs of each kind (each held out once when there are two or more)
    different: int
    minimum: int
    better: bool
    guard_target: float  # the precision the candidate's threshold was fitted for on the guard set

    def reasons(self, current_name: str, reference_name: str) -> list[str]:
        out = []
        if not self.guard.passed:
            out.append(self.guard.reason(reference_name))
        missing = missing_labels(self.duplicates, self.different, self.minimum)
        if missing:
            out.append(missing)
        elif not self.better and self.current is not None and self.candidate is not None:
            cur, cand = self.current, self.candidate
            out.append(
                f"it is not better than {current_name} on your labels: held out, it agrees with "
                f"{round(cand.agreement * cand.pairs)} of {cand.pairs}, {current_name} with "
                f"{round(cur.agreement * cur.pairs)}"
                + (", and it finds copies of your own photos less well" if self.replay_lost else "")
            )
        return out

    @property
    def replay_lost(self) -> bool:
        return self.replay_candidate_ap < self.replay_base_ap - REPLAY_AP_TOLERANCE

    @property
    def summary(self) -> str:
        cur, cand, g = self.current, self.candidate, self.guard
        held = (
            f"held-out pairs ({cur.pairs}): agreement {cur.agreement:.0%} -> {cand.agreement:.0%}, "
            f"AP {cur.ap:.3f} -> {cand.ap:.3f}; "
            if cur is not None and cand is not None
            else ""
        )
        return (
            f"{held}library copies AP {self.replay_base_ap:.3f} -> "
            f"{self.replay_candidate_ap:.3f}; guard set: false pairs {g.reference.false_pairs} -> "
            f"{g.candidate.false_pairs}, copies found {g.reference.copies_found} -> {g.candidate.copies_found} "
            f"of {g.candidate.copy_pairs}"
        )
