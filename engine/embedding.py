"""The embedding stage of a scan: each file's vector from the cache or the network, failures remembered by what
was read, and sets of byte copies settled on a representative that could be read.

A set of byte-identical files is decoded once, through its first path. When that file cannot be read (it vanished
or changed since it was hashed) the next copy stands in, so a file that is gone never heads a group as a 0x0
keeper; copies are not decoded, and one that vanished or changed since hashing leaves its set.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import numpy as np

from engine.cache import Cache
from engine.imaging import DecodeError, read_info
from engine.model.weights import ModelSpec
from engine.progress import Progress
from engine.results import FileEntry, ImageInfo, SkippedFile
from engine.settings import ScanSettings

if TYPE_CHECKING:
    from engine.model.inference import Embedder

Failures = dict[FileEntry, DecodeError]
# What embedding a library gives: image info, vectors, failures, counts (cached/decoded), the byte-copy sets left.
EmbedOutcome = tuple[dict[str, ImageInfo], dict[str, np.ndarray], Failures, dict[str, Any], list[list[FileEntry]]]


def settle(
    todo: list[FileEntry], exact_sets: list[list[FileEntry]], decode: Callable[[list[FileEntry]], Failures]
) -> tuple[list[list[FileEntry]], Failures]:
    """Decode ``todo`` (each file standing for itself or for a set of byte copies) and return the sets left.

    A representative that cannot be read (it vanished or changed since it was hashed) hands over to the next copy,
    so an unreadable file never stands in a group for the bytes that were hashed; a set left with one file is
    no set.
    """
    sets = [list(s) for s in exact_sets]
    failed: Failures = {}
    while todo:
        bad = decode(todo)
        failed.update(bad)
        gone = {e.path for e, error in bad.items() if error.unreadable}
        todo = []
        for s in sets:
            if s[0].path in gone:
                s.pop(0)
                todo.append(s[0])
        sets = [s for s in sets if len(s) >= 2]
    return sets, failed


def without_lost_copies(exact_sets: list[list[FileEntry]]) -> tuple[list[list[FileEntry]], list[SkippedFile]]:
    """Byte copies that vanished or changed since they were hashed leave their set (copies are not decoded)."""
    lost: list[SkippedFile] = []
    kept: list[list[FileEntry]] = []
    for s in exact_sets:
        here = s[:1]
        for e in s[1:]:
            try:
                st = os.stat(e.path)
            except OSError:
                lost.append(SkippedFile(e.path, "file vanished during the scan"))
                continue
            if (st.st_size, st.st_mtime_ns) != (e.size, e.mtime_ns):
                lost.append(SkippedFile(e.path, "file changed during the scan"))
            else:
                here.append(e)
        if len(here) >= 2:
            kept.append(here)
    return kept, lost


def exact_infos(
    exact_sets: list[list[FileEntry]], cache: Cache
) -> tuple[dict[str, ImageInfo], list[list[FileEntry]], Failures]:
    """Image info of each set's representative, from the header; a set whose files are all unreadable goes."""
    infos: dict[str, ImageInfo] = {}

    def decode(todo: list[FileEntry]) -> Failures:
        infos.update(cache.get_infos(todo))
        bad: Failures = {}
        for e in todo:
            if e.path not in infos:
                try:
                    infos[e.path] = read_info(e.path)
                except DecodeError as exc:
                    bad[e] = exc
        return bad

    sets, failed = settle([s[0] for s in exact_sets], exact_sets, decode)
    return infos, sets, {e: error for e, error in failed.items() if error.unreadable}


def embed_all(
    entries: list[FileEntry],
    exact_sets: list[list[FileEntry]],
    spec: ModelSpec,
    settings: ScanSettings,
    cache: Cache,
    progress: Progress,
    embedder: Embedder | None,
) -> EmbedOutcome:
    """Vectors for every file but byte copies (cached, or decoded and cached), the failures, the sets left.

    A failure is cached under what was actually read (``DecodeError.read``); one that says nothing about the
    content (vanished, permission, I/O error) is not cached, so the file is tried again next time.
    """
    infos: dict[str, ImageInfo] = {}
    vectors: dict[str, np.ndarray] = {}
    stats: dict[str, Any] = {"cached": 0, "decoded": 0}

    def embed(todo: list[FileEntry]) -> Failures:
        nonlocal embedder
        cached = cache.get_embeddings(todo, spec.model_id)
        known_bad = cache.get_failures([e for e in todo if e.path not in cached])
        infos.update({p: info for p, (info, _) in cached.items()})
        vectors.update({p: vec for p, (_, vec) in cached.items()})
        failed: Failures = {e: DecodeError(known_bad[e.path]) for e in todo if e.path in known_bad}
        rest = [e for e in todo if e.path not in cached and e.path not in known_bad]
        stats["cached"] += len(cached) + len(known_bad)
        stats["decoded"] += len(rest)
        if not rest:
            return failed
        if embedder is None:
            from engine.model.inference import Embedder

            embedder = Embedder(spec, settings.device, settings.backend)
        for done, bad in embedder.embed_files(rest, progress, settings.batch_size, settings.decode_workers):
            cache.put_embeddings(done, spec.model_id)
            cache.put_failures([(replace(e, size=x.read[0], mtime_ns=x.read[1]), x.reason) for e, x in bad if x.read])
            infos.update({e.path: info for e, info, _ in done})
            vectors.update({e.path: vec for e, _, vec in done})
            failed.update(bad)
        return failed

    copies = {e.path for s in exact_sets for e in s[1:]}
    sets, failed = settle([e for e in entries if e.path not in copies], exact_sets, embed)
    order = {e.path: n for n, e in enumerate(entries)}  # the scan order (sorted by path), whatever came from the cache
    vectors = dict(sorted(vectors.items(), key=lambda kv: order[kv[0]]))
    stats["device"] = str(embedder.device) if embedder is not None else "none"
    stats["backend"] = embedder.backend if embedder is not None else "none"
    return infos, vectors, failed, stats, sets
