"""The compare window as a review loop: Y / N confirm and move on; Shift+arrows and PgUp / PgDn walk the pairs."""

from __future__ import annotations

import os

from gui_helpers import make_photo
from PySide6.QtCore import Qt

from engine.labels import LabelStore
from engine.results import Member, PairScore, ScanResult
from engine.scan import regroup
from engine.settings import ScanSettings


def _similar(tmp_path) -> ScanResult:
    """Five different pictures a model scored as alike: a, b, c in one group; d and e in another."""
    paths = {n: make_photo(tmp_path / "sim" / f"{n}.png", seed) for seed, n in enumerate("abcde", 1)}
    catalog = {p: Member(p, os.path.getsize(p), os.stat(p).st_mtime_ns, 96, 64, 1.0) for p in paths.values()}
    a, b, c, d, e = paths.values()
    pairs = (PairScore(a, b, 0.95), PairScore(a, c, 0.9), PairScore(b, c, 0.9), PairScore(d, e, 0.92))
    result = ScanResult((), pairs, (), 0.8, "fake", 5, catalog, {"min_score": 0.2}, sure_threshold=0.85)
    return regroup(result, 0.8, ScanSettings())


def _show_compare(qtbot, window):
    window.navigation.select_group(0)
    compare = window.pairs.open_compare()
    compare.activateWindow()
    qtbot.waitUntil(compare.isActiveWindow)
    return compare


def _open_compare(qtbot, window, photos):
    """The compare window over a scan of ``photos`` (byte copies: fine to look at, not to label)."""
    window.folders.add_folder(str(photos))
    with qtbot.waitSignal(window.scanner.scanEnded, timeout=30000):
        window.scanner.start()
    return _show_compare(qtbot, window)


def _open_compare_on_similar(qtbot, window, tmp_path):
    window.results.load(_similar(tmp_path), ScanSettings())
    return _show_compare(qtbot, window)


def _shown(compare) -> tuple[str, str]:
    return os.path.basename(compare.a.path), os.path.basename(compare.b.path)


def _pairs_in_order(window) -> list[tuple[str, str]]:
    out = []
    for row in range(window.model.rowCount()):
        g = window.model.group(row)
        keeper = g.keeper
        out += [(os.path.basename(keeper), os.path.basename(m.path)) for m in g.members if m.path != keeper]
    return out


def test_y_confirms_and_moves_to_the_next_pair(qtbot, window, tmp_path) -> None:
    compare = _open_compare_on_similar(qtbot, window, tmp_path)
    pairs = _pairs_in_order(window)
    assert len(pairs) == 3 and _shown(compare) == pairs[0]
    with qtbot.waitSignal(window.pairs.labelStored, timeout=5000) as stored:
        qtbot.keyClick(compare, Qt.Key.Key_Y)
    assert stored.args[2] is True
    assert _shown(compare) == pairs[1]  # on to the next pair
    assert compare.status.text().startswith("Remembered:") and "are duplicates" in compare.status.text()
    assert "group 1 of 2, pair 2 of 2" in compare.windowTitle()
    with qtbot.waitSignal(window.pairs.labelStored, timeout=5000) as stored:
        qtbot.keyClick(compare, Qt.Key.Key_N)
    assert stored.args[2] is False and "are not duplicates" in compare.status.text()
    assert _shown(compare) == pairs[2]  # the next group's first pair, also once "not a duplicate" regrouped
    assert [p.is_duplicate for p in LabelStore().pairs()] == [True, False]


def test_n_on_the_last_pair_says_so(qtbot, window, tmp_path) -> None:
    compare = _open_compare_on_similar(qtbot, window, tmp_path)
    pairs = _pairs_in_order(window)
    qtbot.keyClick(compare, Qt.Key.Key_PageDown)
    assert _shown(compare) == pairs[-1]
    with qtbot.waitSignal(window.pairs.labelStored, timeout=5000):
        qtbot.keyClick(compare, Qt.Key.Key_N)
    assert _shown(compare) == pairs[-1] and "That was the last pair." in compare.status.text()


def test_shift_arrows_and_page_keys_walk_pairs_and_groups(qtbot, window, photos) -> None:
    compare = _open_compare(qtbot, window, photos)
    pairs = _pairs_in_order(window)
    shift = Qt.KeyboardModifier.ShiftModifier
    qtbot.keyClick(compare, Qt.Key.Key_Right, shift)
    assert _shown(compare) == pairs[1]
    qtbot.keyClick(compare, Qt.Key.Key_Right, shift)
    assert _shown(compare) == pairs[2]  # past the group's end, into the next group
    qtbot.keyClick(compare, Qt.Key.Key_Left, shift)
    assert _shown(compare) == pairs[1]  # back to the previous group's last pair
    qtbot.keyClick(compare, Qt.Key.Key_PageDown)
    assert _shown(compare) == pairs[2]
    qtbot.keyClick(compare, Qt.Key.Key_PageUp)
    assert _shown(compare) == pairs[0]
    qtbot.keyClick(compare, Qt.Key.Key_PageUp)
    assert _shown(compare) == pairs[0] and "first group" in compare.status.text()
    assert window.navigation.current_member().path == compare.b.path  # the main window follows


def test_flicker_caption_names_the_file_shown(qtbot, window, photos) -> None:
    compare = _open_compare(qtbot, window, photos)
    qtbot.waitUntil(compare.images_loaded, timeout=10000)
    left, right = compare.a.path, compare.b.path
    qtbot.keyClick(compare, Qt.Key.Key_X)
    assert os.path.basename(left) in compare.left_info.text()
    compare._flicker_step()  # the timer's tick: now the right image is shown
    assert os.path.basename(right) in compare.left_info.text() and right in compare.left_info.text()
    assert os.path.basename(left) not in compare.left_info.text()
    qtbot.keyClick(compare, Qt.Key.Key_X)
    assert left in compare.left_info.text() and right in compare.right_info.text()


def test_f1_lists_only_keys_the_compare_window_has(qtbot, window) -> None:
    from PySide6.QtGui import QKeySequence, QShortcut

    from gui.menus import SHORTCUTS
    from gui.views.compare_view import CompareView

    view = CompareView(window.full_images, window.runner)
    qtbot.addWidget(view)
    bound = {s.key().toString() for s in view.findChildren(QShortcut)}
    listed = [k for keys, _ in SHORTCUTS if keys.startswith("In compare: ") for k in keys[12:].split(" / ")]
    assert len(listed) >= 10
    for key in listed:
        assert QKeySequence({"PgDn": "PgDown"}.get(key, key)).toString() in bound, key  # F1 uses the keycap
