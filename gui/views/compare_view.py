"""Two members side by side with synchronised zoom and pan, swap, flicker and a difference view.

Both panes show their image at the same displayed size whatever the pixel sizes (a 5120-wide original next to
its 1080-wide copy), so the same region lines up: zoom is kept relative to the left image, and scrolling one
pane scrolls the other to the same fraction. 100% means the left image's pixels one to one.

N / Y label the pair and ask for the next one; Shift+Left / Shift+Right ask for the previous / next pair and
PgUp / PgDn (or Shift+Up / Shift+Down) for the previous / next group. The view only asks: whoever opened it
(:class:`~gui.controllers.pairs.PairsController`) decides which pair comes and reports back in the status line.
"""

from __future__ import annotations

import os

from PySide6.QtCore import QCoreApplication, Qt, QTimer, Signal
from PySide6.QtGui import QImage, QKeySequence, QShortcut, QTransform
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSizePolicy, QVBoxLayout, QWidget

from engine.results import Member
from gui.format import human_bytes, resolution
from gui.signals import emit
from gui.views.image_pane import WHEEL_STEP, ImagePane, difference_image
from gui.workers import TaskRunner, ThumbnailLoader

translate = QCoreApplication.translate

FLICKER_MS = 600


class CompareView(QWidget):
    """``notDuplicate``/``isDuplicate`` carry the two paths; ``stepPair`` / ``stepGroup`` (-1 or 1) ask to move."""

    notDuplicate = Signal(str, str)
    isDuplicate = Signal(str, str)
    stepPair = Signal(int)
    stepGroup = Signal(int)
    swapped = Signal()

    def __init__(self, loader: ThumbnailLoader, runner: TaskRunner, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle(translate("CompareView", "Compare — Doppel"))
        self.loader, self.runner = loader, runner
        self.a: Member | None = None
        self.b: Member | None = None
        self.zoom = 1.0  # relative to the left image's pixels
        self.fit_mode = True
        self.mode = "side"  # side | flicker | diff
        self._syncing = False
        self._flicker_b = False
        self._diff: QImage | None = None
        self._diff_task = None
        self.flicker_timer = QTimer(self)
        self.flicker_timer.setInterval(FLICKER_MS)
        self.flicker_timer.timeout.connect(self._flicker_step)

        self.left, self.right = ImagePane(self), ImagePane(self)
        self.left_info, self.right_info = QLabel(self), QLabel(self)
        for info in (self.left_info, self.right_info):
            info.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            info.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        for pane in (self.left, self.right):
            pane.wheeled.connect(self._wheel)
            pane.scrolled.connect(self._sync_scroll)

        bar = self._button_bar()
        self.mode_label = QLabel(self)
        self.status = QLabel(self)  # what N / Y did
        self.status.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        panes = QHBoxLayout()
        self.columns: list[QWidget] = []
        for pane, info in ((self.left, self.left_info), (self.right, self.right_info)):
            column = QWidget(self)
            col = QVBoxLayout(column)
            col.setContentsMargins(0, 0, 0, 0)
            col.addWidget(pane, 1)
            col.addWidget(info)
            panes.addWidget(column, 1)
            self.columns.append(column)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.mode_label)
        layout.addLayout(panes, 1)
        layout.addWidget(self.status)
        self._shortcuts()
        loader.ready.connect(self._image_ready)
        loader.failed.connect(self._image_failed)

    def _button_bar(self) -> QHBoxLayout:
        self.buttons: dict[str, QPushButton] = {}
        bar = QHBoxLayout()
        for key, text, tip, slot, checkable in [
            (
                "fit",
                translate("CompareView", "Fit"),
                translate("CompareView", "Fit both images in view (F)"),
                self.fit,
                False,
            ),
            (
                "actual",
                translate("CompareView", "100%"),
                translate("CompareView", "Left image at 100% (1)"),
                self.actual_size,
                False,
            ),
            (
                "swap",
                translate("CompareView", "Swap sides"),
                translate("CompareView", "Swap left and right (S)"),
                self.swap,
                False,
            ),
            (
                "flicker",
                translate("CompareView", "Flicker"),
                translate("CompareView", "Alternate both images in one place (X)"),
                self.toggle_flicker,
                True,
            ),
            (
                "diff",
                translate("CompareView", "Difference"),
                translate("CompareView", "Show where the two images differ (D)"),
                self.toggle_difference,
                True,
            ),
            (
                "notdup",
                translate("CompareView", "Not a duplicate"),
                translate("CompareView", "Remember that these two are different photos (N)"),
                self._not_dup,
                False,
            ),
            (
                "isdup",
                translate("CompareView", "Is a duplicate"),
                translate("CompareView", "Remember that these two are the same photo (Y)"),
                self._is_dup,
                False,
            ),
        ]:
            b = QPushButton(text, self)
            b.setToolTip(tip)
            b.setCheckable(checkable)
            b.clicked.connect(slot)
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            bar.addWidget(b)
            self.buttons[key] = b
            if key == "diff":
                bar.addStretch(1)
        return bar

    def _shortcuts(self) -> None:
        """The keys F1 lists under "In compare" (gui.menus.SHORTCUTS)."""
        for keys, slot in (
            ("F", self.fit),
            ("1", self.actual_size),
            ("S", self.swap),
            ("X", self.toggle_flicker),
            ("D", self.toggle_difference),
            ("N", self._not_dup),
            ("Y", self._is_dup),
            ("Esc", self.close),
            ("Shift+Right", lambda: emit(self.stepPair, 1)),
            ("Shift+Left", lambda: emit(self.stepPair, -1)),
            ("PgDown", lambda: emit(self.stepGroup, 1)),
            ("PgUp", lambda: emit(self.stepGroup, -1)),
            ("Shift+Down", lambda: emit(self.stepGroup, 1)),
            ("Shift+Up", lambda: emit(self.stepGroup, -1)),
            ("+", lambda: self.zoom_by(WHEEL_STEP)),
            ("-", lambda: self.zoom_by(1 / WHEEL_STEP)),
        ):
            QShortcut(QKeySequence(keys), self, slot)

    # ---- content ---------------------------------------------------------------------------------------------
    def set_pair(self, a: Member, b: Member) -> None:
        self.a, self.b = a, b
        self._diff = None
        self.fit_mode = True
        self._set_mode("side")
        self._refresh()

    def _refresh(self) -> None:
        if self.a is None or self.b is None:
            return
        for pane, info, m in ((self.left, self.left_info, self.a), (self.right, self.right_info, self.b)):
            img = self.loader.get(m.path, 0)
            pane.set_image(img, self.loader.error(m.path, 0) or "")
            info.setText(self.info_html(m))
        if self.mode == "flicker":
            self._show_flicker_frame()
        elif self.mode == "diff":
            self._show_diff()
        self._apply_zoom()

    @staticmethod
    def info_html(m: Member) -> str:
        return (
            f"<b>{os.path.basename(m.path)}</b><br>{resolution(m.width, m.height)} · "
            f"{human_bytes(m.size)} · {(m.capture_time or 'no date').replace('T', ' ')}"
            f"<br>{m.camera or 'no camera info'} · score {m.score:.3f}<br><small>{m.path}</small>"
        )

    def show_message(self, text: str) -> None:
        self.status.setText(text)

    def _image_ready(self, path: str, side: int) -> None:
        if side == 0 and self.a and self.b and path in (self.a.path, self.b.path):
            self._refresh()

    def _image_failed(self, path: str, side: int, error: str) -> None:
        self._image_ready(path, side)

    def images_loaded(self) -> bool:
        return bool(
            self.a
            and self.b
            and self.loader.cache.get((self.a.path, 0)) is not None
            and self.loader.cache.get((self.b.path, 0)) is not None
        )

    # ---- zoom and pan ----------------------------------------------------------------------------------------
    def _base(self, pane: ImagePane) -> float:
        """Scale that makes ``pane``'s image (either side, a flicker frame, the difference) as wide on screen
        as the left image at zoom 1."""
        w = pane.image_width()
        ref = self.a.width if self.a is not None and self.a.width else self.left.image_width()
        return ref / w if w and ref else 1.0

    def _apply_zoom(self) -> None:
        if self.fit_mode:
            for pane in self._visible_panes():
                if pane.image_width():
                    pane.fitInView(pane.item, Qt.AspectRatioMode.KeepAspectRatio)
            if self.left.image_width():
                self.zoom = self.left.transform().m11()
            return
        for pane in self._visible_panes():
            s = self.zoom * self._base(pane)
            pane.setTransform(QTransform.fromScale(s, s))

    def _visible_panes(self) -> list[ImagePane]:
        return [self.left, self.right] if self.mode == "side" else [self.left]

    def fit(self) -> None:
        self.fit_mode = True
        self._apply_zoom()

    def actual_size(self) -> None:
        self.fit_mode = False
        self.zoom = 1.0
        self._apply_zoom()

    def zoom_by(self, factor: float) -> None:
        self.fit_mode = False
        self.zoom = min(32.0, max(0.02, self.zoom * factor))
        self._apply_zoom()

    def _wheel(self, pane: ImagePane, factor: float) -> None:
        self.fit_mode = False
        new = min(32.0, max(0.02, self.zoom * factor))
        f = new / self.zoom if self.zoom else 1.0
        self.zoom = new
        pane.scale(f, f)  # anchored under the mouse in the pane that got the wheel
        for other in self._visible_panes():
            if other is not pane:
                s = self.zoom * self._base(other)
                other.setTransform(QTransform.fromScale(s, s))
        self._sync_scroll(pane)

    def _sync_scroll(self, source: ImagePane) -> None:
        if self._syncing or self.mode != "side":
            return
        self._syncing = True
        try:
            other = self.right if source is self.left else self.left
            other.set_scroll_fraction(*source.scroll_fraction())
        finally:
            self._syncing = False

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if self.fit_mode:
            QTimer.singleShot(0, self._apply_zoom)

    # ---- swap, flicker, difference ---------------------------------------------------------------------------
    def swap(self) -> None:
        if self.a is None or self.b is None:
            return
        fx_fy = self.left.scroll_fraction()
        self.a, self.b = self.b, self.a
        self._diff = None
        self._refresh()
        self.left.set_scroll_fraction(*fx_fy)
        emit(self.swapped)

    def _set_mode(self, mode: str) -> None:
        self.mode = mode
        self.buttons["flicker"].setChecked(mode == "flicker")
        self.buttons["diff"].setChecked(mode == "diff")
        self.columns[1].setVisible(mode == "side")
        if mode == "flicker":
            self.flicker_timer.start()
        else:
            self.flicker_timer.stop()
        self.mode_label.setText(
            {
                "side": "",
                "flicker": "Flicker: alternating left and right in one place",
                "diff": "Difference: bright where the images differ",
            }[mode]
        )
        self.mode_label.setVisible(mode != "side")

    def toggle_flicker(self) -> None:
        self._set_mode("side" if self.mode == "flicker" else "flicker")
        self._flicker_b = False
        self._refresh()

    def _flicker_step(self) -> None:
        self._flicker_b = not self._flicker_b
        self._show_flicker_frame()

    def _show_flicker_frame(self) -> None:
        m = self.b if self._flicker_b else self.a
        if m is None:
            return
        img = self.loader.get(m.path, 0)
        if img is not None and self.a is not None:
            # scaled to the left image's size so the two frames line up exactly
            a_img = self.loader.cache.get((self.a.path, 0))
            if a_img is not None and img.size() != a_img.size():
                img = img.scaled(
                    a_img.size(), Qt.AspectRatioMode.IgnoreAspectRatio, Qt.TransformationMode.SmoothTransformation
                )
        self.left.set_image(img)
        self.left_info.setText(self.info_html(m))  # the caption under the image names the file shown
        self.mode_label.setText(
            (
                translate("CompareView", "Flicker: showing the right image ({name})")
                if self._flicker_b
                else translate("CompareView", "Flicker: showing the left image ({name})")
            ).format(name=os.path.basename(m.path))
        )

    def toggle_difference(self) -> None:
        self._set_mode("side" if self.mode == "diff" else "diff")
        self._refresh()

    def _show_diff(self) -> None:
        if self._diff is not None:
            self.left.set_image(self._diff)
            return
        self.left.set_image(None, "computing the difference…")
        if self._diff_task is not None and self._diff_task.running or self.a is None or self.b is None:
            return
        a, b = self.a.path, self.b.path

        def done(image: QImage) -> None:
            self._diff_task = None
            if self.a and self.b and (self.a.path, self.b.path) == (a, b):
                self._diff = image
                if self.mode == "diff":
                    self.left.set_image(image)
                    self._apply_zoom()

        def failed(message: str) -> None:
            self._diff_task = None
            self.left.set_image(None, f"cannot compute the difference: {message}")

        self._diff_task = self.runner.run("difference", lambda _p: difference_image(a, b), done, failed)

    def _not_dup(self) -> None:
        if self.a and self.b:
            emit(self.notDuplicate, self.a.path, self.b.path)

    def _is_dup(self) -> None:
        if self.a and self.b:
            emit(self.isDuplicate, self.a.path, self.b.path)

    def closeEvent(self, event) -> None:
        self.flicker_timer.stop()
        super().closeEvent(event)
