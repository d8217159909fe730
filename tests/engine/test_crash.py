"""Fault injection with real kill -9 (issue 12 item 4, issue 14's apply crash test).

A child process (crash_child.py) moves, moves across file systems (os.rename raising EXDEV), trashes (into a
freedesktop trash under tmp_path) or replaces by links, and SIGKILLs itself at a chosen step. Afterwards every
file exists exactly once with its bytes, every path of a link action holds its old bytes or a valid link even
before recovery, recovery closes every open intent, every file that moved is in the log, and Undo restores all.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from fileops_helpers import make_groups, write_groups_json

from engine.actionlog import open_intents, read_log
from engine.fileops import recover, undo_last

CHILD = Path(__file__).with_name("crash_child.py")
REPO = Path(__file__).resolve().parents[2]


def run_child(tmp_path: Path, **spec) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "DOPPEL_DATA_DIR": str(tmp_path / "data"),
        "HOME": str(tmp_path),
        "XDG_DATA_HOME": str(tmp_path / "xdg"),
        "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]),
    }
    return subprocess.run(
        [sys.executable, str(CHILD), json.dumps(spec)], env=env, capture_output=True, text=True, timeout=60
    )


def contents(root: Path) -> dict[bytes, int]:
    """How many regular files under ``root`` hold each content (trash info, the log, links left out)."""
    counts: dict[bytes, int] = {}
    for folder, _dirs, names in os.walk(root):
        for n in names:
            p = os.path.join(folder, n)
            if not n.endswith((".trashinfo", ".jsonl", ".json", ".lock")) and not os.path.islink(p):
                data = Path(p).read_bytes()
                counts[data] = counts.get(data, 0) + 1
    return counts


CASES = [  # action, cross-device, kill point, at which call, what the kill leaves (checked before recovery)
    ("move", False, "rename-after", 2, "moved without a done line"),
    ("move", True, "rename-before", 2, "a temporary copy"),  # copied and fsynced, not yet renamed
    ("move", True, "unlink-before", 1, "two copies"),  # renamed into place, source not yet removed
    ("move", True, "unlink-before", 3, "two copies"),
    ("trash", False, "rename-before", 2, "a stray .trashinfo"),  # info written, file not yet in the trash
    ("trash", False, "rename-after", 3, "moved without a done line"),
]


def left_behind(tmp_path: Path, before: dict[str, bytes], trash: Path) -> set[str]:
    """What a kill left that recovery must settle."""
    found = set()
    if list(tmp_path.rglob(".doppel-*")):
        found.add("a temporary copy")
    if any(n > 1 for n in contents(tmp_path).values()):
        found.add("two copies")
    if (trash / "info").is_dir() and len(os.listdir(trash / "info")) > len(os.listdir(trash / "files")):
        found.add("a stray .trashinfo")
    done = {r["path"] for r in read_log() if r.get("status") == "done"}
    if any(not os.path.exists(p) and p not in done for p in before):
        found.add("moved without a done line")
    return found


@pytest.mark.parametrize(("action", "cross_device", "kill", "at", "leaves"), CASES)
def test_kill_9_mid_action_loses_nothing_and_undo_restores_all(
    tmp_path, monkeypatch, freedesktop_trash, action, cross_device, kill, at, leaves
):
    monkeypatch.setenv("DOPPEL_DATA_DIR", str(tmp_path / "data"))
    groups = make_groups(tmp_path, 4)
    before = {m.path: Path(m.path).read_bytes() for g in groups for m in g.members}
    spec_file = write_groups_json(groups, tmp_path / "groups.json")
    out = run_child(
        tmp_path,
        groups=str(spec_file),
        action=action,
        to=str(tmp_path / "to"),
        cross_device=cross_device,
        kill=kill,
        at=at,
    )
    assert out.returncode == -signal.SIGKILL, out.stderr
    assert open_intents(read_log()), "the child died with an intent open"
    assert leaves in left_behind(tmp_path, before, freedesktop_trash)

    recover()
    trash_made = (freedesktop_trash / "info").is_dir()
    assert open_intents(read_log()) == []
    counts = contents(tmp_path)
    assert all(counts.get(data) == 1 for data in before.values()), "a file is missing or doubled"
    assert not list(tmp_path.rglob(".doppel-*")), "a temporary copy or link was left"
    infos = {n.removesuffix(".trashinfo") for n in os.listdir(freedesktop_trash / "info")} if trash_made else set()
    assert infos == (set(os.listdir(freedesktop_trash / "files")) if trash_made else set()), "a stray .trashinfo"
    gone = {p for p in before if not os.path.exists(p)}
    assert gone, "the kill came before anything happened; the case tests nothing"
    done = {r["path"]: r.get("dest") for r in read_log() if r.get("status") == "done"}
    assert gone <= set(done) and all(done[p] and Path(done[p]).read_bytes() == before[p] for p in gone)

    back = undo_last()
    assert not back.skipped
    assert {p: Path(p).read_bytes() for p in before} == before


@pytest.mark.parametrize(("kind", "kill", "at"), [("hardlink", "rename-before", 2), ("symlink", "rename-after", 3)])
def test_kill_9_mid_apply_leaves_old_bytes_or_a_valid_link(tmp_path, monkeypatch, kind, kill, at):
    """Issue 14: through ``main.py apply``; each path holds its bytes at every moment, recovery or not."""
    monkeypatch.setenv("DOPPEL_DATA_DIR", str(tmp_path / "data"))
    groups = make_groups(tmp_path, 4, exact=True)
    before = {m.path: Path(m.path).read_bytes() for g in groups for m in g.members}
    spec_file = write_groups_json(groups, tmp_path / "groups.json")
    out = run_child(tmp_path, groups=str(spec_file), action=kind, cli=True, kill=kill, at=at)
    assert out.returncode == -signal.SIGKILL, out.stderr
    assert {p: Path(p).read_bytes() for p in before} == before
    links = [p for p in before if os.path.islink(p) or os.stat(p).st_nlink > 1]
    assert links and len(links) < len(before)
    recover()
    assert not list(tmp_path.rglob(".doppel-*")) and open_intents(read_log()) == []
    undo_last()
    assert {p: Path(p).read_bytes() for p in before} == before
    assert not [p for p in before if os.path.islink(p) or os.stat(p).st_nlink > 1]
