"""Opening the cache's SQLite file so that it never breaks a scan (engine.cache reads and writes it).

A corrupt, foreign or outdated file is renamed aside and rebuilt; a valid file we may not write (a read-only file,
or a folder where SQLite cannot make its WAL files) is opened read-only and still read, so scans stay fast; a
location that cannot be used at all falls back to an in-memory cache. Each case is said once through ``warn``.

A decode failure is remembered under the size and mtime of what was actually read, and only when it is about the
content (engine.imaging.DecodeError). Caches written before that rule (no ``failures`` entry in ``meta``) have their
remembered failures forgotten once, since some were files that had merely vanished for a moment; a read-only one
that cannot be cleaned has its failures ignored (``Opened.failures_trusted``).
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

SCHEMA_VERSION = 2  # 2: the searches table
APP_MARKER = "doppel-cache"
FAILURES_VERSION = "2"  # 2: failures keyed by what was read, transient ones never stored
_BUSY_TIMEOUT_S = 10.0  # another Doppel process holding the write lock briefly is not an error
_READ_ONLY_FLAGS = ("mode=ro", "immutable=1")  # immutable: where even mode=ro would need to create the WAL index

_SCHEMA = """
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE files(
    path BLOB PRIMARY KEY, size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL,
    hash TEXT, width INTEGER, height INTEGER, fmt TEXT, capture_time TEXT, camera TEXT, error TEXT
) WITHOUT ROWID;
CREATE TABLE embeddings(
    path BLOB NOT NULL, model_id TEXT NOT NULL, size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL,
    vector BLOB NOT NULL, UNIQUE(path, model_id)
);
CREATE TABLE searches(key TEXT PRIMARY KEY, created REAL NOT NULL, pairs BLOB NOT NULL);
"""


@dataclass
class Opened:
    conn: sqlite3.Connection
    path: Path | None  # None: in memory (asked for, or the fallback)
    read_only: bool = False  # lookups work, stores must do nothing
    failures_trusted: bool = True  # remembered decode failures follow FAILURES_VERSION


class _Unusable(Exception):
    """The file is not a cache we can use as is (corrupt, foreign, other schema); it is set aside."""


def is_corruption(exc: sqlite3.Error) -> bool:
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in (sqlite3.SQLITE_NOTADB, sqlite3.SQLITE_CORRUPT)
    text = str(exc).lower()
    return "not a database" in text or "malformed" in text


def is_read_only(exc: sqlite3.Error) -> bool:
    """SQLite could not write (a read-only file, or a folder where the WAL files cannot be made)."""
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in (sqlite3.SQLITE_READONLY, sqlite3.SQLITE_CANTOPEN)
    text = str(exc).lower()
    return "readonly" in text or "read-only" in text or "unable to open" in text


def open_database(path: Path | None, warn: Callable[[str], None]) -> Opened:
    """The cache at ``path`` (None: in memory), or the best fallback, never an exception."""
    if path is None:
        return _connect(":memory:", fresh=True)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            return _connect(path, fresh=False)
        except _Unusable as why:
            reason = str(why)
        except sqlite3.DatabaseError as exc:
            if is_read_only(exc) and path.is_file():
                return _open_read_only(path, exc, warn)
            if not is_corruption(exc):
                raise
            reason = f"it is corrupt ({exc})"
        aside = set_aside(path)
        warn(f"The cache {path} was set aside as {aside} because {reason}; a new one was created.")
        return _connect(path, fresh=True)
    except (OSError, sqlite3.Error, _Unusable) as exc:
        warn(f"The cache {path} cannot be used ({exc}); this scan uses a temporary in-memory cache.")
        return _connect(":memory:", fresh=True)


def _open_read_only(path: Path, why: sqlite3.DatabaseError, warn: Callable[[str], None]) -> Opened:
    """Read a cache we may not write rather than start cold every time (a scan of 0.04 s instead of 3 s)."""
    error: sqlite3.Error = why
    for flag in _READ_ONLY_FLAGS:
        try:
            opened = _connect(path, fresh=False, uri_flag=flag)
        except sqlite3.Error as exc:
            error = exc
            continue
        warn(f"The cache {path} is read-only: it is read, but what scans learn is not saved.")
        return opened
    raise error


def _connect(where: str | Path, fresh: bool, uri_flag: str = "") -> Opened:
    """``uri_flag`` (one of _READ_ONLY_FLAGS) opens an existing cache read-only, writing nothing to it."""
    target = f"{Path(where).resolve().as_uri()}?{uri_flag}" if uri_flag else where
    conn = sqlite3.connect(
        target, timeout=_BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False, uri=bool(uri_flag)
    )
    opened = Opened(conn, None if where == ":memory:" else Path(where), read_only=bool(uri_flag))
    try:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if tables and not fresh:
            meta = _validate(conn, tables)  # before any pragma: a foreign database is left exactly as it was
            opened.failures_trusted = meta.get("failures") == FAILURES_VERSION
        if not uri_flag:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA temp_store=MEMORY")
        conn.execute("PRAGMA cache_size=-65536")  # 64 MiB: bulk lookups walk B-trees; 2 MiB was 1.6x slower
        if not tables:
            _create(conn)
        elif not fresh and not uri_flag:
            # fail now, not in the middle of a scan, when the file or its folder is read-only
            with transaction(conn):
                conn.execute(
                    "INSERT OR REPLACE INTO meta(key, value) VALUES ('opened', ?)",
                    (time.strftime("%Y-%m-%dT%H:%M:%S"),),
                )
                if not opened.failures_trusted:  # written by an older Doppel: see the module docstring
                    conn.execute("UPDATE files SET error = NULL WHERE error IS NOT NULL")
                    conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('failures', ?)", (FAILURES_VERSION,))
                    opened.failures_trusted = True
        # lookups upload their keys here; no primary key, as plain appends are the cheapest
        conn.execute("CREATE TEMP TABLE keys(path BLOB, size INTEGER, mtime_ns INTEGER)")
    except BaseException:
        conn.close()
        raise
    return opened


def _create(conn: sqlite3.Connection) -> None:
    with transaction(conn):
        for statement in _SCHEMA.split(";"):
            if statement.strip():
                conn.execute(statement)
        conn.executemany(
            "INSERT INTO meta(key, value) VALUES (?, ?)",
            [("application", APP_MARKER), ("schema_version", str(SCHEMA_VERSION)), ("failures", FAILURES_VERSION)],
        )


def _validate(conn: sqlite3.Connection, tables: set[str]) -> dict[str, str]:
    meta = dict(conn.execute("SELECT key, value FROM meta").fetchall()) if "meta" in tables else {}
    if meta.get("application") != APP_MARKER:
        raise _Unusable("it is not a Doppel cache")
    if meta.get("schema_version") != str(SCHEMA_VERSION):
        raise _Unusable(f"it has schema version {meta.get('schema_version')}, this Doppel uses {SCHEMA_VERSION}")
    check = conn.execute("PRAGMA quick_check").fetchall()
    if check != [("ok",)]:
        raise _Unusable(f"it is corrupt ({'; '.join(str(r[0]) for r in check[:3])})")
    return meta


def set_aside(path: Path) -> str:
    """Rename the database and its -wal/-shm aside (never delete: the user may want it back)."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    target = path.with_name(f"{path.name}.bad-{stamp}")
    n = 1
    while target.exists():
        n += 1
        target = path.with_name(f"{path.name}.bad-{stamp}-{n}")
    for suffix in ("", "-wal", "-shm"):
        src = path.with_name(path.name + suffix)
        if src.exists():
            os.replace(src, target.with_name(target.name + suffix))
    return target.name


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[None]:
    """BEGIN/COMMIT around a block, ROLLBACK on any error (the connection runs in autocommit mode)."""
    conn.execute("BEGIN")
    try:
        yield
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
