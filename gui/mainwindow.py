"""The main window: folders, scan with progress, results list, group view, threshold slider, summary.

Marking, file actions, labels and the compare view are in :mod:`gui.review`, list/card selection and the review
keys in :mod:`gui.navigation` (mixins), menus and toolbar in :mod:`gui.menus`, to keep each module short.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QSlider,
    QSplitter,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from engine.fileops import TrashFn, without_paths
from engine.labels import LabelStore
from engine.results import Group, ScanResult
from engine.settings import ScanSettings
from gui.dialogs.confirm import confirm_action
from gui.dialogs.problems import ProblemsDialog
from gui.dialogs.settings_dialog import SettingsDialog
from gui.format import human_bytes, human_duration
from gui.itemmodels.results_model import Col, ResultsModel
from gui.menus import build_menus, shortcuts_html
from gui.navigation import NavigationMixin
from gui.review import ReviewMixin
from gui.scanning import ScanService
from gui.settings import AppSettings, load_settings, save_settings
from gui.signals import emit
from gui.views.folder_panel import FolderPanel
from gui.views.group_view import GroupView
from gui.views.progress_panel import ProgressPanel
from gui.workers import TaskHandle, TaskRunner, ThumbnailLoader

SYNC_REGROUP_PAIRS = 20000  # below this many pairs regrouping takes milliseconds: do it at once
SLIDER_DEBOUNCE_MS = 200


class MainWindow(NavigationMixin, ReviewMixin, QMainWindow):
    scanEnded = Signal(str)  # "done" | "cancelled" | "failed"
    groupsChanged = Signal()
    actionFinished = Signal(object)  # engine.fileops.ActionReport, or None when the action failed
    labelStored = Signal(str, str, bool)

    def __init__(
        self,
        settings: AppSettings | None = None,
        trash: TrashFn | None = None,
        labels: LabelStore | None = None,
        confirm: Callable[..., bool] | None = None,
        save: bool = True,
    ) -> None:
        super().__init__()
        self.setWindowTitle("Doppel — duplicate photo finder")
        self.setObjectName("doppel-main")
        self.settings = settings if settings is not None else load_settings()
        self.trash = trash  # None: send2trash
        self.labels = labels if labels is not None else LabelStore()
        self.confirm = confirm or confirm_action
        self.save_enabled = save
        self.runner = TaskRunner(2, self)
        self.thumbs = ThumbnailLoader(2, 400, self)
        self.full_images = ThumbnailLoader(2, 4, self)  # full-size images are big: keep a few
        self.scan_service = ScanService()
        self.scan_task: TaskHandle | None = None
        self.scan_result: ScanResult | None = None
        self.scan_settings = ScanSettings()
        self.threshold = 1.0
        self.removed: set[str] = set()
        self.not_duplicates: set[frozenset] = set()
        self._scan_gen = 0
        self._regroup_gen = 0
        self._syncing = False
        self.compare = None
        self.last_moves = []
        self.action_task = None
        self.model = ResultsModel(self)
        self._build_ui()
        build_menus(self)
        self._apply_settings_to_ui()
        self.model.marksChanged.connect(self._update_summary)
        self.model.markRefused.connect(lambda text: self.statusBar().showMessage(text, 5000))
        self._update_summary()
        self._set_scanning(False)
        self.resize(1280, 820)

    # ---- layout ----------------------------------------------------------------------------------------------
    def _build_ui(self) -> None:
        self.folders = FolderPanel(self)
        self.folders.changed.connect(self._folders_changed)
        self.scan_button = QPushButton("Scan", self)
        self.scan_button.setToolTip("Scan the folders for duplicates (Ctrl+R)")
        self.scan_button.clicked.connect(self.start_scan)
        left = QWidget(self)
        lv = QVBoxLayout(left)
        lv.addWidget(self.folders, 1)
        lv.addWidget(self.scan_button)

        self.banner = QLabel(self)
        self.banner.setWordWrap(True)
        self.banner.setStyleSheet("background: #fbe3e4; color: #8a1f11; padding: 6px; border: 1px solid #e8a0a0;")
        self.banner.hide()
        self.summary = QLabel(self)
        self.slider = QSlider(Qt.Orientation.Horizontal, self)
        self.slider.setRange(20, 100)
        self.slider.setToolTip("Similarity threshold: pairs scoring at least this are grouped (no rescan needed)")
        self.slider.valueChanged.connect(self._slider_moved)
        self.slider_label = QLabel(self)
        self._slider_timer = QTimer(self)
        self._slider_timer.setSingleShot(True)
        self._slider_timer.setInterval(SLIDER_DEBOUNCE_MS)
        self._slider_timer.timeout.connect(self._threshold_settled)
        threshold_row = QHBoxLayout()
        threshold_row.addWidget(self.summary, 1)
        threshold_row.addWidget(QLabel("Similarity ≥", self))
        threshold_row.addWidget(self.slider)
        threshold_row.addWidget(self.slider_label)

        self.tree = QTreeView(self)
        self.tree.setModel(self.model)
        self.tree.setSortingEnabled(True)
        self.tree.sortByColumn(Col.RECLAIMABLE, Qt.SortOrder.DescendingOrder)
        self.tree.setUniformRowHeights(True)
        self.tree.setAlternatingRowColors(True)
        self.tree.header().resizeSection(Col.NAME, 380)
        self.tree.header().resizeSection(Col.RECLAIMABLE, 130)
        self.tree.header().resizeSection(Col.SIMILARITY, 90)
        self.tree.selectionModel().currentChanged.connect(self._tree_current_changed)
        self.tree.doubleClicked.connect(lambda _i: self.open_compare())
        self.group_view = GroupView(self.model, self.thumbs, self)
        self.group_view.currentMemberChanged.connect(self._member_changed)
        self.group_view.doubleClicked.connect(lambda _i: self.open_compare())
        for view in (self.tree, self.group_view):
            view.installEventFilter(self)

        results_splitter = QSplitter(Qt.Orientation.Vertical, self)
        results_splitter.addWidget(self.tree)
        results_splitter.addWidget(self.group_view)
        results_splitter.setSizes([300, 360])
        right = QWidget(self)
        rv = QVBoxLayout(right)
        rv.addWidget(self.banner)
        rv.addLayout(threshold_row)
        rv.addWidget(results_splitter, 1)
        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setSizes([280, 1000])
        self.setCentralWidget(splitter)

        self.progress = ProgressPanel(self)
        self.progress.cancelRequested.connect(self.cancel_scan)
        self.problems = ProblemsDialog(self)
        self.problems_button = QPushButton(self)
        self.problems_button.setFlat(True)
        self.problems_button.clicked.connect(self.show_problems)
        self.statusBar().addPermanentWidget(self.progress)
        self.statusBar().addPermanentWidget(self.problems_button)
        self._update_problems_button()

    # ---- settings --------------------------------------------------------------------------------------------
    def _apply_settings_to_ui(self) -> None:
        s = self.settings
        self.folders.blockSignals(True)
        self.folders.set_folders(list(s.folders))
        self.folders.set_exclude_patterns(list(s.exclude))
        self.folders.blockSignals(False)
        self.model.set_protected(s.protected_folders)
        n = self.rule_combo.findData(s.mark_rule)
        self.rule_combo.setCurrentIndex(max(n, 0))
        self._set_slider(s.threshold if s.threshold is not None else 0.8)

    def save_settings(self) -> None:
        if self.save_enabled:
            save_settings(self.settings)

    def _folders_changed(self) -> None:
        self.settings.folders = self.folders.folders()
        self.settings.exclude = self.folders.exclude_patterns()
        self.model.set_protected(self.settings.protected_folders)
        self.group_view.viewport().update()
        self.save_settings()

    def _rule_changed(self) -> None:
        self.settings.mark_rule = self.rule_combo.currentData() or "suggested"
        self.save_settings()

    def edit_settings(self) -> None:
        dialog = SettingsDialog(self.settings, self)
        if dialog.exec():
            self.settings = dialog.result_settings()
            self._apply_settings_to_ui()
            self.save_settings()

    # ---- scanning --------------------------------------------------------------------------------------------
    def _set_scanning(self, scanning: bool) -> None:
        self.scan_button.setEnabled(not scanning)
        self.scan_action.setEnabled(not scanning)
        self.cancel_action.setEnabled(scanning)
        self.scan_button.setText("Scanning…" if scanning else "Scan")

    @property
    def scanning(self) -> bool:
        return self.scan_task is not None

    def start_scan(self) -> bool:
        if self.scanning:
            return False
        self._folders_changed()
        if not self.settings.folders:
            self.show_error("Add at least one folder to scan (button, File menu, or drop a folder on the list).")
            return False
        self.banner.hide()
        settings = self.settings.to_scan_settings(frozenset(self.labels.not_duplicate_pairs()))
        self._scan_gen += 1
        gen = self._scan_gen
        labels = self.labels
        started = time.monotonic()
        self.progress.start("Starting the scan…")
        self._set_scanning(True)
        self.scan_task = self.runner.run(
            "scan",
            lambda p: self.scan_service.scan(settings, p, labels),
            on_done=lambda result: self._scan_done(gen, settings, result, started),
            on_error=lambda message: self._scan_failed(gen, message),
            on_progress=lambda phase, done, total: (
                gen == self._scan_gen and self.progress.update_progress(phase, done, total)
            ),
            on_cancel=lambda: None,
        )
        return True

    def preload_model(self) -> None:
        """Load the network in the background while the user picks folders; a failure shows up at scan time."""
        settings = self.settings.to_scan_settings()
        self.runner.run("preload", lambda p: self.scan_service.preload(settings, p), on_error=lambda _msg: None)

    def cancel_scan(self) -> None:
        """The token stops the engine at its next check; the window is usable again at once either way."""
        if self.scan_task is None:
            return
        self.scan_task.cancel()
        self.scan_task = None
        self._scan_gen += 1  # whatever the cancelled scan still posts is ignored
        self.progress.finish()
        self._set_scanning(False)
        self.statusBar().showMessage("Scan cancelled; what was analysed is cached for the next scan.", 8000)
        emit(self.scanEnded, "cancelled")

    def _scan_failed(self, gen: int, message: str) -> None:
        if gen != self._scan_gen:
            return
        self.scan_task = None
        self.progress.finish()
        self._set_scanning(False)
        self.show_error(f"The scan failed: {message}")
        emit(self.scanEnded, "failed")

    def _scan_done(self, gen: int, settings: ScanSettings, result: ScanResult, started: float) -> None:
        if gen != self._scan_gen:
            return
        self.scan_task = None
        self.progress.finish()
        self._set_scanning(False)
        self.scan_result, self.scan_settings, self.removed = result, settings, set()
        self.not_duplicates = set(settings.not_duplicates)
        self.threshold = result.threshold
        exact = settings.exact_only or result.model_id == "exact-only"
        low = float(result.stats.get("min_score", result.threshold)) if not exact else 1.0
        self.slider.blockSignals(True)
        self.slider.setRange(max(0, int(round(low * 100))), 100)
        self.slider.blockSignals(False)
        self._set_slider(result.threshold)
        self.slider.setEnabled(not exact)
        for loader in (self.thumbs, self.full_images):
            loader.clear()
        self.group_view.delegate.clear()
        self.problems.set_skipped(result.skipped)
        self._update_problems_button()
        self.model.set_groups(result.groups, keep_marks=False)
        self._select_group(0)
        self.statusBar().showMessage(
            f"Scanned {result.files_scanned:,} files in {human_duration(time.monotonic() - started)}: "
            f"{len(result.groups)} groups" + (f", {len(result.skipped)} skipped" if result.skipped else ""),
            15000,
        )
        emit(self.groupsChanged)
        emit(self.scanEnded, "done")

    # ---- threshold -------------------------------------------------------------------------------------------
    def _set_slider(self, value: float) -> None:
        self.slider.blockSignals(True)
        self.slider.setValue(int(round(value * 100)))
        self.slider.blockSignals(False)
        self.slider_label.setText(f"{self.slider.value() / 100:.2f}")

    def _slider_moved(self, value: int) -> None:
        self.slider_label.setText(f"{value / 100:.2f}")
        self._slider_timer.start()

    def _threshold_settled(self) -> None:
        self.set_threshold(self.slider.value() / 100)

    def set_threshold(self, threshold: float) -> None:
        self._set_slider(threshold)
        self.settings.threshold = round(threshold, 2)
        self.save_settings()
        if self.scan_result is not None and abs(threshold - self.threshold) > 1e-9:
            self.threshold = threshold
            self.refresh_groups()

    def refresh_groups(self) -> None:
        """Re-form groups from the kept pairs (threshold, removed files, "not a duplicate" labels); no rescan."""
        if self.scan_result is None:
            return
        from engine.scan import regroup

        base, threshold, settings = self.scan_result, self.threshold, self.scan_settings
        removed, not_dup = set(self.removed), set(self.not_duplicates)
        self._regroup_gen += 1
        gen = self._regroup_gen

        def work(_progress=None) -> tuple[Group, ...]:
            return regroup(without_paths(base, removed), threshold, settings, not_dup).groups

        if len(base.pairs) <= SYNC_REGROUP_PAIRS:
            self._apply_groups(gen, work())
        else:
            self.runner.run(
                "regroup",
                work,
                on_done=lambda groups: self._apply_groups(gen, groups),
                on_error=lambda msg: self.show_error(f"Could not re-form the groups: {msg}"),
            )

    def _apply_groups(self, gen: int, groups: tuple[Group, ...]) -> None:
        if gen != self._regroup_gen:
            return
        current = self.current_member()
        self.model.set_groups(groups)
        row = self.model.group_row_of(current.path) if current else -1
        self._select_group(max(row, 0), current.path if current and row >= 0 else None)
        emit(self.groupsChanged)

    # ---- messages --------------------------------------------------------------------------------------------
    def show_error(self, text: str) -> None:
        self.banner.setText(text)
        self.banner.show()
        self.problems.add_message(text)
        self._update_problems_button()
        self.statusBar().showMessage(text, 10000)

    def _update_problems_button(self) -> None:
        skipped, messages = self.problems.counts()
        self.problems_button.setText(f"Skipped: {skipped} · Messages: {messages}")

    def show_problems(self) -> None:
        self.problems.show()
        self.problems.raise_()

    def show_shortcuts(self) -> None:
        QMessageBox.information(self, "Keyboard shortcuts", shortcuts_html())

    def _update_summary(self) -> None:
        s = self.model.summary()
        if self.scan_result is None:
            self.summary.setText("Add folders and press Scan.")
            return
        self.summary.setText(
            f"<b>{s['groups']}</b> groups · <b>{s['reclaimable_files']}</b> files could go "
            f"(<b>{human_bytes(s['reclaimable_bytes'])}</b>) · marked: <b>{s['marked_files']}</b> "
            f"({human_bytes(s['marked_bytes'])})"
        )

    # ---- lifetime --------------------------------------------------------------------------------------------
    def shutdown(self) -> None:
        """Cancel and join every worker (close, and test teardown)."""
        if self.scan_task is not None:
            self.scan_task.cancel()
        self.runner.shutdown()
        self.thumbs.shutdown()
        self.full_images.shutdown()
        if self.compare is not None:
            self.compare.close()

    def closeEvent(self, event) -> None:
        self.save_settings()
        self.shutdown()
        super().closeEvent(event)
