"""Results that outlive the window: the groups JSON saved and opened again, and a CSV with one row per member.

What the app saves is what ``scan --groups-json`` writes, so ``apply`` acts on it and a user can edit the keepers,
plus keys that only the app reads back: ``pairs`` (the scores the similarity slider re-forms groups from),
``ungrouped`` (the files those pairs name outside every group) and ``marked`` (the user's marks). A file from the
CLI has none of them; its groups then give the pairs (each member against its group's reference).

Opening re-checks every file against the size and modification time in the file: one that is gone or changed
since is dropped, never shown as what was scanned, and the caller is told how many went.
"""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, replace
from typing import Any

from engine.fileops import without_paths
from engine.groupsfile import GroupsFileError, groups_from, load_document, members_from
from engine.keeper import pick_keeper
from engine.progress import NULL_PROGRESS, Progress
from engine.results import Group, Member, PairScore, ScanResult, SkippedFile
from engine.settings import DEFAULT_KEEP_RULES, sure_threshold_for
from engine.twins import twin_pairs

PAIRS_BELOW_THRESHOLD = 0.15
"""Saved pairs reach this far below the threshold shown, so the opened slider can still go a little lower, and a
library with millions of weak pairs does not make a file of hundreds of megabytes."""

CSV_COLUMNS = ("group", "path", "state", "score", "size", "width", "height", "format")


def groups_document(result: ScanResult, roots: Sequence[str] = (), raw_jpeg: str | None = None) -> dict[str, Any]:
    """What ``--groups-json`` writes and ``apply`` reads back (``roots``: the scanned folders, absolute;
    ``raw_jpeg``: the rule for a RAW and its camera JPEG, which ``apply`` follows)."""
    doc = {
        "roots": [os.path.abspath(r) for r in roots],
        "threshold": result.threshold,
        "sure_threshold": result.sure_threshold,
        "model_id": result.model_id,
        "files_scanned": result.files_scanned,
        "groups": [
            {
                "reference": g.reference,
                "keeper": g.keeper,
                "exact": g.exact,
                "uncertain": g.uncertain,
                "reclaimable_bytes": g.reclaimable_bytes,
                "members": [asdict(m) for m in g.members],
            }
            for g in result.groups
        ],
        "skipped": [{"path": s.path, "reason": s.reason} for s in result.skipped],
        "stats": result.stats,
    }
    if raw_jpeg is not None:
        doc["raw_jpeg"] = raw_jpeg
    return doc


def results_document(
    result: ScanResult, roots: Sequence[str] = (), marked: Iterable[str] = (), raw_jpeg: str | None = None
) -> dict[str, Any]:
    """The groups document with what the app needs to go on where it left off (``result.groups``: as shown;
    ``result.duplicates`` / ``not_duplicates``: the labels and RAW + JPEG twins the groups were formed with)."""
    floor = max(float(result.stats.get("min_score", 0.0)), result.threshold - PAIRS_BELOW_THRESHOLD)
    pairs = [p for p in result.pairs if p.score >= floor]
    grouped = {m.path for g in result.groups for m in g.members}
    named = {p for pair in pairs for p in (pair.a, pair.b)}
    doc = groups_document(result, roots, raw_jpeg)
    doc["duplicates"] = sorted(sorted(p) for p in result.duplicates if len(p) == 2)
    doc["not_duplicates"] = sorted(sorted(p) for p in result.not_duplicates if len(p) == 2)
    doc["stats"] = {**result.stats, "min_score": round(min(floor, result.threshold), 6)}
    doc["pairs"] = [[p.a, p.b, p.score] for p in pairs]
    doc["ungrouped"] = [asdict(result.catalog[p]) for p in sorted(named - grouped) if p in result.catalog]
    doc["marked"] = sorted(set(marked) & grouped)
    return doc


def write_document(doc: dict[str, Any], path: str | os.PathLike[str]) -> None:
    """Written beside the target and renamed over it: a crash leaves the old file or the new one, never half."""
    target = os.fspath(path)
    tmp = f"{target}.doppel-tmp"
    try:
        # surrogateescape writes non-UTF-8 file names back as the bytes they were on disk
        with open(tmp, "w", encoding="utf-8", errors="surrogateescape", newline="") as fh:
            json.dump(doc, fh, indent=1)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def write_members_csv(path: str | os.PathLike[str], groups: Sequence[Group], marked: Iterable[str] = ()) -> None:
    """One row per member: its group's number, path, keeper/marked state, score, size, dimensions and format."""
    marks = set(marked)
    with open(path, "w", encoding="utf-8", errors="surrogateescape", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(CSV_COLUMNS)
        for n, g in enumerate(groups, 1):
            for m in g.members:
                state = "keeper" if m.path == g.keeper else "marked" if m.path in marks else ""
                w.writerow([n, m.path, state, f"{m.score:.6f}", m.size, m.width, m.height, m.fmt])


@dataclass(frozen=True)
class OpenedResults:
    result: ScanResult  # groups as saved, less what was dropped; pairs and catalog for the similarity slider
    roots: tuple[str, ...]
    marked: frozenset[str]
    gone: tuple[str, ...]  # files dropped because they no longer exist
    changed: tuple[str, ...]  # files dropped because their size or modification time moved on


def recheck(members: Iterable[Member], progress: Progress = NULL_PROGRESS) -> tuple[list[str], list[str]]:
    """(gone, changed) among ``members``; a file that cannot be stat'ed right now (a share asleep) is kept."""
    gone: list[str] = []
    changed: list[str] = []
    for m in members:
        progress.check()
        try:
            st = os.stat(m.path)
        except (FileNotFoundError, NotADirectoryError):
            gone.append(m.path)
        except OSError:
            continue
        else:
            if st.st_size != m.size or st.st_mtime_ns != m.mtime_ns:
                changed.append(m.path)
    return gone, changed


def _pairs(doc: dict[str, Any], groups: Sequence[Group], where: str) -> tuple[PairScore, ...]:
    raw = doc.get("pairs")
    if raw is None:  # a CLI file: each member against its group's reference
        return tuple(
            PairScore(g.reference, m.path, m.score)
            for g in groups
            if not g.exact
            for m in g.members
            if m.path != g.reference and m.exact_of is None
        )
    if not isinstance(raw, list):
        raise GroupsFileError(f"{where}: pairs must be a list")
    out = []
    for n, p in enumerate(raw, 1):
        ok = isinstance(p, list) and len(p) == 3 and all(isinstance(x, str) for x in p[:2])
        if not ok or isinstance(p[2], bool) or not isinstance(p[2], (int, float)) or not 0.0 <= p[2] <= 1.0:
            raise GroupsFileError(f"{where}: pair {n} must be [path, path, score from 0 to 1], not {p!r}")
        out.append(PairScore(p[0], p[1], float(p[2])))
    return tuple(out)


def _path_pairs(doc: dict[str, Any], key: str, where: str) -> frozenset[frozenset[str]]:
    raw = doc.get(key, [])
    ok = isinstance(raw, list) and all(
        isinstance(p, list) and len(p) == 2 and all(isinstance(x, str) for x in p) for p in raw
    )
    if not ok:
        raise GroupsFileError(f"{where}: {key} must be a list of [path, path]")
    return frozenset(frozenset(p) for p in raw)


def _unit(value: object, default: float) -> float:
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and 0.0 < value <= 1.0
    return float(value) if ok else default  # type: ignore[arg-type]


def _catalog(doc: dict[str, Any], groups: Sequence[Group], where: str) -> dict[str, Member]:
    catalog = {m.path: replace(m, score=1.0) for g in groups for m in g.members}
    for m in members_from(doc.get("ungrouped", []), f"{where}: ungrouped"):
        catalog.setdefault(m.path, replace(m, score=1.0))
    return catalog


def _settled_group(
    g: Group, catalog: dict[str, Member], pairs: Sequence[PairScore], sure: float, rules: Sequence[str]
) -> Group | None:
    """``g`` with only the files still in ``catalog`` (their byte-copy links as the catalog has them now), or None."""
    members = tuple(replace(catalog[m.path], score=m.score) for m in g.members if m.path in catalog)
    if len(members) < 2:
        return None
    paths = {m.path for m in members}
    keeper = g.keeper if g.keeper in paths else pick_keeper(members, rules)
    reference = g.reference if g.reference in paths else keeper
    within = tuple(p for p in pairs if p.a in paths and p.b in paths)
    return Group(members, reference, keeper, g.exact, within, sure)


def open_results(
    path: str | os.PathLike[str],
    keep_rules: Sequence[str] = DEFAULT_KEEP_RULES,
    progress: Progress = NULL_PROGRESS,
) -> OpenedResults:
    """Read a saved results file (or a ``scan --groups-json`` one), dropping every file gone or changed since.

    A group left with one file is dropped too; a group whose keeper went gets one by ``keep_rules``. Raises
    GroupsFileError, with the place and the reason, for a file that cannot be used.
    """
    where = os.fspath(path)
    doc = load_document(path)
    saved = groups_from(doc, path)
    pairs = _pairs(doc, saved.groups, where)
    catalog = _catalog(doc, saved.groups, where)
    threshold = _unit(doc.get("threshold"), min((p.score for p in pairs), default=1.0))
    sure = _unit(doc.get("sure_threshold"), sure_threshold_for(threshold))
    raw_stats = doc.get("stats")
    stats: dict[str, Any] = raw_stats if isinstance(raw_stats, dict) else {}
    min_score = _unit(stats.get("min_score"), threshold)
    skipped = tuple(
        SkippedFile(s["path"], s["reason"])
        for s in doc.get("skipped", []) or []
        if isinstance(s, dict) and isinstance(s.get("path"), str) and isinstance(s.get("reason"), str)
    )
    gone, changed = recheck(catalog.values(), progress)
    full = ScanResult(
        groups=(),
        pairs=pairs,
        skipped=skipped,
        threshold=threshold,
        model_id=str(doc.get("model_id") or "unknown"),
        files_scanned=len(catalog),
        catalog=catalog,
        stats={"min_score": min(min_score, threshold), "opened_from": where},
        sure_threshold=sure,
    )
    kept = without_paths(full, [*gone, *changed])  # byte copies whose original went get a new one
    kept = replace(
        kept,
        duplicates=_path_pairs(doc, "duplicates", where) | twin_pairs(kept.catalog.values()),
        not_duplicates=_path_pairs(doc, "not_duplicates", where),
    )
    groups = [_settled_group(g, kept.catalog, kept.pairs, sure, keep_rules) for g in saved.groups]
    result = replace(kept, groups=tuple(g for g in groups if g is not None))
    marked = doc.get("marked", [])
    marks = frozenset(p for p in marked if isinstance(p, str)) if isinstance(marked, list) else frozenset()
    in_groups = {m.path for g in result.groups for m in g.members}
    return OpenedResults(result, saved.roots, marks & in_groups, tuple(gone), tuple(changed))
