"""A camera RAW and its JPEG: one shot, one group, and the keeper setting decides which of the two stays."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from dng_writer import make_dng
from PIL import Image

from engine.marking import plan_marks
from engine.model.inference import Embedder
from engine.model.weights import load_spec
from engine.results import Group, Member, PairScore
from engine.scan import scan
from engine.settings import ScanSettings
from engine.twins import kept_by_rule, twin_pairs, with_twin_keeper


def member(path: str, fmt: str, when: str | None = "2024-05-06T07:08:09", size: int = 100) -> Member:
    return Member(path, size, 0, 40, 30, 1.0, capture_time=when, fmt=fmt)


def test_twins_are_one_folder_one_name_one_raw_and_one_camera_file() -> None:
    raw, jpg = member("/p/IMG_1.CR2", "CR2"), member("/p/img_1.jpg", "JPEG")
    heic = member("/q/IMG_2.NEF", "NEF"), member("/q/IMG_2.HEIC", "HEIF", when=None)  # one time unknown: fine
    apart = member("/elsewhere/IMG_1.jpg", "JPEG")  # another folder
    later = member("/p/IMG_3.dng", "DNG"), member("/p/IMG_3.jpg", "JPEG", when="2025-01-01T00:00:00")  # wrapped
    png = member("/p/IMG_4.dng", "DNG"), member("/p/IMG_4.png", "PNG")  # an export, not the camera's
    found = twin_pairs([raw, jpg, *heic, apart, *later, *png])
    assert found == {frozenset({raw.path, jpg.path}), frozenset({heic[0].path, heic[1].path})}


@pytest.mark.parametrize(
    "rule, keeper, kept",
    [
        ("both", "/p/a.jpg", {"/p/a.dng", "/p/a.jpg"}),
        ("raw", "/p/a.dng", {"/p/a.dng"}),
        ("jpeg", "/p/a.jpg", {"/p/a.jpg"}),
    ],
)
def test_the_setting_says_which_twin_stays_and_auto_mark_follows(rule: str, keeper: str, kept: set[str]) -> None:
    raw, jpg, copy = member("/p/a.dng", "DNG", size=900), member("/p/a.jpg", "JPEG"), member("/x/a copy.jpg", "JPEG")
    g = Group(
        (raw, jpg, copy), jpg.path, jpg.path, pair_scores=(PairScore(raw.path, jpg.path, 1.0),), sure_threshold=0.9
    )
    g = replace(
        g, pair_scores=(*g.pair_scores, PairScore(jpg.path, copy.path, 0.99), PairScore(raw.path, copy.path, 0.99))
    )
    assert kept_by_rule(g, rule) == kept and with_twin_keeper(g, rule).keeper == keeper
    for mark_rule in ("suggested", "size"):  # "size" keeps the RAW by itself; the setting still decides
        plan = plan_marks([g], mark_rule, raw_jpeg=rule)
        assert plan.groups[0].keeper in kept and not plan.marked & kept
        assert copy.path in plan.marked and plan.marked | kept == {raw.path, jpg.path, copy.path}


@pytest.fixture(scope="module")
def embedder() -> Embedder:
    return Embedder(load_spec(), "cpu")


def test_a_scan_groups_each_raw_with_its_jpeg(tmp_path: Path, wallpapers: Path, embedder: Embedder) -> None:
    images = sorted((wallpapers / "images").rglob("*.jpg"))
    photo, other, third = (Image.open(images[n]).convert("RGB").resize((480, 320)) for n in (0, 5, 9))
    lib = tmp_path / "lib"
    lib.mkdir()
    make_dng(lib / "IMG_0001.DNG", photo, preview=(480, 320))
    photo.save(lib / "IMG_0001.JPG", quality=88)  # the camera's own JPEG of the shot
    make_dng(lib / "IMG_0002.DNG", other, preview=(480, 320))
    other.convert("L").save(lib / "IMG_0002.JPG", quality=60)  # shot in the camera's monochrome style
    third.save(lib / "third.jpg", quality=88)
    settings = ScanSettings(roots=(str(lib),), use_cache=False, raw_jpeg="raw")
    result = scan(settings, embedder=embedder)
    groups = {frozenset(Path(m.path).name for m in g.members): g for g in result.groups}
    assert frozenset({"IMG_0001.DNG", "IMG_0001.JPG"}) in groups
    assert set(groups) == {frozenset({"IMG_0001.DNG", "IMG_0001.JPG"}), frozenset({"IMG_0002.DNG", "IMG_0002.JPG"})}
    first = groups[frozenset({"IMG_0001.DNG", "IMG_0001.JPG"})]
    assert Path(first.keeper).name == "IMG_0001.DNG"  # keep the RAW
    assert first.score_between(*(m.path for m in first.members)) == 1.0  # a sure pair: auto-mark may act
    dng = next(m for m in first.members if m.path.endswith(".DNG"))
    assert (dng.fmt, dng.width, dng.height, dng.camera) == ("DNG", 480, 320, "Doppel TestCam 1")
    assert result.stats["raw_twins"] == 2

    from engine.resultsfile import groups_document

    doc = groups_document(replace(result, groups=(first,)), settings.roots, settings.raw_jpeg)
    assert json.loads(json.dumps(doc))["raw_jpeg"] == "raw"  # `apply` leaves what the rule keeps


@pytest.mark.parametrize("rule, gone", [("both", {"a copy.jpg"}), ("raw", {"a copy.jpg", "a.jpg"}), (None, None)])
def test_apply_leaves_the_twin_the_files_rule_keeps(tmp_path: Path, monkeypatch, rule, gone) -> None:
    from engine.cli import main as cli
    from engine.results import ScanResult
    from engine.resultsfile import groups_document

    monkeypatch.setenv("DOPPEL_DATA_DIR", str(tmp_path / "data"))
    lib = tmp_path / "lib"
    picture = Image.new("RGB", (40, 30), "red")
    make_dng(lib.mkdir() or lib / "a.dng", picture, preview=(40, 30))
    picture.save(lib / "a.jpg")
    picture.save(lib / "a copy.jpg")

    def real(name: str, fmt: str) -> Member:
        st = (lib / name).stat()
        return Member(str(lib / name), st.st_size, st.st_mtime_ns, 40, 30, 1.0, fmt=fmt)

    members = (real("a.dng", "DNG"), real("a.jpg", "JPEG"), real("a copy.jpg", "JPEG"))
    g = Group(members, members[0].path, members[0].path)
    doc = groups_document(ScanResult((g,), (), (), 0.9, "m", 3), [str(lib)], rule)
    spec = tmp_path / "groups.json"
    spec.write_text(json.dumps(doc), encoding="utf-8")
    assert cli(["apply", str(spec), "--action", "move", "--to", str(tmp_path / "out")]) == 0
    moved = {p.name for p in (tmp_path / "out").rglob("*") if p.is_file()}
    assert moved == (gone if rule else {"a copy.jpg", "a.jpg"})  # no rule in the file: every non-keeper
