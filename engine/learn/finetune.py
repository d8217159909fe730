"""Fine-tuning on the pairs the user labelled: teach the model the user's own idea of "duplicate".

Recipe (sized for a 2-core CPU; see the README section "Teaching Doppel your idea of a duplicate"):

* The images are few, so the frozen backbone runs once per image and its pooled features are cached; only the
  projection head trains on top (``train_blocks`` > 0 also trains the last MBConv blocks from cached feature
  maps; measured on the benchmark, it did not help and took 16x longer: bench/RESULTS.md).
* Loss: the contrastive loss on explicit pairs, ``(1-Y)/2 D^2 + Y/2 max(0, m-D)^2``, half of it on the user's
  pairs (classes balanced) and half on replay pairs from the user's own library: augmentation-made positives
  (:mod:`engine.learn.augment`) and negatives (random and hardest-in-library), so the model does not forget
  what it knew. A library pair the starting model already scores as a likely duplicate is never used as a
  negative: libraries are full of duplicates. An L2-SP term (``anchor`` * ||w - w_start||^2) keeps the head
  near its starting weights (measured, bench/RESULTS.md: with 0.01 the dev-bench AP stays within 0.001 after
  200 labels of the default notion while a grayscale notion is still learnt; 1.0 learnt next to nothing; with
  no anchor a briefly trained model lost 0.08 dev AP).
* Augmentation families that the user's "not a duplicate" labels reject (say, grayscale) are found first
  (:func:`engine.learn.finetune_data.find_rejected`); they are then never taught as positives, and copies made
  by them become negatives, so the notion generalises beyond the labelled photos.
* A stratified fraction of the user's pairs is held out. The current (active) model and the candidate are
  both scored on it (agreement with the labels at the threshold, and AP); the held-out library photos check
  that the candidate still finds augmented copies (AP within ``REPLAY_AP_TOLERANCE`` of the starting model).
  The candidate is saved as a new version (``engine.model.versions``) only if it is not worse.
* The sigmoid is re-calibrated (:func:`engine.learn.finetune_train.calibrate`) on the training pairs, the user's pairs
  weighted as much as the replay pairs, both classes weighted equally; the version's default threshold is 0.5,
  the boundary that fit puts between the user's duplicates and non-duplicates.

Fine-tuning always starts from the bundled model (or ``config.base``) with every label, rather than from the
previous version, so versions do not drift. If that model has no projection head (the interim raw-feature
model), a fresh head of ``embedding_dim`` is added: it cannot start as the identity because the dimension
changes, so it is first trained to reproduce the raw features' pairwise distances, then fine-tuned.

The run is a chain of stages joined by small dataclasses, each testable alone: labels -> which kinds of copy
the labels reject -> replay photos (:mod:`engine.learn.finetune_data`) -> train -> calibrate
(:mod:`engine.learn.finetune_train`) -> decide (here).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, replace
from functools import partial
from typing import Any

import numpy as np
import torch

from engine.labels import LabelledPair
from engine.learn.calibration import average_precision, pair_distances
from engine.learn.finetune_data import (
    Labels,
    Rejection,
    Replay,
    find_rejected,
    gather_replay,
    need_more,
    read_labels,
    usable_pairs,
)
from engine.learn.finetune_parts import SplitModel, clean_image, scores_of
from engine.learn.finetune_train import calibrate, train_candidate
from engine.learn.finetune_types import FinetuneConfig, FinetuneResult, Outcome, Scores
from engine.learn.losses import EUCLIDEAN
from engine.model.weights import Calibration, ModelError, ModelSpec, load_spec
from engine.progress import NULL_PROGRESS, Phase, Progress
from engine.runtime import select_device

MIN_AP_CLASS = 5  # the hold-out AP counts in the decision only with this many duplicates and non-duplicates
AP_TOLERANCE = 0.005  # hold-out AP may be this much lower (ties on tiny hold-outs) and still count as not worse
REPLAY_AP_TOLERANCE = 0.02  # what it may lose on augmented copies of held-out library photos (see replay_tolerance)
CANDIDATE_THRESHOLD = 0.5  # the calibration weighs both classes equally: 0.5 is its likeliest boundary
DEFAULT_CONFIG = FinetuneConfig()


# ================================================================================================ decisions
def holdout_scores(d: np.ndarray, y: np.ndarray, cal: Calibration, threshold: float, model_id: str) -> Scores:
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


@dataclass(frozen=True)
class Decision:
    """The candidate against the current model on the held-out pairs, and against the starting model on the
    held-out library photos."""

    current: Scores
    candidate: Scores
    replay_base_ap: float
    replay_candidate_ap: float
    better: bool  # not worse on either (or forced)

    @property
    def summary(self) -> str:
        cur, cand = self.current, self.candidate
        return (
            f"held-out pairs ({cur.pairs}): agreement {cur.agreement:.0%} -> {cand.agreement:.0%}, "
            f"AP {cur.ap:.3f} -> {cand.ap:.3f}; library copies AP {self.replay_base_ap:.3f} -> "
            f"{self.replay_candidate_ap:.3f}"
        )


def decide(
    emb: torch.Tensor,
    cal: Calibration,
    labels: Labels,
    replay: Replay,
    current: ModelSpec,
    model: SplitModel,
    force: bool = False,
) -> Decision:
    """Score the candidate (embeddings ``emb`` of every row, calibrated by ``cal``) and the current model."""
    ha, hb, hy = labels.a[labels.holdout], labels.b[labels.holdout], labels.y[labels.holdout]
    cand = holdout_scores(EUCLIDEAN.pairs(emb, ha, hb).numpy(), hy, cal, CANDIDATE_THRESHOLD, "candidate")
    cur_d = _current_distances(current, model, replay.base_emb, ha, hb, labels.paths)
    cur = holdout_scores(cur_d, hy, current.calibration, current.threshold, current.model_id)
    hold_rows = np.flatnonzero(np.isin(replay.owner, replay.holdout) & (replay.kind < 2))
    if len(hold_rows) >= 2:
        d0, s0 = pair_distances(replay.base_emb[hold_rows].cpu().numpy(), replay.owner[hold_rows])
        d1, s1 = pair_distances(emb[hold_rows].numpy(), replay.owner[hold_rows])
        replay_base, replay_cand = average_precision(d0, s0), average_precision(d1, s1)
        replay_pos = int(s0.sum())
    else:
        replay_base = replay_cand = float("nan")
        replay_pos = 0
    better = not_worse(cur, cand, replay_base, replay_cand, replay_pos) or force
    return Decision(cur, cand, replay_base, replay_cand, better)


def _current_distances(
    current: ModelSpec, model: SplitModel, base_emb: torch.Tensor, ha: np.ndarray, hb: np.ndarray, paths: list[str]
) -> np.ndarray:
    """The current model's distances on the held-out pairs: free when it is the starting model."""
    base = model.spec
    if current.model_id == base.model_id and (current.input_size, current.input_mode) == (
        base.input_size,
        base.input_mode,
    ):
        return EUCLIDEAN.pairs(base_emb.cpu(), ha, hb).numpy()
    from engine.model.inference import Embedder

    rows = sorted(set(ha.tolist()) | set(hb.tolist()))
    imgs = []
    for r in rows:
        im = clean_image(paths[r], current.input_size, current.input_mode)
        if im is None:  # it was read a moment ago
            raise ModelError(f"cannot read {paths[r]} any more: fine-tuning needs every labelled photo it started with")
        imgs.append(im)
    emb = Embedder(current, str(model.device.type)).embed_images(imgs)
    local = {r: i for i, r in enumerate(rows)}
    e = torch.from_numpy(emb)
    return EUCLIDEAN.pairs(e, np.array([local[r] for r in ha]), np.array([local[r] for r in hb])).numpy()


# ================================================================================================ the run
def finetune(
    pairs: Sequence[LabelledPair | tuple[str, str, bool]],
    library: Sequence[str] = (),
    config: FinetuneConfig = DEFAULT_CONFIG,
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
    more = need_more(len(labelled), cfg.min_labels)
    if more:
        gone = f" ({dropped} labelled pairs point to files that are gone)" if dropped else ""
        return FinetuneResult(
            Outcome.NEED_MORE,
            f"Label {more} more pair{'s' * (more != 1)} to improve the model: "
            f"{len(labelled)} usable so far, {cfg.min_labels} needed{gone}.",
            len(labelled),
            needed=more,
            seconds=time.monotonic() - t0,
        )
    from engine.model import versions

    progress.report(Phase.PREPARING, 0, 0)
    device = select_device(cfg.device)
    torch.manual_seed(cfg.seed)
    rng = np.random.default_rng(cfg.seed)
    base = load_spec(cfg.base)
    current = current or versions.active_spec()
    model = SplitModel(base, cfg, device)

    labels = read_labels(labelled, model, cfg, progress)
    more = need_more(len(labels.pairs), cfg.min_labels)
    if more:
        return FinetuneResult(
            Outcome.NEED_MORE,
            f"Label {more} more pairs: some labelled photos cannot be read.",
            len(labels.pairs),
            needed=more,
            seconds=time.monotonic() - t0,
        )
    rejection = find_rejected(model, base, labels, cfg, progress) if cfg.detect_families else Rejection()
    log(
        f"labels checked after {time.monotonic() - t0:.1f} s; how well each kind of copy explains the "
        f"'not a duplicate' labels the model disagrees with (lower: better): {rejection.ratios}; "
        f"direction cosines {rejection.cosines}"
    )
    if rejection.families:
        log(f"the labels reject these augmentations as duplicates: {', '.join(rejection.families)}")
    replay = gather_replay(library, labels, rejection, model, cfg, rng, progress, log)
    log(f"features ready after {time.monotonic() - t0:.1f} s; contrastive margin {replay.margin:.3f}")
    history = train_candidate(model, labels, replay, cfg, rng, progress, log, t0)
    progress.report(Phase.EVALUATING, 0, 0)
    emb = model.embed_all(replay.feats.to(device)).cpu()
    cal = calibrate(emb, labels, replay, rng, log)
    decision = decide(emb, cal, labels, replay, current, model, force)
    return _outcome(decision, cal, model, labels, replay, rejection, history, current, cfg, save, t0, log)


def _outcome(
    decision: Decision,
    cal: Calibration,
    model: SplitModel,
    labels: Labels,
    replay: Replay,
    rejection: Rejection,
    history: list[float],
    current: ModelSpec,
    cfg: FinetuneConfig,
    save: bool,
    t0: float,
    log: Callable[[str], None],
) -> FinetuneResult:
    """The candidate as a spec and weights, saved as a new version when it is better and ``save`` asks."""
    from engine.model import versions

    base, y = model.spec, labels.y
    cur, cand = decision.current, decision.candidate
    details: dict[str, Any] = {
        "created": time.time(),
        "base_id": base.model_id,
        "current_id": current.model_id,
        "labels": len(labels.pairs),
        "train_labels": int(len(labels.train)),
        "holdout_labels": int(len(labels.holdout)),
        "duplicates": int(y.sum()),
        "not_duplicates": int(len(y) - y.sum()),
        "library_photos": replay.photos,
        "fresh_head": model.fresh_head,
        "rejected_families": list(rejection.families),
        "current": asdict(cur),
        "candidate": asdict(cand),
        "replay_base_ap": decision.replay_base_ap,
        "replay_candidate_ap": decision.replay_candidate_ap,
        "loss_history": history,
        "config": {k: v for k, v in asdict(cfg).items() if k not in ("device", "base")},
    }
    spec = ModelSpec(
        model_id="",
        weights="",
        embedding_dim=model.dim,
        hidden=model.hidden,
        input_size=base.input_size,
        input_mode=base.input_mode,
        mean=base.mean,
        std=base.std,
        calibration=cal,
        threshold=CANDIDATE_THRESHOLD,
        extra={
            "finetune": details,
            "note": f"Fine-tuned from {base.model_id} on {len(labels.pairs)} pairs the user labelled.",
        },
    )
    state = {k: v.detach().cpu().clone() for k, v in model.net.state_dict().items()}
    secs = time.monotonic() - t0
    details["seconds"] = secs
    result = partial(
        FinetuneResult,
        labels=len(labels.pairs),
        current=cur,
        replay_base_ap=decision.replay_base_ap,
        replay_candidate_ap=decision.replay_candidate_ap,
        seconds=secs,
        details=details,
    )
    if not decision.better:
        message = f"The candidate is not better than {current.model_id}: {decision.summary}. Nothing was saved."
        return result(Outcome.NOT_BETTER, message, candidate=cand, spec=spec, state_dict=state)
    if not save:
        message = f"Candidate ready (not saved): {decision.summary}."
        return result(Outcome.CANDIDATE, message, candidate=cand, spec=spec, state_dict=state)
    saved = versions.save_version(spec, state, cfg.name)
    log(f"saved version {saved.model_id} in {saved.folder}")
    message = f"Saved new version {saved.model_id}: {decision.summary}."
    return result(Outcome.SAVED, message, candidate=replace(cand, model_id=saved.model_id), spec=saved)
