"""One image in the compare view: a zoomable, pannable pane that reports wheel and scroll, and the difference image.

The compare view keeps two panes in step; a pane only says what the user did to it.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPixmap, QWheelEvent
from PySide6.QtWidgets import QGraphicsPixmapItem, QGraphicsScene, QGraphicsView, QLabel

from gui.signals import emit
from gui.workers import pil_to_qimage

translate = QCoreApplication.translate

WHEEL_STEP = 1.25
DIFF_MAX_SIDE = 2048


def difference_image(path_a: str, path_b: str) -> QImage:
    """|A - B| after scaling B onto A, amplified so small edits stand out. Runs on a pool thread."""
    from PIL import ImageChops, ImageOps

    from engine.imaging import load_thumbnail

    a = load_thumbnail(path_a, DIFF_MAX_SIDE)
    b = load_thumbnail(path_b, DIFF_MAX_SIDE).resize(a.size)
    diff = ImageOps.autocontrast(ImageChops.difference(a, b).convert("L"), cutoff=0.5)
    return pil_to_qimage(diff.convert("RGB"))


class ImagePane(QGraphicsView):
    wheeled = Signal(object, float)  # pane, zoom factor
    scrolled = Signal(object)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setScene(QGraphicsScene(self))
        self.item = QGraphicsPixmapItem()
        self.item.setTransformationMode(Qt.TransformationMode.SmoothTransformation)
        self.scene().addItem(self.item)
        self.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        self.setBackgroundBrush(QColor(40, 40, 40))
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.message = QLabel(translate("ImagePane", "loading…"), self)
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message.setStyleSheet("color: #ddd;")
        self.horizontalScrollBar().valueChanged.connect(lambda _v: emit(self.scrolled, self))
        self.verticalScrollBar().valueChanged.connect(lambda _v: emit(self.scrolled, self))

    def set_image(self, image: QImage | None, message: str = "") -> None:
        if image is None:
            self.item.setPixmap(QPixmap())
            self.message.setText(message or "loading…")
            self.message.show()
        else:
            self.item.setPixmap(QPixmap.fromImage(image))
            self.scene().setSceneRect(self.item.boundingRect())
            self.message.hide()

    def image_width(self) -> int:
        return self.item.pixmap().width()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self.message.setGeometry(self.viewport().geometry())

    def wheelEvent(self, event: QWheelEvent) -> None:
        steps = event.angleDelta().y() / 120
        if steps:
            emit(self.wheeled, self, WHEEL_STEP**steps)
        event.accept()

    def scroll_fraction(self) -> tuple[float, float]:
        h, v = self.horizontalScrollBar(), self.verticalScrollBar()
        return (
            (h.value() - h.minimum()) / max(1, h.maximum() - h.minimum()),
            (v.value() - v.minimum()) / max(1, v.maximum() - v.minimum()),
        )

    def set_scroll_fraction(self, fx: float, fy: float) -> None:
        h, v = self.horizontalScrollBar(), self.verticalScrollBar()
        h.setValue(round(h.minimum() + fx * (h.maximum() - h.minimum())))
        v.setValue(round(v.minimum() + fy * (v.maximum() - v.minimum())))
