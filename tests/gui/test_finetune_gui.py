"""Model › Improve the model… runs fine-tuning on a worker; Model › Model versions… switches the model scans use."""

from __future__ import annotations

import threading
import time
from types import SimpleNamespace

from gui_helpers import make_photo
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialog

from engine.labels import LabelStore
from engine.learn.finetune_types import FinetuneConfig, Outcome
from engine.model import versions
from engine.progress import Progress
from gui.controllers.finetune import FinetuneController
from gui.settings import AppSettings, SettingsStore
from gui.views.messages import Messages
from gui.workers import TaskRunner

TINY = FinetuneConfig(
    epochs=1, min_steps=2, replay_images=4, replay_views=1, detect_families=False, device="cpu", workers=1
)


def _menu_actions(window, title: str) -> list[str]:
    for act in window.menuBar().actions():
        if act.text().replace("&", "") == title:
            return [a.text() for a in act.menu().actions()]
    return []


def _label_pairs(labels: LabelStore, tmp_path, n: int) -> None:
    for i in range(n):
        a = make_photo(tmp_path / "lib" / f"a{i}.png", i)
        b = make_photo(tmp_path / "lib" / f"b{i}.png", i + 50)
        labels.add(a, b, i % 3 == 0)


def test_model_menu_has_the_actions(window) -> None:
    assert _menu_actions(window, "Model") == ["Improve the model…", "Model versions…"]
    assert window.menu_actions.improve.isEnabled()


def test_few_labels_say_how_many_more(window, qtbot, tmp_path) -> None:
    _label_pairs(window.labels, tmp_path, 3)
    window.menu_actions.improve.trigger()
    dialog = window.finetune.improve_dialog
    with qtbot.waitSignal(dialog.finished_run, timeout=20000) as sig:
        pass
    assert sig.args == ["need-more-labels"]
    assert "7 more" in dialog.status.text()
    assert versions.list_versions() == []
    dialog.close()


def test_runs_on_a_worker_and_a_version_without_evidence_is_saved_but_not_used(window, qtbot, tmp_path) -> None:
    _label_pairs(window.labels, tmp_path, 10)  # 4 "is", 6 "not a duplicate": too few to judge a new version
    dialog = window.finetune.improve(TINY)
    assert dialog.task is not None and window.runner.busy  # off the GUI thread
    with qtbot.waitSignal(dialog.finished_run, timeout=120000) as sig:
        pass
    assert sig.args[0] in ("too-few-held-out", "guard-failed"), dialog.status.text()
    text = dialog.status.text()
    assert text.startswith(f"Saved as version {dialog.result.spec.model_id} but not used: ")
    assert "label 16 more “Is a duplicate” and 14 more “Not a duplicate” pairs" in text
    assert "You keep using the bundled model" in text and not dialog.switch_back.isVisible()
    assert "Guard photos" in dialog.details.text() and dialog.close_button.isEnabled()
    assert dialog.bar.isVisible() and dialog.bar.value() == dialog.bar.maximum()  # it ran to the end
    assert [v.model_id for v in versions.list_versions()] == [dialog.result.spec.model_id]
    assert versions.active_model_path() is None and window.settings.to_scan_settings().model_path is None
    dialog.close()


def test_cancel_stops_the_run_and_leaves_the_model_alone(qtbot, tmp_path) -> None:
    """Cancel while the run is known to be going: the real fine-tuning is held at its first progress report until
    the token is set. If Cancel did not cancel, the hold would run out and the run would finish (saved or not
    better), never "cancelled"."""
    from engine.learn.finetune import finetune

    held = threading.Event()

    def held_finetune(pairs, library, config, progress: Progress):
        def hold_first_report(phase: str, done: int, total: int) -> None:
            progress.callback(phase, done, total)
            if not held.is_set():
                held.set()
                deadline = time.monotonic() + 10
                while not progress.token.cancelled and time.monotonic() < deadline:
                    time.sleep(0.01)  # stands in for a long stage of the engine, on the pool thread

        return finetune(pairs, library, config, Progress(hold_first_report, progress.token))

    labels = LabelStore()
    _label_pairs(labels, tmp_path, 10)
    runner = TaskRunner(1)
    statuses: list[str] = []
    controller = FinetuneController(
        runner,
        labels,
        SimpleNamespace(scan_result=None),  # no scan yet: no library photos
        SettingsStore(AppSettings(), save=False),
        Messages(lambda text, _ms: statuses.append(text)),
        finetune=held_finetune,
    )
    dialog = controller.improve(TINY)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(held.is_set, timeout=30000)
    dialog.cancel_button.click()
    assert dialog.status.text() == "Cancelling…"
    with qtbot.waitSignal(dialog.finished_run, timeout=60000) as sig:
        pass
    assert sig.args == ["cancelled"]
    assert dialog.status.text().startswith("Cancelled: nothing was saved")
    assert dialog.close_button.isEnabled() and not dialog.cancel_button.isEnabled()
    assert versions.list_versions() == [] and versions.active_model_path() is None and not statuses
    dialog.close()
    assert runner.shutdown()


def test_versions_dialog_switches_and_scans_follow(window, qtbot) -> None:
    from engine.model.weights import build_network, load_spec

    bundled = load_spec(None)
    v = versions.save_version(bundled, build_network(bundled).state_dict(), "test")
    dialog = window.finetune.show_versions()
    assert dialog.list.count() == 2 and "(in use)" in dialog.list.item(0).text()
    dialog.list.setCurrentRow(1)
    dialog.use_button.click()
    assert versions.active_version_id() == v.model_id
    assert window.settings.to_scan_settings().model_path == v.folder
    assert "(in use)" in dialog.list.item(1).text()
    dialog.bundled_button.click()
    assert versions.active_model_path() is None
    assert window.settings.to_scan_settings().model_path is None
    dialog.list.setCurrentRow(1)
    dialog.remove_selected(confirm=False)
    assert dialog.list.count() == 1 and versions.list_versions() == []
    dialog.close()


def _controller(runner, labels, finetune) -> FinetuneController:
    return FinetuneController(
        runner,
        labels,
        SimpleNamespace(scan_result=None),
        SettingsStore(AppSettings(), save=False),
        Messages(lambda _text, _ms: None),
        finetune=finetune,
    )


def test_nothing_ran_shows_no_full_progress_bar(qtbot, tmp_path) -> None:
    labels = LabelStore()
    _label_pairs(labels, tmp_path, 3)  # too few: the engine stops before any work
    runner = TaskRunner(1)
    dialog = _controller(runner, labels, None).improve(TINY)
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.finished_run, timeout=20000) as sig:
        pass
    assert sig.args == ["need-more-labels"]
    assert not dialog.bar.isVisible() and "more" in dialog.status.text()
    dialog.close()
    assert runner.shutdown()


def test_enter_after_a_saved_run_closes_and_keeps_the_new_version(qtbot) -> None:
    """Enter used to press "Switch back", the button that appears when a run saves a version."""
    from engine.model.weights import build_network, load_spec

    bundled = load_spec(None)
    saved = versions.save_version(bundled, build_network(bundled).state_dict(), "test")

    def saved_run(pairs, library, config, progress: Progress):
        progress.report("training", 1, 1)
        return SimpleNamespace(status=Outcome.SAVED, message="", spec=saved, current=None, candidate=None, guard=None)

    runner = TaskRunner(1)
    dialog = _controller(runner, LabelStore(), saved_run).improve(TINY)
    qtbot.addWidget(dialog)
    dialog.activateWindow()
    qtbot.waitUntil(lambda: dialog.isActiveWindow() and dialog.task is None, timeout=20000)
    assert dialog.switch_back.isVisible() and versions.active_version_id() == saved.model_id
    qtbot.keyClick(QApplication.focusWidget() or dialog, Qt.Key.Key_Return)
    assert versions.active_version_id() == saved.model_id  # still the new one
    assert not dialog.isVisible() and QDialog.result(dialog) == QDialog.DialogCode.Accepted
    assert runner.shutdown()
