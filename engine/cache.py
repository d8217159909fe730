"""SQLite cache of per-file data (content hash, image info, decode failures, embeddings per model).

Every row is keyed by path and carries the size and mtime_ns it was computed from; a lookup only returns rows
whose size and mtime_ns still match, so an edited file is processed again. Embeddings are also keyed by model
id, so a new model never reads another model's vectors.

The cache must never break a scan: engine.cachefile opens it (a corrupt file set aside, a read-only one read
but not written, an unusable location replaced by an in-memory cache), and a database error later on is ignored.
Each of these is said once in ``warnings``, which a scan passes on to the user (``ScanResult.warnings``).

Lookups join the keys through a temporary table: the cost grows with the request only (bench/RESULTS.md, "Cache
lookups"). Paths are ``os.fsencode(path)`` BLOBs, so names that are not valid UTF-8 round-trip exactly.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import numpy as np

from engine.cachefile import is_corruption, open_database, set_aside, transaction
from engine.results import FileEntry, ImageInfo

_VECTOR_DTYPE = np.dtype("<f4")  # explicit byte order: a cache copied between machines stays readable
Row = tuple[object, ...]  # one row of an INSERT

_KEEP_SEARCHES = 8  # one per recently scanned folder set is plenty

# One upsert for every kind of put. A row whose size/mtime changed is stale: its other columns are replaced by
# the new values (NULL where this put does not know them); otherwise known columns are kept.
_UPSERT_FILE = """
INSERT INTO files(path, size, mtime_ns, hash, width, height, fmt, capture_time, camera, error)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT(path) DO UPDATE SET
    hash = CASE WHEN {same} THEN coalesce(excluded.hash, hash) ELSE excluded.hash END,
    width = CASE WHEN {same} AND excluded.width IS NULL THEN width ELSE excluded.width END,
    height = CASE WHEN {same} AND excluded.width IS NULL THEN height ELSE excluded.height END,
    fmt = CASE WHEN {same} AND excluded.width IS NULL THEN fmt ELSE excluded.fmt END,
    capture_time = CASE WHEN {same} AND excluded.width IS NULL THEN capture_time ELSE excluded.capture_time END,
    camera = CASE WHEN {same} AND excluded.width IS NULL THEN camera ELSE excluded.camera END,
    error = CASE WHEN {same} AND {keep_error} THEN error ELSE excluded.error END,
    size = excluded.size, mtime_ns = excluded.mtime_ns
"""
_SAME = "size = excluded.size AND mtime_ns = excluded.mtime_ns"
# a hash says nothing about decodability (keep the error); a decoded image clears it (NULL), a failure sets it
_UPSERT_KEEP_ERROR = _UPSERT_FILE.format(same=_SAME, keep_error="1")
_UPSERT_SET_ERROR = _UPSERT_FILE.format(same=_SAME, keep_error="0")


_NO_INFO = (None, None, None, None, None)  # width, height, fmt, capture_time, camera: "this put does not know"


class Cache:
    """Per-file cache; ``Cache(None)`` is an in-memory one (``--no-cache``: nothing persists).

    Safe to call from a worker thread while another thread holds the object: one connection, one lock.
    """

    def __init__(self, path: str | os.PathLike[str] | None) -> None:
        self.warnings: list[str] = []
        self._lock = threading.Lock()
        self._corrupt = False
        opened = open_database(Path(path) if path is not None else None, self._warn)
        self._conn: sqlite3.Connection | None = opened.conn
        self.path: Path | None = opened.path
        self.read_only = opened.read_only  # a valid cache we may read but not write: stores do nothing
        self._failures_trusted = opened.failures_trusted

    def _warn(self, message: str) -> None:
        if message not in self.warnings:
            self.warnings.append(message)

    # ----------------------------------------------------------------------------------------- lifecycle

    def close(self) -> None:
        with self._lock:
            if self._conn is None:
                return
            try:
                self._conn.close()
            finally:
                self._conn = None
            if self._corrupt and self.path is not None:
                try:
                    aside = set_aside(self.path)
                    self._warn(
                        f"The cache {self.path} was found corrupt and set aside as {aside}; "
                        "the next scan starts a new one."
                    )
                except OSError as exc:
                    self._warn(f"The corrupt cache {self.path} could not be set aside ({exc}).")

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    @property
    def journal_mode(self) -> str:
        """ "wal" for a file cache, "memory" for an in-memory one (the tests check WAL is on)."""
        with self._lock:
            if self._conn is None:
                return "closed"
            return str(self._conn.execute("PRAGMA journal_mode").fetchone()[0])

    # ----------------------------------------------------------------------------------------- lookups

    def get_hashes(self, files: Sequence[FileEntry]) -> dict[str, str]:
        rows = self._select(
            files,
            "SELECT k.path, f.hash FROM keys k JOIN files f ON f.path = k.path "
            "WHERE f.size = k.size AND f.mtime_ns = k.mtime_ns AND f.hash IS NOT NULL",
        )
        return {os.fsdecode(p): h for p, h in rows}

    def get_infos(self, files: Sequence[FileEntry]) -> dict[str, ImageInfo]:
        rows = self._select(
            files,
            "SELECT k.path, f.width, f.height, f.fmt, f.capture_time, f.camera "
            "FROM keys k JOIN files f ON f.path = k.path "
            "WHERE f.size = k.size AND f.mtime_ns = k.mtime_ns AND f.width IS NOT NULL",
        )
        return {os.fsdecode(r[0]): ImageInfo(*r[1:]) for r in rows}

    def get_failures(self, files: Sequence[FileEntry]) -> dict[str, str]:
        if not self._failures_trusted:  # an older Doppel's, read-only so it could not be cleaned: try again
            return {}
        rows = self._select(
            files,
            "SELECT k.path, f.error FROM keys k JOIN files f ON f.path = k.path "
            "WHERE f.size = k.size AND f.mtime_ns = k.mtime_ns AND f.error IS NOT NULL",
        )
        return {os.fsdecode(p): e for p, e in rows}

    def get_embeddings(self, files: Sequence[FileEntry], model_id: str) -> dict[str, tuple[ImageInfo, np.ndarray]]:
        """Vectors of ``model_id`` (float32, writable copies) with the image info stored beside them."""
        rows = self._select(
            files,
            "SELECT k.path, e.vector, f.width, f.height, f.fmt, f.capture_time, f.camera "
            "FROM keys k JOIN embeddings e ON e.path = k.path AND e.model_id = ? "
            "JOIN files f ON f.path = k.path "
            "WHERE e.size = k.size AND e.mtime_ns = k.mtime_ns "
            "AND f.size = k.size AND f.mtime_ns = k.mtime_ns AND f.width IS NOT NULL",
            (model_id,),
        )
        if not rows:
            return {}
        blobs = [r[1] for r in rows]
        if len({len(b) for b in blobs}) == 1:  # one buffer and one conversion instead of one per row
            matrix = np.frombuffer(b"".join(blobs), dtype=_VECTOR_DTYPE).astype(np.float32)
            vectors = list(matrix.reshape(len(rows), -1))
        else:
            vectors = [np.frombuffer(b, dtype=_VECTOR_DTYPE).astype(np.float32) for b in blobs]
        return {os.fsdecode(r[0]): (ImageInfo(*r[2:]), v) for r, v in zip(rows, vectors)}

    def _select(self, files: Sequence[FileEntry], sql: str, params: Row = ()) -> list[tuple[Any, ...]]:
        if not files:
            return []
        keys = [(os.fsencode(f.path), f.size, f.mtime_ns) for f in files]
        with self._lock:
            if self._conn is None:
                return []
            try:
                with transaction(self._conn):  # one snapshot for the key upload and the join
                    self._conn.execute("DELETE FROM keys")
                    self._conn.executemany("INSERT INTO keys(path, size, mtime_ns) VALUES (?, ?, ?)", keys)
                    rows = self._conn.execute(sql, params).fetchall()
                    self._conn.execute("DELETE FROM keys")
                return rows
            except sqlite3.DatabaseError as exc:
                self._failed(exc, "Reading the cache failed ({}); files are processed again.")
                return []

    # ----------------------------------------------------------------------------------------- stores

    def put_hashes(self, items: Sequence[tuple[FileEntry, str]]) -> None:
        self._write(
            _UPSERT_KEEP_ERROR, [(os.fsencode(f.path), f.size, f.mtime_ns, str(h), *_NO_INFO, None) for f, h in items]
        )

    def put_failures(self, items: Sequence[tuple[FileEntry, str]]) -> None:
        """Remember that an unchanged file cannot be decoded, so the next scan does not try again.

        Each entry must carry the size and mtime_ns of the bytes that failed (DecodeError.read), not of discovery.
        """
        self._write(
            _UPSERT_SET_ERROR,
            [(os.fsencode(f.path), f.size, f.mtime_ns, None, *_NO_INFO, str(reason)) for f, reason in items],
        )

    def put_infos(self, items: Sequence[tuple[FileEntry, ImageInfo]]) -> None:
        self._write(_UPSERT_SET_ERROR, [_file_row(f, info) for f, info in items])

    def put_embeddings(self, items: Sequence[tuple[FileEntry, ImageInfo, np.ndarray]], model_id: str) -> None:
        """Store vectors (and their image info) in one transaction: a cancelled scan keeps every whole batch."""
        if not items:
            return
        files = [_file_row(f, info) for f, info, _ in items]
        vectors = [
            (
                os.fsencode(f.path),
                model_id,
                f.size,
                f.mtime_ns,
                np.ascontiguousarray(v, dtype=_VECTOR_DTYPE).ravel().tobytes(),
            )
            for f, _, v in items
        ]
        self._write(
            _UPSERT_SET_ERROR,
            files,
            (
                "INSERT OR REPLACE INTO embeddings(path, model_id, size, mtime_ns, vector) VALUES (?, ?, ?, ?, ?)",
                vectors,
            ),
        )

    def get_search(self, key: str) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
        """Candidate pairs of an earlier search over exactly the same vectors (see engine.scan.search_key)."""
        with self._lock:
            if self._conn is None:
                return None
            try:
                row = self._conn.execute("SELECT pairs FROM searches WHERE key = ?", (key,)).fetchone()
            except sqlite3.DatabaseError as exc:
                self._failed(exc, "Reading the cache failed ({}); the search runs again.")
                return None
        if row is None:
            return None
        blob = np.frombuffer(row[0], dtype="<f8").reshape(3, -1)
        return blob[0].astype(np.int64), blob[1].astype(np.int64), blob[2].copy()

    def put_search(self, key: str, i: np.ndarray, j: np.ndarray, dist: np.ndarray) -> None:
        blob = np.stack([i.astype("<f8"), j.astype("<f8"), dist.astype("<f8")]).tobytes()
        self._write(
            "INSERT OR REPLACE INTO searches(key, created, pairs) VALUES (?, ?, ?)",
            [(key, time.time(), blob)],
            (
                "DELETE FROM searches WHERE key NOT IN (SELECT key FROM searches ORDER BY created DESC LIMIT ?)",
                [(_KEEP_SEARCHES,)],
            ),
        )

    def _write(self, sql: str, rows: Sequence[Row], *more: tuple[str, Sequence[Row]]) -> None:
        if not rows or self.read_only:
            return
        with self._lock:
            if self._conn is None:
                return
            try:
                with transaction(self._conn):
                    self._conn.executemany(sql, rows)
                    for extra_sql, extra_rows in more:
                        self._conn.executemany(extra_sql, extra_rows)
            except sqlite3.DatabaseError as exc:
                self._failed(exc, "Writing to the cache failed ({}); results of this scan may not be remembered.")

    def _failed(self, exc: sqlite3.DatabaseError, message: str) -> None:
        """Report a database error; corruption found mid-scan gets the file set aside on close."""
        self._warn(message.format(exc))
        if is_corruption(exc) and self.path is not None:
            self._corrupt = True


def _file_row(f: FileEntry, info: ImageInfo) -> Row:
    return (
        os.fsencode(f.path),
        f.size,
        f.mtime_ns,
        None,
        int(info.width),
        int(info.height),
        info.fmt,
        info.capture_time,
        info.camera,
        None,
    )
