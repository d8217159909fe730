"""The action log: a write-ahead JSON-lines journal of every file action, so a crash never hides what was done.

Before a file is touched an ``intent`` line names it and every place it may end up (destination, temporary
name); afterwards a closing line (``done``, ``failed``, ``rolled-back``) with the same ``batch`` and ``n``
follows. The intents of a batch are fsynced before the batch acts, so after kill -9 or a power cut
:mod:`engine.recovery` can finish or roll back every intent left open. A torn last line (the crash hit
mid-write) is skipped on reading, and the next append starts on a fresh line.

One process acts at a time: the log file is locked (``flock``, POSIX only) while an action or a recovery runs,
so recovery never mistakes another running action's open intents for a crash.
"""

from __future__ import annotations

import json
import os
import secrets
import time
from collections.abc import Iterable
from io import BufferedRandom
from pathlib import Path
from typing import Any

from engine.paths import data_dir

try:
    import fcntl
except ImportError:  # Windows: no advisory lock; one Doppel at a time is then the user's care
    HAVE_FLOCK = False
else:
    HAVE_FLOCK = True

LOG_NAME = "actions.jsonl"
OPEN = "intent"
FORWARD_ACTIONS = ("trash", "move", "hardlink", "symlink")
LOCK_WAIT_S = 2.0

Record = dict[str, Any]
"""One line of the log as JSON gave it back: which fields it has depends on its action and status, and a line
written by an older version (or damaged) may lack any of them, so readers check what they rely on."""


class ActionLogError(Exception):
    """The log cannot be written (or another Doppel holds it); no file may be touched."""


def default_log_path() -> Path:
    return data_dir() / LOG_NAME


def now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S%z")


def new_batch_id() -> str:
    """Unique across processes and runs; sorts by time."""
    return f"{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}-{secrets.token_hex(3)}"


def _lock(fh: BufferedRandom) -> bool:
    """Take the lock, waiting up to LOCK_WAIT_S (the start-up recovery of the same window may hold it briefly)."""
    deadline = time.monotonic() + LOCK_WAIT_S
    while True:
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except OSError:
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.05)


class ActionLog:
    """An open, locked log. ``write`` appends one record and flushes it to the OS (which survives kill -9);
    ``sync`` makes what was written durable (a power cut), once per batch."""

    def __init__(self, path: Path, fh: BufferedRandom) -> None:
        self.path = path
        self._fh = fh

    @classmethod
    def open(cls, path: str | os.PathLike[str] | None = None) -> ActionLog:
        """Open for appending and take the lock; :class:`ActionLogError` with a message for the user if not."""
        path = Path(path) if path is not None else default_log_path()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fh = open(path, "a+b")
        except OSError as exc:
            raise ActionLogError(f"the action log {path} cannot be written ({exc.strerror or exc})") from None
        if HAVE_FLOCK and not _lock(fh):
            fh.close()
            raise ActionLogError(
                "another Doppel window or command is acting on files right now (its action log is in use); "
                "try again when it has finished"
            )
        log = cls(path, fh)
        try:
            log._end_torn_line()
        except OSError as exc:
            log.close()
            raise ActionLogError(f"the action log {path} cannot be written ({exc.strerror or exc})") from None
        return log

    def _end_torn_line(self) -> None:
        self._fh.seek(0, os.SEEK_END)
        if self._fh.tell() == 0:
            return
        self._fh.seek(-1, os.SEEK_END)
        if self._fh.read(1) != b"\n":
            self._fh.write(b"\n")
            self._fh.flush()

    def write(self, record: Record) -> None:
        """Append ``record`` (a ``time`` is added); :class:`ActionLogError` if the disk refuses."""
        line = json.dumps({"time": now(), **record}, ensure_ascii=False) + "\n"
        try:
            self._fh.write(line.encode("utf-8", "surrogateescape"))
            self._fh.flush()
        except OSError as exc:
            raise ActionLogError(f"the action log {self.path} cannot be written ({exc.strerror or exc})") from None

    def sync(self) -> None:
        try:
            os.fsync(self._fh.fileno())
        except OSError as exc:
            raise ActionLogError(f"the action log {self.path} cannot be written ({exc.strerror or exc})") from None

    def close(self) -> None:
        if self._fh.closed:
            return
        try:
            self._fh.flush()
            os.fsync(self._fh.fileno())
        except OSError:
            pass  # what could be written is written; the intents tell recovery the rest
        finally:
            self._fh.close()  # closing releases the lock

    def __enter__(self) -> ActionLog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def read_log(log_path: str | os.PathLike[str] | None = None) -> list[Record]:
    """Every record, oldest first; a line that does not parse (torn by a crash) is left out."""
    path = Path(log_path) if log_path is not None else default_log_path()
    try:
        with open(path, encoding="utf-8", errors="surrogateescape") as fh:
            lines = fh.readlines()
    except FileNotFoundError:
        return []
    records = []
    for line in lines:
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if isinstance(record, dict):
            records.append(record)
    return records


def key(record: Record) -> tuple[str, int] | None:
    """(batch, n): what ties an intent to its closing line; None for records of the old, unjournalled format."""
    batch, n = record.get("batch"), record.get("n")
    return (batch, n) if isinstance(batch, str) and isinstance(n, int) else None


def open_intents(records: Iterable[Record]) -> list[Record]:
    """Intents that no later line closes: the files an interrupted action may have left half-way."""
    pending: dict[tuple[str, int], Record] = {}
    for r in records:
        k = key(r)
        if k is None:
            continue
        if r.get("status") == OPEN:
            pending[k] = r
        else:
            pending.pop(k, None)
    return list(pending.values())


def done_records(records: Iterable[Record], batch: str | None = None) -> list[Record]:
    """The ``done`` records of forward actions (of ``batch``, or of the latest batch that has any) not yet undone.

    A done line carries only what changed; the intent's fields (size, mtime, temporary names) are merged in.
    """
    records = list(records)
    intents = {key(r): r for r in records if r.get("status") == OPEN and key(r)}
    undone = {tuple(r["undoes"]) for r in records if r.get("status") == "done" and isinstance(r.get("undoes"), list)}
    done = [
        {**intents.get(key(r), {}), **r}
        for r in records
        if r.get("status") == "done" and r.get("action") in FORWARD_ACTIONS and key(r) and key(r) not in undone
    ]
    if batch is None:
        batch = done[-1]["batch"] if done else None
    return [r for r in done if r["batch"] == batch]
