"""Preferences: default threshold, device, keep rules, the RAW + JPEG rule, preferred folders, cache, scan options."""

from __future__ import annotations

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from engine.model.backends import BACKENDS
from engine.settings import KEEP_RULES, RAW_JPEG_RULES
from gui.settings import AppSettings

translate = QCoreApplication.translate

DEVICES = ("auto", "cpu", "cuda", "mps")
RULE_TEXT = {
    "original_path": QT_TRANSLATE_NOOP("SettingsDialog", "Not in a backup/export folder, not named like a copy"),
    "camera": QT_TRANSLATE_NOOP("SettingsDialog", "Straight from a camera (camera EXIF, JPEG/HEIC/RAW)"),
    "resolution": QT_TRANSLATE_NOOP("SettingsDialog", "Highest resolution"),
    "size": QT_TRANSLATE_NOOP("SettingsDialog", "Largest file"),
    "oldest": QT_TRANSLATE_NOOP("SettingsDialog", "Oldest"),
    "newest": QT_TRANSLATE_NOOP("SettingsDialog", "Newest"),
    "shortest_path": QT_TRANSLATE_NOOP("SettingsDialog", "Shortest path"),
}
RAW_JPEG_TEXT = {
    "both": QT_TRANSLATE_NOOP("SettingsDialog", "Keep both (auto-mark marks neither)"),
    "raw": QT_TRANSLATE_NOOP("SettingsDialog", "Keep the RAW (the JPEG may go)"),
    "jpeg": QT_TRANSLATE_NOOP("SettingsDialog", "Keep the JPEG (the RAW may go)"),
}


class SettingsDialog(QDialog):
    """Edits a copy of the settings; ``result_settings()`` gives the edited copy after ``exec()``."""

    def __init__(self, settings: AppSettings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(translate("SettingsDialog", "Preferences — Doppel"))
        self._settings = settings
        self.model_default = QCheckBox(translate("SettingsDialog", "Use the model's calibrated threshold"), self)
        self.threshold = QDoubleSpinBox(self)
        self.threshold.setRange(0.2, 1.0)
        self.threshold.setSingleStep(0.01)
        self.threshold.setDecimals(2)
        self.model_default.toggled.connect(lambda on: self.threshold.setEnabled(not on))
        self.model_default.setChecked(settings.threshold is None)
        self.threshold.setValue(settings.threshold if settings.threshold is not None else 0.8)
        self.threshold.setEnabled(settings.threshold is not None)
        self.device = QComboBox(self)
        self.device.addItems(DEVICES)
        self.device.setCurrentText(settings.device if settings.device in DEVICES else "auto")
        self.backend = QComboBox(self)
        self.backend.addItems(BACKENDS)
        self.backend.setCurrentText(settings.backend if settings.backend in BACKENDS else "auto")
        self.backend.setToolTip(translate("SettingsDialog", "auto: OpenVINO on the CPU (faster), torch on a GPU"))

        self.rules = self._rules_list(settings.keep_rules)

        self.raw_jpeg = QComboBox(self)
        for rule in RAW_JPEG_RULES:
            self.raw_jpeg.addItem(translate("SettingsDialog", RAW_JPEG_TEXT[rule]), rule)
        self.raw_jpeg.setCurrentIndex(max(0, self.raw_jpeg.findData(settings.raw_jpeg)))
        self.raw_jpeg.setToolTip(
            translate("SettingsDialog", "A camera RAW and the JPEG shot with it (same name, same folder) are one group")
        )
        self.preferred = QLineEdit("; ".join(settings.preferred_folders), self)
        self.preferred.setToolTip(
            translate("SettingsDialog", "A keeper in one of these folders wins before the rules (separate with ;)")
        )
        self.use_cache = QCheckBox(translate("SettingsDialog", "Cache image analysis between scans"), self)
        self.use_cache.setChecked(settings.use_cache)
        self.cache_path = QLineEdit(settings.cache_path or "", self)
        self.cache_path.setPlaceholderText(translate("SettingsDialog", "default location"))
        browse = QPushButton(translate("SettingsDialog", "Browse…"), self)
        browse.clicked.connect(self._browse_cache)
        cache_row = QHBoxLayout()
        cache_row.addWidget(self.cache_path, 1)
        cache_row.addWidget(browse)
        self.hidden = QCheckBox(translate("SettingsDialog", "Include hidden files and folders"), self)
        self.hidden.setChecked(settings.include_hidden)
        self.exact_only = QCheckBox(
            translate("SettingsDialog", "Byte-identical files only (fast, no image analysis)"), self
        )
        self.exact_only.setChecked(settings.exact_only)
        self.verify = QCheckBox(
            translate("SettingsDialog", "Check near misses by geometry (finds small crops and screenshots; slower)"),
            self,
        )
        self.verify.setChecked(settings.verify)
        self._lay_out(cache_row)

    def _rules_list(self, ticked: list[str]) -> QListWidget:
        """Every keep rule, the ticked ones first in their order, then the rest; drag to reorder."""
        rules = QListWidget(self)
        rules.setDragDropMode(QListWidget.DragDropMode.InternalMove)
        rules.setToolTip(
            translate("SettingsDialog", "Ticked rules pick the suggested keeper, first rule first; drag to reorder")
        )
        order = list(ticked) + [r for r in KEEP_RULES if r not in ticked]
        for r in order:
            item = QListWidgetItem(translate("SettingsDialog", RULE_TEXT[r]) if r in RULE_TEXT else r)
            item.setData(Qt.ItemDataRole.UserRole, r)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if r in ticked else Qt.CheckState.Unchecked)
            rules.addItem(item)
        rules.setMaximumHeight(120)
        return rules

    def _lay_out(self, cache_row: QHBoxLayout) -> None:
        form = QFormLayout()
        form.addRow(translate("SettingsDialog", "Similarity threshold:"), self.model_default)
        form.addRow("", self.threshold)
        form.addRow(translate("SettingsDialog", "Device:"), self.device)
        form.addRow(translate("SettingsDialog", "Inference runtime:"), self.backend)
        form.addRow(translate("SettingsDialog", "Suggested keeper:"), self.rules)
        form.addRow(translate("SettingsDialog", "RAW + JPEG of one shot:"), self.raw_jpeg)
        form.addRow(translate("SettingsDialog", "Preferred folders:"), self.preferred)
        form.addRow(translate("SettingsDialog", "Cache:"), self.use_cache)
        form.addRow(translate("SettingsDialog", "Cache file:"), cache_row)
        form.addRow("", self.hidden)
        form.addRow("", self.exact_only)
        form.addRow("", self.verify)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(buttons)

    def _browse_cache(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self,
            translate("SettingsDialog", "Cache file"),
            self.cache_path.text() or "cache.sqlite3",
            "SQLite (*.sqlite3 *.db);;All files (*)",
        )
        if path:
            self.cache_path.setText(path)

    def result_settings(self) -> AppSettings:
        from dataclasses import replace

        rules = [
            self.rules.item(n).data(Qt.ItemDataRole.UserRole)
            for n in range(self.rules.count())
            if self.rules.item(n).checkState() == Qt.CheckState.Checked
        ]
        return replace(
            self._settings,
            threshold=None if self.model_default.isChecked() else round(self.threshold.value(), 2),
            device=self.device.currentText(),
            backend=self.backend.currentText(),
            keep_rules=rules or list(self._settings.keep_rules),
            preferred_folders=[p.strip() for p in self.preferred.text().split(";") if p.strip()],
            raw_jpeg=self.raw_jpeg.currentData() or self._settings.raw_jpeg,
            use_cache=self.use_cache.isChecked(),
            cache_path=self.cache_path.text().strip() or None,
            include_hidden=self.hidden.isChecked(),
            exact_only=self.exact_only.isChecked(),
            verify=self.verify.isChecked(),
        )
