"""The main window: builds the widgets, creates the controllers with the parts each uses, and connects the menus.

The screen logic is in :mod:`gui.controllers` (scan, results and threshold, navigation and review keys, marks,
file actions, pairs and the compare view, fine-tuning); the menus are laid out in :mod:`gui.menus` and connected
in :meth:`MainWindow._connect_actions`. Only :mod:`gui.app` imports this module.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, QEvent, QSize, Qt
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMainWindow,
    QPushButton,
    QSplitter,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from engine.fileops import TrashFn
from engine.labels import LabelStore
from engine.results import ScanResult
from engine.resultsfile import OpenedResults
from engine.settings import ScanSettings
from gui.controllers.file_actions import FileActionsController
from gui.controllers.finetune import FinetuneController
from gui.controllers.marks import MarksController
from gui.controllers.member_menu import MemberMenuController
from gui.controllers.navigation import NavigationController
from gui.controllers.pairs import PairsController
from gui.controllers.results import ResultsController
from gui.controllers.results_file import ResultsFileController, ask_with_dialog
from gui.controllers.scan import ScanController
from gui.dialogs.confirm import confirm_action
from gui.dialogs.settings_dialog import SettingsDialog
from gui.geometry import available_areas, place, remembered
from gui.itemmodels.group_filter import GroupFilter
from gui.itemmodels.results_model import Col, ResultsModel
from gui.menus import build_menus, on_trigger
from gui.scanning import ScanService
from gui.settings import AppSettings, SettingsStore
from gui.views.folder_panel import FolderPanel
from gui.views.group_view import GroupView
from gui.views.messages import Messages
from gui.views.progress_panel import ProgressPanel
from gui.views.threshold_slider import ThresholdSlider
from gui.workers import TaskRunner, ThumbnailLoader

translate = QCoreApplication.translate

PREFERRED_SIZE = QSize(1280, 820)  # on a screen with room for it; smaller screens get what fits


class MainWindow(QMainWindow):
    """``settings``, ``trash``, ``labels`` and ``confirm`` stand in for the user's own in tests; ``save=False``
    never writes the settings file."""

    def __init__(
        self,
        settings: AppSettings | None = None,
        trash: TrashFn | None = None,
        labels: LabelStore | None = None,
        confirm: Callable[..., bool] | None = None,
        save: bool = True,
    ) -> None:
        super().__init__()
        self.setWindowTitle(translate("MainWindow", "Doppel — duplicate photo finder"))
        self.setObjectName("doppel-main")
        self.store = SettingsStore(settings, save)
        self.labels = labels if labels is not None else LabelStore()
        self.runner = TaskRunner(2, self)
        self.thumbs = ThumbnailLoader(2, 400, self)
        self.full_images = ThumbnailLoader(2, 4, self)  # full-size images are big: keep a few
        self.model = ResultsModel(self)
        self.messages = Messages(self.statusBar().showMessage, self)
        self._build_ui()
        self.menu_actions = build_menus(self)
        self._make_controllers(trash, confirm or confirm_action)
        self._connect_actions()
        self._apply_settings_to_ui()
        self.model.marksChanged.connect(self._update_summary)
        self._update_summary()
        self._set_scanning(False)
        self.file_actions.recover()  # finish or roll back what a crash interrupted, before anything else acts
        self._restore_geometry()

    @property
    def settings(self) -> AppSettings:
        return self.store.current

    # ---- layout ----------------------------------------------------------------------------------------------
    def _build_ui(self) -> None:
        self.folders = FolderPanel(self)
        self.folders.changed.connect(self._folders_changed)
        self.scan_button = QPushButton(translate("MainWindow", "Scan"), self)
        self.scan_button.setToolTip(translate("MainWindow", "Scan the folders for duplicates (Ctrl+R)"))
        left = QWidget(self)
        lv = QVBoxLayout(left)
        lv.addWidget(self.folders, 1)
        lv.addWidget(self.scan_button)

        self.summary = QLabel(self)
        self.slider = ThresholdSlider(self)
        self.filter_box = QLineEdit(self)
        self.filter_box.setPlaceholderText(translate("MainWindow", "Filter by path or name (Ctrl+F)"))
        self.filter_box.setClearButtonEnabled(True)
        self.filter_count = QLabel(self)
        self.filter_box.setMinimumWidth(60)  # shrinks with the window; a small window keeps its size
        threshold_row = QHBoxLayout()
        threshold_row.addWidget(self.summary, 1)
        threshold_row.addWidget(self.filter_box)  # in this row, not above the list: the window's minimum stays
        threshold_row.addWidget(self.filter_count)
        threshold_row.addWidget(self.slider)

        self.group_filter = GroupFilter(self.model, self)
        self.tree = QTreeView(self)
        self.tree.setModel(self.group_filter)
        self.tree.setSortingEnabled(True)
        self.tree.sortByColumn(Col.RECLAIMABLE, Qt.SortOrder.DescendingOrder)
        self.tree.setUniformRowHeights(True)
        self.tree.setAlternatingRowColors(True)
        self.tree.header().resizeSection(Col.NAME, 380)
        self.tree.header().resizeSection(Col.RECLAIMABLE, 130)
        self.tree.header().resizeSection(Col.SIMILARITY, 90)
        self.group_view = GroupView(self.model, self.thumbs, self)

        results_splitter = QSplitter(Qt.Orientation.Vertical, self)
        results_splitter.addWidget(self.tree)
        results_splitter.addWidget(self.group_view)
        results_splitter.setSizes([300, 360])
        right = QWidget(self)
        rv = QVBoxLayout(right)
        rv.addWidget(self.messages.banner)
        rv.addLayout(threshold_row)
        rv.addWidget(results_splitter, 1)
        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setSizes([280, 1000])
        self.setCentralWidget(splitter)

        self.progress = ProgressPanel(self)
        self.statusBar().addPermanentWidget(self.progress)
        self.statusBar().addPermanentWidget(self.messages.button)

    def _make_controllers(self, trash: TrashFn | None, confirm: Callable[..., bool]) -> None:
        """Each controller gets the parts it uses; the ones created first are parts of the later ones."""
        store, messages, model, runner = self.store, self.messages, self.model, self.runner
        self.navigation = NavigationController(model, self.tree, self.group_view, self)
        self.results = ResultsController(model, runner, self.navigation, self.slider, store, messages, self)
        self.scanner = ScanController(
            runner,
            ScanService(),
            self.labels,
            store,
            self.progress,
            messages,
            before_scan=self._folders_changed,
            window=self,
            parent=self,
        )
        self.marks = MarksController(model, self.navigation, store, messages, self)
        self.file_actions = FileActionsController(
            model, runner, self.results, store, messages, (self.thumbs, self.full_images), confirm, trash, parent=self
        )
        self.pairs = PairsController(
            model, self.navigation, self.results, self.labels, runner, self.full_images, messages, parent=self
        )
        self.finetune = FinetuneController(runner, self.labels, self.results, store, messages, parent=self)
        self.results_file = ResultsFileController(
            model, self.results, runner, store, messages, ask_with_dialog(self), parent=self
        )
        self.member_menu = MemberMenuController(self.navigation, messages, parent=self)

    def _connect_actions(self) -> None:
        """What each menu action, button and review key does."""
        a, marks, files, pairs = self.menu_actions, self.marks, self.file_actions, self.pairs

        def chosen_rule() -> None:
            marks.auto_mark(a.rule_combo.currentData())

        for action, slot in [
            (a.add_folder, self.folders.choose_folder),
            (a.scan, self.scanner.start),
            (a.cancel_scan, self.scanner.cancel),
            (a.open_results, self.results_file.open),
            (a.save_results, self.results_file.save),
            (a.save_results_as, self.results_file.save_as),
            (a.export_csv, self.results_file.export_csv),
            (a.open_file, self.member_menu.open),
            (a.show_in_folder, self.member_menu.show_in_folder),
            (a.copy_path, self.member_menu.copy_path),
            (a.find, self.focus_filter),
            (a.preferences, self.edit_settings),
            (a.problems, self.messages.show_problems),
            (a.toggle_mark, marks.toggle_current_mark),
            (a.mark, marks.mark_current),
            *[(act, lambda r=rule: marks.auto_mark(r)) for rule, act in a.keep.items()],
            (a.auto_mark, chosen_rule),
            (a.clear_marks, marks.clear_marks),
            (a.trash, files.trash_marked),
            (a.move, files.move_marked),
            (a.hardlink, lambda: files.link_marked("hardlink")),
            (a.symlink, lambda: files.link_marked("symlink")),
            (a.undo, files.undo_move),
            (a.compare, pairs.open_compare),
            (a.not_duplicate, lambda: pairs.label_current(False)),
            (a.is_duplicate, lambda: pairs.label_current(True)),
            (a.improve, self.finetune.improve),
            (a.versions, self.finetune.show_versions),
        ]:
            on_trigger(action, slot)
        a.rule_combo.currentIndexChanged.connect(self._rule_changed)
        a.auto_mark_button.clicked.connect(chosen_rule)
        self.scan_button.clicked.connect(self.scanner.start)
        self.scanner.scanningChanged.connect(self._set_scanning)
        self.scanner.resultReady.connect(self._show_scan)
        self.results_file.opened.connect(self._show_opened)
        self.filter_box.textChanged.connect(self.set_filter)
        self.results.groupsChanged.connect(self._update_filter_count)
        files.undoAvailable.connect(a.undo.setEnabled)
        self.navigation.toggleMarkRequested.connect(marks.toggle_current_mark)
        self.navigation.markRequested.connect(marks.mark_current)
        self.navigation.compareRequested.connect(pairs.open_compare)

    # ---- settings --------------------------------------------------------------------------------------------
    def _apply_settings_to_ui(self) -> None:
        s = self.settings
        self.folders.blockSignals(True)
        self.folders.set_folders(list(s.folders))
        self.folders.set_exclude_patterns(list(s.exclude))
        self.folders.blockSignals(False)
        self.model.set_protected(s.protected_folders)
        self.model.set_keep_rules(s.keep_rules, s.preferred_folders)  # who keeps when the keeper is marked
        combo = self.menu_actions.rule_combo
        combo.setCurrentIndex(max(combo.findData(s.mark_rule), 0))
        self.slider.set_value(s.threshold if s.threshold is not None else 0.8)

    def _folders_changed(self) -> None:
        self.settings.folders = self.folders.folders()
        self.settings.exclude = self.folders.exclude_patterns()
        self.model.set_protected(self.settings.protected_folders)
        self.results.set_roots([f.path for f in self.settings.folders])  # a folder taken off: its files go
        self.group_view.viewport().update()
        self.store.save()

    def _rule_changed(self) -> None:
        self.settings.mark_rule = self.menu_actions.rule_combo.currentData() or "suggested"
        self.store.save()

    def edit_settings(self) -> None:
        dialog = SettingsDialog(self.settings, self)
        if dialog.exec():
            self.store.current = dialog.result_settings()
            self._apply_settings_to_ui()
            self.store.save()

    # ---- scanning and results --------------------------------------------------------------------------------
    def _set_scanning(self, scanning: bool) -> None:
        self.scan_button.setEnabled(not scanning)
        self.menu_actions.scan.setEnabled(not scanning)
        self.menu_actions.cancel_scan.setEnabled(scanning)
        self.menu_actions.open_results.setEnabled(not scanning)
        self.scan_button.setText(translate("MainWindow", "Scanning…") if scanning else translate("MainWindow", "Scan"))
        self.summary.setText(self.results.summary_text(scanning))

    def _show_scan(self, result: ScanResult, settings: ScanSettings) -> None:
        for loader in (self.thumbs, self.full_images):
            loader.clear()  # a new scan: files may have changed under the same names
        self.group_view.delegate.clear()
        self.messages.set_skipped(result.skipped)
        self.results.load(result, settings)

    def _show_opened(self, opened: OpenedResults, settings: ScanSettings) -> None:
        """Saved results, re-checked: shown as a finished scan is, with the marks they were saved with."""
        self._show_scan(opened.result, settings)
        self.model.set_marks(opened.marked)

    # ---- the filter box --------------------------------------------------------------------------------------
    def focus_filter(self) -> None:
        self.filter_box.setFocus()
        self.filter_box.selectAll()

    def set_filter(self, text: str) -> None:
        """Show only the groups with a file whose path holds ``text``; the current group stays if it is shown."""
        member = self.navigation.current_member()
        row = self.navigation.current_group_row()
        self.group_filter.set_text(text)
        if row < 0 or not self.navigation.shown(row) or self.navigation.current_group_row() != row:
            self.navigation.select_group(row, member.path if member else None)
        self._update_filter_count()

    def _update_filter_count(self) -> None:
        shown, total = self.group_filter.rowCount(), self.model.rowCount()
        self.filter_count.setText(
            translate("MainWindow", "{shown} of {total} groups").format(shown=shown, total=total)
            if self.group_filter.text
            else ""
        )

    def _update_summary(self) -> None:
        self.summary.setText(self.results.summary_text(self.scanner.scanning))

    # ---- geometry --------------------------------------------------------------------------------------------
    def _restore_geometry(self) -> None:
        """Last run's size and place when they still fit a screen; else a size that fits this screen."""
        rect = remembered(self.settings.window_geometry, available_areas())
        if rect is None:
            place(self, PREFERRED_SIZE)
        else:
            self.setGeometry(rect)
        if self.settings.window_maximized:
            self.setWindowState(self.windowState() | Qt.WindowState.WindowMaximized)

    def _remember_geometry(self) -> None:
        g = self.normalGeometry() if self.isMaximized() else self.geometry()
        self.settings.window_geometry = [g.x(), g.y(), g.width(), g.height()]
        self.settings.window_maximized = self.isMaximized()

    # ---- lifetime --------------------------------------------------------------------------------------------
    def shutdown(self) -> None:
        """Cancel and join every worker (close, and test teardown)."""
        self.runner.shutdown()  # cancels every task first, the scan included
        self.thumbs.shutdown()
        self.full_images.shutdown()
        self.pairs.close_compare()

    def changeEvent(self, event) -> None:
        """Back in the app: files may have been deleted elsewhere meanwhile (a cheap stat of the listed ones)."""
        super().changeEvent(event)
        if event.type() == QEvent.Type.ActivationChange and self.isActiveWindow():
            action = self.file_actions.task
            if not self.scanner.scanning and not (action is not None and action.running):
                self.results.check_files()

    def closeEvent(self, event) -> None:
        self._remember_geometry()
        self.store.save()
        self.shutdown()
        super().closeEvent(event)
