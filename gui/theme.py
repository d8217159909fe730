"""Light or dark as the system says (Qt 6's colour scheme), colours that stay readable in both, and sharp icons.

Widgets paint from the palette at paint time, so a change of scheme repaints them; the few colours of our own
(badges, the amber "not sure" tint, the message banner) come from here and are checked for contrast in a test:
a badge's text is black or white, whichever reads better on it; a tint is mixed into the palette's base colour.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QColor, QGuiApplication, QIcon, QPalette
from PySide6.QtWidgets import QApplication, QStyle

from engine.paths import resources_dir

ICON_DIR = resources_dir() / "icons"
APP_ICON = ICON_DIR / "doppel.svg"

KEEP_COLOUR = QColor(30, 125, 52)  # dark enough for white text (WCAG 4.5:1) on light and dark cards alike
MARK_COLOUR = QColor(200, 40, 40)
PROTECTED_COLOUR = QColor(80, 80, 150)
UNSURE_COLOUR = QColor(150, 90, 0)
AMBER = QColor(255, 191, 0)  # the "not sure" tint, mixed into the list's base colour


def luminance(c: QColor) -> float:
    """Relative luminance (WCAG 2): what contrast is computed from."""

    def channel(v: float) -> float:
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(c.redF()) + 0.7152 * channel(c.greenF()) + 0.0722 * channel(c.blueF())


def contrast(a: QColor, b: QColor) -> float:
    """WCAG contrast ratio, 1 (none) to 21 (black on white); 4.5 is enough for text."""
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def text_on(background: QColor) -> QColor:
    """Black or white, whichever reads better on ``background``."""
    white, black = QColor(Qt.GlobalColor.white), QColor(Qt.GlobalColor.black)
    return white if contrast(white, background) >= contrast(black, background) else black


def mix(base: QColor, colour: QColor, amount: float) -> QColor:
    """``amount`` of ``colour`` over ``base``: a tint that keeps the palette's light or dark."""
    return QColor.fromRgbF(
        base.redF() + (colour.redF() - base.redF()) * amount,
        base.greenF() + (colour.greenF() - base.greenF()) * amount,
        base.blueF() + (colour.blueF() - base.blueF()) * amount,
    )


def is_dark(palette: QPalette | None = None) -> bool:
    palette = palette or QGuiApplication.palette()
    return palette.color(QPalette.ColorRole.Window).lightness() < 128


def uncertain_tint(palette: QPalette | None = None) -> QColor:
    """The amber of a "not sure" group, mixed into the base colour so the palette's text stays readable."""
    palette = palette or QGuiApplication.palette()
    return mix(palette.color(QPalette.ColorRole.Base), AMBER, 0.28 if is_dark(palette) else 0.35)


def banner_style(palette: QPalette | None = None) -> str:
    """The error banner: pale red with dark text on a light palette, dark red with light text on a dark one."""
    if is_dark(palette):
        return "background: #5c1a1a; color: #ffd7d7; padding: 6px; border: 1px solid #a04040;"
    return "background: #fbe3e4; color: #8a1f11; padding: 6px; border: 1px solid #e8a0a0;"


def dark_palette() -> QPalette:
    """A dark palette for Fusion, for systems in dark mode whose style has none of its own."""
    p = QPalette()
    roles = {
        QPalette.ColorRole.Window: QColor(45, 45, 48),
        QPalette.ColorRole.WindowText: QColor(230, 230, 230),
        QPalette.ColorRole.Base: QColor(30, 30, 32),
        QPalette.ColorRole.AlternateBase: QColor(40, 40, 44),
        QPalette.ColorRole.Text: QColor(230, 230, 230),
        QPalette.ColorRole.Button: QColor(53, 53, 56),
        QPalette.ColorRole.ButtonText: QColor(230, 230, 230),
        QPalette.ColorRole.Highlight: QColor(42, 130, 218),
        QPalette.ColorRole.HighlightedText: QColor(255, 255, 255),
        QPalette.ColorRole.ToolTipBase: QColor(60, 60, 64),
        QPalette.ColorRole.ToolTipText: QColor(230, 230, 230),
        QPalette.ColorRole.PlaceholderText: QColor(150, 150, 150),
        QPalette.ColorRole.Mid: QColor(90, 90, 95),
        QPalette.ColorRole.Link: QColor(100, 170, 255),
    }
    for role, colour in roles.items():
        p.setColor(role, colour)
    for role in (QPalette.ColorRole.Text, QPalette.ColorRole.WindowText, QPalette.ColorRole.ButtonText):
        p.setColor(QPalette.ColorGroup.Disabled, role, QColor(127, 127, 127))
    return p


class SchemeFollower(QObject):
    """Keeps the app's palette on the system's colour scheme, also when the user switches it while Doppel runs.

    Most platform styles follow the scheme themselves (Qt 6.5+); where the scheme is dark but the palette stayed
    light (an older style), Fusion with :func:`dark_palette` takes over, and a switch back restores the system's.
    """

    def __init__(self, app: QApplication) -> None:
        super().__init__(app)
        self.app = app
        self._own = False  # whether the dark palette in use is ours
        hints = app.styleHints()
        if hasattr(hints, "colorSchemeChanged"):
            hints.colorSchemeChanged.connect(self.apply)
        self.apply()

    def system_dark(self) -> bool:
        hints = self.app.styleHints()
        return hasattr(hints, "colorScheme") and hints.colorScheme() == Qt.ColorScheme.Dark

    def apply(self, *_args) -> None:
        dark = self.system_dark()
        if dark and not is_dark(self.app.palette()):
            self.app.setStyle("Fusion")
            self.app.setPalette(dark_palette())
            self._own = True
        elif not dark and self._own:
            self.app.setPalette(self.app.style().standardPalette())
            self._own = False


def app_icon() -> QIcon:
    """The app's icon from its SVG, rendered at each size asked for (sharp at any scaling)."""
    icon = QIcon(str(APP_ICON))
    if icon.isNull():  # no SVG plugin: the PNG beside the packaging sources, if any
        icon = QIcon(str(APP_ICON.with_suffix(".png")))
    return icon


def themed_icon(name: str, fallback: QStyle.StandardPixmap) -> QIcon:
    """The desktop theme's icon ``name`` (SVG or every size: sharp at HiDPI), else the style's own."""
    icon = QIcon.fromTheme(name)
    if icon.isNull():
        style = QApplication.style()
        icon = style.standardIcon(fallback) if style is not None else QIcon()
    return icon
