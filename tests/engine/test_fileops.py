"""engine.fileops: trash and move marked files safely (re-check before touching, never the last copy, a log)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from engine import fileops
from engine.fileops import LastCopyError, move_files, read_log, trash_files, undo_moves, without_paths
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
    assert [(e["action"], e["path"], e["status"]) for e in log] == [("trash", p, "done") for p in rec.paths]
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
    assert [e["status"] for e in read_log()] == ["skipped", "skipped"]


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
    assert [e["action"] for e in read_log()] == ["move", "move", "undo-move", "undo-move"]


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
