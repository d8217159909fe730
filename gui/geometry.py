"""Window sizes that fit the screen, at any scaling, and whether a remembered position still does.

Qt works in device-independent pixels, so a 1600x1000 screen at 150% is 1067x667 here: a fixed 1280x820 window
hangs off it. Rectangles are the window's client area (what ``setGeometry`` takes); ``FRAME_ALLOWANCE`` leaves
room for the title bar and borders the window manager adds around it.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QRect, QSize
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QWidget

FRAME_ALLOWANCE = QSize(16, 48)  # borders and a title bar, which the client area does not include
SCREEN_SHARE = 0.92  # a first window takes at most this share of the available area, centred


def fitted(preferred: QSize, available: QRect, minimum: QSize | None = None) -> QRect:
    """A client rectangle of at most ``preferred`` size, frame included inside ``available``, centred there."""
    minimum = minimum or QSize(0, 0)
    room_w = int(available.width() * SCREEN_SHARE) - FRAME_ALLOWANCE.width()
    room_h = int(available.height() * SCREEN_SHARE) - FRAME_ALLOWANCE.height()
    w = max(min(preferred.width(), room_w), min(minimum.width(), available.width()))
    h = max(min(preferred.height(), room_h), min(minimum.height(), available.height()))
    rect = QRect(0, 0, w, h)
    rect.moveCenter(available.center())
    return rect


def fits_a_screen(rect: QRect, screens: Sequence[QRect]) -> bool:
    """True when the client rectangle lies wholly inside one screen's available area (frame excepted)."""
    return rect.isValid() and any(area.contains(rect) for area in screens)


def available_areas() -> list[QRect]:
    return [s.availableGeometry() for s in QGuiApplication.screens()]


def remembered(saved: Sequence[int], screens: Sequence[QRect]) -> QRect | None:
    """The saved ``[x, y, width, height]`` when it still fits a screen (none unplugged, no resolution change)."""
    if len(saved) != 4:
        return None
    rect = QRect(*(int(v) for v in saved))
    return rect if fits_a_screen(rect, screens) else None


def place(window: QWidget, preferred: QSize, anchor: QWidget | None = None) -> None:
    """Size ``window`` to fit the available area of the screen it (or ``anchor``) is on, centred there."""
    screen = (anchor or window).screen() or QGuiApplication.primaryScreen()
    window.setGeometry(fitted(preferred, screen.availableGeometry(), window.minimumSizeHint()))
