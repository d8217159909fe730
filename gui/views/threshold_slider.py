"""The similarity threshold: "Similarity ≥ [slider] 0.80", with the value settled only once a drag stops."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Qt, QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSlider, QWidget

from gui.signals import emit

translate = QCoreApplication.translate

SLIDER_DEBOUNCE_MS = 200  # regroup once per drag, not once per pixel


class ThresholdSlider(QWidget):
    """``settled(threshold)`` fires once the user stops moving the slider; ``set_value`` never fires it."""

    settled = Signal(float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.slider = QSlider(Qt.Orientation.Horizontal, self)
        self.slider.setRange(20, 100)
        self.slider.setToolTip(
            translate(
                "ThresholdSlider", "Similarity threshold: pairs scoring at least this are grouped (no rescan needed)"
            )
        )
        self.slider.valueChanged.connect(self._moved)
        self.label = QLabel(self)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SLIDER_DEBOUNCE_MS)
        self._timer.timeout.connect(lambda: emit(self.settled, self.value()))
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(QLabel(translate("ThresholdSlider", "Similarity ≥"), self))
        layout.addWidget(self.slider)
        layout.addWidget(self.label)

    def value(self) -> float:
        return self.slider.value() / 100

    def set_value(self, value: float) -> None:
        self.slider.blockSignals(True)
        self.slider.setValue(int(round(value * 100)))
        self.slider.blockSignals(False)
        self.label.setText(f"{self.value():.2f}")

    def set_floor(self, low: float) -> None:
        """The lowest threshold offered: the lowest score the scan kept, so every kept pair can be reached."""
        self.slider.blockSignals(True)
        self.slider.setRange(max(0, int(round(low * 100))), 100)
        self.slider.blockSignals(False)

    def _moved(self, value: int) -> None:
        self.label.setText(f"{value / 100:.2f}")
        self._timer.start()
