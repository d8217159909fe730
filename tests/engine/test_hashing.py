from __future__ import annotations

import hashlib
import os
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import pytest

from engine import hashing
from engine.hashing import PARTIAL, content_hash, find_exact_duplicates
from engine.progress import Cancelled, CancelToken, Progress
from engine.results import FileEntry, SkippedFile
from tests.conftest import finishes, unblock


def entry(path: Path) -> FileEntry:
    st = path.stat()
    return FileEntry(str(path), st.st_size, st.st_mtime_ns, st.st_dev, st.st_ino, "JPEG")


def write(path: Path, data: bytes) -> FileEntry:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return entry(path)


def blob(size: int, seed: int) -> bytes:
    return hashlib.shake_256(seed.to_bytes(4, "little")).digest(size)


def paths(groups: list[list[FileEntry]], root: Path) -> list[list[str]]:
    return [[os.path.relpath(e.path, root).replace(os.sep, "/") for e in g] for g in groups]


@pytest.fixture
def count_opens(monkeypatch) -> Counter:
    """Counts the files hashing opens, by path (the module's opener, so pytest's own reads are not counted)."""
    opened: Counter = Counter()
    real_open = hashing.open_regular

    def counting_open(file):
        opened[os.fspath(file)] += 1
        return real_open(file)

    monkeypatch.setattr(hashing, "open_regular", counting_open)
    return opened


class MemoryCache:
    """A HashCache kept in a dict, keyed like the real one by path, size and mtime_ns."""

    def __init__(self) -> None:
        self.store: dict[tuple[str, int, int], str] = {}
        self.puts = 0

    def get_hashes(self, files: Sequence[FileEntry]) -> dict[str, str]:
        found = {f.path: self.store.get((f.path, f.size, f.mtime_ns)) for f in files}
        return {p: h for p, h in found.items() if h is not None}

    def put_hashes(self, items: Sequence[tuple[FileEntry, str]]) -> None:
        self.puts += 1
        for f, digest in items:
            self.store[(f.path, f.size, f.mtime_ns)] = digest


def test_content_hash_is_blake2b_128_over_several_chunks(tmp_path: Path) -> None:
    data = blob(int(2.5 * hashing.CHUNK), 1)
    (tmp_path / "big.bin").write_bytes(data)
    assert content_hash(str(tmp_path / "big.bin")) == hashlib.blake2b(data, digest_size=16).hexdigest()
    assert len(content_hash(str(tmp_path / "big.bin"))) == 32


def test_finds_byte_identical_sets_and_nothing_else(tmp_path: Path) -> None:
    big, small = blob(300_000, 1), blob(5_000, 2)
    files = [
        write(tmp_path / "z/copy.jpg", big),
        write(tmp_path / "a.jpg", big),
        write(tmp_path / "m/again.jpg", big),
        write(tmp_path / "same_size_other.jpg", blob(300_000, 3)),
        write(tmp_path / "s1.png", small),
        write(tmp_path / "s2.png", small),
        write(tmp_path / "small_other.png", blob(5_000, 4)),
        write(tmp_path / "unique.jpg", blob(123, 5)),
        write(tmp_path / "empty1.jpg", b""),
        write(tmp_path / "empty2.jpg", b""),
    ]
    groups, hashes, skipped = find_exact_duplicates(files)
    assert paths(groups, tmp_path) == [["a.jpg", "m/again.jpg", "z/copy.jpg"], ["s1.png", "s2.png"]]
    assert skipped == []
    assert hashes[str(tmp_path / "a.jpg")] == content_hash(str(tmp_path / "z/copy.jpg"))
    assert str(tmp_path / "unique.jpg") not in hashes  # a unique size is never read
    assert not any("empty" in p for p in hashes)


def test_same_ends_different_middle_are_not_duplicates(tmp_path: Path, count_opens: Counter) -> None:
    head, tail = blob(PARTIAL, 1), blob(PARTIAL, 2)
    a = write(tmp_path / "a.jpg", head + blob(50_000, 3) + tail)
    b = write(tmp_path / "b.jpg", head + blob(50_000, 4) + tail)
    groups, hashes, _ = find_exact_duplicates([a, b])
    assert groups == []
    assert set(hashes) == {a.path, b.path}  # the partial hashes collided, so both were read in full
    assert count_opens == {a.path: 2, b.path: 2}


def test_unique_sizes_and_partial_misses_are_never_fully_read(tmp_path: Path, count_opens: Counter) -> None:
    a = write(tmp_path / "a.jpg", blob(400_000, 1))
    b = write(tmp_path / "b.jpg", blob(400_000, 2))  # same size, different start
    c = write(tmp_path / "c.jpg", blob(400_001, 3))
    groups, hashes, _ = find_exact_duplicates([a, b, c])
    assert groups == [] and hashes == {}
    assert count_opens == {a.path: 1, b.path: 1}


def test_hash_cache_spares_reads_on_the_second_scan(tmp_path: Path, count_opens: Counter) -> None:
    data = blob(200_000, 1)
    files = [write(tmp_path / "a.jpg", data), write(tmp_path / "b.jpg", data), write(tmp_path / "c.jpg", data)]
    cache = MemoryCache()
    first = find_exact_duplicates(files, hash_cache=cache)
    assert len(cache.store) == 3 and sum(count_opens.values()) == 6  # partial + full for each

    count_opens.clear()
    second = find_exact_duplicates(files, hash_cache=cache)
    assert sum(count_opens.values()) == 0
    assert second[0] == first[0] and second[1] == first[1]

    # An edited file (new mtime) is not trusted from the cache; a new copy is hashed and compared in full.
    os.utime(files[2].path, ns=(files[2].mtime_ns + 10**9, files[2].mtime_ns + 10**9))
    files[2] = entry(Path(files[2].path))
    files.append(write(tmp_path / "d.jpg", data))
    count_opens.clear()
    groups, _, _ = find_exact_duplicates(files, hash_cache=cache)
    assert paths(groups, tmp_path) == [["a.jpg", "b.jpg", "c.jpg", "d.jpg"]]
    assert set(count_opens) == {files[2].path, files[3].path}


def test_read_errors_are_skipped_with_reasons(tmp_path: Path, monkeypatch) -> None:
    data = blob(10_000, 1)
    a, b = write(tmp_path / "a.jpg", data), write(tmp_path / "b.jpg", data)
    gone, locked = write(tmp_path / "gone.jpg", data), write(tmp_path / "locked.jpg", data)
    os.remove(gone.path)

    real_open = hashing.open_regular

    def guarded_open(file):
        if os.fspath(file) == locked.path:
            raise PermissionError(13, "Permission denied", file)
        return real_open(file)

    monkeypatch.setattr(hashing, "open_regular", guarded_open)
    groups, hashes, skipped = find_exact_duplicates([a, b, gone, locked])
    assert paths(groups, tmp_path) == [["a.jpg", "b.jpg"]]
    assert skipped == [
        SkippedFile(gone.path, "file vanished during the scan"),
        SkippedFile(locked.path, "permission denied"),
    ]
    assert set(hashes) == {a.path, b.path}


def test_same_path_listed_twice_is_not_a_duplicate(tmp_path: Path) -> None:
    a = write(tmp_path / "a.jpg", blob(1000, 1))
    assert find_exact_duplicates([a, a])[0] == []


def test_progress_and_cancellation(tmp_path: Path) -> None:
    files = [write(tmp_path / f"{i}.jpg", blob(1000, i % 2)) for i in range(6)]
    calls: list[tuple[str, int, int]] = []
    find_exact_duplicates(files, Progress(lambda *a: calls.append(a)))
    assert calls[-1] == ("hash", 6, 6)
    assert all(phase == "hash" and total == 6 for phase, _, total in calls)

    token = CancelToken()
    token.cancel()
    cache = MemoryCache()
    with pytest.raises(Cancelled):
        find_exact_duplicates(files, Progress(token=token), hash_cache=cache)


def test_real_wallpaper_copy_found(wallpapers: Path, tmp_path: Path) -> None:
    originals = sorted((wallpapers / "images").rglob("*.jpg"))[:3]
    if len(originals) < 3:
        pytest.skip("fewer than three JPEGs in the wallpapers folder")
    copy = tmp_path / "copy.jpg"
    copy.write_bytes(originals[1].read_bytes())
    groups, _, _ = find_exact_duplicates([entry(p) for p in originals] + [entry(copy)])
    assert [[e.path for e in g] for g in groups] == [sorted([str(originals[1]), str(copy)])]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_file_swapped_for_a_fifo_after_discovery_is_skipped_not_waited_on(tmp_path: Path) -> None:
    data = blob(10_000, 1)
    a, b, c = (write(tmp_path / f"{n}.jpg", data) for n in "abc")
    os.remove(b.path)
    os.mkfifo(b.path)  # same name and listed size; open() would wait for a writer forever
    try:
        groups, _, skipped = finishes(lambda: find_exact_duplicates([a, b, c]))
    finally:
        unblock(Path(b.path))
    assert paths(groups, tmp_path) == [["a.jpg", "c.jpg"]]
    assert skipped == [SkippedFile(b.path, "not a regular file: a named pipe (FIFO)")]
