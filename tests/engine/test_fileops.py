"""engine.fileops: trash and move marked files safely (re-check before touching, never the last copy, a log)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from engine import fileops
from engine.fileops import (
    LastCopyError,
    link_files,
    move_files,
    read_log,
    trash_files,
    undo,
    undo_last,
    undo_moves,
    without_paths,
)
from engine.results import Group, Member, PairScore, ScanResult


@pytest.fixture(autouse=True)
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("DOPPEL_DATA_DIR", str(tmp_path / "data"))


def member(path: Path, score: float = 1.0, exact_of: str | None = None) -> Member:
    st = path.stat()
    return Member(str(path), st.st_size, st.st_mtime_ns, 10, 10, score, exact_of=exact_of)


def write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


class Recorder:
    def __init__(self) -> None:
        self.paths: list[str] = []

    def __call__(self, path: str) -> None:
        self.paths.append(path)
        os.remove(path)


@pytest.fixture
def group(tmp_path):
    files = [write(tmp_path / "photos" / f"{n}.jpg", b"same bytes") for n in "abc"]
    members = tuple(member(f) for f in files)
    return Group(members=members, reference=members[0].path, keeper=members[0].path, exact=True)


def test_trash_sends_marked_files_and_logs(group, tmp_path):
    rec = Recorder()
    report = trash_files(group.members[1:], [group], trash=rec)
    assert rec.paths == [m.path for m in group.members[1:]]
    assert [o.path for o in report.done] == rec.paths and not report.skipped
    assert os.path.exists(group.keeper)
    log = read_log()
    steps = [(e["action"], e["path"], e["status"]) for e in log]
    assert steps == [("trash", p, s) for s in ("intent",) for p in rec.paths] + [
        ("trash", p, "done") for p in rec.paths
    ]
    assert fileops.default_log_path() == tmp_path / "data" / "actions.jsonl"


def test_refuses_to_remove_every_member(group):
    rec = Recorder()
    with pytest.raises(LastCopyError):
        trash_files(group.members, [group], trash=rec)
    assert rec.paths == []
    assert all(os.path.exists(m.path) for m in group.members)


def test_changed_or_vanished_file_is_skipped_not_touched(group):
    rec = Recorder()
    changed, vanished = group.members[1], group.members[2]
    with open(changed.path, "ab") as fh:
        fh.write(b" edited")
    os.remove(vanished.path)
    report = trash_files([changed, vanished], [group], trash=rec)
    assert rec.paths == []
    assert os.path.exists(changed.path)
    assert {o.path for o in report.skipped} == {changed.path, vanished.path}
    assert "changed since the scan" in next(o.message for o in report.skipped if o.path == changed.path)
    assert [e["status"] for e in read_log()] == ["skipped", "skipped"]  # nothing was meant to be touched


def test_same_size_new_mtime_is_a_change(group):
    m = group.members[1]
    os.utime(m.path, ns=(m.mtime_ns + 5_000_000_000, m.mtime_ns + 5_000_000_000))
    report = trash_files([m], [group], trash=Recorder())
    assert report.skipped and os.path.exists(m.path)


def test_protected_folder_is_skipped(tmp_path):
    keep = member(write(tmp_path / "a" / "x.jpg", b"x"))
    safe = member(write(tmp_path / "safe" / "x.jpg", b"x"))
    rec = Recorder()
    report = trash_files(
        [safe], [Group((keep, safe), keep.path, keep.path, True)], trash=rec, protected=[str(tmp_path / "safe")]
    )
    assert rec.paths == [] and "protected" in report.skipped[0].message


def test_move_and_undo(group, tmp_path):
    dest = tmp_path / "moved"
    write(dest / "b.jpg", b"already here")  # a clash gets a new name
    report = move_files(group.members[1:], dest, [group])
    assert len(report.done) == 2
    assert report.moves[0] == (group.members[1].path, str(dest / "b (1).jpg"))
    assert not os.path.exists(group.members[1].path) and (dest / "c.jpg").exists()
    undo = undo_moves(report.moves)
    assert len(undo.done) == 2
    assert all(os.path.exists(m.path) for m in group.members)
    assert (dest / "b.jpg").read_bytes() == b"already here"
    assert [(e["action"], e["status"]) for e in read_log()] == [("move", "intent")] * 2 + [("move", "done")] * 2 + [
        ("undo-move", "intent")
    ] * 2 + [("undo-move", "done")] * 2


def test_undo_leaves_file_when_original_place_is_taken(group, tmp_path):
    report = move_files(group.members[1:2], tmp_path / "moved", [group])
    write(Path(group.members[1].path), b"new file")
    undo = undo_moves(report.moves)
    assert not undo.done and "exists again" in undo.skipped[0].message


def test_without_paths_promotes_a_byte_copy(tmp_path):
    a, b, c, d = (member(write(tmp_path / f"{n}.jpg", b"x")) for n in "abcd")
    b = Member(b.path, b.size, b.mtime_ns, 10, 10, 1.0, exact_of=a.path)
    c = Member(c.path, c.size, c.mtime_ns, 10, 10, 1.0, exact_of=a.path)
    result = ScanResult(
        groups=(),
        pairs=(PairScore(a.path, d.path, 0.9), PairScore(c.path, d.path, 0.9)),
        skipped=(),
        threshold=0.8,
        model_id="m",
        files_scanned=4,
        catalog={m.path: m for m in (a, b, c, d)},
    )
    out = without_paths(result, [a.path])
    assert a.path not in out.catalog
    assert out.catalog[b.path].exact_of is None and out.catalog[c.path].exact_of == b.path
    assert out.pairs == (PairScore(c.path, d.path, 0.9),)


# ---- issue 12 item 3: the last-copy rule re-checks the members that stay ----------------------------------------


def test_keeper_gone_after_the_scan_refuses_the_group(group):
    rec = Recorder()
    keeper, marked = group.members[0], group.members[1]
    two = Group((keeper, marked), keeper.path, keeper.path, True)
    os.remove(keeper.path)
    report = trash_files([marked], [two], trash=rec)
    assert rec.paths == [] and os.path.exists(marked.path)
    assert "no copy that stays in its group still matches the scan" in report.skipped[0].message
    assert keeper.path in report.skipped[0].message


def test_keeper_edited_after_the_scan_refuses_the_group(group, tmp_path):
    keeper, marked = group.members[0], group.members[1]
    two = Group((keeper, marked), keeper.path, keeper.path, True)
    with open(keeper.path, "ab") as fh:
        fh.write(b" edited")
    report = move_files([marked], tmp_path / "moved", [two])
    assert not report.done and os.path.exists(marked.path) and not (tmp_path / "moved" / "b.jpg").exists()
    assert "changed since the scan" in report.skipped[0].message


def test_one_unchanged_member_that_stays_is_enough(group):
    rec = Recorder()
    os.remove(group.members[0].path)  # the keeper is gone, but c stays and still matches
    report = trash_files(group.members[1:2], [group], trash=rec)
    assert rec.paths == [group.members[1].path] and report.done


def test_groups_are_required_and_a_member_of_no_group_is_not_touched(group):
    with pytest.raises(TypeError):
        trash_files(group.members[1:], trash=Recorder())  # type: ignore[call-arg]
    rec = Recorder()
    report = trash_files(group.members[1:2], [], trash=rec)
    assert rec.paths == [] and "none of the groups given" in report.skipped[0].message


# ---- links, and Undo of every kind ------------------------------------------------------------------------------


def test_hardlink_replaces_byte_copies_and_undo_gives_each_its_own_bytes_back(group):
    keeper = group.members[0]
    report = link_files(group.members[1:], [group], kind="hardlink")
    assert len(report.done) == 2
    ino = os.stat(keeper.path).st_ino
    assert all(os.stat(m.path).st_ino == ino for m in group.members)
    assert not [n for n in os.listdir(os.path.dirname(keeper.path)) if n.startswith(".doppel-")]
    back = undo(report.undoable)
    assert len(back.done) == 2
    for m in group.members[1:]:
        st = os.stat(m.path)
        assert st.st_ino != ino and st.st_mtime_ns == m.mtime_ns and Path(m.path).read_bytes() == b"same bytes"


def test_symlink_relative_and_absolute(group):
    report = link_files(group.members[1:2], [group], kind="symlink", relative=True)
    assert report.done
    assert os.readlink(group.members[1].path) == "a.jpg"
    report = link_files(group.members[2:3], [group], kind="symlink")
    assert os.readlink(group.members[2].path) == group.keeper
    assert all(Path(m.path).read_bytes() == b"same bytes" for m in group.members)


def test_a_near_duplicate_is_not_linked_unless_asked_and_then_its_bytes_go_to_the_trash(tmp_path, freedesktop_trash):
    keeper = member(write(tmp_path / "lib" / "k.jpg", b"keeper pixels"))
    near = member(write(tmp_path / "lib" / "n.jpg", b"other pixels!"))
    g = Group((keeper, near), keeper.path, keeper.path, False)
    report = link_files([near], [g], kind="hardlink")
    assert "near-duplicate" in report.skipped[0].message and Path(near.path).read_bytes() == b"other pixels!"
    report = link_files([near], [g], kind="hardlink", include_near=True)
    trashed = report.done[0].dest
    assert trashed and Path(trashed).read_bytes() == b"other pixels!"
    assert os.path.samefile(near.path, keeper.path)
    back = undo(report.undoable)
    assert back.done and Path(near.path).read_bytes() == b"other pixels!" and not os.path.exists(trashed)
    assert not os.listdir(freedesktop_trash / "info")


def test_trash_records_its_place_and_undo_restores_it(group, freedesktop_trash):
    report = trash_files(group.members[1:], [group])
    places = [o.dest for o in report.done]
    assert all(p and p.startswith(str(freedesktop_trash / "files")) for p in places)
    assert [e.get("dest") for e in read_log() if e["status"] == "done"] == places
    back = undo_last()
    assert len(back.done) == 2 and all(os.path.exists(m.path) for m in group.members)
    assert not os.listdir(freedesktop_trash / "files") and not os.listdir(freedesktop_trash / "info")
    assert not undo_last().outcomes  # nothing left to undo


def test_dry_run_touches_nothing_and_logs_nothing(group, tmp_path):
    for act in (
        lambda: trash_files(group.members[1:], [group], trash=Recorder(), dry_run=True),
        lambda: move_files(group.members[1:], tmp_path / "to", [group], dry_run=True),
        lambda: link_files(group.members[1:], [group], kind="hardlink", dry_run=True),
    ):
        report = act()
        assert len(report.done) == 2 and "would" in report.done[0].message and not report.undoable
    assert all(Path(m.path).read_bytes() == b"same bytes" for m in group.members)
    assert len({os.stat(m.path).st_ino for m in group.members}) == 3
    assert not (tmp_path / "to").exists() and read_log() == []


def test_move_keeps_the_tree_below_the_scanned_root(tmp_path):
    keep = member(write(tmp_path / "lib" / "a" / "x.jpg", b"x"))
    dup = member(write(tmp_path / "lib" / "b" / "c" / "x.jpg", b"x"))
    g = Group((keep, dup), keep.path, keep.path, True)
    write(tmp_path / "to" / "b" / "c" / "x.jpg", b"there before")
    report = move_files([dup], tmp_path / "to", [g], roots=[str(tmp_path / "lib")])
    assert report.done[0].dest == str(tmp_path / "to" / "b" / "c" / "x (1).jpg")
    assert (tmp_path / "to" / "b" / "c" / "x.jpg").read_bytes() == b"there before"


def test_a_file_vanishing_between_two_looks_is_reported_not_raised(group, monkeypatch):
    from engine import actions

    def vanished(m):
        raise FileNotFoundError(2, "No such file or directory")

    monkeypatch.setattr(actions, "_scan_fields", vanished)
    report = trash_files(group.members[1:2], [group], trash=Recorder())
    assert "cannot be read (No such file or directory)" in report.skipped[0].message


def test_undo_of_a_damaged_record_is_reported_not_raised():
    report = undo([{"action": "move"}, {"action": "hardlink", "path": "/x"}])
    assert len(report.skipped) == 2 and not report.done


def test_undo_of_a_move_record_without_its_destination_says_so_and_touches_nothing(tmp_path):
    moved = write(tmp_path / "moved" / "b.jpg", b"moved here")
    original = str(tmp_path / "b.jpg")
    report = undo([{"action": "move", "path": original}, {"action": "move", "path": original, "dest": None}])
    assert not report.done and len(report.skipped) == 2
    assert all("no record of where it was moved to" in o.message for o in report.skipped)
    assert moved.read_bytes() == b"moved here" and not os.path.exists(original)
    assert [e["status"] for e in read_log()] == ["skipped", "skipped"]


def test_the_last_copy_rule_looks_at_the_whole_action_not_one_batch(group, monkeypatch):
    monkeypatch.setattr(fileops, "BATCH", 1)  # b and c are acted on in different batches
    os.remove(group.keeper)
    rec = Recorder()
    report = trash_files(group.members[1:], [group], trash=rec)
    assert rec.paths == [] and len(report.skipped) == 2
    assert all("no copy that stays" in o.message for o in report.skipped)
