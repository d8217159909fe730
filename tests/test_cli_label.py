"""``main.py label`` and the scan's label flags, in-process through ``main.main`` (the same dispatch as the shell)."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from PIL import Image

from engine.labels import LabelStore
from main import main
from tests.conftest import SHARED_DATA

PHOTO = SHARED_DATA / "wallpapers" / "images" / "lomiri-wallpapers-16.04" / "Dragonfly_by_Bolly.jpg"


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    out = {}
    for name, data in (("a", b"first"), ("b", b"second!"), ("a-copy", b"first")):
        out[name] = tmp_path / "files" / f"{name}.jpg"
        out[name].parent.mkdir(exist_ok=True)
        out[name].write_bytes(data)
    return out


def cli(capsys, *args: str | Path) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_same_different_list_remove(capsys, files, tmp_path) -> None:
    a, b = files["a"], files["b"]
    assert cli(capsys, "label", "same", a, b)[0] == 0
    code, out, _ = cli(capsys, "label", "list")
    assert code == 0 and out.splitlines() == [f"same\t{a}\t{b}"]
    assert cli(capsys, "label", "different", b, a)[0] == 0  # relabelling replaces
    assert cli(capsys, "label", "list")[1].splitlines() == [f"different\t{a}\t{b}"]
    assert [p.is_duplicate for p in LabelStore().pairs()] == [False]  # the store the app reads
    code, out, _ = cli(capsys, "label", "remove", a, b)
    assert code == 0 and "removed" in out
    code, out, err = cli(capsys, "label", "list")
    assert code == 0 and out == "" and "no labels" in err
    code, _, err = cli(capsys, "label", "remove", a, b)
    assert code == 1 and "no label" in err


def test_relative_paths_are_stored_absolute(capsys, files, monkeypatch) -> None:
    monkeypatch.chdir(files["a"].parent)
    assert cli(capsys, "label", "different", "a.jpg", "b.jpg")[0] == 0
    [pair] = LabelStore().pairs()
    assert {pair.path_a, pair.path_b} == {str(files["a"]), str(files["b"])}


def test_remove_finds_a_deleted_file_by_its_stored_path(capsys, files) -> None:
    assert cli(capsys, "label", "different", files["a"], files["b"])[0] == 0
    files["b"].unlink()
    assert cli(capsys, "label", "remove", files["a"], files["b"])[0] == 0
    assert len(LabelStore()) == 0


def test_a_separate_store(capsys, files, tmp_path) -> None:
    db = tmp_path / "mine.sqlite3"
    assert cli(capsys, "label", "same", files["a"], files["b"], "--labels", db)[0] == 0
    assert len(LabelStore(db)) == 1 and not (tmp_path / "doppel-data" / "labels.sqlite3").exists()
    assert cli(capsys, "label", "list", "--labels", db)[1].startswith("same\t")


@pytest.mark.parametrize(
    "args, message",
    [
        (["different", "{a}", "{tmp}/nope.jpg"], "no such file: {tmp}/nope.jpg"),
        (["same", "{a}", "{a}"], "are the same file"),
        (["same", "{a}", "{link}"], "are the same file"),
        (["different", "{a}", "{acopy}"], "byte-identical"),
        (["same", "{a}", "{tmp}"], "is a folder"),
        (["list", "--labels", "{tmp}/no.sqlite3"], "no label store"),
    ],
)
def test_bad_pairs_fail_with_one_line_and_exit_2(capsys, files, tmp_path, args, message) -> None:
    link = tmp_path / "link.jpg"
    os.symlink(files["a"], link)
    names = {"a": files["a"], "acopy": files["a-copy"], "tmp": tmp_path, "link": link}
    code, out, err = cli(capsys, "label", *(x.format(**names) for x in args))
    assert code == 2 and out == ""
    assert message.format(**names) in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert not (tmp_path / "doppel-data" / "labels.sqlite3").exists() or len(LabelStore()) == 0


def test_scan_honours_cli_labels_unless_told_not_to(capsys, tmp_path, wallpapers) -> None:
    root = tmp_path / "lib"
    root.mkdir()
    shutil.copy(PHOTO, root / "photo.jpg")
    Image.open(PHOTO).resize((640, 480)).save(root / "small.jpg", quality=85)
    out, cache = tmp_path / "groups.json", str(tmp_path / "cache.sqlite3")

    def grouped(*extra: str | Path) -> bool:
        assert cli(capsys, "scan", root, "--cache", cache, "--groups-json", out, "--quiet", *extra)[0] == 0
        return any(len(g["members"]) == 2 for g in json.loads(out.read_text())["groups"])

    assert grouped()
    assert cli(capsys, "label", "different", root / "photo.jpg", root / "small.jpg")[0] == 0
    assert not grouped()
    assert json.loads(out.read_text())["stats"]["labels"] == {"duplicates": 0, "not_duplicates": 1}
    assert grouped("--no-labels")
    empty = tmp_path / "empty.sqlite3"
    LabelStore(empty)
    assert grouped("--labels", empty)
    code, _, err = cli(capsys, "scan", root, "--labels", tmp_path / "missing.sqlite3")
    assert code == 2 and "no label store" in err


def test_scan_flags_groups_below_the_sure_level(capsys, tmp_path, wallpapers) -> None:
    root = tmp_path / "lib"
    root.mkdir()
    shutil.copy(PHOTO, root / "photo.jpg")
    Image.open(PHOTO).resize((640, 480)).save(root / "small.jpg", quality=85)
    out = tmp_path / "groups.json"
    for sure, uncertain in (("0.5", False), ("1", True)):
        assert cli(capsys, "scan", root, "--no-cache", "--sure-threshold", sure, "--groups-json", out)[0] == 0
        doc = json.loads(out.read_text())
        assert doc["sure_threshold"] == float(sure) and [g["uncertain"] for g in doc["groups"]] == [uncertain]
    assert "review: not every member" in cli(capsys, "scan", root, "--no-cache", "--sure-threshold", "1")[1]
