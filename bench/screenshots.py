"""Render real screenshots of the app, offscreen: the main window with results, and the compare view.

    QT_QPA_PLATFORM=offscreen python bench/screenshots.py [FOLDER] [--out docs/screenshots] [--exact-only]

Scans FOLDER (default: the shared Debian wallpapers) with the bundled model through the real window, auto-marks,
opens the compare view on a near-duplicate pair, and writes main.png, compare.png and compare-diff.png.
Settings, cache and labels go to a temporary directory, so the user's own are never touched.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_FOLDER = Path("/work/shared/data/wallpapers/images")


def wait_until(app, predicate, timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not predicate():
        if time.monotonic() > deadline:
            raise SystemExit(f"screenshots: timed out waiting for {what}")
        app.processEvents()
        time.sleep(0.02)


def settle(app) -> None:
    """Let queued paints and layouts run before a grab."""
    for _ in range(20):
        app.processEvents()


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", nargs="?", default=str(DEFAULT_FOLDER))
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshots"))
    parser.add_argument("--exact-only", action="store_true", help="no model (byte-identical groups only)")
    parser.add_argument("--timeout", type=float, default=900, help="seconds to wait for the scan")
    return parser.parse_args(argv)


def run_scan(app, window, timeout_s: float) -> bool:
    """Scan through the window; False (with the reason on stderr) when it did not end with groups to show."""
    outcome: list[str] = []
    window.scanner.scanEnded.connect(outcome.append)
    started = time.monotonic()
    window.scanner.start()
    wait_until(app, lambda: outcome, timeout_s, "the scan")
    if outcome[0] != "done":
        print(f"screenshots: scan {outcome[0]}: {window.messages.banner.text()}", file=sys.stderr)
        return False
    result = window.results.scan_result
    print(
        f"scanned {result.files_scanned} files in {time.monotonic() - started:.1f} s: {len(result.groups)} groups, "
        f"{len(result.skipped)} skipped, model {result.model_id}"
    )
    if not result.groups:
        print("screenshots: no groups found; nothing to show", file=sys.stderr)
        return False
    return True


def show_telling_group(app, window) -> None:
    """Select a telling group (several resolutions of one picture, the closest such group first), auto-marked,
    with the member least like the keeper in size current: the most interesting pair to compare."""

    def telling(row: int) -> tuple:
        g = window.model.group(row)
        return (
            len(g.members) >= 3,
            len({(m.width, m.height) for m in g.members}) >= 2,
            min(m.score for m in g.members),
            g.reclaimable_bytes,
        )

    best = max(range(window.model.rowCount()), key=telling)
    window.marks.auto_mark("resolution")
    window.navigation.select_group(best)
    window.tree.expand(window.model.index(best, 0))
    group = window.model.group(best)
    side = window.group_view.delegate.decode_side  # the cards' size follows the window's
    wait_until(
        app,
        lambda: all((m.path, side) in window.thumbs.cache or window.thumbs.error(m.path, side) for m in group.members),
        120,
        "thumbnails",
    )
    keeper_path = group.keeper  # auto-mark set the rule's keeper in the group
    keeper = next(m for m in group.members if m.path == keeper_path)
    other = max(
        (n for n, m in enumerate(group.members) if m.path != keeper_path),
        key=lambda n: abs(group.members[n].width - keeper.width),
    )
    window.group_view.set_current_row(other)
    window.group_view.setFocus()


def shoot_compare(app, window, out: Path) -> None:
    """compare.png, then compare-diff.png with the difference image on."""
    compare = window.pairs.open_compare()
    compare.resize(1440, 820)
    wait_until(app, compare.images_loaded, 120, "full images")
    compare.fit()
    settle(app)
    compare.grab().save(str(out / "compare.png"))
    compare.toggle_difference()
    wait_until(app, lambda: compare._diff is not None, 120, "the difference image")
    compare.fit()
    settle(app)
    compare.grab().save(str(out / "compare-diff.png"))


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    tmp = tempfile.mkdtemp(prefix="doppel-shots-")
    for name in ("DATA", "CONFIG", "CACHE"):
        os.environ[f"DOPPEL_{name}_DIR"] = os.path.join(tmp, name.lower())
    sys.path.insert(0, str(ROOT))

    from PySide6.QtWidgets import QApplication

    from gui.mainwindow import MainWindow
    from gui.settings import AppSettings, Folder

    app = QApplication.instance() or QApplication([sys.argv[0]])

    def refuse_trash(path: str) -> None:
        raise OSError("the screenshot script never deletes anything")

    settings = AppSettings(folders=[Folder(args.folder)], exact_only=args.exact_only, mark_rule="resolution")
    window = MainWindow(settings=settings, trash=refuse_trash, save=False)
    window.resize(1440, 900)
    window.show()
    if not run_scan(app, window, args.timeout):
        window.shutdown()
        return 1
    show_telling_group(app, window)
    settle(app)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    window.grab().save(str(out / "main.png"))
    shoot_compare(app, window, out)
    print(f"wrote {out / 'main.png'}, {out / 'compare.png'}, {out / 'compare-diff.png'}")
    window.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
