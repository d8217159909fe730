"""A one-line progress bar on stderr, only when stderr is a terminal."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TextIO


class ProgressBar:
    def __init__(self, stream: TextIO | None = None, enabled: bool | None = None) -> None:
        self.stream = stream if stream is not None else sys.stderr  # looked up now: callers may have replaced it
        self.enabled = self.stream.isatty() if enabled is None else enabled
        self._last = 0.0
        self._phase = ""
        self._phase_start = time.monotonic()

    def __call__(self, phase: str, done: int, total: int) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if phase != self._phase:
            self._phase, self._phase_start = phase, now
        elif now - self._last < 0.1 and done != total:
            return
        self._last = now
        if total:
            frac = min(done / total, 1.0)
            bar = "#" * int(frac * 30)
            eta = ""
            if 0 < frac < 1:
                left = (now - self._phase_start) * (1 - frac) / frac
                eta = f" ~{left:.0f}s left"
            line = f"{phase:>9} [{bar:<30}] {done}/{total}{eta}"
        else:
            line = f"{phase:>9} {done}"
        self.stream.write("\r" + line[:100].ljust(100))
        self.stream.flush()

    def close(self) -> None:
        if self.enabled and self._phase:
            self.stream.write("\r" + " " * 100 + "\r")
            self.stream.flush()


def timestamped_log(bar: ProgressBar) -> Callable[[str], None]:
    """A log for a long job's lines: the bar is cleared first so a line never lands on top of it."""

    def log(line: str) -> None:
        bar.close()
        print(time.strftime("%H:%M:%S"), line, flush=True)

    return log
