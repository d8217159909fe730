"""A small executor on daemon threads, for work that may get stuck in a system call on a user's file.

``concurrent.futures.ThreadPoolExecutor`` joins its threads when the interpreter exits, even after
``shutdown(wait=False)``: one worker stuck in ``read()`` on a hung network share (or in ``open()`` on a FIFO) kept
a cancelled CLI scan alive until a second Ctrl-C. Daemon threads are never waited for, so a cancel ends the
process at once; the work they do (decoding into memory) leaves nothing half-written behind.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

_STOP = None
_Job = tuple["Future[Any]", Callable[..., Any], tuple[Any, ...]]  # a future, the call, its arguments


class DaemonPool:
    """``submit`` / ``shutdown`` like ThreadPoolExecutor; ``shutdown`` never waits for a running call."""

    def __init__(self, max_workers: int, thread_name_prefix: str = "doppel-pool") -> None:
        self._queue: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._threads = [
            threading.Thread(target=self._work, name=f"{thread_name_prefix}-{n}", daemon=True)
            for n in range(max(1, max_workers))
        ]
        for t in self._threads:
            t.start()

    def submit(self, fn: Callable[..., Any], *args: Any) -> Future[Any]:
        future: Future[Any] = Future()
        self._queue.put((future, fn, args))
        return future

    def _work(self) -> None:
        while (item := self._queue.get()) is not _STOP:
            _run(*item)
            del item  # else the last result (a decoded image) stays alive here until the next job arrives

    def shutdown(self, wait: bool = False, cancel_futures: bool = True) -> None:
        """Cancel what has not started and let the threads end; ``wait`` joins them (tests), never needed."""
        if cancel_futures:
            while True:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is not _STOP:
                    item[0].cancel()
        for _ in self._threads:
            self._queue.put(_STOP)
        if wait:
            for t in self._threads:
                t.join()


def _run(future: Future[Any], fn: Callable[..., Any], args: tuple[Any, ...]) -> None:
    if not future.set_running_or_notify_cancel():
        return
    try:
        result = fn(*args)
    except BaseException as exc:  # noqa: BLE001 - handed to whoever waits on the future
        future.set_exception(exc)
    else:
        future.set_result(result)
