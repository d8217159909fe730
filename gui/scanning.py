"""What a scan task does on its pool thread: the engine scan, reading the window's label store.

Keeps one network loaded between scans (loading it takes seconds); no threads or Qt here, workers.py runs it.
"""

from __future__ import annotations

import threading
from dataclasses import replace

from engine.labels import LabelStore
from engine.progress import Progress
from engine.results import ScanResult
from engine.settings import ScanSettings

LOADING = "loading the model"  # the progress phase while the network loads (or the preload is loading it)


class ScanService:
    def __init__(self) -> None:
        self._lock = threading.Lock()  # one scan at a time uses the network; a cancelled one ends quickly
        self._embedder = None
        self._embedder_key: tuple | None = None
        self._loading = False  # read without the lock, by a scan waiting for it

    def _embedder_for(self, settings: ScanSettings, progress: Progress):
        key = (settings.model_path, settings.device, settings.backend)
        if self._embedder is None or self._embedder_key != key:
            from engine.model.inference import Embedder
            from engine.model.weights import load_spec

            progress.report(LOADING, 0, 0)
            self._embedder, self._loading = None, True
            try:
                self._embedder = Embedder(load_spec(settings.model_path), settings.device, settings.backend)
            finally:
                self._loading = False
            self._embedder_key = key
        return self._embedder

    def preload(self, settings: ScanSettings, progress: Progress) -> None:
        """Load the network ahead of the first scan (importing torch briefly holds the GIL: better at start-up)."""
        if not settings.exact_only:
            with self._lock:
                self._embedder_for(settings, progress)

    def scan(self, settings: ScanSettings, progress: Progress, labels: LabelStore | None = None) -> ScanResult:
        """The engine applies the labels in ``labels`` (found by content, so renamed files keep them); None: none."""
        from engine.scan import scan

        if labels is None:
            settings = replace(settings, use_labels=False)
        else:
            settings = replace(settings, labels_path=str(labels.path))
        if not self._lock.acquire(blocking=False):
            if self._loading and not settings.exact_only:  # the preload is loading the network: say so
                progress.report(LOADING, 0, 0)
            while not self._lock.acquire(timeout=0.1):
                progress.check()  # a cancel while waiting lands at once
        try:
            progress.check()
            embedder = None if settings.exact_only else self._embedder_for(settings, progress)
            return scan(settings, progress, embedder=embedder)
        finally:
            self._lock.release()
