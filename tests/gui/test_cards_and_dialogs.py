"""Cards grow with the window; folder dialogs start in the user's Pictures folder, else home."""

from __future__ import annotations

from gui_helpers import make_photo
from PySide6.QtWidgets import QFileDialog

from engine.results import Group, Member
from gui.itemmodels.results_model import ResultsModel
from gui.views.folder_panel import FolderPanel
from gui.views.group_view import CARD_THUMB, GroupView
from gui.workers import ThumbnailLoader


def test_cards_and_thumbnails_grow_with_the_card_area(qtbot, tmp_path) -> None:
    paths = [make_photo(tmp_path / f"{n}.png", n, size=(900, 600)) for n in range(2)]
    group = Group(tuple(Member(p, 1000, 0, 900, 600, 1.0) for p in paths), paths[0], paths[0])
    model = ResultsModel()
    model.set_groups([group])
    loader = ThumbnailLoader(1)
    view = GroupView(model, loader)
    qtbot.addWidget(view)
    view.set_group(group)
    view.resize(560, 340)
    view.show()
    small = view.visualRect(view.members.index(0))
    view.resize(1500, 760)
    qtbot.waitUntil(lambda: view.visualRect(view.members.index(0)).height() > small.height())
    big = view.visualRect(view.members.index(0))
    assert big.width() >= 2 * CARD_THUMB and big.height() <= view.viewport().height()  # one row fills it
    side = view.delegate.decode_side
    qtbot.waitUntil(lambda: (paths[0], side) in loader.cache, timeout=10000)
    assert loader.cache[(paths[0], side)].width() >= view.delegate.thumb  # decoded large enough: not blurry
    view.grab()  # paints at the new size
    assert view.delegate._pixmaps[paths[0]].width() == view.delegate.thumb
    assert loader.shutdown()


def _dialog_start(monkeypatch, qtbot) -> str:
    seen: list[str] = []
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda parent, title, start="": seen.append(start) or "")
    panel = FolderPanel()
    qtbot.addWidget(panel)
    panel.choose_folder()
    return seen[0]


def test_add_folder_starts_in_pictures_or_home(qtbot, tmp_path, monkeypatch) -> None:
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.chdir(tmp_path)  # where the app was started from: never the answer
    assert _dialog_start(monkeypatch, qtbot) == str(home)
    (home / "Pictures").mkdir()
    assert _dialog_start(monkeypatch, qtbot) == str(home / "Pictures")
