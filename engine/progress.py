"""Progress reporting and cancellation, as a plain callback plus a token (no threads, no Qt)."""

from __future__ import annotations

import enum
import threading
from collections.abc import Callable

ProgressFn = Callable[[str, int, int], None]
"""Called as ``fn(phase, done, total)``; ``total`` is 0 while unknown. ``phase`` is one of :class:`Phase`."""


class Phase(enum.StrEnum):
    """What a progress report is about; the GUI and the CLI turn these into words. Plain strings underneath."""

    # a scan, in order
    DISCOVER = "discover"
    HASH = "hash"
    EMBED = "embed"
    SEARCH = "search"
    VERIFY = "verify"  # geometric check of the pairs just under the threshold (engine.verify)
    GROUP = "group"
    # file actions
    TRASH = "trash"
    MOVE = "move"
    # training (python main.py train)
    VIEWS_TRAIN = "views-train"  # augmented views of the training photos through the frozen front
    VIEWS_VAL = "views-val"
    TRAINING = "training"  # optimiser steps, in training and in fine-tuning
    # fine-tuning on the user's labels, in order
    PREPARING = "preparing"
    READING_LABELS = "reading labelled photos"
    FEATURES = "features"
    CHECKING_LABELS = "checking the labels"
    AUGMENTING = "augmenting library photos"
    NEW_HEAD = "preparing the new head"
    GUARD = "guard photos"  # reading the guard set (engine.learn.guard) a new version must not lose on
    EVALUATING = "evaluating"


class Cancelled(Exception):
    """Raised inside the engine when the user cancelled; callers catch it at the top."""


class CancelToken:
    """Thread-safe flag the GUI or CLI sets; engine loops poll it through :class:`Progress`."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def raise_if_cancelled(self) -> None:
        if self._event.is_set():
            raise Cancelled()


def _ignore(phase: str, done: int, total: int) -> None:
    pass


class Progress:
    """Bundles a callback and a token. ``report`` also checks for cancellation, so loops need one call."""

    def __init__(self, callback: ProgressFn | None = None, token: CancelToken | None = None) -> None:
        self.callback = callback or _ignore
        self.token = token or CancelToken()

    def report(self, phase: str, done: int, total: int = 0) -> None:
        self.token.raise_if_cancelled()
        self.callback(phase, done, total)

    def check(self) -> None:
        self.token.raise_if_cancelled()


NULL_PROGRESS = Progress()
