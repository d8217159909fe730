"""engine.labels: labelled pairs survive renames (matched by content hash)."""

from __future__ import annotations

import os
import threading

import pytest

from engine.labels import LabelStore


@pytest.fixture(autouse=True)
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("DOPPEL_DATA_DIR", str(tmp_path / "data"))


@pytest.fixture
def files(tmp_path):
    out = []
    for n, data in enumerate([b"first photo", b"second photo", b"third, other size"]):
        p = tmp_path / "photos" / f"{n}.jpg"
        p.parent.mkdir(exist_ok=True)
        p.write_bytes(data)
        out.append(str(p))
    return out


def test_default_location_and_pairs(files, tmp_path):
    store = LabelStore()
    assert store.path == tmp_path / "data" / "labels.sqlite3"
    store.add(files[0], files[1], False)
    store.add(files[0], files[2], True)
    pairs = store.pairs()
    assert [(frozenset((p.path_a, p.path_b)), p.is_duplicate) for p in pairs] == [
        (frozenset(files[:2]), False),
        (frozenset((files[0], files[2])), True),
    ]
    assert all(len(p.hash_a) == 32 and p.hash_a <= p.hash_b for p in pairs)
    assert len(LabelStore()) == 2  # persisted


def test_relabel_replaces(files):
    store = LabelStore()
    store.add(files[0], files[1], False)
    store.add(files[1], files[0], True)
    assert len(store) == 1 and store.pairs()[0].is_duplicate
    assert store.not_duplicate_pairs(files) == set()


def test_not_duplicates_by_path_and_after_rename(files, tmp_path):
    store = LabelStore()
    store.add(files[0], files[1], False)
    assert store.not_duplicate_pairs() == {frozenset(files[:2])}
    assert store.not_duplicate_pairs(files) == {frozenset(files[:2])}
    moved = str(tmp_path / "elsewhere.jpg")
    os.rename(files[1], moved)
    assert store.not_duplicate_pairs(files[:1] + [moved, files[2]]) == {frozenset((files[0], moved))}
    assert store.not_duplicate_pairs([files[0]]) == set()


def test_same_path_new_content_is_not_matched(files):
    store = LabelStore()
    store.add(files[0], files[1], False)
    with open(files[1], "wb") as fh:
        fh.write(b"different now, other size")
    assert store.not_duplicate_pairs(files) == set()


def test_rejects_a_file_paired_with_itself(files):
    with pytest.raises(ValueError):
        LabelStore().add(files[0], files[0], False)


def test_usable_from_another_thread(files):
    store = LabelStore()
    errors = []

    def work():
        try:
            store.add(files[0], files[1], False)
        except Exception as exc:  # pragma: no cover - the assertion shows it
            errors.append(exc)

    t = threading.Thread(target=work)
    t.start()
    t.join()
    assert not errors and len(store) == 1
