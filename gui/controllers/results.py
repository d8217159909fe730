"""The scan under review: its result, the threshold, files removed since, "not a duplicate" labels, and regrouping.

Groups are re-formed from the scan's kept pairs whenever one of these changes, without a rescan; a library with
many pairs regroups on the task runner, and only the newest regrouping is shown. Files also leave the groups
when their folder is taken off the list (they come back if it is added again) and when ``check_files`` finds
them gone from the disk (the window calls it whenever it is activated: the user may have deleted files
elsewhere).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence

from PySide6.QtCore import QCoreApplication, QObject, Signal

from engine.fileops import without_paths
from engine.marking import in_folders
from engine.results import Group, ScanResult
from engine.settings import ScanSettings
from gui.controllers.navigation import NavigationController
from gui.format import human_bytes
from gui.itemmodels.results_model import ResultsModel
from gui.settings import SettingsStore
from gui.signals import emit
from gui.views.messages import Messages
from gui.views.threshold_slider import ThresholdSlider
from gui.workers import TaskHandle, TaskRunner

translate = QCoreApplication.translate

SYNC_REGROUP_PAIRS = 20000  # below this many pairs regrouping takes milliseconds: do it at once


def _stat_listed(listed: Sequence[tuple[str, int, int]], progress) -> tuple[set[str], set[str]]:
    """(gone, changed): files that no longer exist, and files whose size or modification time moved on."""
    gone: set[str] = set()
    changed: set[str] = set()
    for path, size, mtime_ns in listed:
        progress.check()
        try:
            st = os.stat(path)
        except (FileNotFoundError, NotADirectoryError):
            gone.add(path)
        except OSError:
            continue  # unreadable right now (a network share asleep): not proof that it is gone
        else:
            if st.st_size != size or st.st_mtime_ns != mtime_ns:
                changed.add(path)
    return gone, changed


class ResultsController(QObject):
    """``groupsChanged`` follows every new set of groups shown (a scan, the threshold, a file action, a label)."""

    groupsChanged = Signal()
    filesChecked = Signal(int, int)  # files found gone, files found changed since the scan

    def __init__(
        self,
        model: ResultsModel,
        runner: TaskRunner,
        navigation: NavigationController,
        slider: ThresholdSlider,
        settings: SettingsStore,
        messages: Messages,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.model, self.runner, self.navigation = model, runner, navigation
        self.slider, self.settings, self.messages = slider, settings, messages
        self.scan_result: ScanResult | None = None
        self.scan_settings = ScanSettings()
        self.threshold = 1.0
        self.removed: set[str] = set()
        self.outside: set[str] = set()  # scanned files whose folder is no longer in the list
        self.roots: tuple[str, ...] | None = None  # None: every scanned file counts
        self.not_duplicates: set[frozenset[str]] = set()
        self._gen = 0
        self._check: TaskHandle | None = None
        slider.settled.connect(self.set_threshold)

    def load(self, result: ScanResult, settings: ScanSettings) -> None:
        """A finished scan: its groups, marks cleared, the slider down to the lowest score the scan kept."""
        self.scan_result, self.scan_settings, self.removed = result, settings, set()
        self.roots, self.outside = tuple(settings.roots), set()
        self.not_duplicates = set(settings.not_duplicates)
        self.threshold = result.threshold
        exact = settings.exact_only or result.model_id == "exact-only"
        self.slider.set_floor(float(result.stats.get("min_score", result.threshold)) if not exact else 1.0)
        self.slider.set_value(result.threshold)
        self.slider.setEnabled(not exact)
        self.model.set_groups(result.groups, keep_marks=False)
        self.navigation.select_group(0)
        emit(self.groupsChanged)

    def set_threshold(self, threshold: float) -> None:
        self.slider.set_value(threshold)
        self.settings.current.threshold = round(threshold, 2)
        self.settings.save()
        if self.scan_result is not None and abs(threshold - self.threshold) > 1e-9:
            self.threshold = threshold
            self.refresh_groups()

    def files_removed(self, paths: Iterable[str]) -> None:
        self.removed |= set(paths)

    def files_restored(self, paths: Iterable[str]) -> None:
        self.removed -= set(paths)

    def set_roots(self, roots: Sequence[str]) -> None:
        """The folder list changed: files outside every listed folder leave the groups (and their marks)."""
        roots = tuple(roots)
        if self.scan_result is None or roots == self.roots:
            return
        self.roots = roots
        outside = {p for p in self.scan_result.catalog if not in_folders(p, roots)}
        if outside != self.outside:
            self.outside = outside
            self.refresh_groups()

    def check_files(self) -> bool:
        """Stat every listed file on the task runner; what is gone leaves the groups. False when nothing to do."""
        if self.scan_result is None or (self._check is not None and self._check.running):
            return False
        listed = [(m.path, m.size, m.mtime_ns) for g in self.model.groups for m in g.members]
        if not listed:
            return False
        self._check = self.runner.run(
            "check files",
            lambda progress: _stat_listed(listed, progress),
            on_done=self._checked,
            on_error=lambda msg: self.messages.add_message(
                translate("Results", "Could not re-check the listed files: {msg}").format(msg=msg)
            ),
        )
        return True

    def _checked(self, found: tuple[set[str], set[str]]) -> None:
        gone, changed = found
        gone -= self.removed  # already known: moved or trashed by the app meanwhile
        if gone:
            self.files_removed(gone)
            self.refresh_groups()
        parts = []
        if gone:
            parts.append(
                self.tr("{count} listed files are gone (deleted or moved outside Doppel) and left the groups").format(
                    count=len(gone)
                )
            )
        if changed:
            parts.append(
                self.tr("{count} changed since the scan; scan again to update them").format(count=len(changed))
            )
        if parts:
            self.messages.status("; ".join(parts) + ".", 15000)
        emit(self.filesChecked, len(gone), len(changed))

    def add_not_duplicate(self, a: str, b: str) -> None:
        """The user said these two are different photos: they are never grouped together again."""
        self.not_duplicates.add(frozenset((a, b)))
        self.refresh_groups()

    def refresh_groups(self) -> None:
        """Re-form groups from the kept pairs (threshold, removed files, "not a duplicate" labels); no rescan."""
        if self.scan_result is None:
            return
        from engine.scan import regroup

        base, threshold, settings = self.scan_result, self.threshold, self.scan_settings
        removed, not_dup = self.removed | self.outside, set(self.not_duplicates)
        self._gen += 1
        gen = self._gen

        def work(_progress=None) -> tuple[Group, ...]:
            return regroup(without_paths(base, removed), threshold, settings, not_dup).groups

        if len(base.pairs) <= SYNC_REGROUP_PAIRS:
            self._apply_groups(gen, work())
        else:
            self.runner.run(
                "regroup",
                work,
                on_done=lambda groups: self._apply_groups(gen, groups),
                on_error=lambda msg: self.messages.error(
                    translate("Results", "Could not re-form the groups: {msg}").format(msg=msg)
                ),
            )

    def _apply_groups(self, gen: int, groups: tuple[Group, ...]) -> None:
        if gen != self._gen:
            return
        current = self.navigation.current_member()
        self.model.set_groups(groups)
        row = self.model.group_row_of(current.path) if current else -1
        self.navigation.select_group(max(row, 0), current.path if current and row >= 0 else None)
        emit(self.groupsChanged)

    def size_of(self, path: str) -> int:
        m = self.scan_result.catalog.get(path) if self.scan_result else None
        return m.size if m else 0

    def summary_text(self, scanning: bool = False) -> str:
        if self.scan_result is None:
            return (
                self.tr("Scanning… (progress in the status bar)")
                if scanning
                else self.tr("Add folders and press Scan.")
            )
        s = self.model.summary()
        text = self.tr(
            "<b>{groups}</b> groups · <b>{files}</b> files could go (<b>{size}</b>) · marked: <b>{marked}</b> "
            "({marked_size})"
        ).format(
            groups=s["groups"],
            files=s["reclaimable_files"],
            size=human_bytes(s["reclaimable_bytes"]),
            marked=s["marked_files"],
            marked_size=human_bytes(s["marked_bytes"]),
        )
        if s["uncertain"]:
            text += self.tr(" · <b>{count}</b> not sure: review them").format(count=s["uncertain"])
        return text
