"""``main.py apply`` / ``undo`` on a temporary library (issue 14 item 1); the kill -9 case is in test_crash.py."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from fileops_helpers import make_groups, write_groups_json

from engine.actionlog import read_log
from engine.cli import main as cli

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("DOPPEL_DATA_DIR", str(tmp_path / "data"))


@pytest.fixture
def library(tmp_path):
    """Two groups of byte copies (keeper + two, keeper + one) and their groups JSON with the scanned root."""
    groups = make_groups(tmp_path, 2, per_group=3, exact=True)
    os.remove(groups[1].members[2].path)
    groups[1] = replace(groups[1], members=groups[1].members[:2])
    spec = write_groups_json(groups, tmp_path / "groups.json", roots=[str(tmp_path / "lib")])
    before = {m.path: Path(m.path).read_bytes() for g in groups for m in g.members}
    return groups, spec, before


def extras(groups):
    return [m.path for g in groups for m in g.members if m.path != g.keeper]


def test_dry_run_changes_nothing(library, tmp_path, capsys):
    groups, spec, before = library
    stat_before = {p: os.stat(p) for p in before}
    for action in ("trash", "hardlink", "symlink"):
        assert cli(["apply", str(spec), "--action", action, "--dry-run"]) == 0
    assert cli(["apply", str(spec), "--action", "move", "--to", str(tmp_path / "to"), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "would move to " + str(tmp_path / "to" / "g0" / "sub" / "photo1.jpg") in out
    assert out.count("nothing was touched") == 4
    assert {p: os.stat(p) for p in before} == stat_before and not (tmp_path / "to").exists()
    assert read_log() == []


def test_hardlink_keeps_every_path_sharing_the_keepers_inode(library, capsys):
    groups, spec, before = library
    assert cli(["apply", str(spec), "--action", "hardlink"]) == 0
    for g in groups:
        ino = os.stat(g.keeper).st_ino
        assert all(os.stat(m.path).st_ino == ino for m in g.members)
    assert {p: Path(p).read_bytes() for p in before} == before
    assert "3 files replaced by hard links" in capsys.readouterr().out
    assert cli(["undo"]) == 0
    assert all(os.stat(p).st_nlink == 1 for p in before)


def test_a_file_changed_after_the_scan_is_skipped(library, capsys):
    groups, spec, before = library
    changed = extras(groups)[0]
    Path(changed).write_bytes(b"edited since")
    assert cli(["apply", str(spec), "--action", "symlink"]) == 1
    out = capsys.readouterr().out
    assert f"skipped   {changed} changed since the scan" in out and "1 skipped" in out
    assert not os.path.islink(changed) and all(os.path.islink(p) for p in extras(groups)[1:])


def test_a_changed_keeper_protects_its_group(library, capsys):
    groups, spec, _ = library
    os.utime(groups[0].keeper, ns=(1, 1))
    assert cli(["apply", str(spec), "--action", "hardlink"]) == 1
    out = capsys.readouterr().out
    assert out.count("no copy that stays in its group still matches the scan") == 2


def test_symlinks_relative_and_absolute_resolve_to_the_keeper(library, tmp_path):
    groups, spec, before = library
    assert cli(["apply", str(spec), "--action", "symlink", "--relative"]) == 0
    for g in groups:
        for p in extras([g]):
            assert not os.path.isabs(os.readlink(p)) and os.path.realpath(p) == g.keeper
    assert cli(["undo"]) == 0
    assert cli(["apply", str(spec), "--action", "symlink"]) == 0
    assert all(os.readlink(p) in (g.keeper for g in groups) for p in extras(groups))
    assert {p: Path(p).read_bytes() for p in before} == before


def test_an_edited_keeper_and_a_protected_folder_are_honoured(library, tmp_path):
    groups, spec, _ = library
    doc = json.loads(spec.read_text())
    new_keeper = doc["groups"][0]["members"][2]["path"]
    doc["groups"][0]["keeper"] = new_keeper
    spec.write_text(json.dumps(doc))
    protected = tmp_path / "lib" / "g1"
    assert cli(["apply", str(spec), "--action", "move", "--to", str(tmp_path / "to"), "--protect", str(protected)]) == 1
    assert os.path.exists(new_keeper) and not os.path.exists(groups[0].keeper)
    assert (tmp_path / "to" / "g0" / "photo0.jpg").exists()  # the tree below the scanned root is kept
    assert all(os.path.exists(m.path) for m in groups[1].members)


def test_move_never_overwrites(library, tmp_path):
    groups, spec, _ = library
    there = tmp_path / "to" / "g0" / "sub" / "photo1.jpg"
    there.parent.mkdir(parents=True)
    there.write_bytes(b"already here")
    assert cli(["apply", str(spec), "--action", "move", "--to", str(tmp_path / "to")]) == 0
    assert there.read_bytes() == b"already here" and (there.parent / "photo1 (1).jpg").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--action", "move"], "--action move needs --to DIR"),
        (["--action", "trash", "--to", "/tmp"], "--to is only for --action move"),
        (["--action", "hardlink", "--relative"], "--relative is only for --action symlink"),
        (["--action", "trash", "--include-near"], "--include-near is only for"),
        (["--action", "trash", "--protect", "/no/such/folder"], "is not a folder"),
    ],
)
def test_bad_flags_exit_2_with_one_line(library, capsys, args, message):
    _, spec, before = library
    assert cli(["apply", str(spec), *args]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
    assert all(os.path.exists(p) for p in before)


@pytest.mark.parametrize(
    "content",
    ["not json", "[]", '{"groups": [{"members": []}]}', '{"groups": [{"keeper": "/a", "members": [{"path": "a"}]}]}'],
)
def test_bad_files_exit_2_with_one_line(tmp_path, capsys, content):
    bad = tmp_path / "bad.json"
    bad.write_text(content)
    assert cli(["apply", str(bad), "--action", "trash"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("doppel: error: ") and err.count("\n") == 1


def test_trash_through_main_py_goes_to_the_freedesktop_trash(library, tmp_path):
    groups, spec, before = library
    env = {
        **os.environ,
        "HOME": str(tmp_path),
        "XDG_DATA_HOME": str(tmp_path / "xdg"),
        "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]),
    }
    run = [sys.executable, str(REPO / "main.py")]
    out = subprocess.run([*run, "apply", str(spec), "--action", "trash"], env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    trashed = sorted(os.listdir(tmp_path / "xdg" / "Trash" / "files"))
    assert len(trashed) == 3 and not any(os.path.exists(p) for p in extras(groups))
    assert all(os.path.exists(g.keeper) for g in groups)
    assert "3 files trashed" in out.stdout and str(tmp_path / "xdg" / "Trash" / "files") in out.stdout
    out = subprocess.run([*run, "undo"], env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert {p: Path(p).read_bytes() for p in before} == before
    assert not os.listdir(tmp_path / "xdg" / "Trash" / "files")


def test_near_duplicates_are_linked_only_when_asked_and_the_output_says_what_is_lost(
    tmp_path, capsys, freedesktop_trash
):
    groups = make_groups(tmp_path, 1)  # different bytes: a near-duplicate pair
    spec = write_groups_json(groups, tmp_path / "groups.json")
    (near,) = extras(groups)
    assert cli(["apply", str(spec), "--action", "hardlink"]) == 1
    out = capsys.readouterr().out
    assert "a near-duplicate, not a byte copy" in out and "Hint: --include-near" in out
    assert os.stat(near).st_nlink == 1
    assert cli(["apply", str(spec), "--action", "hardlink", "--include-near"]) == 0
    out = capsys.readouterr().out
    assert "its own bytes are in the trash" in out and "its own pixels exist only in the trash" in out
    assert os.path.samefile(near, groups[0].keeper) and len(os.listdir(freedesktop_trash / "files")) == 1
