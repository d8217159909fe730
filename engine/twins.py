"""A camera RAW and the JPEG (or HEIF) the camera wrote beside it: one shot, so always one group; which of the two
stays is the user's setting (``ScanSettings.raw_jpeg``: keep the RAW, the JPEG, or both).

Twins are found by name, not by pixels: the same folder, the same file name but for the extension (case
ignored: ``IMG_0001.CR2`` and ``IMG_0001.JPG``), one a RAW format and the other a camera format, and capture
times that agree when both files have one (a camera counter that wrapped names another shot the same). The scan
joins each such pair as a certain match, as it does a pair the user labelled "is a duplicate".
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime

from engine.raw import RAW_FORMATS
from engine.results import Group, Member
from engine.settings import RAW_JPEG_RULES

TWIN_FORMATS = frozenset({"JPEG", "HEIF"})  # what a camera writes beside its RAW
SAME_SHOT_SECONDS = 2.0  # capture times this close (or one unknown) are one shot


def is_raw(m: Member) -> bool:
    return m.fmt.upper() in RAW_FORMATS


def _key(m: Member) -> tuple[str, str]:
    folder, name = os.path.split(m.path)
    return os.path.normcase(folder), os.path.splitext(name)[0].casefold()


def _same_time(a: Member, b: Member) -> bool:
    if not a.capture_time or not b.capture_time:
        return True
    try:
        gap = datetime.fromisoformat(a.capture_time) - datetime.fromisoformat(b.capture_time)
    except ValueError:
        return True
    return abs(gap.total_seconds()) <= SAME_SHOT_SECONDS


def twin_pairs(members: Iterable[Member]) -> frozenset[frozenset[str]]:
    """Every (RAW, camera JPEG/HEIF) pair of one shot among ``members``, as frozensets of their two paths."""
    by_key: dict[tuple[str, str], list[Member]] = defaultdict(list)
    for m in members:
        if is_raw(m) or m.fmt.upper() in TWIN_FORMATS:
            by_key[_key(m)].append(m)
    out: set[frozenset[str]] = set()
    for found in by_key.values():
        raws = [m for m in found if is_raw(m)]
        others = [m for m in found if not is_raw(m)]
        out |= {frozenset((r.path, o.path)) for r in raws for o in others if _same_time(r, o)}
    return frozenset(out)


def kept_by_rule(group: Group, rule: str) -> frozenset[str]:
    """The members of the group's RAW + JPEG pairs that ``rule`` keeps: auto-mark never marks them."""
    pairs = twin_pairs(group.members)
    if not pairs or rule not in RAW_JPEG_RULES:
        return frozenset()
    by_path = {m.path: m for m in group.members}
    paired = {p for pair in pairs for p in pair}
    if rule == "both":
        return frozenset(paired)
    want_raw = rule == "raw"
    return frozenset(p for p in paired if is_raw(by_path[p]) == want_raw)


def with_twin_keeper(group: Group, rule: str) -> Group:
    """``group`` with its keeper moved to its twin when the rule keeps the twin instead (a JPEG keeper under
    "keep the RAW" hands the role to its RAW); otherwise unchanged."""
    kept = kept_by_rule(group, rule)
    if not kept or group.keeper in kept:
        return group
    twins = sorted(p for pair in twin_pairs(group.members) if group.keeper in pair for p in pair if p in kept)
    return replace(group, keeper=twins[0]) if twins else group
