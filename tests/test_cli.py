"""End to end through ``python main.py scan``: the CLI contract other tools and the benchmarks rely on."""

from __future__ import annotations

import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PIL import Image

from tests.conftest import REPO_ROOT as REPO
from tests.conftest import SHARED_DATA

WALLPAPERS = SHARED_DATA / "wallpapers" / "images"
PHOTO = WALLPAPERS / "lomiri-wallpapers-16.04" / "Dragonfly_by_Bolly.jpg"
UNRELATED = [
    WALLPAPERS / "mate-backgrounds/mate/nature/LadyBird.jpg",
    WALLPAPERS / "lomiri-wallpapers-16.04/Bridge_by_Sander_Klootwijk.jpg",
    WALLPAPERS / "mate-backgrounds/mate/nature/Dune.jpg",
]


def run_cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(REPO / "main.py"), *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        cwd=REPO,
        timeout=300,
    )


@pytest.fixture(scope="module")
def library(tmp_path_factory, wallpapers: Path) -> Path:
    """A photo, a byte copy, a re-encode, a downscale, a crop, a rotated copy, unrelated photos, broken files."""
    root = tmp_path_factory.mktemp("library")
    (root / "trip").mkdir()
    shutil.copy(PHOTO, root / "original.jpg")
    shutil.copy(PHOTO, root / "trip" / "copy of original.jpg")
    im = Image.open(PHOTO).convert("RGB")
    w, h = im.size
    im.save(root / "reencoded.jpg", quality=55)
    im.resize((w // 3, h // 3), Image.LANCZOS).save(root / "trip" / "small.jpg", quality=90)
    im.crop((int(w * 0.08), int(h * 0.06), int(w * 0.95), int(h * 0.97))).save(root / "cropped.png")
    im.transpose(Image.Transpose.ROTATE_90).save(root / "trip" / "rotated.jpg", quality=70)
    for n, p in enumerate(UNRELATED):
        shutil.copy(p, root / f"other{n}.jpg")
    # broken files: reported with a reason, never fatal
    data = PHOTO.read_bytes()
    (root / "truncated.jpg").write_bytes(data[: len(data) // 3])
    (root / "empty.jpg").write_bytes(b"")
    (root / "notes.jpg").write_text("this is not a photo\n")
    (root / "readme.txt").write_text("ignored: not an image, no image extension\n")
    return root


def read_pairs(path: Path) -> list[dict]:
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def test_scan_finds_expected_groups_and_second_run_hits_cache(library: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache.sqlite3"
    pairs, groups = tmp_path / "pairs.csv", tmp_path / "groups.json"
    first = run_cli(
        "scan", str(library), "--cache", str(cache), "--pairs-csv", str(pairs), "--groups-json", str(groups)
    )
    assert first.returncode == 0, first.stderr

    doc = json.loads(groups.read_text())
    expected = {
        "original.jpg",
        "trip/copy of original.jpg",
        "reencoded.jpg",
        "trip/small.jpg",
        "cropped.png",
        "trip/rotated.jpg",
    }
    found = [{os.path.relpath(m["path"], library) for m in g["members"]} for g in doc["groups"]]
    assert found == [expected], f"groups: {found}"
    group = doc["groups"][0]
    # the original: "copy of original.jpg" is named like a copy; the re-encode has as many pixels but came later
    assert group["keeper"] == str(library / "original.jpg")
    assert all(0.0 <= m["score"] <= 1.0 and m["width"] > 0 for m in group["members"])
    assert doc["threshold"] == pytest.approx(group and doc["threshold"]) and doc["model_id"]

    skipped = {os.path.basename(s["path"]): s["reason"] for s in doc["skipped"]}
    assert "truncat" in skipped["truncated.jpg"]
    assert "empty" in skipped["empty.jpg"]
    assert "not" in skipped["notes.jpg"]
    assert "readme.txt" not in skipped

    rows = read_pairs(pairs)
    assert rows and set(rows[0]) == {"path_a", "path_b", "score"}
    assert all(os.path.isabs(r["path_a"]) and os.path.isabs(r["path_b"]) for r in rows)
    exact = {frozenset((r["path_a"], r["path_b"])) for r in rows if float(r["score"]) == 1.0}
    assert frozenset((str(library / "original.jpg"), str(library / "trip" / "copy of original.jpg"))) in exact
    assert all(float(r["score"]) >= doc["threshold"] for r in rows)
    # uncertain: some member is not measured, or scores below the sure level, against the keeper
    assert doc["threshold"] < doc["sure_threshold"] < 1.0
    score = {frozenset((r["path_a"], r["path_b"])): float(r["score"]) for r in rows}
    to_keeper = [score.get(frozenset((group["keeper"], m["path"]))) for m in group["members"]]
    unsure = [s for s, m in zip(to_keeper, group["members"]) if m["path"] != group["keeper"]]
    assert group["uncertain"] == any(s is None or s < doc["sure_threshold"] for s in unsure)

    second = run_cli("scan", str(library), "--cache", str(cache), "--groups-json", str(groups))
    assert second.returncode == 0, second.stderr
    doc2 = json.loads(groups.read_text())
    assert doc2["stats"]["decoded"] == 0, "an unchanged library must decode nothing on a rescan"
    assert doc2["stats"]["cached"] == doc["stats"]["unique"]
    assert [sorted(m["path"] for m in g["members"]) for g in doc2["groups"]] == [
        sorted(m["path"] for m in g["members"]) for g in doc["groups"]
    ]


def test_min_score_lists_pairs_below_the_threshold(library: Path, tmp_path: Path) -> None:
    strict, loose, groups = tmp_path / "strict.csv", tmp_path / "loose.csv", tmp_path / "g.json"
    assert (
        run_cli("scan", str(library), "--no-cache", "--pairs-csv", str(strict), "--groups-json", str(groups)).returncode
        == 0
    )
    loose_run = run_cli("scan", str(library), "--no-cache", "--pairs-csv", str(loose), "--min-score", "0")
    assert loose_run.returncode == 0, loose_run.stderr
    threshold = json.loads(groups.read_text())["threshold"]
    strict_rows, loose_rows = read_pairs(strict), read_pairs(loose)
    key = {(r["path_a"], r["path_b"]): float(r["score"]) for r in loose_rows}
    assert all(key[(r["path_a"], r["path_b"])] == float(r["score"]) for r in strict_rows)
    below = [r for r in loose_rows if float(r["score"]) < threshold]
    assert below, "min-score 0 must also list the unrelated pairs the top-k search found"
    assert "other0.jpg" in {os.path.basename(r["path_a"]) for r in below} | {
        os.path.basename(r["path_b"]) for r in below
    }


def test_summary_without_output_flags(library: Path, tmp_path: Path) -> None:
    out = run_cli("scan", str(library), "--cache", str(tmp_path / "c.sqlite3"))
    assert out.returncode == 0, out.stderr
    assert "1 group," in out.stdout and "[keep]" in out.stdout and "Skipped 3 files" in out.stdout
    assert "\r" not in out.stderr  # no progress bar when stderr is not a terminal


@pytest.mark.parametrize(
    "args, message",
    [
        (["scan", "/definitely/not/here"], "not/here"),
        (["scan", "."], None),  # placeholder replaced below
        (["scan", ".", "--threshold", "1.5"], "between 0 and 1"),
        (["scan", ".", "--device", "tpu"], "invalid choice"),
        (["scan", ".", "--keep", "prettiest"], "unknown keep rule"),
    ],
)
def test_bad_roots_and_flags_fail_with_one_line(args: list[str], message: str | None, tmp_path: Path) -> None:
    if message is None:  # a file given as a root
        f = tmp_path / "file.jpg"
        f.write_bytes(b"x")
        args, message = ["scan", str(f)], "Not a folder"
    out = run_cli(*args)
    assert out.returncode != 0
    assert message in out.stderr
    assert "Traceback" not in out.stderr


def test_exact_only_needs_no_model(library: Path, tmp_path: Path) -> None:
    groups = tmp_path / "g.json"
    out = run_cli(
        "scan",
        str(library),
        "--no-cache",
        "--exact-only",
        "--groups-json",
        str(groups),
        "--model",
        str(tmp_path / "no-such-model"),
    )
    assert out.returncode == 0, out.stderr
    doc = json.loads(groups.read_text())
    assert [sorted(os.path.basename(m["path"]) for m in g["members"]) for g in doc["groups"]] == [
        ["copy of original.jpg", "original.jpg"]
    ]
    assert doc["roots"] == [str(library)]  # what `apply --action move` keeps the tree below


def test_a_bare_folder_means_scan(library: Path) -> None:
    out = run_cli(str(library), "--exact-only", "--no-cache")
    assert out.returncode == 0, out.stderr
    assert "1 group," in out.stdout and "copy of original.jpg" in out.stdout


# --- output that cannot be written, consoles that cannot show a name, Ctrl-C --------------------------------------


def tiny_pngs(root: Path, pairs: int, name: str = "photo {n:04}.png") -> None:
    """``pairs`` byte-identical pairs of 1x1 PNGs, each pair a different colour: many groups, no model needed."""
    root.mkdir(parents=True, exist_ok=True)
    for n in range(pairs):
        Image.new("RGB", (1, 1), (n % 256, n // 256, 7)).save(root / name.format(n=n))
        shutil.copy(root / name.format(n=n), root / ("copy of " + name.format(n=n)))


def test_output_into_a_closed_pipe_ends_quietly(tmp_path: Path) -> None:
    """`doppel scan ... | head -1`: the reader leaves after one line, with half a megabyte still to print."""
    tiny_pngs(tmp_path / "lib", 1500)
    proc = subprocess.Popen(
        [sys.executable, str(REPO / "main.py"), "scan", str(tmp_path / "lib"), "--exact-only", "--no-cache"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=REPO,
    )
    assert proc.stdout is not None and proc.stdout.readline().startswith(b"3000 files scanned")
    proc.stdout.close()  # what head does after its line
    _, err = proc.communicate(timeout=120)
    assert b"Traceback" not in err and b"BrokenPipe" not in err, err.decode(errors="replace")
    assert proc.returncode == 141  # as a shell reports a tool ended by SIGPIPE


def test_names_a_console_cannot_show_are_escaped(tmp_path: Path) -> None:
    """On a cp1252 console (Windows, redirected) an emoji in a file name printed as an escape, not a crash."""
    tiny_pngs(tmp_path / "lib", 1, name="party \U0001f389 {n}.png")
    out = subprocess.run(
        [sys.executable, str(REPO / "main.py"), "scan", str(tmp_path / "lib"), "--exact-only", "--no-cache"],
        capture_output=True,
        env={**os.environ, "PYTHONIOENCODING": "cp1252"},
        cwd=REPO,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr.decode(errors="replace")
    assert "party \\U0001f389 0.png" in out.stdout.decode("cp1252")


def _interrupt_when_ready(code: str, marker: Path, *args: str) -> subprocess.CompletedProcess:
    """Run ``code`` (which writes ``marker`` when it is where Ctrl-C should land), then press Ctrl-C."""
    proc = subprocess.Popen(
        [sys.executable, "-c", code, str(marker), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO,
    )
    try:
        for _ in range(1200):
            if marker.exists() or proc.poll() is not None:
                break
            time.sleep(0.05)  # a child process, not Qt: polling for its marker file is the only way to know
        if not marker.exists():
            proc.kill()
            pytest.fail(f"the child never got there: {proc.communicate()}")
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


@pytest.mark.skipif(os.name != "posix", reason="sends SIGINT")
def test_ctrl_c_while_starting_up_prints_no_traceback(tmp_path: Path) -> None:
    code = (
        "import importlib.abc, pathlib, runpy, sys, time\n"
        "marker = pathlib.Path(sys.argv[1])\n"
        "class Slow(importlib.abc.MetaPathFinder):\n"  # the CLI's imports take seconds on a cold disk
        "    def find_spec(self, name, path, target=None):\n"
        "        if name == 'engine.cli':\n"
        "            marker.write_text('importing')\n"
        "            time.sleep(60)\n"
        "sys.meta_path.insert(0, Slow())\n"
        "sys.argv = ['main.py', 'scan', sys.argv[2]]\n"
        "runpy.run_path('main.py', run_name='__main__')\n"
    )
    done = _interrupt_when_ready(code, tmp_path / "ready", str(tmp_path))
    assert done.returncode == 130 and "Traceback" not in done.stderr, done.stderr
    assert done.stderr.strip() == "doppel: cancelled"


@pytest.mark.skipif(os.name != "posix", reason="sends SIGINT")
def test_ctrl_c_with_a_decode_stuck_in_a_system_call_exits_at_once(tmp_path: Path) -> None:
    """A worker that never returns (a hung share, a FIFO on an old kernel) must not keep a cancelled scan alive."""
    tiny_pngs(tmp_path / "lib", 1)
    code = (
        "import pathlib, runpy, sys, threading\n"
        "import engine.model.inference as inference\n"
        "marker = pathlib.Path(sys.argv[1])\n"
        "def stuck(*args):\n"
        "    marker.write_text('stuck')\n"
        "    threading.Event().wait()\n"
        "inference.load_for_model = stuck\n"
        "sys.argv = ['main.py', 'scan', sys.argv[2], '--no-cache']\n"
        "runpy.run_path('main.py', run_name='__main__')\n"
    )
    done = _interrupt_when_ready(code, tmp_path / "ready", str(tmp_path / "lib"))
    assert done.returncode == 130 and "Traceback" not in done.stderr, done.stderr
    assert "cancelled" in done.stderr


def test_an_empty_root_exits_2(capsys) -> None:
    from engine.cli import main as cli

    assert cli(["scan", ""]) == 2
    assert capsys.readouterr().err == "doppel: error: No folder given (an empty name)\n"


def test_cache_problems_are_said_once_on_stderr(tmp_path: Path, capsys) -> None:
    from engine.cli import main as cli

    tiny_pngs(tmp_path / "lib", 2)
    cache = tmp_path / "cache.sqlite3"
    cache.write_bytes(b"this is not a database" * 100)
    assert cli(["scan", str(tmp_path / "lib"), "--exact-only", "--cache", str(cache), "--quiet"]) == 0
    err = capsys.readouterr().err
    assert err.count("doppel: warning: ") == 1 and "was set aside" in err
    assert cli(["scan", str(tmp_path / "lib"), "--exact-only", "--cache", str(cache), "--quiet"]) == 0
    assert capsys.readouterr().err == ""  # the new cache is fine: nothing more to say


def test_no_verify_turns_the_geometric_check_off(library: Path, monkeypatch) -> None:
    """`scan --no-verify` reaches the engine's settings; without the flag the check stays on."""
    import engine.scan
    from engine.cli import main as cli

    seen = []

    def fake_scan(settings, progress=None):
        seen.append(settings.verify)
        raise KeyboardInterrupt  # stop here: only the settings matter

    monkeypatch.setattr(engine.scan, "scan", fake_scan)
    for flags in ([], ["--no-verify"]):
        assert cli(["scan", str(library), "--no-cache", *flags]) == 130
    assert seen == [True, False]
