"""Pairs the user labelled "duplicate" or "not a duplicate", in SQLite in the user data directory.

Each label keeps both paths and both content hashes (blake2b-128, as :func:`engine.hashing.content_hash`), so a
label survives a rename or a move: a file is recognised by its bytes when its path is no longer known. The
sizes are kept too, so finding renamed files only hashes files of a labelled size. Every scan applies the labels
through :meth:`LabelStore.match` (the GUI, the CLI and the benchmarks alike); fine-tuning reads
:meth:`LabelStore.pairs`.
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Iterable, Iterator, Mapping
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


class LabelStoreError(Exception):
    """The store cannot be read or written (not a database, damaged, locked); the message is shown as is."""


@dataclass(frozen=True)
class LabelledPair:
    path_a: str
    path_b: str
    hash_a: str
    hash_b: str
    is_duplicate: bool
    created: float  # seconds since the epoch


@dataclass(frozen=True)
class LabelMatches:
    """The labels that apply to a set of files: pairs of their paths (frozensets of two), as regroup takes them."""

    duplicates: frozenset[frozenset[str]] = frozenset()
    not_duplicates: frozenset[frozenset[str]] = frozenset()


def default_labels_path() -> Path:
    """The store the app uses: ``labels.sqlite3`` in the data dir (DOPPEL_DATA_DIR overrides it)."""
    return data_dir() / DB_NAME


class LabelStore:
    """Opens a connection per call, so one store can be used from any thread.

    ``create=False`` opens only an existing store (FileNotFoundError otherwise): a scan reads labels but never
    leaves an empty store behind.
    """

    def __init__(self, path: str | os.PathLike[str] | None = None, create: bool = True) -> None:
        self.path = Path(path) if path is not None else default_labels_path()
        if not create and not self.path.is_file():
            raise FileNotFoundError(f"no label store at {self.path}")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise LabelStoreError(f"cannot create the label store at {self.path}: {exc}") from None
        with self._connect() as con:
            con.executescript(_SCHEMA)
            con.execute("INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        try:
            con = sqlite3.connect(self.path, timeout=10.0)
        except sqlite3.Error as exc:
            raise LabelStoreError(f"cannot open the labels at {self.path}: {exc}") from None
        try:
            with con:  # commits, or rolls back on an exception
                yield con
        except sqlite3.DatabaseError as exc:
            raise LabelStoreError(f"cannot read the labels at {self.path}: {exc}") from None
        finally:
            con.close()

    def add(self, path_a: str, path_b: str, is_duplicate: bool) -> LabelledPair:
        """Label a pair; labelling the same two contents again replaces the earlier label.

        Raises ValueError for one file twice, and for "not a duplicate" between byte-identical files (those are
        duplicates by definition); OSError when a file cannot be read.
        """
        path_a, path_b = os.path.abspath(path_a), os.path.abspath(path_b)
        if path_a == path_b:
            raise ValueError("a pair needs two different files")
        ha, hb = content_hash(path_a), content_hash(path_b)
        if ha == hb and not is_duplicate:
            raise ValueError("the two files are byte-identical, so they are duplicates whatever the label says")
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
        """Forget the label of two files; a file that no longer exists is found by the path stored with the label."""
        ha, hb = sorted((self._hash_of(path_a), self._hash_of(path_b)))
        with self._connect() as con:
            return con.execute("DELETE FROM labels WHERE hash_a = ? AND hash_b = ?", (ha, hb)).rowcount > 0

    def _hash_of(self, path: str) -> str:
        path = os.path.abspath(path)
        if os.path.exists(path):
            return content_hash(path)
        with self._connect() as con:
            row = con.execute(
                "SELECT hash_a FROM labels WHERE path_a = ? UNION SELECT hash_b FROM labels WHERE path_b = ?",
                (path, path),
            ).fetchone()
        if row is None:
            raise FileNotFoundError(f"no such file: {path}")
        return str(row[0])

    def pairs(self) -> list[LabelledPair]:
        with self._connect() as con:
            rows = con.execute(
                "SELECT path_a, path_b, hash_a, hash_b, is_duplicate, created FROM labels ORDER BY created"
            ).fetchall()
        return [LabelledPair(a, b, ha, hb, bool(d), c) for a, b, ha, hb, d, c in rows]

    def __len__(self) -> int:
        with self._connect() as con:
            return int(con.execute("SELECT COUNT(*) FROM labels").fetchone()[0])

    def match(self, sizes: Mapping[str, int], hashes: Mapping[str, str] | None = None) -> LabelMatches:
        """The labels among the files ``sizes`` names (path -> size), found by content, so renames keep them.

        A file at its stored path with its stored size is taken as is; other files of a labelled size are hashed
        unless ``hashes`` (path -> content hash, e.g. from the scan's byte-copy search) already knows them.
        Every byte copy of a labelled file carries the label.
        """
        with self._connect() as con:
            rows = con.execute(
                "SELECT hash_a, hash_b, path_a, path_b, size_a, size_b, is_duplicate FROM labels"
            ).fetchall()
        if not rows:
            return LabelMatches()
        wanted: dict[int, set[str]] = {}
        for ha, hb, _, _, sa, sb, _ in rows:
            wanted.setdefault(sa, set()).add(ha)
            wanted.setdefault(sb, set()).add(hb)
        stored = {a: (ha, sa) for ha, _, a, _, sa, _, _ in rows} | {b: (hb, sb) for _, hb, _, b, _, sb, _ in rows}
        known = hashes or {}
        by_hash: dict[str, list[str]] = {}
        for p, size in sizes.items():
            if size not in wanted:
                continue
            h = known.get(p)
            if h is None and p in stored and stored[p][1] == size:
                h = stored[p][0]
            if h is None:
                try:
                    h = content_hash(p)
                except OSError:
                    continue
            if h in wanted[size]:
                by_hash.setdefault(h, []).append(p)
        dup: set[frozenset[str]] = set()
        not_dup: set[frozenset[str]] = set()
        for ha, hb, _, _, _, _, is_dup in rows:
            for a in by_hash.get(ha, ()):
                for b in by_hash.get(hb, ()):
                    if a != b:
                        (dup if is_dup else not_dup).add(frozenset((a, b)))
        return LabelMatches(frozenset(dup), frozenset(not_dup))

    def not_duplicate_pairs(self, paths: Iterable[str] | None = None) -> set[frozenset[str]]:
        """Pairs labelled "not a duplicate" among ``paths`` (see :meth:`match`); without ``paths``, the stored paths."""
        if paths is None:
            return {frozenset((p.path_a, p.path_b)) for p in self.pairs() if not p.is_duplicate}
        sizes: dict[str, int] = {}
        for p in paths:
            try:
                sizes[p] = os.path.getsize(p)
            except OSError:
                continue
        return set(self.match(sizes).not_duplicates)
