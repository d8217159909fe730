"""engine.recovery: an action interrupted at each step is finished or rolled back from its open intents, and Undo
afterwards puts everything back (issue 12 item 4). The crash is simulated in-process by raising a BaseException
at the step, which nothing catches, as kill -9 would; tests/engine/test_crash.py does it with real SIGKILLs."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest
from fileops_helpers import make_groups

from engine import trash as trash_mod
from engine.actionlog import ActionLog, default_log_path, open_intents, read_log
from engine.fileops import link_files, move_files, recover, trash_files, undo, undo_last

REAL_RENAME, REAL_REPLACE, REAL_UNLINK = os.rename, os.replace, os.unlink


class Crash(BaseException):
    """Stands for kill -9: no except clause in the engine stops it."""


@pytest.fixture(autouse=True)
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("DOPPEL_DATA_DIR", str(tmp_path / "data"))


def crash_on(monkeypatch, name: str, nth: int, when: str = "before", cross_device: bool = False) -> None:
    """Make the ``nth`` call of os.rename (or os.replace) / os.unlink crash, ``before`` or ``after`` it acts."""
    real = {"rename": REAL_RENAME, "replace": REAL_REPLACE, "unlink": REAL_UNLINK}
    calls = {"rename": 0, "unlink": 0}

    def wrap(fn_name):
        counter = "rename" if fn_name == "replace" else fn_name

        def fn(*args, **kwargs):
            a = [os.fspath(x) for x in args[:2]]
            if counter == "rename" and cross_device and os.path.dirname(a[0]) != os.path.dirname(a[1]):
                raise OSError(errno.EXDEV, "Invalid cross-device link")
            calls[counter] += 1
            hit = counter == name and calls[counter] == nth
            if hit and when == "before":
                raise Crash()
            real[fn_name](*args, **kwargs)
            if hit:
                raise Crash()

        return fn

    for fn_name in real:
        monkeypatch.setattr(os, fn_name, wrap(fn_name))


def snapshot(groups) -> dict[str, bytes]:
    return {m.path: Path(m.path).read_bytes() for g in groups for m in g.members}


def marked(groups):
    return [m for g in groups for m in g.members if m.path != g.keeper]


def files_under(root: Path) -> dict[bytes, int]:
    counts: dict[bytes, int] = {}
    for folder, _dirs, names in os.walk(root):
        for n in names:
            p = os.path.join(folder, n)
            if n.endswith((".trashinfo", ".jsonl", ".lock")) or os.path.islink(p):
                continue
            data = Path(p).read_bytes()
            counts[data] = counts.get(data, 0) + 1
    return counts


def settle_and_check(tmp_path, monkeypatch, before: dict[str, bytes]) -> None:
    """After the crash: recover, then every file exists exactly once, every moved file is logged, Undo restores."""
    monkeypatch.undo()  # the real os again (and the patched trash fixture, re-applied by the caller if needed)
    monkeypatch.setenv("DOPPEL_DATA_DIR", str(tmp_path / "data"))
    recover()
    assert open_intents(read_log()) == []
    counts = files_under(tmp_path)
    assert all(counts.get(data) == 1 for data in before.values()), "a file is missing or doubled"
    assert not [p for p in Path(tmp_path).rglob(".doppel-*")]
    logged = {r["path"] for r in read_log() if r.get("status") == "done"}
    assert {p for p in before if not os.path.exists(p)} <= logged
    undo_last()
    assert {p: Path(p).read_bytes() for p in before if os.path.exists(p)} == before


@pytest.mark.parametrize(("name", "nth", "when"), [("rename", 1, "after"), ("rename", 2, "before")])
def test_move_interrupted(tmp_path, monkeypatch, name, nth, when):
    groups = make_groups(tmp_path, 3)
    before = snapshot(groups)
    crash_on(monkeypatch, name, nth, when)
    with pytest.raises(Crash):
        move_files(marked(groups), tmp_path / "to", groups)
    settle_and_check(tmp_path, monkeypatch, before)


@pytest.mark.parametrize(
    ("name", "nth", "when"),
    [("rename", 2, "before"), ("unlink", 1, "before"), ("unlink", 2, "after")],
    ids=["copied-not-renamed", "renamed-source-still-there", "moved-no-done-line"],
)
def test_cross_device_move_interrupted(tmp_path, monkeypatch, name, nth, when):
    groups = make_groups(tmp_path, 3)
    before = snapshot(groups)
    crash_on(monkeypatch, name, nth, when, cross_device=True)
    with pytest.raises(Crash):
        move_files(marked(groups), tmp_path / "to", groups)
    settle_and_check(tmp_path, monkeypatch, before)


@pytest.mark.parametrize(("nth", "when"), [(2, "before"), (2, "after")], ids=["trashinfo-only", "no-done-line"])
def test_trash_interrupted(tmp_path, monkeypatch, freedesktop_trash, nth, when):
    groups = make_groups(tmp_path, 3)
    before = snapshot(groups)
    crash_on(monkeypatch, "rename", nth, when)
    with pytest.raises(Crash):
        trash_files(marked(groups), groups)
    orphans = len(os.listdir(freedesktop_trash / "info")) - len(os.listdir(freedesktop_trash / "files"))
    assert orphans == (1 if when == "before" else 0)
    monkeypatch.undo()
    trash_fixture_again(tmp_path, monkeypatch)
    recover()
    trashed = 1 if when == "before" else 2
    assert len(os.listdir(freedesktop_trash / "info")) == len(os.listdir(freedesktop_trash / "files")) == trashed
    assert all(r.get("dest") for r in read_log() if r.get("status") == "done")
    undo_last()
    assert snapshot(groups) == before and not os.listdir(freedesktop_trash / "files")


def trash_fixture_again(tmp_path, monkeypatch) -> None:
    from send2trash import plat_other

    monkeypatch.setenv("DOPPEL_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setattr(plat_other, "XDG_DATA_HOME", os.fsencode(tmp_path / "xdg"))
    monkeypatch.setattr(plat_other, "HOMETRASH_B", os.fsencode(tmp_path / "xdg" / "Trash"))


@pytest.mark.parametrize("when", ["before", "after"])
def test_link_interrupted_leaves_the_old_file_or_the_link(tmp_path, monkeypatch, when):
    groups = make_groups(tmp_path, 3, exact=True)
    before = snapshot(groups)
    crash_on(monkeypatch, "rename", 2, when)
    with pytest.raises(Crash):
        link_files(marked(groups), groups, kind="hardlink")
    assert snapshot(groups) == before  # every path holds its bytes, through the old file or the link
    monkeypatch.undo()
    monkeypatch.setenv("DOPPEL_DATA_DIR", str(tmp_path / "data"))
    recovered = recover()
    assert [o.ok for o in recovered] == [True, True] and not list(tmp_path.rglob(".doppel-*"))
    linked = [m for m in marked(groups) if os.stat(m.path).st_nlink == 2]
    assert len(linked) == (2 if when == "after" else 1)
    undo_last()
    assert snapshot(groups) == before and all(os.stat(m.path).st_nlink == 1 for m in marked(groups))


def test_near_link_interrupted_after_the_trash_is_finished(tmp_path, monkeypatch, freedesktop_trash):
    groups = make_groups(tmp_path, 1)
    before = snapshot(groups)
    (m,) = marked(groups)

    def trash_then_crash(path):
        trash_mod.send_to_trash(path)
        raise Crash()

    with pytest.raises(Crash):
        link_files([m], groups, kind="symlink", include_near=True, trash=trash_then_crash)
    assert not os.path.lexists(m.path)  # the one moment the path is empty; recovery closes it
    (o,) = recover()
    assert o.ok and os.path.realpath(m.path) == groups[0].keeper
    back = undo(r for r in _done(read_log()))
    assert back.done and snapshot(groups) == before and not os.listdir(freedesktop_trash / "files")


def _done(records):
    intents = {(r["batch"], r["n"]): r for r in records if r.get("status") == "intent"}
    return [{**intents[(r["batch"], r["n"])], **r} for r in records if r.get("status") == "done"]


def _leave_open(*intents) -> None:
    """Intents as a crash (or an older, damaged log) leaves them: written, never closed."""
    with ActionLog.open(default_log_path()) as log:
        for n, fields in enumerate(intents):
            log.write({"batch": "damaged", "n": n, "status": "intent", **fields})


def test_an_undo_intent_without_the_trash_place_is_reported_and_touches_nothing(tmp_path):
    keeper = tmp_path / "a.jpg"
    keeper.write_bytes(b"keeper")
    path, tmp = tmp_path / "b.jpg", tmp_path / ".doppel-tmp"  # the link gone, the original not yet back
    _leave_open(dict(action="undo-link", kind="symlink", path=str(path), target=str(keeper), tmp=str(tmp), near=True))
    (o,) = recover()
    assert not o.ok and "place in the trash is unknown" in o.message
    assert open_intents(read_log()) == [] and read_log()[-1]["status"] == "failed"
    assert keeper.read_bytes() == b"keeper" and not path.exists()


def test_an_intent_with_a_damaged_action_is_closed_not_raised(tmp_path):
    photo = tmp_path / "b.jpg"
    photo.write_bytes(b"photo")
    _leave_open({"action": ["move"], "path": str(photo), "dest": str(tmp_path / "moved.jpg")})
    (o,) = recover()
    assert not o.ok and "unknown action" in o.message
    assert open_intents(read_log()) == [] and photo.read_bytes() == b"photo"
