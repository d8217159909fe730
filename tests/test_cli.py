"""End to end through ``python main.py scan``: the CLI contract other tools and the benchmarks rely on."""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
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
