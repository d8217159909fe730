"""engine.filemoves and moves across file systems (simulated: os.rename raises EXDEV between folders), issue 12
items 4 and 6: copy to a temporary name, fsync, rename, then remove the source; never two copies left behind."""

from __future__ import annotations

import errno
import os

import pytest
from fileops_helpers import make_groups

from engine import filemoves
from engine.actionlog import read_log
from engine.filemoves import free_name, move_file, replace_with_link
from engine.fileops import move_files, undo

REAL_RENAME = os.rename


@pytest.fixture(autouse=True)
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("DOPPEL_DATA_DIR", str(tmp_path / "data"))


@pytest.fixture
def cross_device(monkeypatch):
    """Every rename between two folders fails as it does between file systems; renames inside one folder work."""
    renames = []

    def rename(src, dst, *args, **kwargs):
        if os.path.dirname(os.fspath(src)) != os.path.dirname(os.fspath(dst)):
            raise OSError(errno.EXDEV, "Invalid cross-device link")
        renames.append((os.fspath(src), os.fspath(dst)))
        REAL_RENAME(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "rename", rename)
    return renames


def marked(groups):
    return [m for g in groups for m in g.members if m.path != g.keeper]


def test_a_cross_device_move_goes_through_a_temporary_name_and_undo_comes_back(tmp_path, cross_device):
    groups = make_groups(tmp_path, 2)
    files = marked(groups)
    data = {m.path: open(m.path, "rb").read() for m in files}
    report = move_files(files, tmp_path / "to", groups)
    assert len(report.done) == 2
    for o in report.done:
        assert not os.path.exists(o.path) and open(o.dest, "rb").read() == data[o.path]
        assert os.stat(o.dest).st_mtime_ns == next(m.mtime_ns for m in files if m.path == o.path)
    assert [os.path.basename(s).startswith(".doppel-") for s, _ in cross_device] == [True, True]
    assert [r.get("copied") for r in read_log() if r["status"] == "done"] == [True, True]
    assert not [n for n in os.listdir(tmp_path / "to") if n.startswith(".doppel-")]
    back = undo(report.undoable)
    assert len(back.done) == 2 and all(open(p, "rb").read() == b for p, b in data.items())


def test_read_only_source_folder_leaves_no_copy_behind(tmp_path, cross_device, monkeypatch):
    """Issue 12 item 6: the copy is made, the source cannot be removed, so the copy goes again."""
    groups = make_groups(tmp_path, 1)
    (m,) = marked(groups)
    real_unlink = os.unlink

    def unlink(path, *args, **kwargs):
        if os.fspath(path) == m.path:
            raise PermissionError(errno.EACCES, "Permission denied", path)
        real_unlink(path, *args, **kwargs)

    monkeypatch.setattr(os, "unlink", unlink)
    report = move_files([m], tmp_path / "to", groups)
    assert not report.done and "Permission denied" in report.skipped[0].message
    assert os.path.exists(m.path) and os.listdir(tmp_path / "to") == []
    assert [r["status"] for r in read_log()] == ["intent", "failed"]


def test_read_only_source_folder_is_refused_before_copying(tmp_path, cross_device, monkeypatch):
    groups = make_groups(tmp_path, 1)
    (m,) = marked(groups)
    copies = []
    monkeypatch.setattr(os, "access", lambda path, mode, **kw: False)
    monkeypatch.setattr(filemoves, "copy_durably", lambda *a: copies.append(a))
    report = move_files([m], tmp_path / "to", groups)
    assert copies == [] and "read-only" in report.skipped[0].message and os.path.exists(m.path)


def test_move_file_never_overwrites(tmp_path):
    src, dest = tmp_path / "a.jpg", tmp_path / "b.jpg"
    src.write_bytes(b"a")
    dest.write_bytes(b"b")
    with pytest.raises(FileExistsError):
        move_file(str(src), str(dest), str(tmp_path / ".t"))
    assert src.read_bytes() == b"a" and dest.read_bytes() == b"b"
    assert free_name(str(dest), {str(tmp_path / "b (1).jpg")}) == str(tmp_path / "b (2).jpg")


def test_a_failed_link_rename_leaves_the_file_and_no_temporary(tmp_path, monkeypatch):
    target, path = tmp_path / "k.jpg", tmp_path / "d.jpg"
    target.write_bytes(b"k")
    path.write_bytes(b"k")

    def fail(*args, **kwargs):
        raise OSError(errno.EIO, "I/O error")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OSError):
        replace_with_link(str(path), str(target), str(tmp_path / ".doppel-x.tmp"), "hardlink")
    assert path.read_bytes() == b"k" and sorted(os.listdir(tmp_path)) == ["d.jpg", "k.jpg"]
