"""The controllers without the window: a real results model, task runner and views, small fakes for the rest."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from gui_helpers import fake_result, groups
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QTreeView

from engine.labels import LabelStore
from engine.progress import Progress
from engine.scan import regroup
from engine.settings import ScanSettings
from gui.controllers.file_actions import FileActionsController
from gui.controllers.marks import MarksController
from gui.controllers.navigation import NavigationController
from gui.controllers.pairs import PairsController
from gui.controllers.results import ResultsController
from gui.controllers.scan import ScanController
from gui.itemmodels.results_model import ResultsModel
from gui.scanning import ScanService
from gui.settings import AppSettings, Folder, SettingsStore
from gui.views.group_view import GroupView
from gui.views.messages import Messages
from gui.views.progress_panel import ProgressPanel
from gui.views.threshold_slider import ThresholdSlider
from gui.workers import TaskRunner, ThumbnailLoader


@pytest.fixture
def parts(qtbot):
    """What the window would hand its controllers; ``statuses`` stands in for the status bar."""
    model = ResultsModel()
    tree = QTreeView()
    tree.setModel(model)
    loader = ThumbnailLoader(1, 10)
    group_view = GroupView(model, loader)
    slider = ThresholdSlider()
    for widget in (tree, group_view, slider):
        qtbot.addWidget(widget)
    statuses: list[str] = []
    messages = Messages(lambda text, _ms: statuses.append(text))
    runner = TaskRunner(1)
    store = SettingsStore(AppSettings(exact_only=True, use_cache=False), save=False)
    navigation = NavigationController(model, tree, group_view)
    results = ResultsController(model, runner, navigation, slider, store, messages)
    yield SimpleNamespace(
        model=model,
        tree=tree,
        group_view=group_view,
        slider=slider,
        statuses=statuses,
        messages=messages,
        runner=runner,
        store=store,
        navigation=navigation,
        results=results,
        loader=loader,
    )
    assert runner.shutdown() and loader.shutdown()


def scanned(parts, folder) -> None:
    """A real exact-only scan of ``folder``, run here (no thread), loaded as the window loads one."""
    parts.store.current.folders = [Folder(str(folder))]
    settings = parts.store.current.to_scan_settings()
    parts.results.load(ScanService().scan(settings, Progress()), settings)


def test_navigation_keeps_both_views_on_one_member_and_turns_keys_into_requests(qtbot, parts):
    model, nav, cards, tree = parts.model, parts.navigation, parts.group_view, parts.tree
    model.set_groups(groups())
    nav.select_group(1)
    g = model.group(1)
    assert nav.current_group_row() == 1 and nav.current_member() == g.members[0]
    cards.set_current_row(2)  # the list follows the cards
    assert tree.currentIndex() == model.member_index(g.members[2].path)
    tree.setCurrentIndex(model.member_index(model.group(0).members[1].path))  # the cards follow the list
    assert cards.members.group is model.group(0) and nav.current_member() == model.group(0).members[1]

    requests: list[str] = []
    nav.toggleMarkRequested.connect(lambda: requests.append("toggle"))
    nav.markRequested.connect(lambda: requests.append("mark"))
    nav.compareRequested.connect(lambda: requests.append("compare"))
    for key in (Qt.Key.Key_Space, Qt.Key.Key_Delete, Qt.Key.Key_Return):
        qtbot.keyClick(cards, key)
    qtbot.keyClick(tree, Qt.Key.Key_Enter, Qt.KeyboardModifier.KeypadModifier)
    qtbot.keyClick(cards, Qt.Key.Key_Space, Qt.KeyboardModifier.ControlModifier)  # not a review key
    assert requests == ["toggle", "mark", "compare", "compare"]
    qtbot.keyClick(cards, Qt.Key.Key_Down)
    assert nav.current_group_row() == 1 and nav.current_member() == model.group(1).members[0]
    qtbot.keyClick(cards, Qt.Key.Key_Up)
    qtbot.keyClick(cards, Qt.Key.Key_Up)  # already the first group
    assert nav.current_group_row() == 0


def test_marks_walk_a_group_and_refusals_reach_the_status_bar(qtbot, parts):
    model, nav = parts.model, parts.navigation
    marks = MarksController(model, nav, parts.store, parts.messages)
    model.set_groups(groups())
    nav.select_group(1)  # b1 (reference), b2 (keeper), b3
    first, second, third = (m.path for m in model.group(1).members)
    marks.mark_current()
    marks.mark_current()
    assert model.marked == {first, second} and nav.current_member().path == third
    marks.mark_current()  # the last unmarked member of the group stays
    assert third not in model.marked and parts.statuses[-1].startswith("b3.jpg cannot be marked")
    marks.toggle_current_mark()
    assert third not in model.marked
    nav.select_group(1, first)
    marks.toggle_current_mark()
    assert model.marked == {second}
    assert marks.auto_mark("suggested") == 4 and parts.statuses[-1] == "Marked 4 files, keeping one per group."
    assert all(g.keeper not in model.marked for g in model.groups)
    marks.clear_marks()
    assert not model.marked


def test_results_regroup_on_threshold_labels_and_removed_files(qtbot, parts, tmp_path):
    results, model, slider = parts.results, parts.model, parts.slider
    assert results.summary_text() == "Add folders and press Scan."
    result = fake_result(tmp_path)
    a, b, c = result.catalog
    results.load(regroup(result, 0.8), ScanSettings())
    assert [len(g.members) for g in model.groups] == [3]
    assert slider.isEnabled() and slider.slider.minimum() == 20 and slider.value() == 0.8
    assert "<b>1</b> groups" in results.summary_text()
    with qtbot.waitSignal(results.groupsChanged, timeout=2000):
        slider.slider.setValue(88)  # debounced, like a drag
    assert results.threshold == 0.88 and parts.store.current.threshold == 0.88
    assert [{m.path for m in g.members} for g in model.groups] == [{a, b}]
    results.set_threshold(0.8)
    results.add_not_duplicate(a, b)
    assert [{m.path for m in g.members} for g in model.groups] == [{b, c}]
    results.files_removed([c])
    results.refresh_groups()
    assert model.rowCount() == 0 and results.size_of(a) == result.catalog[a].size
    results.files_restored([c])
    results.refresh_groups()
    assert model.rowCount() == 1


def test_file_actions_ask_first_then_trash(qtbot, parts, photos, trash):
    scanned(parts, photos)
    model = parts.model
    asked: list[tuple[str, int]] = []
    answer = [False]

    def confirm(_parent, action, count, _size, _dest=""):
        asked.append((action, count))
        return answer[0]

    files = FileActionsController(model, parts.runner, parts.results, parts.store, parts.messages, (), confirm, trash)
    assert not files.trash_marked() and parts.statuses[-1].startswith("Nothing is marked")
    MarksController(model, parts.navigation, parts.store, parts.messages).auto_mark("suggested")
    marked = model.marked
    assert not files.trash_marked() and asked == [("trash", 3)] and not trash.paths  # the user said no
    answer[0] = True
    with qtbot.waitSignal(files.actionFinished, timeout=10000) as blocker:
        assert files.trash_marked()
    assert {o.path for o in blocker.args[0].done} == set(trash.paths) == marked
    assert model.rowCount() == 0 and parts.statuses[-1].startswith("Moved to the trash: 3 files")


def test_move_and_undo_restore_the_group(qtbot, parts, photos, trash, tmp_path):
    scanned(parts, photos)
    model = parts.model
    files = FileActionsController(
        model, parts.runner, parts.results, parts.store, parts.messages, (), lambda *_args: True, trash
    )
    undo_states: list[bool] = []
    files.undoAvailable.connect(undo_states.append)
    model.set_marks({m.path for g in model.groups for m in g.members if m.path != g.keeper})
    dest = tmp_path / "dest"
    with qtbot.waitSignal(files.actionFinished, timeout=10000):
        assert files.move_marked(str(dest))
    assert len(list(dest.iterdir())) == 3 and model.rowCount() == 0 and parts.store.current.last_move_folder
    with qtbot.waitSignal(files.actionFinished, timeout=10000):
        assert files.undo_move()
    assert not list(dest.iterdir()) and model.rowCount() == 2 and undo_states == [True, False]
    assert parts.statuses[-1].startswith("Moved back: 3 files") and not files.undo_move()


def test_pairs_pick_the_keeper_and_a_label_splits_the_group(qtbot, parts, tmp_path):
    model, nav = parts.model, parts.navigation
    result = fake_result(tmp_path)
    a, b, c = result.catalog
    parts.results.load(regroup(result, 0.8), ScanSettings())
    pairs = PairsController(
        model, nav, parts.results, LabelStore(), parts.runner, ThumbnailLoader(1, 2), parts.messages
    )
    g = model.group(0)
    others = [m for m in g.members if m.path not in (g.keeper, g.reference)]
    nav.select_group(0, others[0].path)
    assert [m.path for m in pairs.current_pair()] == [g.keeper, others[0].path]
    nav.select_group(0, g.keeper)  # the keeper is current: compare it with the reference
    assert [m.path for m in pairs.current_pair()] == [g.keeper, g.reference]
    with qtbot.waitSignal(pairs.labelStored, timeout=5000) as blocker:
        pairs.label_current(False)
    assert blocker.args == [g.keeper, g.reference, False]
    assert frozenset((g.keeper, g.reference)) in parts.results.not_duplicates
    assert all({g.keeper, g.reference} - {m.path for m in grp.members} for grp in model.groups)
    assert "are not duplicates" in parts.statuses[-1]
    nav.select_group(-1)
    assert pairs.current_pair() is None and pairs.open_compare() is None


def test_scan_reports_its_result_before_it_ends(qtbot, parts, photos):
    progress = ProgressPanel()
    qtbot.addWidget(progress)
    before: list[int] = []
    scan = ScanController(
        parts.runner,
        ScanService(),
        LabelStore(),
        parts.store,
        progress,
        parts.messages,
        lambda: before.append(1),
    )
    assert not scan.start() and before == [1] and "Add at least one folder" in parts.messages.banner.text()
    parts.store.current.folders = [Folder(str(photos))]
    events: list[object] = []
    scan.scanningChanged.connect(lambda on: events.append(on))
    scan.resultReady.connect(lambda result, _settings: events.append(len(result.groups)))
    scan.scanEnded.connect(events.append)
    with qtbot.waitSignal(scan.scanEnded, timeout=30000):
        assert scan.start()
        assert scan.scanning and not scan.start()  # one at a time
    assert events == [True, False, 2, "done"] and not scan.scanning and not progress.isVisible()
    assert parts.statuses[-1].startswith("Scanned 6 files") and parts.messages.banner.isHidden()
    scan.cancel()  # nothing running: nothing happens
    assert events[-1] == "done"


def test_scan_warnings_reach_the_messages_panel_once(qtbot, parts, photos, tmp_path) -> None:
    """The cache set aside, read-only or in memory: said in the Messages panel, once a session, not every scan."""
    from dataclasses import replace

    from gui_helpers import fake_result

    warning = "The cache /x/cache.sqlite3 is read-only: it is read, but what scans learn is not saved."

    class Service:
        def scan(self, settings, progress, labels=None):
            return replace(fake_result(tmp_path), warnings=(warning,))

    progress = ProgressPanel()
    qtbot.addWidget(progress)
    scan = ScanController(parts.runner, Service(), LabelStore(), parts.store, progress, parts.messages)
    parts.store.current.folders = [Folder(str(photos))]
    said = []
    for _ in range(2):
        with qtbot.waitSignal(scan.scanEnded, timeout=30000):
            assert scan.start()
        said.append(parts.statuses[-1])
    assert parts.messages.problems.message_texts() == [warning]
    assert said[0].endswith("(see Messages about the cache)") and "cache" not in said[1]
