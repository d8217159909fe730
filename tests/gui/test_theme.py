"""Light and dark palettes: badges, the "not sure" tint and the banner stay readable; the scheme is followed."""

from __future__ import annotations

import pytest
from gui_helpers import groups
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette

from gui.itemmodels.results_model import ResultsModel
from gui.theme import (
    KEEP_COLOUR,
    MARK_COLOUR,
    PROTECTED_COLOUR,
    UNSURE_COLOUR,
    SchemeFollower,
    app_icon,
    contrast,
    dark_palette,
    is_dark,
    text_on,
    uncertain_tint,
)


@pytest.fixture
def dark(qapp):
    before = QGuiApplication.palette()
    qapp.setPalette(dark_palette())
    yield qapp.palette()
    qapp.setPalette(before)


def test_badges_are_readable_whatever_the_palette(dark) -> None:
    for badge in (KEEP_COLOUR, MARK_COLOUR, PROTECTED_COLOUR, UNSURE_COLOUR):
        assert contrast(text_on(badge), badge) >= 4.5, badge.name()
        # and a badge stands out from the card it sits on, light or dark
        assert contrast(badge, dark.color(QPalette.ColorRole.Base)) >= 1.5
    assert contrast(QColor("white"), QColor("black")) == pytest.approx(21)
    assert text_on(QColor(255, 236, 179)) == QColor("black")  # the old light amber needed dark text


def test_the_not_sure_tint_keeps_the_lists_text_readable_in_both_palettes(qapp, dark) -> None:
    model = ResultsModel()
    g = groups()
    uncertain = [n for n, grp in enumerate(g) if grp.uncertain]
    model.set_groups(g)
    row = next(r for r in range(model.rowCount()) if model.group(r).uncertain) if uncertain else None
    tint = model.index(row, 0).data(Qt.ItemDataRole.BackgroundRole) if row is not None else uncertain_tint()
    assert is_dark(dark) and tint.lightness() < 128  # a dark amber on a dark palette, not the light one
    assert contrast(dark.color(QPalette.ColorRole.Text), tint) >= 4.5
    light = qapp.style().standardPalette()
    assert not is_dark(light)
    assert contrast(light.color(QPalette.ColorRole.Text), uncertain_tint(light)) >= 4.5


def test_the_banner_turns_dark_with_the_palette(qtbot, window) -> None:
    banner = window.messages.banner
    light_style = banner.styleSheet()
    window.messages.warn("Something went wrong")
    QGuiApplication.instance().setPalette(dark_palette())
    try:
        qtbot.waitUntil(lambda: banner.styleSheet() != light_style, timeout=2000)
        assert "#5c1a1a" in banner.styleSheet()
    finally:
        QGuiApplication.instance().setPalette(QGuiApplication.instance().style().standardPalette())


def test_a_dark_system_scheme_gets_a_dark_palette_and_back(qapp, monkeypatch) -> None:
    before = qapp.palette()
    follower = SchemeFollower(qapp)
    try:
        monkeypatch.setattr(follower, "system_dark", lambda: True)
        follower.apply()
        assert is_dark(qapp.palette())
        monkeypatch.setattr(follower, "system_dark", lambda: False)
        follower.apply()
        assert not is_dark(qapp.palette())
    finally:
        qapp.setPalette(before)
        follower.deleteLater()


def test_the_app_icon_is_drawn_sharp_at_every_size(qapp) -> None:
    icon = app_icon()
    assert not icon.isNull()
    for side in (16, 32, 64, 256):  # an SVG renders at the size asked, so a 200% screen gets real pixels
        pixmap = icon.pixmap(side, side)
        assert (pixmap.width(), pixmap.height()) == (side, side)
