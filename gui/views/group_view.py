"""The selected group's members side by side as cards: thumbnail, resolution, size, date, camera, path, score.

Thumbnails come from :class:`gui.workers.ThumbnailLoader` (decoded off the GUI thread, cached); a card paints
a placeholder until its image is ready. Cards grow with the card area, up to one row filling its height, and
thumbnails are decoded at the smallest size that covers what is painted. The keeper has a green frame and a
KEEP badge, marked files a red one (never both: the results model keeps one state per member); the other
members an uncertain group is not sure of (below the sure level against the keeper) an amber NOT SURE badge.
"""

from __future__ import annotations

import os
from collections import OrderedDict

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QModelIndex, QRect, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QPainter, QPalette, QPen, QPixmap
from PySide6.QtWidgets import QAbstractItemView, QListView, QStyle, QStyledItemDelegate, QStyleOptionViewItem

from engine.raw import RAW_FORMATS
from engine.results import Group, Member
from gui.format import human_bytes, resolution
from gui.itemmodels.members_model import MembersModel
from gui.itemmodels.results_model import ResultsModel, Role
from gui.signals import emit
from gui.theme import KEEP_COLOUR, MARK_COLOUR, PROTECTED_COLOUR, UNSURE_COLOUR, mix, text_on
from gui.workers import ThumbnailLoader

translate = QCoreApplication.translate

CARD_THUMB = 200  # the smallest painted thumbnail; a taller card area paints them larger
MAX_CARD_THUMB = 560
CARD_TEXT_H = 124  # name and info lines under the thumbnail
CARD_MARGIN = 24
CARD_H = CARD_THUMB + CARD_TEXT_H
DECODE_SIDES = (256, 512, 768)  # decoded sizes; the smallest one that covers the painted size is used


BADGE_TEXT = {
    "MARKED": QT_TRANSLATE_NOOP("Badge", "MARKED"),
    "KEEP": QT_TRANSLATE_NOOP("Badge", "KEEP"),
    "PROTECTED": QT_TRANSLATE_NOOP("Badge", "PROTECTED"),
    "NOT SURE": QT_TRANSLATE_NOOP("Badge", "NOT SURE"),
}


def card_badges(index) -> list[tuple[str, QColor]]:
    """The badges a member's card carries, in order (their names; ``BADGE_TEXT`` shows them translated); KEEP and
    MARKED exclude each other."""
    keeper, marked = bool(index.data(Role.IS_KEEPER)), bool(index.data(Role.IS_MARKED))
    badges = [("MARKED", MARK_COLOUR)] if marked else [("KEEP", KEEP_COLOUR)] if keeper else []
    if index.data(Role.IS_PROTECTED):
        badges.append(("PROTECTED", PROTECTED_COLOUR))
    if index.data(Role.IS_UNSURE):
        badges.append(("NOT SURE", UNSURE_COLOUR))
    return badges


def _info_lines(m: Member, is_ref: bool) -> list[str]:
    date = (m.capture_time or "").replace("T", " ")[:16] or translate("Card", "no capture date")
    score = translate("Card", "reference") if is_ref else translate("Card", "score {score} vs reference")
    return [
        f"{resolution(m.width, m.height)} · {human_bytes(m.size)}" + (f" · {m.fmt}" if m.fmt in RAW_FORMATS else ""),
        f"{date}",
        m.camera or translate("Card", "no camera info"),
        score.format(score=f"{m.score:.3f}"),
        os.path.dirname(m.path),
    ]


class MemberDelegate(QStyledItemDelegate):
    def __init__(self, loader: ThumbnailLoader, parent=None) -> None:
        super().__init__(parent)
        self.loader = loader
        self.thumb = CARD_THUMB
        self.dpr = 1.0
        self._pixmaps: OrderedDict[str, QPixmap] = OrderedDict()

    def sizeHint(self, option: QStyleOptionViewItem, index) -> QSize:
        return QSize(self.thumb + CARD_MARGIN, self.thumb + CARD_TEXT_H)

    @property
    def decode_side(self) -> int:
        """The smallest decoded size that covers the thumbnail in device pixels (twice as many at 200%)."""
        need = self.thumb * self.dpr
        return next((s for s in DECODE_SIDES if s >= need), DECODE_SIDES[-1])

    def set_dpr(self, dpr: float) -> bool:
        """The screen's device pixel ratio; True when it changed (thumbnails are made again at the new size)."""
        dpr = max(1.0, float(dpr))
        if dpr == self.dpr:
            return False
        self.dpr = dpr
        self._pixmaps.clear()
        return True

    def set_thumb(self, side: int) -> bool:
        """Paint thumbnails ``side`` pixels wide; True when that changed (the view must lay out again)."""
        side = max(CARD_THUMB, min(MAX_CARD_THUMB, side))
        if side == self.thumb:
            return False
        self.thumb = side
        self._pixmaps.clear()
        return True

    def clear(self) -> None:
        self._pixmaps.clear()

    def _pixmap(self, path: str) -> QPixmap | None:
        pm = self._pixmaps.get(path)
        if pm is not None:
            self._pixmaps.move_to_end(path)
            return pm
        image = self.loader.get(path, self.decode_side)
        if image is None:
            return None
        side = round(self.thumb * self.dpr)  # device pixels: sharp on a HiDPI screen
        pm = QPixmap.fromImage(image).scaled(
            side, side, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation
        )
        pm.setDevicePixelRatio(self.dpr)
        self._pixmaps[path] = pm
        while len(self._pixmaps) > 200:
            self._pixmaps.popitem(last=False)
        return pm

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index) -> None:
        m: Member = index.data(Role.MEMBER)
        if m is None:
            return
        badges = card_badges(index)
        marked = badges[:1] == [("MARKED", MARK_COLOUR)]
        keeper = badges[:1] == [("KEEP", KEEP_COLOUR)]
        self.set_dpr(painter.device().devicePixelRatioF())
        is_ref = bool(index.data(Role.IS_REFERENCE))
        rect = option.rect.adjusted(4, 4, -4, -4)
        pal = option.palette
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        base = pal.color(QPalette.ColorRole.Base)  # a selected card: the highlight mixed in, light or dark alike
        painter.fillRect(rect, mix(base, pal.color(QPalette.ColorRole.Highlight), 0.3) if selected else base)
        frame = KEEP_COLOUR if keeper else MARK_COLOUR if marked else pal.color(QPalette.ColorRole.Mid)
        painter.setPen(QPen(frame, 3 if (keeper or marked) else 1))
        painter.drawRect(rect)
        if option.state & QStyle.StateFlag.State_HasFocus:
            painter.setPen(QPen(pal.color(QPalette.ColorRole.Highlight), 1, Qt.PenStyle.DashLine))
            painter.drawRect(rect.adjusted(3, 3, -3, -3))

        side = self.thumb
        thumb_box = QRect(rect.x() + (rect.width() - side) // 2, rect.y() + 6, side, side)
        pm = self._pixmap(m.path)
        if pm is not None:
            x = thumb_box.x() + (side - round(pm.width() / self.dpr)) // 2
            y = thumb_box.y() + (side - round(pm.height() / self.dpr)) // 2
            painter.drawPixmap(x, y, pm)
            if marked:
                veil = QColor(MARK_COLOUR)
                veil.setAlpha(70)
                painter.fillRect(QRect(x, y, round(pm.width() / self.dpr), round(pm.height() / self.dpr)), veil)
        else:
            painter.fillRect(thumb_box, pal.color(QPalette.ColorRole.AlternateBase))
            painter.setPen(pal.color(QPalette.ColorRole.PlaceholderText))
            error = self.loader.error(m.path, self.decode_side)
            painter.drawText(
                thumb_box.adjusted(6, 6, -6, -6),
                Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                translate("Card", "cannot show: {reason}").format(reason=error)
                if error
                else translate("Card", "loading…"),
            )

        bx = thumb_box.x() + 4
        bold = QFont(option.font)
        bold.setBold(True)
        painter.setFont(bold)
        for b, colour in badges:
            label = translate("Badge", BADGE_TEXT[b])
            w = painter.fontMetrics().horizontalAdvance(label) + 10
            painter.fillRect(QRect(bx, thumb_box.y() + 4, w, 18), colour)
            painter.setPen(text_on(colour))
            painter.drawText(QRect(bx, thumb_box.y() + 4, w, 18), Qt.AlignmentFlag.AlignCenter, label)
            bx += w + 4

        text = QRect(rect.x() + 8, thumb_box.bottom() + 6, rect.width() - 16, rect.bottom() - thumb_box.bottom() - 8)
        painter.setPen(pal.color(QPalette.ColorRole.Text))
        fm = painter.fontMetrics()
        line_h = fm.height()
        name = fm.elidedText(os.path.basename(m.path), Qt.TextElideMode.ElideMiddle, text.width())
        painter.drawText(QRect(text.x(), text.y(), text.width(), line_h), Qt.AlignmentFlag.AlignLeft, name)
        painter.setFont(option.font)
        fm = painter.fontMetrics()
        y = text.y() + line_h + 2
        for line in _info_lines(m, is_ref):
            painter.drawText(
                QRect(text.x(), y, text.width(), fm.height()),
                Qt.AlignmentFlag.AlignLeft,
                fm.elidedText(line, Qt.TextElideMode.ElideMiddle, text.width()),
            )
            y += fm.height() + 1
        painter.restore()


class GroupView(QListView):
    """Cards in a row that wraps; ``currentMemberChanged(path)`` follows the keyboard and the mouse."""

    currentMemberChanged = Signal(str)

    def __init__(self, results: ResultsModel, loader: ThumbnailLoader, parent=None) -> None:
        super().__init__(parent)
        self.members = MembersModel(results, self)
        self.loader = loader
        self.delegate = MemberDelegate(loader, self)
        self.setModel(self.members)
        self.setItemDelegate(self.delegate)
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setFlow(QListView.Flow.LeftToRight)
        self.setWrapping(True)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setMovement(QListView.Movement.Static)
        self.setUniformItemSizes(True)
        self.setSpacing(4)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setMinimumHeight(CARD_H + 16)
        loader.ready.connect(self._image_ready)
        loader.failed.connect(lambda path, side, _err: self._image_ready(path, side))
        self.selectionModel().currentChanged.connect(self._current_changed)

    def set_group(self, group: Group | None, current: str | None = None) -> None:
        self.members.set_group(group)
        if group is not None:
            row = self.members.row_of(current) if current else -1
            self.set_current_row(max(row, 0))

    def set_current_row(self, row: int) -> None:
        if 0 <= row < self.members.rowCount():
            self.setCurrentIndex(self.members.index(row))

    def current_member(self) -> Member | None:
        idx = self.currentIndex()
        return self.members.member(idx.row()) if idx.isValid() else None

    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if current.isValid():
            emit(self.currentMemberChanged, self.members.member(current.row()).path)

    def _image_ready(self, path: str, side: int) -> None:
        if side == self.delegate.decode_side and self.members.row_of(path) >= 0:
            self.viewport().update()

    def resizeEvent(self, event) -> None:
        """A card row as tall as the card area (within limits): a large window shows large thumbnails."""
        super().resizeEvent(event)
        room = self.viewport().height() - CARD_TEXT_H - 2 * self.spacing() - 12
        if self.delegate.set_thumb(room // 8 * 8):  # in steps of 8 pixels: dragging a splitter stays smooth
            self.scheduleDelayedItemsLayout()
