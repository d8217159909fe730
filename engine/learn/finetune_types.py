"""Fine-tuning's configuration, outcomes and result: the types the stages, the CLI and the GUI share."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

from engine.learn.guard import GuardVerdict
from engine.model.weights import ModelSpec

MIN_LABELS = 10  # fewer usable labelled pairs: nothing is trained
MIN_HELD_OUT = 20  # held-out pairs of each kind ("is" / "is not a duplicate") before a new version can be judged

Pair = tuple[str, str, int]  # path_a, path_b, 1 = duplicate


class Outcome(enum.Enum):
    """How a fine-tuning run ended. Every outcome but NEED_MORE and CANDIDATE saved a new version; only SAVED is one
    the evidence says to use (callers make it active)."""

    NEED_MORE = "need-more-labels"  # too few usable labelled pairs; nothing trained
    SAVED = "saved"  # saved, and better on the held-out labels with no loss on the guard set: use it
    NOT_BETTER = "not-better"  # saved, not to be used: not better than the current model on the held-out labels
    TOO_FEW_HELD_OUT = "too-few-held-out"  # saved, not to be used: too few held-out labels to judge it
    GUARD_FAILED = "guard-failed"  # saved, not to be used: it loses on the guard set (engine.learn.guard)
    CANDIDATE = "candidate"  # asked not to save: the candidate is in the result only


@dataclass(frozen=True)
class FinetuneConfig:
    epochs: int = 40
    distill_steps: int = 300  # only for a fresh head: steps matching it to the starting model's distances
    min_steps: int = 300  # few labels still get enough optimiser steps (a step on cached features is cheap)
    seed: int = 0
    folds: int = 5  # cross-validation: each labelled pair is held out once, from a candidate trained on the rest
    min_held_out: int = MIN_HELD_OUT  # of each kind, to judge the candidate at all
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
    detect_families: bool = True  # find augmentation families the labels reject (see find_rejected)
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
    status: Outcome
    message: str
    labels: int  # usable labelled pairs
    needed: int = 0  # how many more labels are needed (NEED_MORE)
    current: Scores | None = None
    candidate: Scores | None = None
    replay_base_ap: float | None = None
    replay_candidate_ap: float | None = None
    spec: ModelSpec | None = None  # the saved version, or the unsaved candidate (CANDIDATE)
    seconds: float = 0.0
    details: dict[str, Any] = field(default_factory=dict)
    state_dict: dict[str, Any] | None = field(default=None, repr=False)  # the unsaved candidate's weights
    reasons: tuple[str, ...] = ()  # why the candidate is not to be used, in plain words (empty: use it)
    guard: GuardVerdict | None = None  # the candidate against the bundled model on the guard set

    @property
    def saved(self) -> bool:
        """A new version was written (whether or not it is to be used)."""
        return self.status not in (Outcome.NEED_MORE, Outcome.CANDIDATE)

    @property
    def use(self) -> bool:
        """The evidence says to use the new version (or the caller forced it)."""
        return self.status is Outcome.SAVED
