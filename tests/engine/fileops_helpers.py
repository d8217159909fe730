"""Helpers for the file-action tests: groups of files with known bytes, and their groups JSON."""

from __future__ import annotations

import json
import os
from dataclasses import asdict
from pathlib import Path

from engine.results import Group, Member


def member_of(path: Path | str, **kw) -> Member:
    st = os.stat(path)
    return Member(str(path), st.st_size, st.st_mtime_ns, 10, 10, 1.0, **kw)


def make_groups(root: Path, n_groups: int, per_group: int = 2, exact: bool = False) -> list[Group]:
    """``n_groups`` groups under ``root/lib/gN/``; member 0 is the keeper. Bytes are unique per file unless
    ``exact`` (then every member of a group holds the same bytes)."""
    groups = []
    for g in range(n_groups):
        members = []
        for k in range(per_group):
            p = root / "lib" / f"g{g}" / ("sub" if k else "") / f"photo{k}.jpg"
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_bytes((f"group {g} " + ("" if exact else f"file {k} ")).encode() * (50 + g))
            members.append(member_of(p))
        groups.append(Group(tuple(members), members[0].path, members[0].path, exact))
    return groups


def write_groups_json(groups: list[Group], path: Path, roots: list[str] | None = None) -> Path:
    doc = {
        "groups": [
            {"keeper": g.keeper, "reference": g.reference, "members": [asdict(m) for m in g.members]} for g in groups
        ]
    }
    if roots is not None:
        doc["roots"] = roots
    path.write_text(json.dumps(doc, indent=1))
    return path
