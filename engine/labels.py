"""Pairs the user labelled "duplicate" or "not a duplicate", in SQLite in the user data directory.

Each label keeps both paths and both content hashes (blake2b-128, as :func:`engine.hashing.content_hash`), so a
label survives a rename or a move: a file is recognised by its bytes when its path is no longer known. The
sizes are kept too, so finding renamed files only hashes files of a labelled size. Fine-tuning reads
:meth:`LabelStore.pairs`.
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from engine.hashing import content_hash
from engine.paths import data_dir

SCHEMA_VERSION = 1
DB_NAME = "labels.sqlite3"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS labels (
    hash_a TEXT NOT NULL,
    hash_b TEXT NOT NULL,
    path_a TEXT NOT NULL,
    path_b TEXT NOT NULL,
    size_a INTEGER NOT NULL,
    size_b INTEGER NOT NULL,
    is_duplicate INTEGER NOT NULL,
    created REAL NOT NULL,
    PRIMARY KEY (hash_a, hash_b)
);
"""


@dataclass(frozen=True)
class LabelledPair:
    path_a: str
    path_b: str
    hash_a: str
    hash_b: str
    is_duplicate: bool
    created: float  # seconds since the epoch


class LabelStore:
    """Opens a connection per call, so one store can be used from any thread."""

    def __init__(self, path: str | os.PathLike | None = None) -> None:
        self.path = Path(path) if path is not None else data_dir() / DB_NAME
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as con:
            con.executescript(_SCHEMA)
            con.execute("INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        con = sqlite3.connect(self.path, timeout=10.0)
        try:
            with con:  # commits, or rolls back on an exception
                yield con
        finally:
            con.close()

    def add(self, path_a: str, path_b: str, is_duplicate: bool) -> LabelledPair:
        """Label a pair; labelling the same two contents again replaces the earlier label."""
        if os.path.abspath(path_a) == os.path.abspath(path_b):
            raise ValueError("a pair needs two different files")
        ha, hb = content_hash(path_a), content_hash(path_b)
        (ha, path_a), (hb, path_b) = sorted(((ha, path_a), (hb, path_b)))
        sa, sb = os.path.getsize(path_a), os.path.getsize(path_b)
        now = time.time()
        with self._connect() as con:
            con.execute(
                "INSERT OR REPLACE INTO labels VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (ha, hb, path_a, path_b, sa, sb, int(bool(is_duplicate)), now),
            )
        return LabelledPair(path_a, path_b, ha, hb, bool(is_duplicate), now)

    def remove(self, path_a: str, path_b: str) -> bool:
        ha, hb = sorted((content_hash(path_a), content_hash(path_b)))
        with self._connect() as con:
            return con.execute("DELETE FROM labels WHERE hash_a = ? AND hash_b = ?", (ha, hb)).rowcount > 0

    def pairs(self) -> list[LabelledPair]:
        with self._connect() as con:
            rows = con.execute(
                "SELECT path_a, path_b, hash_a, hash_b, is_duplicate, created FROM labels ORDER BY created"
            ).fetchall()
        return [LabelledPair(a, b, ha, hb, bool(d), c) for a, b, ha, hb, d, c in rows]

    def __len__(self) -> int:
        with self._connect() as con:
            return con.execute("SELECT COUNT(*) FROM labels").fetchone()[0]

    def not_duplicate_pairs(self, paths: Iterable[str] | None = None) -> set[frozenset]:
        """Pairs labelled "not a duplicate", as frozensets of two paths among ``paths`` (what regroup takes).

        A labelled file found at its stored path with its stored size is taken as is; files of a labelled size
        at other paths are hashed, so a renamed or moved file still matches. Without ``paths``, the stored paths.
        """
        with self._connect() as con:
            rows = con.execute(
                "SELECT hash_a, hash_b, path_a, path_b, size_a, size_b FROM labels WHERE is_duplicate = 0"
            ).fetchall()
        if paths is None:
            return {frozenset((a, b)) for _, _, a, b, _, _ in rows}
        paths = list(paths)
        sizes: dict[int, set[str]] = {}
        for ha, hb, _, _, sa, sb in rows:
            sizes.setdefault(sa, set()).add(ha)
            sizes.setdefault(sb, set()).add(hb)
        stored = {a: (ha, sa) for ha, _, a, _, sa, _ in rows} | {b: (hb, sb) for _, hb, _, b, _, sb in rows}
        by_hash: dict[str, list[str]] = {}
        for p in paths:
            try:
                size = os.path.getsize(p)
            except OSError:
                continue
            if size not in sizes:
                continue
            if p in stored and stored[p][1] == size:
                h = stored[p][0]
            else:
                try:
                    h = content_hash(p)
                except OSError:
                    continue
            if h in sizes[size]:
                by_hash.setdefault(h, []).append(p)
        out: set[frozenset] = set()
        for ha, hb, _, _, _, _ in rows:
            for a in by_hash.get(ha, ()):
                for b in by_hash.get(hb, ()):
                    if a != b:
                        out.add(frozenset((a, b)))
        return out
