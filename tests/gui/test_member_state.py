"""One state per member, the same in list and cards; uncertain groups say so; protected files never "could go"."""

from __future__ import annotations

from dataclasses import replace

from gui_helpers import groups
from PySide6.QtCore import Qt

from gui.itemmodels.results_model import Role
from gui.settings import Folder
from gui.views.group_view import card_badges


def _show(window, gs, member="/x/a1.jpg") -> None:
    """The groups in the list (sorted as the list sorts them), with ``member``'s group in the cards."""
    window.model.set_groups(gs, keep_marks=False)
    window.navigation.select_group(window.model.group_row_of(member), member)


def _states(window) -> dict[str, str]:
    """Each member's state as the list shows it and as its card shows it; both must agree."""
    states = {}
    for row in range(window.model.rowCount()):
        parent = window.model.index(row, 0)
        for n in range(window.model.rowCount(parent)):
            idx = window.model.index(n, 0, parent)
            path = idx.data(Role.PATH)
            keeper, marked = idx.data(Role.IS_KEEPER), idx.data(Role.IS_MARKED)
            assert not (keeper and marked), path
            assert idx.data(Qt.ItemDataRole.DisplayRole).endswith("(keeper)") == keeper
            states[path] = "keep" if keeper else "marked" if marked else "-"
    members = window.group_view.members
    for n in range(members.rowCount()):
        idx = members.index(n)
        names = [b for b, _ in card_badges(idx)]
        card = "keep" if "KEEP" in names else "marked" if "MARKED" in names else "-"
        assert card == states[idx.data(Role.PATH)], (idx.data(Role.PATH), names)
    return states


def test_auto_mark_keeps_the_rules_choice_not_the_suggested_one(qtbot, window) -> None:
    """Keeping "one in a preferred folder" used to mark the suggested keeper and leave its KEEP badge on."""
    window.settings.preferred_folders = ["/z"]
    _show(window, groups(), "/y/b1.jpg")  # b2 is the suggested keeper; b3 is in the preferred folder
    window.marks.auto_mark("preferred")
    states = _states(window)
    assert states["/z/b3.jpg"] == "keep" and states["/y/b2.jpg"] == "marked" and states["/y/b1.jpg"] == "marked"
    assert window.model.index(window.model.group_row_of("/z/b3.jpg"), 0).data().endswith("b3.jpg")
    window.marks.clear_marks()
    assert _states(window)["/z/b3.jpg"] == "keep"  # the rule's choice stays the keeper
    window.results.set_threshold(0.5)  # re-formed groups keep the keepers chosen so far
    assert _states(window)["/z/b3.jpg"] == "keep"


def test_space_on_the_keeper_moves_the_keep_badge(qtbot, window) -> None:
    _show(window, groups(), "/y/b1.jpg")
    window.group_view.setFocus()
    window.group_view.set_current_row(window.group_view.members.row_of("/y/b2.jpg"))
    qtbot.keyClick(window.group_view, Qt.Key.Key_Space)
    states = _states(window)
    assert states["/y/b2.jpg"] == "marked"
    assert list(states.values()).count("keep") == 3  # still one per group
    new_keeper = next(p for p, state in states.items() if state == "keep" and p.startswith(("/y/", "/z/")))
    pair = window.pairs.current_pair()
    assert pair is not None and pair[0].path == new_keeper  # compare follows the keeper too
    qtbot.keyClick(window.group_view, Qt.Key.Key_Space)  # unmarked again: it stays unmarked, not the keeper
    assert _states(window)["/y/b2.jpg"] == "-" and _states(window)[new_keeper] == "keep"


def test_files_that_could_go_leave_out_protected_ones(qtbot, window) -> None:
    window.settings.folders = [Folder("/x", True), Folder("/y", True), Folder("/z", True), Folder("/a")]
    window.model.set_protected(window.settings.protected_folders)
    window.results.scan_result = object()  # any result: the summary line counts what the model holds
    _show(window, groups())
    summary = window.model.summary()
    assert summary["reclaimable_files"] == 1 and summary["reclaimable_bytes"] == 10  # only c2 of the c group
    assert "<b>1</b> files could go" in window.results.summary_text()
    row = window.model.group_row_of("/y/b1.jpg")
    assert window.model.index(row, 1).data() == "0 B"


def test_an_uncertain_group_asks_for_a_review(qtbot, window) -> None:
    gs = groups()
    gs[1] = replace(gs[1], sure_threshold=0.82)  # b1 scored 0.8 against the keeper b2: not sure; b3 0.85
    assert gs[1].uncertain and gs[1].unsure_members() == ("/y/b1.jpg",)
    _show(window, gs, "/y/b1.jpg")
    row = window.model.group_row_of("/y/b1.jpg")
    group_index = window.model.index(row, 0)
    assert "not sure" in group_index.data()
    assert "Review before deleting" in group_index.data(Qt.ItemDataRole.ToolTipRole)
    assert group_index.data(Qt.ItemDataRole.BackgroundRole) is not None
    sure = window.model.index(window.model.group_row_of("/x/a1.jpg"), 0)
    assert "not sure" not in sure.data() and sure.data(Qt.ItemDataRole.BackgroundRole) is None
    members = window.group_view.members
    badges = {members.index(n).data(Role.PATH): [b for b, _ in card_badges(members.index(n))] for n in range(3)}
    assert badges == {"/y/b1.jpg": ["NOT SURE"], "/y/b2.jpg": ["KEEP"], "/z/b3.jpg": []}
    assert "Review before deleting" in members.index(0).data(Qt.ItemDataRole.ToolTipRole)
    window.marks.auto_mark("suggested")
    assert window.model.marked == {"/x/a2.jpg", "/z/b3.jpg", "/a/c2.jpg"}  # b1 is left for the user to judge
    assert "1 groups are not sure" in window.statusBar().currentMessage()
    window.results.scan_result = object()  # any result: the summary line counts what the model holds
    assert "<b>1</b> not sure" in window.results.summary_text()
