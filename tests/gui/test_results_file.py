"""File > Save / Open results and Export as CSV in the real window: what was saved comes back as it was shown."""

from __future__ import annotations

import csv
import json
import os

from gui_helpers import copy, make_photo

from engine.groupsfile import read_groups

SCAN_TIMEOUT_MS = 30000


def scan(qtbot, window) -> None:
    with qtbot.waitSignal(window.scanner.scanEnded, timeout=SCAN_TIMEOUT_MS) as blocker:
        assert window.scanner.start()
    assert blocker.args[0] == "done"


def open_file(qtbot, window, path) -> None:
    with qtbot.waitSignal(window.results_file.opened, timeout=10000):
        assert window.results_file.open(str(path)) is not None


def shown(window) -> list[tuple[frozenset[str], str]]:
    return sorted((frozenset(m.path for m in g.members), g.keeper) for g in window.model.groups)


def test_save_then_open_round_trips_groups_keepers_and_marks(qtbot, window, photos, tmp_path) -> None:
    window.folders.add_folder(str(photos))
    scan(qtbot, window)
    window.marks.auto_mark("newest")  # keepers other than the suggested ones, and marks
    before, marked = shown(window), window.model.marked
    assert len(before) == 2 and len(marked) == 3
    out = tmp_path / "saved.json"
    assert window.results_file.save(str(out))
    assert "Saved 2 groups" in window.statusBar().currentMessage()
    assert {g.keeper for g in read_groups(out).groups} == {k for _, k in before}  # `apply` keeps what was shown

    window.model.set_groups([], keep_marks=False)  # another session's window: nothing shown
    open_file(qtbot, window, out)
    assert shown(window) == before and window.model.marked == marked
    assert window.navigation.current_member() is not None  # the first group is selected, as after a scan
    assert window.results_file.path == str(out)
    assert window.results_file.save()  # Ctrl+S writes to the file opened, asking nothing
    assert json.loads(out.read_text(encoding="utf-8"))["marked"] == sorted(marked)


def test_opening_drops_what_changed_since_and_says_how_many(qtbot, window, photos, tmp_path) -> None:
    window.folders.add_folder(str(photos))
    scan(qtbot, window)
    out = tmp_path / "saved.json"
    assert window.results_file.save(str(out))
    os.remove(photos / "copies" / "b copy.png")  # b's group is left with one file
    make_photo(photos / "more" / "a again.png", 9)  # rewritten: no longer what was scanned
    open_file(qtbot, window, out)
    assert shown(window) == [
        (frozenset({str(photos / "a.png"), str(photos / "copies" / "a copy.png")}), str(photos / "a.png"))
    ]
    text = window.statusBar().currentMessage()
    assert "2 files were left out, gone (1) or changed (1) since the results were saved" in text
    assert window.messages.problems.counts()[1] == 1  # the same words in the Messages panel


def test_a_bad_file_is_a_message_not_a_crash(qtbot, window, tmp_path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    handle = window.results_file.open(str(bad))
    qtbot.waitUntil(lambda: not handle.running, timeout=10000)
    qtbot.waitUntil(lambda: window.messages.banner.isVisibleTo(window), timeout=5000)
    assert (
        "Could not open the results" in window.messages.banner.text()
        and "not valid JSON" in window.messages.banner.text()
    )
    assert window.model.rowCount() == 0


def test_export_csv_writes_every_member_with_its_state(qtbot, window, photos, tmp_path) -> None:
    window.folders.add_folder(str(photos))
    copy(str(photos / "c.png"), photos / "c twin.png")
    scan(qtbot, window)
    window.marks.auto_mark("suggested")
    window.set_filter("b copy")  # the filter hides groups from the list, not from the export
    out = tmp_path / "members.csv"
    assert window.results_file.export_csv(str(out))
    rows = list(csv.DictReader(out.open(encoding="utf-8", newline="")))
    assert len(rows) == sum(len(g.members) for g in window.model.groups) == 7
    states = {r["path"]: r["state"] for r in rows}
    assert {p for p, s in states.items() if s == "marked"} == window.model.marked
    assert sum(s == "keeper" for s in states.values()) == 3 and {r["group"] for r in rows} == {"1", "2", "3"}
    assert all(r["width"] == "96" and r["height"] == "64" and r["format"] == "PNG" for r in rows)


def test_save_without_a_path_asks_and_a_cancel_writes_nothing(qtbot, window, photos, tmp_path) -> None:
    window.folders.add_folder(str(photos))
    scan(qtbot, window)
    asked: list[tuple[str, str]] = []
    window.results_file.ask = lambda kind, suggested: asked.append((kind, suggested)) or ""
    assert not window.results_file.save()
    assert asked and asked[0][0] == "save" and asked[0][1].endswith("doppel-results.json")
    target = tmp_path / "chosen.json"
    window.results_file.ask = lambda kind, suggested: str(target)
    assert window.results_file.save() and target.exists()
