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
* Whether the candidate is used is decided by :mod:`engine.learn.finetune_judge`: enough held-out labels (each
  pair held out once by cross-validation; at least 20 of each kind), strictly better than the current model on
  them, and no loss on the guard set (:mod:`engine.learn.guard`: fixed photos it never trains on). The candidate
  is always saved as a new version (``engine.model.versions``); when the evidence falls short it is not used, and
  the result says why.
* The threshold is put on the guard set where the candidate reaches the bundled model's precision target
  (:func:`engine.learn.guard.fit_threshold`), and the calibration shifted so that the bundled threshold's score
  falls there (:func:`engine.learn.guard.calibration_at`): the same number, the same meaning. (A sigmoid refitted
  on the training pairs, as before, put 0.5 between a handful of separable pairs: the issue-11 threshold that
  grouped unrelated photos.) Auto-mark's sure level follows it (:func:`engine.learn.guard.sure_for`).

Fine-tuning always starts from the bundled model (or ``config.base``) with every label, rather than from the
previous version, so versions do not drift. If that model has no projection head (the interim raw-feature
model), a fresh head of ``embedding_dim`` is added: it cannot start as the identity because the dimension
changes, so it is first trained to reproduce the raw features' pairwise distances, then fine-tuned.

The run is a chain of stages joined by small dataclasses, each testable alone: labels -> which kinds of copy
the labels reject -> replay photos (:mod:`engine.learn.finetune_data`) -> the guard set -> candidates trained
and calibrated per fold and on every label (:mod:`engine.learn.finetune_train`, :mod:`engine.learn.finetune_judge`)
-> decide and save (here).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, replace
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
from engine.learn.finetune_judge import (
    CrossValidation,
    Decision,
    Fitted,
    Fitter,
    GuardContext,
    better,
    cross_validate,
    cv_scores,
    guard_context,
    holdout_scores,
    missing_labels,
    runs_progress,
)
from engine.learn.finetune_parts import SplitModel, clean_image
from engine.learn.finetune_types import FinetuneConfig, FinetuneResult, Outcome
from engine.learn.guard import sure_for, verdict
from engine.learn.losses import EUCLIDEAN
from engine.model.weights import ModelError, ModelSpec, load_spec
from engine.progress import NULL_PROGRESS, Phase, Progress
from engine.runtime import select_device

DEFAULT_CONFIG = FinetuneConfig()


# ================================================================================================ decisions
def decide(
    final: Fitted,
    cv: CrossValidation | None,
    labels: Labels,
    replay: Replay,
    current: ModelSpec,
    model: SplitModel,
    ctx: GuardContext,
    minimum: int,
) -> Decision:
    """The final candidate (``final``, trained on every label) on the guard set and the held-out library photos;
    the fold candidates (``cv``) against the current model on the held-out labels."""
    held = labels.fold >= 0
    hy = labels.y[held]
    cur = cand = None
    if cv is not None:
        ha, hb = labels.a[held], labels.b[held]
        cur_d = _current_distances(current, model, replay.base_emb, ha, hb, labels.paths)
        cur = holdout_scores(cur_d, hy, current.calibration, current.threshold, current.model_id)
        cand = cv_scores(cv, labels.y, final.threshold)
    hold_rows = np.flatnonzero(np.isin(replay.owner, replay.holdout) & (replay.kind < 2))
    if len(hold_rows) >= 2:
        d0, s0 = pair_distances(replay.base_emb[hold_rows].cpu().numpy(), replay.owner[hold_rows])
        d1, s1 = pair_distances(final.emb[hold_rows].numpy(), replay.owner[hold_rows])
        replay_base, replay_cand = average_precision(d0, s0), average_precision(d1, s1)
        replay_pos = int(s0.sum())
    else:
        replay_base = replay_cand = float("nan")
        replay_pos = 0
    is_better = cur is not None and cand is not None and better(cur, cand, replay_base, replay_cand, replay_pos)
    return Decision(
        current=cur,
        candidate=cand,
        replay_base_ap=replay_base,
        replay_candidate_ap=replay_cand,
        guard=verdict(final.guard_dist, ctx.pairs, ctx.reference, final.guard),
        duplicates=int((labels.y > 0).sum()),
        different=int((labels.y == 0).sum()),
        minimum=minimum,
        better=is_better,
        guard_target=ctx.target,
    )


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
    version, whether or not the evidence says to use it (``status`` says, ``reasons`` why not; ``force`` says to
    use it regardless); it is not made active here: callers decide. Raises :class:`~engine.progress.Cancelled`
    when cancelled, ModelError for an unusable model.
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
    ctx = guard_context(model, rejection, cfg, progress)
    log(f"guard set, {base.model_id}: {ctx.reference.line()}; precision target {ctx.target}")
    fitter = Fitter(model, replay, ctx, cfg, t0)
    y = labels.y
    enough = not missing_labels(int((y > 0).sum()), int((y == 0).sum()), cfg.min_held_out)
    runs = len(set(labels.fold.tolist()) - {-1}) if enough else 0
    cv = cross_validate(fitter, labels, cfg, progress, log) if enough else None  # not judged: no need to
    final = fitter.fit(labels, rng, runs_progress(progress, runs, runs + 1), log)
    log(f"candidate, guard set: {final.guard.line()}")
    progress.report(Phase.EVALUATING, 0, 0)
    decision = decide(final, cv, labels, replay, current, model, ctx, cfg.min_held_out)
    return _outcome(decision, final, model, labels, replay, rejection, current, cfg, save, force, t0, log)


def _outcome(
    decision: Decision,
    final: Fitted,
    model: SplitModel,
    labels: Labels,
    replay: Replay,
    rejection: Rejection,
    current: ModelSpec,
    cfg: FinetuneConfig,
    save: bool,
    force: bool,
    t0: float,
    log: Callable[[str], None],
) -> FinetuneResult:
    """The candidate as a spec and weights, saved as a new version when ``save`` asks; used only on evidence."""
    from engine.model import versions

    base = model.spec
    reference_name = "the bundled model" if cfg.base is None else f"the starting model ({base.model_id})"
    reasons = decision.reasons("the current model", reference_name)
    details = _details(decision, model, labels, replay, rejection, current, cfg)
    details.update(used=not reasons or force, reasons=reasons)
    # the starting model's spec with what fine-tuning changed: every other field (input, the scoring after the
    # network: neighbourhood, verification) carries over, including any a later model adds
    spec = replace(
        base,
        model_id="",
        weights="",
        folder="",
        embedding_dim=model.dim,
        hidden=model.hidden,
        calibration=final.calibration,
        threshold=final.threshold,
        sure_threshold=sure_for(base, final.calibration, final.threshold),
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
        current=decision.current,
        replay_base_ap=decision.replay_base_ap,
        replay_candidate_ap=decision.replay_candidate_ap,
        seconds=secs,
        details=details,
        reasons=tuple(reasons),
        guard=decision.guard,
    )
    if not save:
        why = f"; it would not be used: {'; '.join(reasons)}" if reasons else ""
        message = f"Candidate ready (not saved): {decision.summary}{why}."
        return result(Outcome.CANDIDATE, message, candidate=decision.candidate, spec=spec, state_dict=state)
    saved = versions.save_version(spec, state, cfg.name)
    log(f"saved version {saved.model_id} in {saved.folder}")
    cand = replace(decision.candidate, model_id=saved.model_id) if decision.candidate else None
    if not reasons:
        message = f"Saved new version {saved.model_id}: it is better. {decision.summary}."
        return result(Outcome.SAVED, message, candidate=cand, spec=saved)
    if force:
        message = f"Saved new version {saved.model_id}, to be used as forced, although {'; '.join(reasons)}."
        return result(Outcome.SAVED, message, candidate=cand, spec=saved)
    message = f"Saved as version {saved.model_id} but not used: {'; '.join(reasons)}."
    return result(_status(decision), message, candidate=cand, spec=saved)


def _details(
    decision: Decision,
    model: SplitModel,
    labels: Labels,
    replay: Replay,
    rejection: Rejection,
    current: ModelSpec,
    cfg: FinetuneConfig,
) -> dict[str, Any]:
    """What the version's model.json records of how it was made and judged (``extra.finetune``)."""
    base, y, g = model.spec, labels.y, decision.guard
    details: dict[str, Any] = {
        "created": time.time(),
        "base_id": base.model_id,
        "current_id": current.model_id,
        "labels": len(labels.pairs),
        "train_labels": int(len(labels.train)),
        "holdout_labels": int((labels.fold >= 0).sum()),
        "folds": len(set(labels.fold.tolist()) - {-1}) if decision.current is not None else 0,  # 0: not judged
        "duplicates": int(y.sum()),
        "not_duplicates": int(len(y) - y.sum()),
        "library_photos": replay.photos,
        "fresh_head": model.fresh_head,
        "rejected_families": list(rejection.families),
        "current": asdict(decision.current) if decision.current else None,
        "candidate": asdict(decision.candidate) if decision.candidate else None,
        "replay_base_ap": decision.replay_base_ap,
        "replay_candidate_ap": decision.replay_candidate_ap,
        "guard": {
            "reference": asdict(g.reference),
            "candidate": asdict(g.candidate),
            "joined_at_reference_recall": g.joined_at_reference_recall,
            "precision_target": decision.guard_target,
            "passed": g.passed,
        },
        "config": {k: v for k, v in asdict(cfg).items() if k not in ("device", "base")},
    }
    return details


def _status(decision: Decision) -> Outcome:
    """The first reason not to use it: harm on the guard set, then too little evidence, then no gain."""
    if not decision.guard.passed:
        return Outcome.GUARD_FAILED
    if missing_labels(decision.duplicates, decision.different, decision.minimum):
        return Outcome.TOO_FEW_HELD_OUT
    return Outcome.NOT_BETTER
