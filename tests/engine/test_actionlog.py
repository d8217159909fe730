"""engine.actionlog: the write-ahead journal (intent before a file is touched, done after), a torn last line, a log
that cannot be written (issue 12 items 4 and 5)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from fileops_helpers import make_groups

from engine import actionlog
from engine.actionlog import ActionLog, ActionLogError, default_log_path, open_intents, read_log
from engine.fileops import move_files, trash_files


@pytest.fixture(autouse=True)
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("DOPPEL_DATA_DIR", str(tmp_path / "data"))


def marked(groups):
    return [m for g in groups for m in g.members if m.path != g.keeper]


def test_the_intent_is_on_disk_before_the_file_is_touched(tmp_path):
    groups = make_groups(tmp_path, 3)
    seen = []

    def trash(path: str) -> None:
        intents = [r for r in read_log() if r["path"] == path]
        seen.append([r["status"] for r in intents])
        os.remove(path)

    report = trash_files(marked(groups), groups, trash=trash)
    assert len(report.done) == 3
    assert seen == [["intent"]] * 3  # each file's intent, and no done line yet, when the trash was called
    assert open_intents(read_log()) == []


def test_a_torn_last_line_is_skipped_and_the_next_action_starts_a_fresh_line(tmp_path):
    log = default_log_path()
    log.parent.mkdir(parents=True)
    log.write_text('{"action": "move", "status": "done", "path": "/a"}\n{"action": "mo')  # kill -9 mid-write
    groups = make_groups(tmp_path, 1)
    report = move_files(marked(groups), tmp_path / "to", groups)
    assert report.done
    records = read_log()
    assert records[0]["path"] == "/a"
    assert [r["status"] for r in records[1:]] == ["intent", "done"]
    assert log.read_text().count("\n") == 4  # old line, the torn one ended, intent, done


def test_a_log_folder_that_cannot_be_created_touches_nothing_and_reports_each_file(tmp_path):
    groups = make_groups(tmp_path, 2)
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    report = move_files(marked(groups), tmp_path / "to", groups, log_path=blocker / "actions.jsonl")
    assert not report.done and len(report.skipped) == 2
    assert all("action log" in o.message and "not touched" in o.message for o in report.skipped)
    assert all(os.path.exists(m.path) for m in marked(groups)) and not (tmp_path / "to").exists()


def test_a_log_without_write_permission_raises_nothing(tmp_path, monkeypatch):
    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(actionlog, "open", refuse, raising=False)  # as a non-root user with a read-only log
    groups = make_groups(tmp_path, 2)
    calls = []
    report = trash_files(marked(groups), groups, trash=calls.append)
    assert calls == [] and len(report.skipped) == 2
    assert "Permission denied" in report.skipped[0].message


def test_a_disk_that_fills_up_mid_action_stops_it_and_reports_the_rest(tmp_path, monkeypatch):
    groups = make_groups(tmp_path, 3)
    real_write, writes = ActionLog.write, []

    def write(self, record):
        if len(writes) == 4:  # three intents and one done line fit, then the disk is full
            raise ActionLogError("the action log cannot be written (No space left on device)")
        writes.append(record)
        real_write(self, record)

    monkeypatch.setattr(ActionLog, "write", write)
    report = trash_files(marked(groups), groups, trash=os.remove)
    assert len(report.done) == 2 and len(report.skipped) == 1  # the second was trashed, its done line was lost
    assert "No space left" in report.skipped[0].message
    assert os.path.exists(report.skipped[0].path)
    monkeypatch.setattr(ActionLog, "write", real_write)
    assert len(open_intents(read_log())) == 2  # recovery settles both (see test_recovery)


def test_a_second_process_cannot_act_while_one_holds_the_log(tmp_path, monkeypatch):
    monkeypatch.setattr(actionlog, "LOCK_WAIT_S", 0.1)
    groups = make_groups(tmp_path, 1)
    with ActionLog.open():
        report = move_files(marked(groups), tmp_path / "to", groups)
    assert "another Doppel" in report.skipped[0].message and os.path.exists(marked(groups)[0].path)


def test_read_log_of_a_missing_file_is_empty(tmp_path):
    assert read_log(tmp_path / "none.jsonl") == []
    assert isinstance(default_log_path(), Path)
