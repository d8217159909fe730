"""Saved results: written and opened again as they were; files gone or changed since are dropped and counted."""

from __future__ import annotations

import csv
import json
import os
from dataclasses import replace

import pytest
from PIL import Image

from engine.groupsfile import GroupsFileError, read_groups
from engine.results import Group, Member, PairScore, ScanResult
from engine.resultsfile import (
    CSV_COLUMNS,
    groups_document,
    open_results,
    results_document,
    write_document,
    write_members_csv,
)


def photo(path, colour) -> Member:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (40, 30), colour).save(path)
    st = os.stat(path)
    return Member(str(path), st.st_size, st.st_mtime_ns, 40, 30, 1.0, fmt="PNG")


@pytest.fixture
def library(tmp_path):
    """a ~ a2 (0.95), b ~ b2 (0.9) and b ~ b3 (0.88); c is in the pairs only (0.7, below the threshold)."""
    a, a2 = photo(tmp_path / "a.png", "red"), photo(tmp_path / "x" / "a2.png", "maroon")
    b, b2, b3 = (photo(tmp_path / n, c) for n, c in (("b.png", "blue"), ("b2.png", "navy"), ("b3.png", "teal")))
    c = photo(tmp_path / "c.png", "green")
    pairs = (
        PairScore(a.path, a2.path, 0.95),
        PairScore(b.path, b2.path, 0.9),
        PairScore(b.path, b3.path, 0.88),
        PairScore(b2.path, b3.path, 0.86),
        PairScore(a.path, c.path, 0.7),
        PairScore(b.path, c.path, 0.3),  # below the saved floor (threshold - 0.15)
    )
    g1 = Group((a, replace(a2, score=0.95)), a.path, a2.path, pair_scores=pairs[:1], sure_threshold=0.9)
    g2 = Group(
        (b, replace(b2, score=0.9), replace(b3, score=0.88)), b.path, b.path, pair_scores=pairs[1:4], sure_threshold=0.9
    )
    catalog = {m.path: m for m in (a, a2, b, b2, b3, c)}
    result = ScanResult((g1, g2), pairs, (), 0.8, "model-x", 6, catalog, {"min_score": 0.2}, sure_threshold=0.9)
    return result, (a, a2, b, b2, b3, c)


def save(result, tmp_path, marked=()) -> str:
    path = str(tmp_path / "results.json")
    write_document(results_document(result, [str(tmp_path)], marked), path)
    return path


def test_saved_results_open_as_they_were(tmp_path, library) -> None:
    result, (a, a2, b, b2, b3, c) = library
    path = save(result, tmp_path, marked={a.path, b3.path})
    opened = open_results(path)
    assert (opened.gone, opened.changed) == ((), ())
    assert opened.result.groups == result.groups  # members, scores, keepers (a2 kept by hand), pair scores
    assert opened.marked == {a.path, b3.path}
    assert opened.roots == (str(tmp_path),) and opened.result.threshold == 0.8
    assert opened.result.sure_threshold == 0.9 and opened.result.model_id == "model-x"
    # the pairs down to 0.15 below the threshold come back, with the file only they name: the slider can go lower
    assert {(p.a, p.b) for p in opened.result.pairs} == {(p.a, p.b) for p in result.pairs if p.score >= 0.65}
    assert opened.result.catalog[c.path] == c and opened.result.stats["min_score"] == pytest.approx(0.65)
    # and `apply` reads the same file
    assert [g.keeper for g in read_groups(path).groups] == [a2.path, b.path]


def test_opening_drops_files_gone_or_changed_and_counts_them(tmp_path, library) -> None:
    result, (a, a2, b, b2, b3, c) = library
    path = save(result, tmp_path, marked={b3.path})
    os.remove(a2.path)  # its group is left with one file: the group goes
    os.remove(b.path)  # the keeper and reference of group 2 go: another member keeps
    with open(b2.path, "ab") as fh:
        fh.write(b"edited")  # changed since: dropped, not shown as what was scanned
    opened = open_results(path)
    assert set(opened.gone) == {a2.path, b.path} and opened.changed == (b2.path,)
    assert [[m.path for m in g.members] for g in opened.result.groups] == []  # b3 alone is no group
    os.remove(b2.path)
    photo(tmp_path / "b2.png", "navy")  # not a copy of the original b2 (new mtime): still dropped
    assert b2.path in open_results(path).changed


def test_a_keeper_gone_hands_on_and_byte_copies_keep_a_representative(tmp_path) -> None:
    one = photo(tmp_path / "one.png", "red")
    two = replace(photo(tmp_path / "two.png", "red"), exact_of=one.path)
    three = replace(photo(tmp_path / "three.png", "red"), exact_of=one.path)
    g = Group((one, two, three), one.path, one.path, exact=True)
    result = ScanResult((g,), (), (), 0.8, "m", 3, {m.path: m for m in (one, two, three)})
    path = save(result, tmp_path)
    os.remove(one.path)
    opened = open_results(path)
    (group,) = opened.result.groups
    assert {m.path for m in group.members} == {two.path, three.path} and group.exact
    assert group.keeper in {two.path, three.path} and group.reference == group.keeper
    reps = [m for m in opened.result.catalog.values() if m.exact_of is None]
    assert len(reps) == 1 and all(m.exact_of in (None, reps[0].path) for m in opened.result.catalog.values())


def test_a_cli_groups_file_opens_with_pairs_from_its_scores(tmp_path, library) -> None:
    result, (a, a2, b, b2, b3, c) = library
    path = tmp_path / "cli.json"
    path.write_text(json.dumps(groups_document(result, [str(tmp_path)])), encoding="utf-8")
    opened = open_results(path)
    assert [{m.path for m in g.members} for g in opened.result.groups] == [
        {a.path, a2.path},
        {b.path, b2.path, b3.path},
    ]
    assert {(p.a, p.b, p.score) for p in opened.result.pairs} == {
        (a.path, a2.path, 0.95),
        (b.path, b2.path, 0.9),
        (b.path, b3.path, 0.88),
    }
    assert not opened.marked and c.path not in opened.result.catalog


@pytest.mark.parametrize(
    "pairs, words",
    [("nope", "pairs must be a list"), ([["/a", "/b", 2.0]], "pair 1 must be"), ([["/a", 3, 0.5]], "pair 1 must be")],
)
def test_bad_extras_are_refused_with_the_place(tmp_path, library, pairs, words) -> None:
    result, _ = library
    doc = results_document(result, [str(tmp_path)])
    doc["pairs"] = pairs
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(GroupsFileError, match=words):
        open_results(path)


def test_csv_has_one_row_per_member_with_its_state(tmp_path, library) -> None:
    result, (a, a2, b, b2, b3, c) = library
    out = tmp_path / "members.csv"
    write_members_csv(out, result.groups, {a.path, b3.path})
    rows = list(csv.reader(out.open(encoding="utf-8", newline="")))
    assert tuple(rows[0]) == CSV_COLUMNS
    body = {r[1]: r for r in rows[1:]}
    assert len(rows) == 1 + 5 and c.path not in body
    assert body[a2.path][:3] == ["1", a2.path, "keeper"] and body[a.path][2] == "marked" and body[b2.path][2] == ""
    assert body[b3.path][:3] == ["2", b3.path, "marked"] and body[b3.path][3] == "0.880000"
    assert body[b.path][4:] == [str(b.size), "40", "30", "PNG"]


def test_saving_replaces_the_file_whole(tmp_path, library) -> None:
    result, _ = library
    path = tmp_path / "results.json"
    path.write_text("old", encoding="utf-8")
    write_document(results_document(result), path)
    assert json.loads(path.read_text(encoding="utf-8"))["model_id"] == "model-x"
    assert os.listdir(tmp_path).count("results.json.doppel-tmp") == 0
