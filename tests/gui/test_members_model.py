"""One group's members for the card view: QAbstractItemModelTester, and marks read from the results model."""

from __future__ import annotations

from gui_helpers import groups
from PySide6.QtCore import Qt
from PySide6.QtTest import QAbstractItemModelTester

from gui.itemmodels.members_model import MembersModel
from gui.itemmodels.results_model import ResultsModel, Role


def test_members_model_passes_the_tester(qtbot):
    results = ResultsModel()
    results.set_groups(groups())
    members = MembersModel(results)
    QAbstractItemModelTester(members, QAbstractItemModelTester.FailureReportingMode.Warning)  # a warning fails
    assert members.rowCount() == 0
    members.set_group(results.group(1))
    assert members.rowCount() == 3 and members.rowCount(members.index(0)) == 0
    results.set_marks({"/y/b1.jpg"})
    members.set_group(results.group(0))
    members.set_group(None)
    assert members.rowCount() == 0 and members.row_of("/x/a1.jpg") == -1


def test_members_follow_the_marks_of_the_results_model(qtbot):
    results = ResultsModel()
    results.set_groups(groups())
    members = MembersModel(results)
    group = next(g for g in results.groups if g.keeper == "/y/b2.jpg")
    members.set_group(group)
    row = members.row_of("/z/b3.jpg")
    idx = members.index(row)
    assert members.data(idx) == "b3.jpg" and members.data(idx, Role.PATH) == "/z/b3.jpg"
    assert members.data(members.index(members.row_of("/y/b2.jpg")), Role.IS_KEEPER)
    assert members.data(members.index(members.row_of("/y/b1.jpg")), Role.IS_REFERENCE)
    assert not members.data(idx, Role.IS_MARKED)
    with qtbot.waitSignal(members.dataChanged):
        assert results.set_mark("/z/b3.jpg", True)
    assert members.data(idx, Role.IS_MARKED)
    results.set_protected(["/z"])  # a protected file loses its mark, and the cards see it
    assert members.data(idx, Role.IS_PROTECTED) and not members.data(idx, Role.IS_MARKED)
    assert members.data(idx, Qt.ItemDataRole.ToolTipRole) == "/z/b3.jpg"
