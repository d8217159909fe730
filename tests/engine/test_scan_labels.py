"""Labels apply to every scan: the engine reads the user's store, so the CLI and the GUI group alike."""

from __future__ import annotations

import os
import shutil
from dataclasses import replace
from pathlib import Path

import pytest
from PIL import Image

from engine.labels import LabelStore, LabelStoreError
from engine.model.inference import Embedder
from engine.model.weights import load_spec
from engine.results import Member, PairScore, ScanResult
from engine.scan import regroup, scan
from engine.settings import ScanSettings


@pytest.fixture(scope="module")
def embedder() -> Embedder:
    return Embedder(load_spec(), "cpu")


@pytest.fixture
def library(tmp_path: Path, wallpapers: Path) -> Path:
    """photo.jpg, a byte copy in backup/, a downscaled copy, and an unrelated photo."""
    root = tmp_path / "lib"
    (root / "backup").mkdir(parents=True)
    photo = wallpapers / "images" / "lomiri-wallpapers-16.04" / "Dragonfly_by_Bolly.jpg"
    shutil.copy(photo, root / "photo.jpg")
    shutil.copy(photo, root / "backup" / "photo.jpg")
    Image.open(photo).resize((640, 480)).save(root / "small.jpg", quality=85)
    shutil.copy(wallpapers / "images" / "mate-backgrounds/mate/nature/Dune.jpg", root / "dune.jpg")
    return root


def settings_for(root: Path, tmp_path: Path, **kw) -> ScanSettings:
    return ScanSettings(roots=(str(root),), cache_path=str(tmp_path / "cache.sqlite3"), **kw)


def together(result: ScanResult, *paths: Path) -> bool:
    want = {str(p) for p in paths}
    return any(want <= {m.path for m in g.members} for g in result.groups)


def test_not_a_duplicate_in_the_app_store_splits_every_scan(library, tmp_path, embedder) -> None:
    settings = settings_for(library, tmp_path)
    assert together(scan(settings, embedder=embedder), library / "photo.jpg", library / "small.jpg")
    LabelStore().add(str(library / "photo.jpg"), str(library / "small.jpg"), False)  # what the app's N stores

    result = scan(settings, embedder=embedder)
    assert not together(result, library / "photo.jpg", library / "small.jpg")
    assert not together(result, library / "backup" / "photo.jpg", library / "small.jpg")  # byte copies carry it
    assert together(result, library / "photo.jpg", library / "backup" / "photo.jpg")
    assert frozenset((str(library / "photo.jpg"), str(library / "small.jpg"))) in result.not_duplicates
    # the slider regroups from the result and keeps the label
    assert not together(regroup(result, 0.0), library / "photo.jpg", library / "small.jpg")
    # turned off, or another store: the pair is grouped again
    off = scan(settings_for(library, tmp_path, use_labels=False), embedder=embedder)
    assert together(off, library / "photo.jpg", library / "small.jpg")
    other = scan(settings_for(library, tmp_path, labels_path=str(tmp_path / "none.sqlite3")), embedder=embedder)
    assert together(other, library / "photo.jpg", library / "small.jpg")
    assert not (tmp_path / "none.sqlite3").exists()  # a scan never creates a store


def test_label_on_a_byte_copy_binds_its_representative_and_survives_a_rename(library, tmp_path, embedder) -> None:
    store = LabelStore(tmp_path / "labels.sqlite3")
    store.add(str(library / "backup" / "photo.jpg"), str(library / "small.jpg"), False)
    os.rename(library / "small.jpg", library / "renamed.jpg")
    result = scan(settings_for(library, tmp_path, labels_path=str(store.path)), embedder=embedder)
    for p in (library / "photo.jpg", library / "backup" / "photo.jpg"):
        assert not together(result, p, library / "renamed.jpg")


def test_is_a_duplicate_joins_what_the_model_keeps_apart(library, tmp_path, embedder) -> None:
    settings = settings_for(library, tmp_path, min_score=0.0)
    before = scan(settings, embedder=embedder)
    assert not together(before, library / "small.jpg", library / "dune.jpg")
    LabelStore().add(str(library / "small.jpg"), str(library / "dune.jpg"), True)
    after = scan(settings, embedder=embedder)
    [group] = [g for g in after.groups if str(library / "dune.jpg") in {m.path for m in g.members}]
    assert str(library / "small.jpg") in {m.path for m in group.members}


def test_not_wins_over_is_when_byte_copies_carry_both(library, tmp_path, embedder) -> None:
    store = LabelStore()
    store.add(str(library / "photo.jpg"), str(library / "dune.jpg"), False)
    store.add(str(library / "backup" / "photo.jpg"), str(library / "dune.jpg"), True)  # same contents: replaces
    assert len(store) == 1 and store.pairs()[0].is_duplicate
    result = scan(settings_for(library, tmp_path), embedder=embedder)
    assert together(result, library / "photo.jpg", library / "dune.jpg")
    split = regroup(
        result, result.threshold, not_duplicates=[frozenset((str(library / "photo.jpg"), str(library / "dune.jpg")))]
    )
    assert not together(split, library / "photo.jpg", library / "dune.jpg")


def test_a_damaged_store_is_an_error_not_a_silent_scan(library, tmp_path, embedder) -> None:
    bad = tmp_path / "bad.sqlite3"
    bad.write_bytes(b"this is not a database" * 100)
    with pytest.raises(LabelStoreError, match="cannot read the labels"):
        scan(settings_for(library, tmp_path, labels_path=str(bad)), embedder=embedder)


def fake(tmp_path: Path) -> ScanResult:
    catalog = {p: Member(p, 10, 0, 8, 8, 1.0) for p in ("/a", "/b", "/c", "/c2")}
    catalog["/c2"] = Member("/c2", 10, 0, 8, 8, 1.0, exact_of="/c")
    pairs = (
        PairScore("/a", "/b", 0.9),
        PairScore("/a", "/c", 0.3),
        PairScore("/a", "/c2", 0.3),
        PairScore("/c", "/c2", 1.0),
    )
    return ScanResult((), pairs, (), 0.8, "fake", 4, catalog)


def test_regroup_applies_the_labels_of_the_result(tmp_path) -> None:
    base = fake(tmp_path)
    assert [sorted(m.path for m in g.members) for g in regroup(base, 0.8).groups] == [["/a", "/b"], ["/c", "/c2"]]
    joined = regroup(base, 0.8, duplicates=[frozenset(("/c2", "/a"))])  # a label on a byte copy binds /c too
    assert [sorted(m.path for m in g.members) for g in joined.groups] == [["/a", "/b", "/c", "/c2"]]
    score = {m.path: m.score for m in joined.groups[0].members}
    assert joined.groups[0].reference == "/a" and score["/c"] == 1.0 and score["/b"] == 0.9
    labelled = replace(
        base, duplicates=frozenset({frozenset(("/a", "/c"))}), not_duplicates=frozenset({frozenset(("/a", "/b"))})
    )
    assert [sorted(m.path for m in g.members) for g in regroup(labelled, 0.8).groups] == [["/a", "/c", "/c2"]]
