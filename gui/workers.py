"""The one place that owns threads: engine calls run on a QThreadPool and post results back as Qt signals.

``TaskRunner.run(fn, ...)`` calls ``fn(progress)`` on a pool thread, where ``progress`` is an engine
:class:`~engine.progress.Progress` whose callback becomes a (throttled) Qt signal and whose token the handle's
``cancel()`` sets. The result, a cancellation, or an exception (as a one-line message, never a traceback dialog)
comes back on the GUI thread. ``ThumbnailLoader`` decodes thumbnails and full images off the GUI thread and
caches them.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot
from PySide6.QtGui import QImage

from engine.progress import Cancelled, CancelToken, Progress
from gui.signals import emit

log = logging.getLogger(__name__)
PROGRESS_INTERVAL_S = 0.05  # at most ~20 progress signals a second, so a fast engine loop cannot flood the GUI


def describe_error(exc: BaseException) -> str:
    """A one-line message for the user: the engine's own message when it has one, else the exception's type."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    if isinstance(exc, (OSError, ValueError, RuntimeError)) and text:
        return text
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


class TaskHandle(QObject):
    """Lives on the GUI thread; the pool thread emits its signals, so the slots below run on the GUI thread."""

    progress = Signal(str, int, int)
    finished = Signal(object)
    failed = Signal(str)
    cancelled = Signal()
    _posted = Signal(str, object)  # ("done" | "error" | "cancelled", payload), emitted from the pool thread

    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = name
        self.token = CancelToken()
        self.done = threading.Event()
        self.running = True
        self._posted.connect(self._deliver)

    def cancel(self) -> None:
        self.token.cancel()

    @Slot(str, object)
    def _deliver(self, kind: str, payload: Any) -> None:
        self.running = False
        if kind == "done":
            emit(self.finished, payload)
        elif kind == "cancelled":
            emit(self.cancelled)
        else:
            emit(self.failed, payload)


class _Task(QRunnable):
    def __init__(self, fn: Callable[[Progress], Any], handle: TaskHandle) -> None:
        super().__init__()
        self.setAutoDelete(False)
        self.fn = fn
        self.handle = handle
        self._last = 0.0
        self._phase = ""

    def _report(self, phase: str, done: int, total: int) -> None:
        now = time.monotonic()
        if phase != self._phase or now - self._last >= PROGRESS_INTERVAL_S or (total and done >= total):
            self._phase, self._last = phase, now
            emit(self.handle.progress, phase, int(done), int(total))

    def run(self) -> None:
        h = self.handle
        try:
            result = self.fn(Progress(self._report, h.token))
        except Cancelled:
            emit(h._posted, "cancelled", None)
        except Exception as exc:  # noqa: BLE001 - every failure reaches the user as a message
            log.exception("task %s failed", h.name)
            emit(h._posted, "error", describe_error(exc))
        else:
            if h.token.cancelled:
                emit(h._posted, "cancelled", None)
            else:
                emit(h._posted, "done", result)
        finally:
            h.done.set()


class TaskRunner(QObject):
    """Runs engine calls on its own pool; ``shutdown()`` cancels everything and waits (tests call it in teardown)."""

    def __init__(self, max_threads: int = 2, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(max_threads)
        self._live: dict[TaskHandle, _Task] = {}

    def run(
        self,
        name: str,
        fn: Callable[[Progress], Any],
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[str], None] | None = None,
        on_progress: Callable[[str, int, int], None] | None = None,
        on_cancel: Callable[[], None] | None = None,
    ) -> TaskHandle:
        handle = TaskHandle(name)
        if on_done:
            handle.finished.connect(on_done)
        if on_error:
            handle.failed.connect(on_error)
        if on_progress:
            handle.progress.connect(on_progress)
        if on_cancel:
            handle.cancelled.connect(on_cancel)
        for sig in (handle.finished, handle.failed, handle.cancelled):
            sig.connect(lambda *_, h=handle: self._live.pop(h, None))
        task = _Task(fn, handle)
        self._live[handle] = task
        self.pool.start(task)
        return handle

    @property
    def busy(self) -> bool:
        return any(not t.handle.done.is_set() for t in self._live.values())

    def cancel_all(self) -> None:
        for handle in list(self._live):
            handle.cancel()

    def shutdown(self, timeout_ms: int = 10000) -> bool:
        self.cancel_all()
        self.pool.clear()
        ok = self.pool.waitForDone(timeout_ms)
        self._live.clear()
        return ok


def pil_to_qimage(im) -> QImage:
    """A deep copy, so the QImage owns its pixels after the PIL image is gone (safe on any thread)."""
    im = im.convert("RGB")
    data = im.tobytes("raw", "RGB")
    return QImage(data, im.width, im.height, im.width * 3, QImage.Format.Format_RGB888).copy()


def load_image(path: str, max_side: int | None) -> QImage:
    """Decode ``path`` (EXIF-oriented RGB) as a QImage, downscaled to ``max_side`` when given. Raises DecodeError."""
    from engine.imaging import load_full, load_thumbnail

    return pil_to_qimage(load_thumbnail(path, max_side) if max_side else load_full(path))


class _ImageJob(QRunnable):
    def __init__(self, loader: ThumbnailLoader, key: tuple[str, int]) -> None:
        super().__init__()
        self.setAutoDelete(False)  # the loader keeps it until its result is posted
        self.loader = loader
        self.key = key

    def run(self) -> None:
        path, side = self.key
        if self.loader.stopped.is_set():
            return
        try:
            image = load_image(path, side or None)
        except Exception as exc:  # noqa: BLE001 - shown as a placeholder with the reason
            emit(self.loader._posted, path, side, None, getattr(exc, "reason", None) or describe_error(exc))
        else:
            emit(self.loader._posted, path, side, image, "")


class ThumbnailLoader(QObject):
    """Decodes images on its own pool; ``ready(path, side)`` fires once the image is in the cache.

    ``side`` 0 means the full image (the compare view); the cache is a small LRU of QImages (QPixmaps are made
    by the painting code, on the GUI thread).
    """

    ready = Signal(str, int)
    failed = Signal(str, int, str)
    _posted = Signal(str, int, object, str)

    def __init__(self, max_threads: int = 2, cache_size: int = 400, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(max_threads)
        self.cache: OrderedDict[tuple[str, int], QImage] = OrderedDict()
        self.errors: dict[tuple[str, int], str] = {}
        self.cache_size = cache_size
        self.stopped = threading.Event()
        self._pending: set[tuple[str, int]] = set()
        self._jobs: list[_ImageJob] = []
        self._posted.connect(self._store)

    def get(self, path: str, side: int) -> QImage | None:
        """The cached image, or None after queueing a decode (``ready`` follows)."""
        key = (path, side)
        image = self.cache.get(key)
        if image is not None:
            self.cache.move_to_end(key)
            return image
        if key not in self._pending and key not in self.errors and not self.stopped.is_set():
            self._pending.add(key)
            job = _ImageJob(self, key)
            self._jobs.append(job)
            self.pool.start(job, priority=1 if side else 0)
        return None

    def error(self, path: str, side: int) -> str | None:
        return self.errors.get((path, side))

    def forget(self, paths) -> None:
        """Drop cached images of files that changed or went away."""
        paths = set(paths)
        for key in [k for k in list(self.cache) + list(self.errors) if k[0] in paths]:
            self.cache.pop(key, None)
            self.errors.pop(key, None)

    def clear(self) -> None:
        """Forget every cached image (a new scan: files may have changed under the same names)."""
        self.cache.clear()
        self.errors.clear()

    @Slot(str, int, object, str)
    def _store(self, path: str, side: int, image: QImage | None, error: str) -> None:
        key = (path, side)
        self._pending.discard(key)
        self._jobs = [j for j in self._jobs if j.key in self._pending]
        if image is None:
            self.errors[key] = error
            emit(self.failed, path, side, error)
            return
        self.cache[key] = image
        while len(self.cache) > self.cache_size:
            self.cache.popitem(last=False)
        emit(self.ready, path, side)

    def shutdown(self, timeout_ms: int = 10000) -> bool:
        self.stopped.set()
        self.pool.clear()
        ok = self.pool.waitForDone(timeout_ms)
        self._pending.clear()
        self._jobs.clear()
        return ok
