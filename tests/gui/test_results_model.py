"""The groups -> members item model: QAbstractItemModelTester, sorting, marks."""

from __future__ import annotations

from gui_helpers import groups
from PySide6.QtCore import Qt
from PySide6.QtTest import QAbstractItemModelTester

from gui.itemmodels.results_model import Col, ResultsModel, Role


def test_model_passes_the_tester(qtbot):
    model = ResultsModel()
    QAbstractItemModelTester(model, QAbstractItemModelTester.FailureReportingMode.Warning)  # a warning fails the test
    model.set_groups(groups())
    assert model.rowCount() == 3
    assert model.rowCount(model.index(1, 0)) == 3
    assert model.rowCount(model.index(1, 1)) == 0
    member_idx = model.index(2, Col.FOLDER, model.index(1, 0))
    assert member_idx.parent() == model.index(1, 0)
    assert model.data(member_idx) == "/z"
    for col in Col:
        model.sort(col, Qt.SortOrder.AscendingOrder)
        model.sort(col, Qt.SortOrder.DescendingOrder)
    model.set_marks({"/x/a2.jpg", "/y/b1.jpg"})
    model.set_groups(groups()[:2])
    model.set_groups([])


def test_sorting_keeps_persistent_indexes(qtbot):
    from PySide6.QtCore import QPersistentModelIndex

    model = ResultsModel()
    model.set_groups(groups())
    keep = QPersistentModelIndex(model.index(1, 0, model.index(1, 0)))  # b2.jpg
    model.sort(Col.RECLAIMABLE, Qt.SortOrder.DescendingOrder)
    assert [model.data(model.index(r, 0), Role.GROUP).keeper for r in range(3)] == [
        "/y/b2.jpg",
        "/x/a1.jpg",
        "/a/c1.jpg",
    ]
    assert model.data(keep, Role.PATH) == "/y/b2.jpg"
    model.sort(Col.FOLDER, Qt.SortOrder.AscendingOrder)
    assert model.data(model.index(0, Col.FOLDER)) == "/a"
    assert model.data(keep, Role.PATH) == "/y/b2.jpg"
    model.sort(Col.SIMILARITY, Qt.SortOrder.AscendingOrder)
    assert model.data(model.index(0, Col.SIMILARITY)) == "0.80"


def test_marks_refuse_the_last_member_and_protected(qtbot):
    model = ResultsModel()
    model.set_groups(groups())
    model.set_protected(["/z"])
    refused = []
    model.markRefused.connect(refused.append)
    assert model.set_mark("/x/a2.jpg", True)
    assert not model.set_mark("/x/a1.jpg", True)
    assert not model.set_mark("/z/b3.jpg", True)
    assert len(refused) == 2
    idx = model.member_index("/y/b1.jpg")
    assert model.flags(idx) & Qt.ItemFlag.ItemIsUserCheckable
    assert not model.flags(model.member_index("/z/b3.jpg")) & Qt.ItemFlag.ItemIsUserCheckable
    assert model.setData(idx, Qt.CheckState.Checked.value, Qt.ItemDataRole.CheckStateRole)
    assert model.data(idx, Qt.ItemDataRole.CheckStateRole) == Qt.CheckState.Checked
    s = model.summary()
    assert (s["groups"], s["marked_files"], s["marked_bytes"]) == (3, 2, 500)
    assert s["reclaimable_files"] == 4
    model.set_marks({"/a/c1.jpg", "/a/c2.jpg"})  # a whole group: the keeper is dropped
    assert model.marked == {"/a/c2.jpg"}
