"""Ctrl-C for the long CLI commands (train, finetune): the first asks the job to stop, the second gives up."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

from engine.progress import CancelToken


@contextmanager
def cancel_on_sigint(token: CancelToken) -> Iterator[None]:
    """While the block runs, the first Ctrl-C cancels ``token`` so the job stops at its next check and can save
    what it has (a checkpoint); a second one raises KeyboardInterrupt at once. The old handler comes back after."""

    def on_sigint(signum: int, frame: FrameType | None) -> None:
        if token.cancelled:
            raise KeyboardInterrupt
        token.cancel()

    previous = signal.signal(signal.SIGINT, on_sigint)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
