"""Opening user files never blocks on a FIFO, and a stuck worker thread never keeps the process alive."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from engine import userfiles
from engine.userfiles import NotRegularFileError, open_regular
from tests.conftest import finishes, unblock

REPO = Path(__file__).resolve().parents[2]
posix_only = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")


@posix_only
def test_a_fifo_is_refused_at_once(tmp_path: Path) -> None:
    fifo = tmp_path / "photo.jpg"
    os.mkfifo(fifo)
    try:
        outcome = finishes(lambda: open_regular(fifo))
    finally:
        unblock(fifo)
    assert isinstance(outcome, NotRegularFileError)
    assert outcome.strerror == "not a regular file: a named pipe (FIFO)"


@posix_only
def test_a_fifo_swapped_in_after_the_check_does_not_block_open(tmp_path: Path, monkeypatch) -> None:
    """The race itself: stat saw a regular file, open() meets a FIFO with no writer."""
    regular = tmp_path / "regular.jpg"
    regular.write_bytes(b"\xff\xd8\xff")
    fifo = tmp_path / "photo.jpg"
    os.mkfifo(fifo)
    real_stat = os.stat
    monkeypatch.setattr(userfiles.os, "stat", lambda p, *a, **k: real_stat(regular if p == fifo else p, *a, **k))
    try:
        outcome = finishes(lambda: open_regular(fifo))
    finally:
        unblock(fifo)
    assert isinstance(outcome, NotRegularFileError) and "FIFO" in str(outcome)


def test_folders_are_refused_and_files_read(tmp_path: Path) -> None:
    with pytest.raises(NotRegularFileError, match="a folder"):
        open_regular(tmp_path)
    (tmp_path / "a.jpg").write_bytes(b"abc")
    with open_regular(tmp_path / "a.jpg") as fh:
        assert fh.read() == b"abc"
    with pytest.raises(FileNotFoundError):
        open_regular(tmp_path / "missing.jpg")


def test_a_stuck_pool_worker_does_not_keep_the_process_alive() -> None:
    """ThreadPoolExecutor joins its threads at exit even after shutdown(wait=False); DaemonPool does not."""
    code = (
        "import threading\n"
        "from engine.pool import DaemonPool\n"
        "pool = DaemonPool(2, 'test')\n"
        "stuck = pool.submit(threading.Event().wait)\n"  # never set: a read on a hung network share
        "done = pool.submit(sum, [1, 2])\n"
        "assert done.result(timeout=10) == 3\n"
        "pool.shutdown(wait=False, cancel_futures=True)\n"
        "print('exiting')\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=30, env={**os.environ}
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "exiting"
