"""Byte-identical duplicates, reading as little as possible.

Files are grouped by size first (free: discovery already has it), then by a hash of their first and last 64 KiB,
and only files that still collide are hashed whole. On a photo library most sizes are unique, so most files are
never opened here at all.
"""

from __future__ import annotations

import hashlib
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Protocol

from engine.progress import NULL_PROGRESS, Cancelled, Phase, Progress
from engine.results import FileEntry, SkippedFile, os_error_reason
from engine.userfiles import open_regular

CHUNK = 1 << 20
PARTIAL = 64 * 1024
DIGEST_SIZE = 16
_REPORT_SECONDS = 0.1
_CACHE_BATCH = 256


class HashCache(Protocol):
    """Full content hashes remembered between scans (``engine.cache`` implements it).

    ``get_hashes`` returns ``path -> hash`` only for entries whose path, size and mtime_ns still match what was
    stored, so an edited file is read again.
    """

    def get_hashes(self, files: Sequence[FileEntry]) -> dict[str, str]: ...

    def put_hashes(self, items: Sequence[tuple[FileEntry, str]]) -> None: ...


def content_hash(path: str) -> str:
    """blake2b-128 of the whole file: collisions are not a practical concern, and it is faster than sha256."""
    h = hashlib.blake2b(digest_size=DIGEST_SIZE)
    with open_regular(path) as fh:  # a FIFO swapped in after discovery must not block the scan
        while chunk := fh.read(CHUNK):
            h.update(chunk)
    return h.hexdigest()


def _partial_hash(path: str, size: int) -> str:
    """Size plus first and last 64 KiB: tells apart nearly all same-size photos for 128 KiB of reading."""
    h = hashlib.blake2b(digest_size=DIGEST_SIZE)
    h.update(size.to_bytes(8, "little"))
    with open_regular(path) as fh:
        h.update(fh.read(PARTIAL))
        fh.seek(max(PARTIAL, size - PARTIAL))
        h.update(fh.read(PARTIAL))
    return h.hexdigest()


class _Run:
    """Bookkeeping for one call: progress throttling, skipped files and hashes waiting to go into the cache."""

    def __init__(self, progress: Progress, total: int, cache: HashCache | None) -> None:
        self.progress = progress
        self.total = total
        self.done = 0
        self.cache = cache
        self.pending: list[tuple[FileEntry, str]] = []
        self.full: dict[str, str] = {}
        self.skipped: list[SkippedFile] = []
        self._last_report = 0.0

    def tick(self, n: int = 1) -> None:
        self.done += n
        now = time.monotonic()
        if now - self._last_report >= _REPORT_SECONDS or self.done >= self.total:
            self._last_report = now
            self.progress.report(Phase.HASH, self.done, self.total)
        else:
            self.progress.check()

    def hash_full(self, entry: FileEntry) -> str | None:
        if entry.path in self.full:
            return self.full[entry.path]
        try:
            digest = content_hash(entry.path)
        except OSError as exc:
            self.skipped.append(SkippedFile(entry.path, os_error_reason(exc)))
            return None
        self.full[entry.path] = digest
        self.pending.append((entry, digest))
        if len(self.pending) >= _CACHE_BATCH:
            self.flush()
        return digest

    def hash_partial(self, entry: FileEntry) -> str | None:
        if entry.size <= 2 * PARTIAL:
            return self.hash_full(entry)  # the partial read would be the whole file anyway
        try:
            return _partial_hash(entry.path, entry.size)
        except OSError as exc:
            self.skipped.append(SkippedFile(entry.path, os_error_reason(exc)))
            return None

    def flush(self) -> None:
        if self.cache is not None and self.pending:
            self.cache.put_hashes(self.pending)
        self.pending = []


def _bucket(entries: Iterable[FileEntry], key: dict[str, str | None]) -> list[list[FileEntry]]:
    """Entries sharing a key, for keys held by two or more entries; files without a key (unreadable) drop out."""
    buckets: dict[str, list[FileEntry]] = defaultdict(list)
    for entry in entries:
        k = key.get(entry.path)
        if k is not None:
            buckets[k].append(entry)
    return [b for b in buckets.values() if len(b) >= 2]


def _same_size_groups(run: _Run, same_size: list[FileEntry], cached: dict[str, str]) -> list[list[FileEntry]]:
    """Byte-identical groups among files of one size."""
    if any(e.path in cached for e in same_size):
        # Some hashes are known: compare the others by full hash straight away (and cache them), since a partial
        # hash cannot be compared with a cached full one without reading the cached file again.
        full: dict[str, str | None] = {}
        for entry in same_size:
            full[entry.path] = cached.get(entry.path) or run.hash_full(entry)
            run.tick()
        return _bucket(same_size, full)

    partial: dict[str, str | None] = {}
    for entry in same_size:
        partial[entry.path] = run.hash_partial(entry)
        run.tick()
    groups = []
    for colliding in _bucket(same_size, partial):
        full = {e.path: run.hash_full(e) for e in colliding}
        run.progress.check()
        groups.extend(_bucket(colliding, full))
    return groups


def find_exact_duplicates(
    files: Sequence[FileEntry], progress: Progress = NULL_PROGRESS, hash_cache: HashCache | None = None
) -> tuple[list[list[FileEntry]], dict[str, str], list[SkippedFile]]:
    """Sets of byte-identical files, the full hashes learned on the way (path -> hash), and files we could not read.

    Each set is sorted by path and has two or more files; the sets are sorted by their first path. Empty files are
    never grouped: they are identical to each other but are not duplicate photos.
    """
    by_size: dict[int, list[FileEntry]] = defaultdict(list)
    for entry in {f.path: f for f in files}.values():  # the same path twice is one file, not a duplicate
        if entry.size > 0:
            by_size[entry.size].append(entry)
    candidates = [e for group in by_size.values() if len(group) >= 2 for e in group]
    cached = dict(hash_cache.get_hashes(candidates)) if hash_cache is not None and candidates else {}

    run = _Run(progress, len(candidates), hash_cache)
    run.full.update({path: digest for path, digest in cached.items()})
    groups: list[list[FileEntry]] = []
    try:
        for size in sorted(by_size):
            if len(by_size[size]) >= 2:
                groups.extend(_same_size_groups(run, by_size[size], cached))
    except Cancelled:
        run.flush()  # hashes already read are worth keeping for the next scan
        raise
    run.flush()
    progress.report(Phase.HASH, run.total, run.total)

    ordered = sorted((sorted(g, key=lambda e: e.path) for g in groups), key=lambda g: g[0].path)
    skipped = sorted(run.skipped, key=lambda s: s.path)
    return ordered, run.full, skipped
