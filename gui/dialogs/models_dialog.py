"""Model › Improve the model… and Model › Model versions…: the fine-tuning progress dialog and the versions list.

Fine-tuning runs on a :class:`~gui.workers.TaskRunner` (the one place that owns threads) with progress and
cancel; the dialog shows the current model and the candidate on the held-out labels and the guard set. A new
version becomes the active one only when the evidence says so (engine.learn.finetune_judge); otherwise it is
saved but not used, and the dialog says why. Scans use the active version through
``AppSettings.to_scan_settings`` (its folder as ``model_path``). The versions dialog switches between versions
and back to the bundled model. What starts a run (the labels, the library, one run at a time) is
:class:`gui.controllers.finetune.FinetuneController`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
)

from engine.model import versions
from engine.model.weights import ModelError, load_spec
from engine.progress import Phase
from gui.signals import emit

translate = QCoreApplication.translate

if TYPE_CHECKING:
    from engine.labels import LabelledPair
    from engine.learn.finetune_types import FinetuneConfig, FinetuneResult
    from gui.workers import TaskRunner

FinetuneFn = Callable[..., "FinetuneResult"]  # engine.learn.finetune.finetune(pairs, library, config, progress)

PHASES = {
    Phase.PREPARING: "Preparing",
    Phase.READING_LABELS: "Reading the photos you labelled",
    Phase.CHECKING_LABELS: "Checking what your labels reject",
    Phase.AUGMENTING: "Making copies of library photos",
    Phase.FEATURES: "Analysing images",
    Phase.NEW_HEAD: "Preparing a new projection head",
    Phase.GUARD: "Reading Doppel’s guard photos",
    Phase.TRAINING: "Training",
    Phase.EVALUATING: "Comparing with the current model",
}


def _pct(x: float | None) -> str:
    return "–" if x is None or x != x else f"{x:.0%}"


def _num(x: float | None) -> str:
    return "–" if x is None or x != x else f"{x:.3f}"


def results_html(result: FinetuneResult) -> str:
    """Current vs candidate on the held-out labels, library copies and the guard set, as a small table."""
    cur, cand, guard = result.current, result.candidate, result.guard
    if guard is None:
        return ""
    rows = []
    if cur is not None and cand is not None:
        rows += [
            ("Agreement with your held-out labels", _pct(cur.agreement), _pct(cand.agreement)),
            ("Average precision on them", _num(cur.ap), _num(cand.ap)),
        ]
    ref, new = guard.reference, guard.candidate
    rows += [
        ("Finds copies of library photos (AP)", _num(result.replay_base_ap), _num(result.replay_candidate_ap)),
        ("Guard photos: different photos joined*", str(ref.false_pairs), str(new.false_pairs)),
        ("Guard photos: copies found*", f"{ref.copies_found} of {ref.copy_pairs}", f"{new.copies_found}"),
    ]
    body = "".join(
        f"<tr><td>{a}</td><td align='right'>{b}</td><td align='right'><b>{c}</b></td></tr>" for a, b, c in rows
    )
    learnt = result.details.get("rejected_families") or []
    note = f"<p>From your labels: {', '.join(learnt)} copies are not duplicates.</p>" if learnt else ""
    held = (
        f"Each of your {cur.pairs} labelled pairs was held out once, from a model trained on the others. "
        if cur is not None
        else ""
    )
    return (
        f"<table cellspacing='6'><tr><th></th><th>Current</th><th>New</th></tr>{body}</table>"
        f"<p>{held}*Against the bundled model, on photos Doppel ships and never trains on.</p>{note}"
    )


class ImproveDialog(QDialog):
    """Progress, cancel and the outcome of one fine-tuning run."""

    finished_run = Signal(str)  # the engine status, "cancelled" or "failed"

    def __init__(self, runner: TaskRunner, status: Callable[[str, int], None], parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle(translate("ModelsDialog", "Improve the model"))
        self.setObjectName("doppel-improve")
        self.runner, self.show_status = runner, status
        self.result: FinetuneResult | None = None
        self.status = QLabel(
            translate("ModelsDialog", "Learning from the pairs you marked “Is / Not a duplicate”…"), self
        )
        self.status.setWordWrap(True)
        self.bar = QProgressBar(self)
        self.details = QLabel(self)
        self.details.setTextFormat(Qt.TextFormat.RichText)
        self.details.setWordWrap(True)
        self.buttons = QDialogButtonBox(self)
        self.cancel_button = self.buttons.addButton("Cancel", QDialogButtonBox.ButtonRole.RejectRole)
        self.switch_back = self.buttons.addButton("Switch back", QDialogButtonBox.ButtonRole.ActionRole)
        self.close_button = self.buttons.addButton("Close", QDialogButtonBox.ButtonRole.AcceptRole)
        self.switch_back.hide()
        self.switch_back.setAutoDefault(False)  # Enter must never undo what the run did
        self.close_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.cancel)
        self.close_button.clicked.connect(self.accept)
        self.switch_back.clicked.connect(self._switch_back)
        layout = QVBoxLayout(self)
        for w in (self.status, self.bar, self.details, self.buttons):
            layout.addWidget(w)
        self.resize(520, 260)
        self.task = None
        self._previous: str | None = None
        self._started = 0.0

    def start(
        self, pairs: Sequence[LabelledPair], library: Sequence[str], config: FinetuneConfig, finetune: FinetuneFn
    ) -> None:
        self._previous = versions.active_version_id()
        self._started = time.monotonic()
        self.task = self.runner.run(
            "finetune",
            lambda p: finetune(pairs, library, config, p),
            on_done=self._done,
            on_error=self._failed,
            on_progress=self._progress,
            on_cancel=self._cancelled,
        )

    def _progress(self, phase: str, done: int, total: int) -> None:
        self.status.setText(PHASES.get(phase, phase) + "…")
        self.bar.setRange(0, total if total else 0)
        if total:
            self.bar.setValue(min(done, total))

    def _end(self, status: str, text: str, ran: bool = False) -> None:
        """``ran``: the run got as far as comparing the models; otherwise a full bar would claim work not done."""
        self.task = None
        if ran:
            self.bar.setRange(0, 1)
            self.bar.setValue(1)
        else:
            self.bar.hide()
        self.status.setText(text)
        self.cancel_button.setEnabled(False)
        self.close_button.setEnabled(True)
        self.close_button.setDefault(True)  # Enter closes, whichever button had the focus
        self.close_button.setFocus()
        emit(self.finished_run, status)

    def cancel(self) -> None:
        if self.task is not None:
            self.task.cancel()
            self.status.setText(translate("ModelsDialog", "Cancelling…"))
        else:
            self.reject()

    def _cancelled(self) -> None:
        self._end("cancelled", "Cancelled: nothing was saved; the model in use is unchanged.")

    def _failed(self, message: str) -> None:
        self._end("failed", f"Fine-tuning failed: {message}")

    def _done(self, result: FinetuneResult) -> None:
        from engine.learn.finetune_types import Outcome

        self.result = result
        self.details.setText(results_html(result))
        if result.status is Outcome.SAVED and result.spec is not None:
            versions.use_version(result.spec.model_id)
            self.switch_back.show()
            self.show_status("Now using the improved model; scan again to apply it.", 15000)
            text = (
                f"The new version is better on your held-out labels and is now in use ({result.spec.model_id}, "
                f"{time.monotonic() - self._started:.0f} s). Scan again to apply it; Model › Model versions… "
                "switches back at any time."
            )
        elif result.saved and result.spec is not None:  # saved, not used: say why, in the engine's words
            text = (
                f"{result.message} You keep using {versions.describe(self._previous)}; Model › Model versions… "
                "can switch to the new version anyway."
            )
        else:
            text = result.message
        self._end(result.status.value, text, ran=result.guard is not None)

    def _switch_back(self) -> None:
        versions.use_version(self._previous)
        self.switch_back.hide()
        self.status.setText(
            translate("ModelsDialog", "Switched back to {version}.").format(version=versions.describe(self._previous))
        )

    def closeEvent(self, event) -> None:
        if self.task is not None:
            self.task.cancel()
        super().closeEvent(event)


class ModelsDialog(QDialog):
    """The bundled model and the user's versions; the one in use is marked."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle(translate("ModelsDialog", "Model versions"))
        self.setObjectName("doppel-models")
        self.list = QListWidget(self)
        self.info = QLabel(self)
        self.info.setWordWrap(True)
        self.use_button = QPushButton(translate("ModelsDialog", "Use selected"), self)
        self.bundled_button = QPushButton(translate("ModelsDialog", "Use the bundled model"), self)
        self.remove_button = QPushButton(translate("ModelsDialog", "Remove…"), self)
        close = QPushButton(translate("ModelsDialog", "Close"), self)
        self.use_button.clicked.connect(self.use_selected)
        self.bundled_button.clicked.connect(lambda: self.use(None))
        self.remove_button.clicked.connect(self.remove_selected)
        close.clicked.connect(self.accept)
        self.list.currentItemChanged.connect(lambda *_: self._selection_changed())
        row = QHBoxLayout()
        for b in (self.use_button, self.bundled_button, self.remove_button):
            row.addWidget(b)
        row.addStretch(1)
        row.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(
            QLabel(
                translate(
                    "ModelsDialog",
                    "Scans use the model marked “in use”. Versions come from Model › Improve the "
                    "model…; the bundled model is never changed.",
                ),
                self,
            )
        )
        layout.addWidget(self.list, 1)
        layout.addWidget(self.info)
        layout.addLayout(row)
        self.resize(600, 360)
        self.refresh()

    def refresh(self) -> None:
        active = versions.active_version_id()
        self.list.clear()
        try:
            bundled = load_spec(None).model_id
        except ModelError:
            bundled = "unavailable"
        entries = [(None, f"Bundled model ({bundled})", "")]
        for v in versions.list_versions():
            cand, cur = v.summary.get("candidate") or {}, v.summary.get("current") or {}
            when = time.strftime("%Y-%m-%d %H:%M", time.localtime(v.created))
            reasons = v.summary.get("reasons") or []
            why = f" Not recommended when it was made: {'; '.join(reasons)}." if reasons else ""
            entries.append(
                (
                    v.model_id,
                    f"{v.model_id} — {when}, {v.summary.get('labels', '?')} labels",
                    f"Held-out agreement {_pct(cur.get('agreement'))} → {_pct(cand.get('agreement'))} when it was "
                    f"made.{why}",
                )
            )
        for model_id, text, tip in entries:
            item = QListWidgetItem(text + (translate("ModelsDialog", "   (in use)") if model_id == active else ""))
            item.setData(Qt.ItemDataRole.UserRole, model_id)
            item.setToolTip(tip)
            font = item.font()
            font.setBold(model_id == active)
            item.setFont(font)
            self.list.addItem(item)
            if model_id == active:
                self.list.setCurrentItem(item)
        self._selection_changed()

    def selected_id(self) -> str | None:
        item = self.list.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item is not None else None

    def _selection_changed(self) -> None:
        item = self.list.currentItem()
        self.info.setText(item.toolTip() if item is not None else "")
        self.remove_button.setEnabled(self.selected_id() is not None)

    def use(self, model_id: str | None) -> None:
        try:
            versions.use_version(model_id)
        except ModelError as exc:
            QMessageBox.warning(self, translate("ModelsDialog", "Model versions"), str(exc))
        self.refresh()

    def use_selected(self) -> None:
        self.use(self.selected_id())

    def remove_selected(self, confirm: bool = True) -> None:
        model_id = self.selected_id()
        if model_id is None:
            return
        if (
            confirm
            and QMessageBox.question(
                self,
                translate("ModelsDialog", "Remove version"),
                translate("ModelsDialog", "Delete version {model_id}?").format(model_id=model_id),
            )
            != QMessageBox.StandardButton.Yes
        ):
            return
        try:
            versions.remove_version(model_id)
        except (ModelError, OSError) as exc:
            QMessageBox.warning(self, translate("ModelsDialog", "Model versions"), str(exc))
        self.refresh()
