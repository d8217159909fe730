from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

from engine import cache as cache_mod
from engine import cachefile
from engine.cache import Cache
from engine.results import FileEntry, ImageInfo

MODEL = "model-a@1234"
INFO = ImageInfo(4000, 3000, "JPEG", "2021-06-01T12:00:00", "Canon EOS R5")


def entry(path: str, size: int = 100, mtime_ns: int = 1_700_000_000_123_456_789) -> FileEntry:
    return FileEntry(path, size, mtime_ns)


def vec(seed: int, d: int = 8) -> np.ndarray:
    v = np.random.default_rng(seed).standard_normal(d).astype(np.float32)
    return v / np.linalg.norm(v)


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "sub" / "cache.sqlite3"


NON_UTF8 = "/photos/caf\udce9/\udcff.jpg"  # bytes b"caf\xe9" and b"\xff" from a Latin-1 file system


@pytest.mark.parametrize("path", ["/photos/a.jpg", "/photos/été/ö.png", NON_UTF8])
def test_round_trip_every_kind(db: Path, path: str) -> None:
    e = entry(path)
    v = vec(1)
    with Cache(db) as c:
        c.put_hashes([(e, "ab" * 32)])
        c.put_embeddings([(e, INFO, v)], MODEL)
    with Cache(db) as c:  # persisted, read by a new connection
        assert c.get_hashes([e]) == {path: "ab" * 32}
        assert c.get_infos([e]) == {path: INFO}
        got = c.get_embeddings([e], MODEL)
        assert list(got) == [path]
        info, got_v = got[path]
        assert info == INFO
        assert got_v.dtype == np.float32 and got_v.flags.writeable
        np.testing.assert_array_equal(got_v, v)
        assert c.get_failures([e]) == {}
        assert c.warnings == []


def test_failures_round_trip_and_cleared_by_success(db: Path) -> None:
    bad = entry(NON_UTF8)
    with Cache(db) as c:
        c.put_failures([(bad, "cannot identify image file")])
        assert c.get_failures([bad]) == {NON_UTF8: "cannot identify image file"}
        c.put_hashes([(bad, "ff" * 32)])  # hashing says nothing about decoding: the failure stays
        assert c.get_failures([bad]) == {NON_UTF8: "cannot identify image file"}
        c.put_embeddings([(bad, INFO, vec(2))], MODEL)  # a newer decoder managed it
        assert c.get_failures([bad]) == {}
        assert c.get_hashes([bad]) == {NON_UTF8: "ff" * 32}
        # the changed file fails again: old info and vector are not returned for the new size
        changed = entry(NON_UTF8, size=999)
        c.put_failures([(changed, "truncated")])
        assert c.get_failures([changed]) == {NON_UTF8: "truncated"}
        assert c.get_infos([changed]) == {}


def test_stale_rows_are_not_returned_and_are_overwritten(db: Path) -> None:
    e = entry("/p/a.jpg")
    with Cache(db) as c:
        c.put_hashes([(e, "old")])
        c.put_embeddings([(e, INFO, vec(1))], MODEL)
        for stale in (entry("/p/a.jpg", size=101), entry("/p/a.jpg", mtime_ns=e.mtime_ns + 1)):
            assert c.get_hashes([stale]) == {}
            assert c.get_embeddings([stale], MODEL) == {}
            assert c.get_infos([stale]) == {}
        newer = entry("/p/a.jpg", size=101)
        c.put_hashes([(newer, "new")])
        assert c.get_hashes([newer]) == {"/p/a.jpg": "new"}
        assert c.get_infos([newer]) == {}  # the old info went with the old content
        assert c.get_hashes([e]) == {}


def test_different_model_id_not_returned(db: Path) -> None:
    e = entry("/p/a.jpg")
    with Cache(db) as c:
        c.put_embeddings([(e, INFO, vec(1))], MODEL)
        assert c.get_embeddings([e], "model-b@5678") == {}
        c.put_embeddings([(e, INFO, vec(2, d=16))], "model-b@5678")
        np.testing.assert_array_equal(c.get_embeddings([e], MODEL)["/p/a.jpg"][1], vec(1))
        np.testing.assert_array_equal(c.get_embeddings([e], "model-b@5678")["/p/a.jpg"][1], vec(2, d=16))


def test_bulk_lookup_returns_only_known_and_matching(db: Path) -> None:
    files = [entry(f"/p/{n:04d}.jpg", size=n + 1) for n in range(500)]
    with Cache(db) as c:
        c.put_embeddings([(f, INFO, vec(n)) for n, f in enumerate(files[:300])], MODEL)
        query = files[200:] + [entry("/p/0000.jpg", size=9)]  # one stale, 200 unknown
        got = c.get_embeddings(query, MODEL)
        assert sorted(got) == [f.path for f in files[200:300]]
        np.testing.assert_array_equal(got["/p/0250.jpg"][1], vec(250))
        assert c.get_embeddings([], MODEL) == {}
        c.put_embeddings([], MODEL)


def test_in_memory_cache(tmp_path: Path) -> None:
    with Cache(None) as c:
        e = entry("/p/a.jpg")
        c.put_hashes([(e, "h")])
        assert c.get_hashes([e]) == {"/p/a.jpg": "h"}
        assert c.path is None
    assert list(tmp_path.iterdir()) == []


def test_wal_mode_and_parent_dirs(db: Path) -> None:
    with Cache(db) as c:
        assert db.exists()
        assert c.journal_mode == "wal"
        assert c.warnings == []
    assert sqlite3.connect(db).execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_second_cache_on_same_file_sees_committed_data(db: Path) -> None:
    e = entry("/p/a.jpg")
    with Cache(db) as first, Cache(db) as second:
        first.put_hashes([(e, "h1")])
        assert second.get_hashes([e]) == {"/p/a.jpg": "h1"}
        second.put_embeddings([(e, INFO, vec(3))], MODEL)
        assert "/p/a.jpg" in first.get_embeddings([e], MODEL)


def _set_aside_files(db: Path) -> list[Path]:
    return sorted(p for p in db.parent.iterdir() if ".bad-" in p.name)


def _assert_rebuilt(db: Path, c: Cache, expected_in_warning: str) -> None:
    assert len(c.warnings) == 1 and expected_in_warning in c.warnings[0] and "set aside" in c.warnings[0]
    aside = _set_aside_files(db)
    assert aside and aside[0].name.startswith("cache.sqlite3.bad-")
    e = entry("/p/a.jpg")
    c.put_hashes([(e, "h")])  # the fresh cache works
    assert c.get_hashes([e]) == {"/p/a.jpg": "h"}
    assert c.path == db


def test_corrupt_file_is_set_aside_and_rebuilt(db: Path) -> None:
    db.parent.mkdir(parents=True)
    garbage = bytes(range(256)) * 64
    db.write_bytes(garbage)
    with Cache(db) as c:
        _assert_rebuilt(db, c, "corrupt")
    assert _set_aside_files(db)[0].read_bytes() == garbage  # kept, not deleted


def test_damaged_pages_are_set_aside(db: Path) -> None:
    with Cache(db) as c:
        c.put_embeddings([(entry(f"/p/{n}.jpg"), INFO, vec(n, d=256)) for n in range(300)], MODEL)
    data = bytearray(db.read_bytes())
    assert len(data) > 8 * 4096
    data[3 * 4096 : 6 * 4096] = b"\xa5" * (3 * 4096)  # clobber b-tree pages, keep the header
    db.write_bytes(bytes(data))
    with Cache(db) as c:
        _assert_rebuilt(db, c, "corrupt")


def test_foreign_sqlite_db_is_set_aside(db: Path) -> None:
    db.parent.mkdir(parents=True)
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE photos(id INTEGER PRIMARY KEY, name TEXT)")
    with Cache(db) as c:
        _assert_rebuilt(db, c, "not a Doppel cache")
    with sqlite3.connect(_set_aside_files(db)[0]) as conn:
        assert conn.execute("SELECT name FROM sqlite_master").fetchall() == [("photos",)]


def test_other_schema_version_is_set_aside(db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with Cache(db) as c:
        c.put_hashes([(entry("/p/old.jpg"), "h")])
        c._conn.execute("UPDATE meta SET value = '0' WHERE key = 'schema_version'")  # what an old Doppel wrote
    with Cache(db) as c:
        _assert_rebuilt(db, c, "schema version 0")
        assert c.get_hashes([entry("/p/old.jpg")]) == {}


def test_wal_and_shm_go_aside_with_the_database(db: Path) -> None:
    db.parent.mkdir(parents=True)
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE other(x)")
    conn.close()
    for suffix in ("-wal", "-shm"):
        Path(str(db) + suffix).write_bytes(b"")
    with Cache(db) as c:
        assert "not a Doppel cache" in c.warnings[0]
    suffixes = {p.name.split(".bad-")[1][len("20250101-120000") :] for p in _set_aside_files(db)}
    assert suffixes == {"", "-wal", "-shm"}


def test_unwritable_location_falls_back_to_memory(tmp_path: Path) -> None:
    blocker = tmp_path / "a_file"
    blocker.write_text("not a folder")
    with Cache(blocker / "cache.sqlite3") as c:
        assert c.path is None and len(c.warnings) == 1 and "in-memory" in c.warnings[0]
        e = entry("/p/a.jpg")
        c.put_hashes([(e, "h")])
        assert c.get_hashes([e]) == {"/p/a.jpg": "h"}


def test_database_errors_during_a_scan_become_warnings(db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with Cache(db) as c:
        monkeypatch.setattr(cache_mod, "_UPSERT_KEEP_ERROR", "INSERT INTO no_such_table VALUES (?,?,?,?,?,?,?,?,?,?)")
        c.put_hashes([(entry("/p/a.jpg"), "h")])
        assert c.get_hashes([entry("/p/a.jpg")]) == {}
        assert len(c.warnings) == 1 and "Writing to the cache failed" in c.warnings[0]


def test_a_put_is_one_transaction(db: Path) -> None:
    """A batch that fails half way leaves nothing of itself behind; earlier batches stay."""
    good = [(entry(f"/p/{n}.jpg"), INFO, vec(n)) for n in range(3)]
    with Cache(db) as c:
        c.put_embeddings(good[:1], MODEL)
        assert c._conn is not None
        c._conn.execute(
            "CREATE TEMP TRIGGER boom BEFORE INSERT ON embeddings WHEN NEW.path = CAST('/p/2.jpg' AS BLOB) "
            "BEGIN SELECT RAISE(ABORT, 'disk on fire'); END"
        )
        c.put_embeddings(good[1:], MODEL)
        assert len(c.warnings) == 1 and "disk on fire" in c.warnings[0]
    with Cache(db) as c:
        assert sorted(c.get_embeddings([g[0] for g in good], MODEL)) == ["/p/0.jpg"]
        assert sorted(c.get_infos([g[0] for g in good])) == ["/p/0.jpg"]


def test_threads_share_one_cache(db: Path) -> None:
    errors: list[BaseException] = []
    with Cache(db) as c:

        def work(t: int) -> None:
            try:
                for n in range(20):
                    es = [entry(f"/t{t}/{n}-{m}.jpg") for m in range(10)]
                    c.put_hashes([(e, f"{t}-{n}") for e in es])
                    assert len(c.get_hashes(es)) == 10
            except BaseException as exc:  # noqa: BLE001 - reported to the main thread
                errors.append(exc)

        threads = [threading.Thread(target=work, args=(t,)) for t in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert errors == []


# --- read-only caches and caches from before failures were keyed by what was read ------------------------------


@pytest.fixture
def make_read_only(monkeypatch: pytest.MonkeyPatch):
    """From the call on, every read-write open of a cache meets a read-only file, as for a non-root user (root
    writes through chmod 444; opening with mode=ro gives the very errors SQLite returns for a read-only file)."""
    real_connect = sqlite3.connect

    def connect(target, *args, uri: bool = False, **kwargs):
        if not uri and str(target) != ":memory:":
            return real_connect(f"{Path(target).resolve().as_uri()}?mode=ro", *args, uri=True, **kwargs)
        return real_connect(target, *args, uri=uri, **kwargs)

    return lambda: monkeypatch.setattr(cachefile.sqlite3, "connect", connect)


def test_read_only_cache_serves_lookups_and_ignores_stores(db: Path, make_read_only) -> None:
    e, f = entry("/p/a.jpg"), entry("/p/b.jpg")
    with Cache(db) as c:
        c.put_embeddings([(e, INFO, vec(1))], MODEL)
        c.put_hashes([(e, "h")])
    before = db.read_bytes()
    make_read_only()
    with Cache(db) as c:
        assert c.read_only and c.path == db
        assert len(c.warnings) == 1 and "is read-only" in c.warnings[0] and "not saved" in c.warnings[0]
        assert set(c.get_embeddings([e, f], MODEL)) == {"/p/a.jpg"} and c.get_hashes([e]) == {"/p/a.jpg": "h"}
        c.put_hashes([(f, "h2")])
        c.put_failures([(f, "truncated image data")])
        assert c.get_hashes([f]) == {} and c.warnings[1:] == []  # nothing written, nothing more to say
    assert db.read_bytes() == before


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root writes read-only files")
def test_chmod_read_only_cache_and_folder_are_read(db: Path) -> None:
    e = entry("/p/a.jpg")
    with Cache(db) as c:
        c.put_hashes([(e, "h")])
    db.chmod(0o444)
    db.parent.chmod(0o555)
    try:
        with Cache(db) as c:
            assert c.read_only and c.get_hashes([e]) == {"/p/a.jpg": "h"}
    finally:
        db.parent.chmod(0o755)
        db.chmod(0o644)


def _old_failure_row(db: Path, e: FileEntry, reason: str) -> None:
    """A failure stored the way Doppel did before (vanished files too), with no 'failures' entry in meta."""
    with Cache(db) as c:
        c.put_failures([(e, reason)])
    with sqlite3.connect(db) as conn:
        conn.execute("DELETE FROM meta WHERE key = 'failures'")


def test_failures_remembered_by_an_older_doppel_are_forgotten_once(db: Path) -> None:
    e = entry("/p/a.jpg")
    _old_failure_row(db, e, "file vanished during the scan")
    with Cache(db) as c:
        assert c.get_failures([e]) == {}
        c.put_failures([(e, "truncated image data")])
    with Cache(db) as c:  # from now on failures are trusted and kept
        assert c.get_failures([e]) == {"/p/a.jpg": "truncated image data"}


def test_read_only_cache_from_an_older_doppel_ignores_its_failures(db: Path, make_read_only) -> None:
    e = entry("/p/a.jpg")
    _old_failure_row(db, e, "permission denied")
    make_read_only()
    with Cache(db) as c:
        assert c.read_only and c.get_failures([e]) == {}


def _can_mount_read_only() -> bool:
    if shutil.which("unshare") is None or not hasattr(os, "geteuid") or os.geteuid() != 0:
        return False
    probe = subprocess.run(["unshare", "-m", "mount", "--bind", "/", "/mnt"], capture_output=True)
    return probe.returncode == 0


@pytest.mark.skipif(not _can_mount_read_only(), reason="needs a private mount namespace (root, unshare)")
def test_cache_on_a_read_only_file_system_is_read(db: Path) -> None:
    """The real thing: a folder mounted read-only, where SQLite cannot even make its WAL index (immutable=1)."""
    e = entry("/p/a.jpg")
    with Cache(db) as c:
        c.put_embeddings([(e, INFO, vec(1))], MODEL)
    folder = db.parent
    code = (
        "from engine.cache import Cache\n"
        "from engine.results import FileEntry\n"
        f"c = Cache({str(db)!r})\n"
        f"e = FileEntry('/p/a.jpg', {e.size}, {e.mtime_ns})\n"
        f"print(c.read_only, sorted(c.get_embeddings([e], {MODEL!r})), c.path is not None)\n"
        "c.put_hashes([(e, 'h')])\n"
        "print(c.warnings)\n"
    )
    script = f'mount --bind {folder} {folder} && mount -o remount,ro,bind {folder} && exec {sys.executable} -c "$0"'
    proc = subprocess.run(
        ["unshare", "-m", "sh", "-c", script, code],
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    first, warnings = proc.stdout.splitlines()
    assert first == "True ['/p/a.jpg'] True"
    assert "is read-only" in warnings and "in-memory" not in warnings
