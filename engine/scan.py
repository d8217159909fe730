"""The scan pipeline: discover -> exact duplicates -> embed (cached) -> candidate pairs -> groups.

``scan()`` is what the GUI worker and the CLI call; ``regroup()`` re-forms groups at another threshold
from a finished scan without touching a file (the GUI's threshold slider). The user's pair labels are read
here, not by a front end, so every scan honours them alike.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np

from engine import discovery, grouping, hashing, index, keeper, verify
from engine.cache import Cache
from engine.embedding import EmbedOutcome, embed_all, exact_infos, without_lost_copies
from engine.labels import LabelMatches, LabelStore
from engine.model.weights import ModelSpec, load_spec, verify_model_id
from engine.paths import default_cache_path
from engine.progress import NULL_PROGRESS, Phase, Progress
from engine.results import FileEntry, Group, ImageInfo, Member, PairScore, ScanResult, SkippedFile
from engine.settings import ScanSettings, sure_threshold_for
from engine.twins import twin_pairs, with_twin_keeper

if TYPE_CHECKING:
    from engine.model.inference import Embedder

EXACT_ONLY_MODEL_ID = "exact-only"


def open_cache(settings: ScanSettings) -> Cache:
    if not settings.use_cache:
        return Cache(None)
    return Cache(settings.cache_path or default_cache_path())


def scan(
    settings: ScanSettings,
    progress: Progress = NULL_PROGRESS,
    spec: ModelSpec | None = None,
    embedder: Embedder | None = None,
) -> ScanResult:
    """Run a whole scan. Raises BadRootError / ModelError for unusable input, Cancelled when cancelled.
    ``embedder`` lets a long-lived caller (the GUI, a benchmark) keep one network loaded across scans."""
    t0 = time.perf_counter()
    timings: dict[str, float] = {}

    def lap(name: str, since: float) -> float:
        now = time.perf_counter()
        timings[name] = round(now - since, 4)
        return now

    entries, skipped = discovery.discover(settings.roots, settings, progress)
    t = lap("discover", t0)
    skipped = list(skipped)
    cache = open_cache(settings)
    try:
        exact_sets, hashes, hash_skipped = hashing.find_exact_duplicates(entries, progress, hash_cache=cache)
        skipped += hash_skipped
        vanished = {s.path for s in hash_skipped}
        entries = [e for e in entries if e.path not in vanished]
        t = lap("hash", t)

        spec, (infos, vectors, failed, stats_embed, exact_sets) = _embed_phase(
            entries, exact_sets, settings, cache, progress, spec, embedder
        )
        model_id = EXACT_ONLY_MODEL_ID if spec is None else spec.model_id
        exact_sets, lost = without_lost_copies(exact_sets)
        skipped += lost
        copy_of = {e.path: s[0].path for s in exact_sets for e in s[1:]}
        unique = [e for e in entries if e.path not in copy_of]
        t = lap("embed", t)
        threshold, sure = _levels(settings, spec)
        min_score = min(settings.min_score if settings.min_score is not None else threshold, threshold)
        by_path = {e.path: e for e in unique}
        rep_pairs = _candidate_pairs(vectors, by_path, spec, settings, (min_score, threshold), cache, progress)
        t = lap("search", t)
    finally:
        cache.close()
    skipped += [SkippedFile(e.path, error.reason) for e, error in failed.items()]

    catalog = _catalog(entries, infos, copy_of, exact_sets)
    pairs = tuple(expand_pairs(rep_pairs, exact_sets))
    labels = read_labels(settings, catalog, hashes)
    twins = frozenset() if settings.exact_only else twin_pairs(catalog.values())  # one shot: always one group
    result = ScanResult(
        groups=(),
        pairs=pairs,
        skipped=tuple(sorted(skipped, key=lambda s: s.path)),
        threshold=threshold,
        model_id=model_id,
        files_scanned=len(entries),
        catalog=catalog,
        duplicates=labels.duplicates | twins,
        not_duplicates=labels.not_duplicates,
        sure_threshold=sure,
        warnings=tuple(cache.warnings),
    )
    progress.report(Phase.GROUP, 0, len(pairs))
    result = regroup(result, threshold, settings)
    progress.report(Phase.GROUP, len(pairs), len(pairs))
    lap("group", t)
    timings["total"] = round(time.perf_counter() - t0, 4)
    return replace(
        result,
        stats={
            "timings": timings,
            **stats_embed,
            "min_score": min_score,
            "images": len(catalog),
            "unique": len(unique),
            "labels": {"duplicates": len(labels.duplicates), "not_duplicates": len(labels.not_duplicates)},
            "raw_twins": len(twins),
        },
    )


def _embed_phase(
    entries: list[FileEntry],
    exact_sets: list[list[FileEntry]],
    settings: ScanSettings,
    cache: Cache,
    progress: Progress,
    spec: ModelSpec | None,
    embedder: Embedder | None,
) -> tuple[ModelSpec | None, EmbedOutcome]:
    """Vectors (or, for an exact-only scan, just header info) of every file but byte copies; the model used,
    None when exact only."""
    if settings.exact_only:
        infos, sets, failed = exact_infos(exact_sets, cache)
        return None, (infos, {}, failed, {"cached": 0, "decoded": 0}, sets)
    spec = spec or (embedder.spec if embedder is not None else load_spec(settings.model_path))
    verify_model_id(spec)
    return spec, embed_all(entries, exact_sets, spec, settings, cache, progress, embedder)


def _levels(settings: ScanSettings, spec: ModelSpec | None) -> tuple[float, float]:
    """The grouping threshold and auto-mark's sure level; without a model (exact only) both are 1.0."""
    if spec is None:
        return (settings.threshold if settings.threshold is not None else 1.0), 1.0
    threshold = settings.threshold if settings.threshold is not None else spec.threshold
    return threshold, sure_threshold_for(spec.threshold, spec.sure_threshold, settings.sure_threshold)


def _catalog(
    entries: list[FileEntry],
    infos: dict[str, ImageInfo],
    copy_of: dict[str, str],
    exact_sets: list[list[FileEntry]],
) -> dict[str, Member]:
    """Every decoded image, plus byte copies even when undecodable (they are duplicates all the same)."""
    in_exact = {e.path for s in exact_sets for e in s}
    catalog: dict[str, Member] = {}
    for e in entries:
        info = infos.get(copy_of.get(e.path, e.path))
        if info is not None or e.path in in_exact:
            catalog[e.path] = _member(e, info, copy_of.get(e.path))
    return catalog


def read_labels(settings: ScanSettings, catalog: dict[str, Member], hashes: dict[str, str]) -> LabelMatches:
    """The user's labels among the scanned files (none when turned off or never stored).

    A store that exists but cannot be read raises LabelStoreError: scanning on without the user's "not a
    duplicate" labels could group, and then mark, photos the user said differ.
    """
    if not settings.use_labels:
        return LabelMatches()
    try:
        store = LabelStore(settings.labels_path, create=False)
    except FileNotFoundError:
        return LabelMatches()
    return store.match({p: m.size for p, m in catalog.items()}, hashes)


def search_key(model_id: str, k: int, max_distance: float, entries: Sequence[FileEntry]) -> str:
    """Identifies a search by everything its result depends on: the same files unchanged give the same pairs."""
    h = hashlib.sha256(f"{model_id}|{k}|{max_distance:.9g}|{index.__name__}".encode())
    for e in entries:
        h.update(os.fsencode(e.path) + f"|{e.size}|{e.mtime_ns}\n".encode())
    return h.hexdigest()


def _candidate_pairs(
    vectors: dict[str, np.ndarray],
    by_path: dict[str, FileEntry],
    spec: ModelSpec | None,
    settings: ScanSettings,
    levels: tuple[float, float],
    cache: Cache,
    progress: Progress,
) -> list[PairScore]:
    """Top-k neighbour pairs scoring at least min_score (``levels``: min_score, threshold), scored against their
    neighbourhood and, just under the threshold, checked by geometry, as the model says; an unchanged library
    reuses the cached search and verdicts."""
    min_score, threshold = levels
    if not vectors or spec is None:
        return []
    paths = list(vectors)
    max_dist = spec.calibration.distance_for(min_score)
    verification = spec.verification if settings.verify else None
    if verification is not None:  # pairs down to the verification band are checked, then may be lifted
        max_dist = max(max_dist, spec.calibration.distance_for(min(verification.low, threshold)))
    k = settings.neighbours
    nb = spec.neighbourhood
    if nb is not None:  # the density needs each image's k-th neighbour even when it scores below min_score
        max_dist = max(max_dist, nb.search_distance())
        k = max(k, nb.k)
    key = search_key(spec.model_id, k, max_dist, [by_path[p] for p in paths])
    hit = cache.get_search(key)
    if hit is not None:
        i, j, dist = hit
    else:
        mat = np.stack([vectors[p] for p in paths]).astype(np.float32, copy=False)
        i, j, dist = index.nearest_pairs(mat, k, max_dist, progress)
        cache.put_search(key, i, j, dist)
    if nb is not None:
        dist = nb.apply(len(paths), i, j, dist)
    cal = spec.calibration
    score = np.array([cal.score(d) for d in dist.tolist()], dtype=np.float64)
    if verification is not None:
        score = verify.lift_verified(paths, i, j, score, verification, threshold, (cache, key), progress)
    keep = score >= min_score
    return [
        PairScore(paths[a], paths[b], round(float(s), 6))
        for a, b, s in zip(i[keep].tolist(), j[keep].tolist(), score[keep].tolist())
    ]


def _member(e: FileEntry, info: ImageInfo | None, exact_of: str | None) -> Member:
    return Member(
        path=e.path,
        size=e.size,
        mtime_ns=e.mtime_ns,
        width=info.width if info else 0,
        height=info.height if info else 0,
        score=1.0,
        capture_time=info.capture_time if info else None,
        camera=info.camera if info else None,
        exact_of=exact_of,
        fmt=info.fmt if info else e.fmt,
    )


def expand_pairs(rep_pairs: Iterable[PairScore], exact_sets: Sequence[Sequence[FileEntry]]) -> list[PairScore]:
    """Pairs between representatives, repeated for each byte copy, plus every pair inside an exact set at 1.0."""
    copies: dict[str, list[str]] = {s[0].path: [e.path for e in s] for s in exact_sets}
    out: list[PairScore] = []
    for s in exact_sets:
        paths = [e.path for e in s]
        out += [PairScore(a, b, 1.0) for n, a in enumerate(paths) for b in paths[n + 1 :]]
    for p in rep_pairs:
        for a in copies.get(p.a, (p.a,)):
            for b in copies.get(p.b, (p.b,)):
                out.append(PairScore(a, b, p.score))
    return out


def regroup(
    result: ScanResult,
    threshold: float,
    settings: ScanSettings | None = None,
    not_duplicates: Iterable[frozenset[str]] = (),
    duplicates: Iterable[frozenset[str]] = (),
) -> ScanResult:
    """Groups at ``threshold`` from the pairs a scan kept (pairs below its min_score are not known).

    Labels come from the scan (``result.duplicates`` / ``result.not_duplicates``), ``settings.not_duplicates`` and
    the arguments (pairs labelled since the scan). A "not a duplicate" pair is never grouped; an "is a duplicate"
    pair counts as a certain match (score 1.0) whatever the model said; when both apply, "not" wins.
    """
    settings = settings or ScanSettings()
    catalog = result.catalog
    copies: dict[str, list[str]] = defaultdict(list)
    for path, m in catalog.items():
        if m.exact_of:
            copies[m.exact_of].append(path)
    reps = [p for p, m in catalog.items() if m.exact_of is None]
    pos = {p: n for n, p in enumerate(reps)}
    rep_of = {p: m.exact_of or p for p, m in catalog.items()}  # a label on a byte copy binds its representative
    forbidden = _rep_pairs([*settings.not_duplicates, *result.not_duplicates, *not_duplicates], rep_of, pos)
    joined = _rep_pairs([*result.duplicates, *duplicates], rep_of, pos) - forbidden
    rep_pairs = [(pos[p.a], pos[p.b], p.score) for p in result.pairs if p.a in pos and p.b in pos]
    rep_pairs += [(a, b, 1.0) for a, b in map(sorted, joined)]
    i = np.array([p[0] for p in rep_pairs], dtype=np.int64)
    j = np.array([p[1] for p in rep_pairs], dtype=np.int64)
    s = np.array([p[2] for p in rep_pairs], dtype=np.float64)
    formed: list[tuple[list[Member], str, bool]] = []
    grouped: set[str] = set()
    for ref, members in grouping.form_groups(len(reps), i, j, s, threshold, forbidden):
        ms: list[Member] = []
        for idx, score in members:
            path = reps[idx]
            ms.append(replace(catalog[path], score=round(float(score), 6)))
            ms += [replace(catalog[c], score=round(float(score), 6)) for c in copies.get(path, ())]
        formed.append((ms, reps[ref], False))
        grouped.update(m.path for m in ms)
    for rep, cs in copies.items():
        if rep not in grouped:
            formed.append(([catalog[rep]] + [catalog[c] for c in cs], rep, True))
    scores = _scores_within([ms for ms, _, _ in formed], result.pairs, [*result.duplicates, *duplicates])
    groups = [
        _make_group(ms, ref, settings, exact, scores[n], result.sure_threshold)
        for n, (ms, ref, exact) in enumerate(formed)
    ]
    groups.sort(key=lambda g: (-g.reclaimable_bytes, g.reference))
    return replace(result, groups=tuple(groups), threshold=threshold)


def _scores_within(
    groups: list[list[Member]], pairs: Iterable[PairScore], duplicates: Iterable[frozenset[str]]
) -> list[tuple[PairScore, ...]]:
    """Per group, the known scores between two of its members: the scan's pairs, and labelled duplicates at 1.0."""
    where = {m.path: n for n, ms in enumerate(groups) for m in ms}
    out: list[list[PairScore]] = [[] for _ in groups]
    for p in pairs:
        n = where.get(p.a)
        if n is not None and where.get(p.b) == n:
            out[n].append(p)
    for pair in duplicates:
        if len(pair) == 2:
            a, b = sorted(pair)
            n = where.get(a)
            if n is not None and where.get(b) == n:
                out[n].append(PairScore(a, b, 1.0))
    return [tuple(x) for x in out]


def _rep_pairs(pairs: Iterable[frozenset[str]], rep_of: dict[str, str], pos: dict[str, int]) -> set[frozenset[int]]:
    """Labelled path pairs as pairs of representative indices; pairs outside the catalog or inside one byte set go."""
    out: set[frozenset[int]] = set()
    for pair in pairs:
        if len(pair) != 2:
            continue
        a, b = (rep_of.get(p) for p in pair)
        if a in pos and b in pos and a != b:
            out.add(frozenset((pos[a], pos[b])))
    return out


def _make_group(
    members: list[Member],
    reference: str,
    settings: ScanSettings,
    exact: bool,
    pair_scores: tuple[PairScore, ...],
    sure_threshold: float,
) -> Group:
    kept = keeper.pick_keeper(members, settings.keep_rules, settings.preferred_folders)
    group = Group(tuple(members), reference, kept, exact, pair_scores, sure_threshold)
    return with_twin_keeper(group, settings.raw_jpeg)  # of a RAW and its JPEG, the one the setting keeps
