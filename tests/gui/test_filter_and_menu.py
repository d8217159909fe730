"""The filter box over the groups, and the right-click menu on a member (Open, Show in folder, Copy path)."""

from __future__ import annotations

import os
from dataclasses import replace

import pytest
from gui_helpers import groups
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtTest import QAbstractItemModelTester

from gui.desktop import show_in_folder_command
from gui.itemmodels.group_filter import GroupFilter
from gui.itemmodels.results_model import ResultsModel, Role


def visible_keepers(window) -> list[str]:
    proxy = window.tree.model()
    return [proxy.index(n, 0).data(Role.GROUP).keeper for n in range(proxy.rowCount())]


def test_the_filter_hides_groups_without_a_matching_path_and_keeps_both_levels(qtbot) -> None:
    model = ResultsModel()
    proxy = GroupFilter(model)
    QAbstractItemModelTester(proxy, QAbstractItemModelTester.FailureReportingMode.Fatal)
    model.set_groups(groups())  # /x/a1 /x/a2 | /y/b1 /y/b2 /z/b3 | /a/c1 /a/c2
    proxy.set_text("B3")  # any case, a file name...
    assert proxy.rowCount() == 1 and proxy.index(0, 0).data(Role.GROUP).keeper == "/y/b2.jpg"
    assert proxy.rowCount(proxy.index(0, 0)) == 3  # ...and the whole group is shown
    proxy.set_text("/x/")  # ...or a folder
    assert [proxy.index(n, 0).data(Role.GROUP).keeper for n in range(proxy.rowCount())] == ["/x/a1.jpg"]
    model.sort(1, Qt.SortOrder.AscendingOrder)  # sorting and marks go through the filter
    model.set_mark("/x/a2.jpg", True)
    assert proxy.index(0, 0, proxy.index(0, 0)).sibling(1, 0).data(Role.IS_MARKED)
    proxy.set_text("nothing like it")
    assert proxy.rowCount() == 0
    proxy.set_text("")
    assert proxy.rowCount() == 3


def test_filtering_the_window_keeps_the_views_on_a_shown_group(qtbot, window) -> None:
    window.model.set_groups(groups())
    window.navigation.select_group(0)
    window.menu_actions.find.trigger()  # Ctrl+F
    assert window.filter_box.hasFocus() or QGuiApplication.focusObject() is window.filter_box
    qtbot.keyClicks(window.filter_box, "/y/")
    assert visible_keepers(window) == ["/y/b2.jpg"] and window.filter_count.text() == "1 of 3 groups"
    assert window.group_view.members.group.keeper == "/y/b2.jpg"  # the cards follow to a shown group
    assert window.navigation.move_group(1) == -1  # Down moves among the shown groups only
    window.filter_box.clear()
    assert len(visible_keepers(window)) == 3 and window.filter_count.text() == ""


def test_copy_path_and_show_in_folder_from_the_right_click_menu(qtbot, window, tmp_path) -> None:
    launched: list[list[str]] = []
    opened: list[str] = []
    menu = window.member_menu
    menu._launch = lambda command: launched.append(command) or True
    menu._open = lambda path: opened.append(path) or True
    photo = tmp_path / "x" / "a1.jpg"
    photo.parent.mkdir()
    photo.write_bytes(b"jpeg")
    g = groups()[0]
    g = replace(
        g, members=(replace(g.members[0], path=str(photo)), g.members[1]), reference=str(photo), keeper=str(photo)
    )
    window.model.set_groups([g])
    window.navigation.select_group(0)

    cards = window.group_view
    second = cards.visualRect(cards.members.index(1)).center()
    assert menu.path_at(cards, second) == "/x/a2.jpg" and window.navigation.current_member().path == "/x/a2.jpg"
    tree = window.tree
    group_row = tree.visualRect(tree.model().index(0, 0)).center()
    assert menu.path_at(tree, group_row) == str(photo)  # a group's row: its keeper
    assert menu.path_at(tree, QPoint(5, tree.viewport().height() - 2)) is None

    actions = {a.text(): a for a in menu.menu_for(str(photo), window).actions()}
    assert list(actions) == ["Open", "Show in folder", "Copy path"]
    actions["Copy path"].trigger()
    assert QGuiApplication.clipboard().text() == str(photo)
    actions["Show in folder"].trigger()
    assert launched == [show_in_folder_command(str(photo))]
    actions["Open"].trigger()
    assert opened == [str(photo)]
    assert not menu.open("/x/a2.jpg") and "no longer there" in window.statusBar().currentMessage()
    menu._launch = lambda command: False
    assert not menu.show_in_folder(str(photo)) and "did not start" in window.messages.banner.text()

    window.navigation.select_member("/x/a2.jpg")
    window.menu_actions.copy_path.trigger()  # Ctrl+Shift+C: the current member
    assert QGuiApplication.clipboard().text() == "/x/a2.jpg"


@pytest.mark.parametrize(
    "platform, path, command",
    [
        ("linux", "/home/u/Pictures/a b.jpg", ["xdg-open", "/home/u/Pictures"]),
        ("freebsd14", "/p/a.jpg", ["xdg-open", "/p"]),
        ("darwin", "/Users/u/a b.jpg", ["open", "-R", "/Users/u/a b.jpg"]),
        ("win32", "C:/Users/u/a b.jpg", ["explorer", "/select,", os.path.normpath("C:/Users/u/a b.jpg")]),
    ],
)
def test_show_in_folder_builds_each_platforms_command(platform, path, command) -> None:
    assert show_in_folder_command(path, platform) == command
