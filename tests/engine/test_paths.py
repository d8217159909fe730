"""engine.paths.is_inside: the one "is this file in that folder" rule, and the three places that must agree on it
(the suggested keeper's preferred folders, auto-marking's protected folders, file actions' protected folders)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from engine import keeper, marking
from engine.fileops import trash_files
from engine.paths import inside_any, is_inside
from engine.results import Group, Member


def test_inside_below_and_equal_but_not_a_sibling_with_the_same_prefix(tmp_path: Path) -> None:
    photos = tmp_path / "photos"
    assert is_inside(photos / "a.jpg", photos)
    assert is_inside(photos / "2020" / "b.jpg", str(photos) + os.sep)  # a trailing separator changes nothing
    assert is_inside(photos, photos)
    assert not is_inside(tmp_path / "photos2" / "a.jpg", photos)  # a prefix of the name is not a parent
    assert not is_inside(tmp_path, photos)
    assert is_inside(photos / ".." / "photos" / "a.jpg", photos)  # normalised first
    assert inside_any(photos / "a.jpg", [tmp_path / "other", photos]) == photos
    assert inside_any(photos / "a.jpg", []) is None


def test_a_relative_folder_is_taken_from_the_current_folder(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert is_inside(str(tmp_path / "photos" / "a.jpg"), "photos")
    assert is_inside("photos/a.jpg", str(tmp_path / "photos"))


def _members(tmp_path: Path) -> tuple[Member, Member]:
    keep = tmp_path / "Photos" / "Keep" / "a.jpg"
    other = tmp_path / "Photos" / "Other" / "a.jpg"
    for p in (keep, other):
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(b"same bytes")
    k, o = keep.stat(), other.stat()
    # the member outside the folder is the better one by every other rule, so only the folder can pick "keep"
    return (
        Member(str(keep), k.st_size, k.st_mtime_ns, 10, 10, 1.0),
        Member(str(other), o.st_size, o.st_mtime_ns, 20, 20, 1.0),
    )


def _three_rules_agree(keep: Member, other: Member, folder: str) -> None:
    group = Group((keep, other), keep.path, other.path, exact=True)
    assert keeper.pick_keeper([keep, other], ["resolution"], preferred_folders=[folder]) == keep.path
    assert marking.in_folders(keep.path, [folder]) and not marking.in_folders(other.path, [folder])
    assert marking.choose_keeper(group, "preferred", [folder]) == keep.path
    report = trash_files([keep], [group], trash=lambda p: None, protected=[folder])
    assert not report.done and "protected folder" in report.skipped[0].message


@pytest.fixture(autouse=True)
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("DOPPEL_DATA_DIR", str(tmp_path / "data"))


def test_keeper_marking_and_file_actions_agree_on_a_relative_folder(tmp_path: Path, monkeypatch) -> None:
    keep, other = _members(tmp_path)
    monkeypatch.chdir(tmp_path)
    _three_rules_agree(keep, other, os.path.join("Photos", "Keep"))


def test_keeper_marking_and_file_actions_agree_where_case_does_not_matter(tmp_path: Path, monkeypatch) -> None:
    """On Windows ``C:\\Photos`` and ``c:\\photos`` are one folder; simulate that file system here."""
    keep, other = _members(tmp_path)
    monkeypatch.setattr(os.path, "normcase", str.lower)
    _three_rules_agree(keep, other, str(tmp_path / "photos" / "keep").upper())
