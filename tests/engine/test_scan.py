"""The whole pipeline in-process, on a library full of awkward files, plus cancel/resume and regrouping."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from PIL import Image

from engine import imaging
from engine.model.inference import Embedder
from engine.model.weights import load_spec
from engine.progress import Cancelled, CancelToken, Phase, Progress
from engine.scan import regroup, scan
from engine.settings import ScanSettings
from tests.conftest import finishes, generate_pixels, unblock, write_bomb_png


@pytest.fixture(scope="module")
def embedder() -> Embedder:
    return Embedder(load_spec(), "cpu")


@pytest.fixture
def library(tmp_path: Path, wallpapers: Path) -> Path:
    root = tmp_path / "lib"
    root.mkdir()
    photo = wallpapers / "images" / "lomiri-wallpapers-16.04" / "Dragonfly_by_Bolly.jpg"
    shutil.copy(photo, root / "photo.jpg")
    Image.open(photo).resize((512, 384)).save(root / "photo-small.jpg", quality=80)
    shutil.copy(wallpapers / "images" / "mate-backgrounds/mate/nature/Dune.jpg", root / "dune.jpg")
    (root / "doomed.jpg").write_bytes(photo.read_bytes()[:-10] + b"\xff\xd9")  # deleted mid-scan below
    write_bomb_png(root / "huge.png")
    Image.open(photo).rotate(45).save(root / "locked.jpg")  # reading it raises a permission error below
    shutil.copy(photo, root / "photo-copy.jpg")
    # Byte copies tie on every keeper rule but age. Say which is older rather than rely on the order of the writes,
    # which a file system with coarse timestamps (FAT: 2 s, some network shares: 1 s) turns into a tie.
    ns = (root / "photo-copy.jpg").stat().st_mtime_ns - 60 * 10**9
    os.utime(root / "photo.jpg", ns=(ns, ns))
    # a non-UTF-8 file name (bytes that are not valid UTF-8), a real JPEG inside
    fd = os.open(os.fsencode(root) + b"/caf\xe9.jpg", os.O_WRONLY | os.O_CREAT)
    os.write(fd, (root / "photo-small.jpg").read_bytes() + b"\x00")
    os.close(fd)
    return root


def test_scan_reports_every_bad_file_and_goes_on(library: Path, embedder: Embedder, monkeypatch) -> None:
    real_open = imaging.open_regular

    def guarded_open(file):
        if str(file).endswith("locked.jpg"):
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file)

    monkeypatch.setattr(imaging, "open_regular", guarded_open)

    def delete_when_embedding_starts(phase: str, done: int, total: int) -> None:
        if phase == "embed" and done == 0 and (library / "doomed.jpg").exists():
            (library / "doomed.jpg").unlink()

    result = scan(
        ScanSettings(roots=(str(library),), use_cache=False), Progress(delete_when_embedding_starts), embedder=embedder
    )
    reasons = {os.path.basename(s.path): s.reason for s in result.skipped}
    assert reasons["doomed.jpg"] == "file vanished during the scan"
    assert "decompression bomb" in reasons["huge.png"]
    assert reasons["locked.jpg"] == "permission denied"
    assert len(result.groups) == 1
    names = sorted(os.path.basename(m.path) for m in result.groups[0].members)
    assert names == ["caf\udce9.jpg", "photo-copy.jpg", "photo-small.jpg", "photo.jpg"]
    assert result.groups[0].keeper == str(library / "photo.jpg")  # same pixels and size: the older file wins
    by_name = {os.path.basename(m.path): m for m in result.groups[0].members}
    assert by_name["photo-copy.jpg"].exact_of is None  # the first path in sorted order stands for the copies
    assert by_name["photo.jpg"].exact_of == str(library / "photo-copy.jpg")
    assert (by_name["photo.jpg"].width, by_name["photo.jpg"].height) == (1024, 768)


def test_a_scan_reports_each_phase_in_order(library: Path, embedder: Embedder) -> None:
    seen: list[tuple[str, int, int]] = []
    scan(ScanSettings(roots=(str(library),), use_cache=False), Progress(lambda *a: seen.append(a)), embedder=embedder)
    phases = list(dict.fromkeys(phase for phase, _, _ in seen))
    verify = [Phase.VERIFY] if embedder.spec.verification is not None else []
    assert phases == [Phase.DISCOVER, Phase.HASH, Phase.EMBED, Phase.SEARCH, *verify, Phase.GROUP]
    assert seen[-1][0] == Phase.GROUP and seen[-1][1] == seen[-1][2]  # grouping reports its end too


def test_cancel_keeps_cache_consistent_and_next_scan_resumes(tmp_path: Path, embedder: Embedder) -> None:
    root = tmp_path / "many"
    root.mkdir()
    for n in range(40):
        generate_pixels((96, 64), "noise", seed=n).save(root / f"{n:03}.png")
    settings = ScanSettings(roots=(str(root),), cache_path=str(tmp_path / "cache.sqlite3"), batch_size=8)
    token = CancelToken()

    def cancel_after_two_batches(phase: str, done: int, total: int) -> None:
        if phase == "embed" and done >= 16:
            token.cancel()

    with pytest.raises(Cancelled):
        scan(settings, Progress(cancel_after_two_batches, token), embedder=embedder)
    result = scan(settings, embedder=embedder)
    assert 16 <= result.stats["cached"] < 40
    assert result.stats["cached"] + result.stats["decoded"] == 40
    again = scan(settings, embedder=embedder)
    assert (again.stats["cached"], again.stats["decoded"]) == (40, 0)


def test_regroup_follows_the_threshold_without_rescanning(library: Path, embedder: Embedder) -> None:
    result = scan(ScanSettings(roots=(str(library),), use_cache=False, min_score=0.0), embedder=embedder)
    sizes = lambda r: sorted(len(g.members) for g in r.groups)  # noqa: E731
    grouped = [sum(sizes(regroup(result, t))) for t in (0.0, 0.3, 0.6, 0.9, 1.0)]
    assert grouped == sorted(grouped, reverse=True)
    assert sizes(regroup(result, 0.0)) == [7]  # every decodable file, all candidates of one another
    assert sizes(regroup(result, 1.01)) == [2]  # above any score only the byte-identical pair is left
    not_dup = frozenset((str(library / "photo.jpg"), str(library / "photo-small.jpg")))
    split = regroup(result, result.threshold, not_duplicates=[not_dup])
    assert not any({m.path for m in g.members} >= not_dup for g in split.groups)


def test_unchanged_library_reuses_the_cached_search(tmp_path: Path, embedder: Embedder, monkeypatch) -> None:
    root = tmp_path / "lib"
    root.mkdir()
    for n in range(6):
        generate_pixels((80, 60), "noise", seed=n).save(root / f"{n}.png")
    generate_pixels((80, 60), "noise", seed=0).resize((40, 30)).save(root / "0-small.png")
    settings = ScanSettings(roots=(str(root),), cache_path=str(tmp_path / "cache.sqlite3"))
    first = scan(settings, embedder=embedder)

    def no_search(*args, **kwargs):
        raise AssertionError("an unchanged library must not search again")

    from engine import index

    monkeypatch.setattr(index, "nearest_pairs", no_search)
    again = scan(settings, embedder=embedder)
    assert again.pairs == first.pairs and again.groups == first.groups
    generate_pixels((80, 60), "noise", seed=9).save(root / "new.png")  # a changed library searches again
    with pytest.raises(AssertionError, match="must not search"):
        scan(settings, embedder=embedder)


def test_groups_carry_the_sure_level_of_the_model_or_the_setting(library: Path, embedder: Embedder, tmp_path) -> None:
    spec = load_spec()
    assert spec.sure_threshold is None  # the bundled model.json has none: halfway from its threshold to 1.0
    result = scan(ScanSettings(roots=(str(library),), use_cache=False), embedder=embedder)
    assert result.sure_threshold == pytest.approx(spec.threshold + (1 - spec.threshold) / 2)
    assert result.groups and all(g.sure_threshold == result.sure_threshold for g in result.groups)
    assert all(g.pair_scores for g in result.groups if not g.exact)
    strict = scan(ScanSettings(roots=(str(library),), use_cache=False, sure_threshold=0.999), embedder=embedder)
    assert {g.sure_threshold for g in strict.groups} == {0.999}
    exact = scan(ScanSettings(roots=(str(library),), use_cache=False, exact_only=True))
    assert exact.sure_threshold == 1.0 and not any(g.uncertain for g in exact.groups)


def test_model_json_may_declare_its_sure_level(tmp_path: Path) -> None:
    import json

    from engine.model.weights import bundled_model_dir

    raw = json.loads((bundled_model_dir() / "model.json").read_text())
    (tmp_path / "model.json").write_text(json.dumps({**raw, "sure_threshold": 0.97}))
    assert load_spec(tmp_path).sure_threshold == 0.97


# --- files that change under the scan -------------------------------------------------------------------------


@pytest.fixture
def pair(tmp_path: Path, wallpapers: Path) -> Path:
    """A photo and a smaller re-encode of it (near duplicates), an unrelated photo and a broken JPEG."""
    root = tmp_path / "pair"
    root.mkdir()
    photo = wallpapers / "images" / "lomiri-wallpapers-16.04" / "Dragonfly_by_Bolly.jpg"
    shutil.copy(photo, root / "photo.jpg")
    Image.open(photo).resize((512, 384)).save(root / "victim.jpg", quality=80)
    shutil.copy(wallpapers / "images" / "mate-backgrounds/mate/nature/Dune.jpg", root / "dune.jpg")
    (root / "broken.jpg").write_bytes(photo.read_bytes()[:3000])
    return root


def grouped(result) -> list[list[str]]:
    return sorted(sorted(os.path.basename(m.path) for m in g.members) for g in result.groups)


def _vanish(path: Path, aside: Path):
    path.rename(aside)
    return lambda: aside.rename(path)  # rename keeps size and mtime: the file comes back unchanged


def _folder(path: Path, aside: Path):
    path.rename(aside)
    path.mkdir()
    return lambda: (path.rmdir(), aside.rename(path))


def _truncate(path: Path, aside: Path):
    """A copy being written: short for a moment, then whole again with the same size and mtime."""
    data, st = path.read_bytes(), path.stat()
    path.write_bytes(data[: len(data) // 3])

    def restore() -> None:
        path.write_bytes(data)
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))

    return restore


@pytest.mark.parametrize("fault", [_vanish, _folder, _truncate, "permission"])
def test_a_file_that_failed_for_a_moment_is_grouped_once_it_is_back(
    pair: Path, tmp_path: Path, embedder: Embedder, monkeypatch, fault
) -> None:
    victim = pair / "victim.jpg"
    settings = ScanSettings(roots=(str(pair),), cache_path=str(tmp_path / "cache.sqlite3"))
    restore: list = []
    if fault == "permission":
        real_open = imaging.open_regular

        def denied(path):
            if str(path) == str(victim):
                raise PermissionError(13, "Permission denied", str(path))
            return real_open(path)

        monkeypatch.setattr(imaging, "open_regular", denied)
        restore.append(lambda: monkeypatch.setattr(imaging, "open_regular", real_open))
    else:

        def strike(phase: str, done: int, total: int) -> None:
            if phase == "embed" and done == 0 and not restore:
                restore.append(fault(victim, tmp_path / "aside.jpg"))

    first = scan(settings, Progress(None if fault == "permission" else strike), embedder=embedder)
    assert "victim.jpg" in {os.path.basename(s.path) for s in first.skipped}
    assert grouped(first) == []
    restore[0]()
    again = scan(settings, embedder=embedder)
    assert grouped(again) == [["photo.jpg", "victim.jpg"]]
    assert {os.path.basename(s.path) for s in again.skipped} == {"broken.jpg"}
    assert again.stats["decoded"] == 1  # the victim only: the broken JPEG's failure is remembered


def test_a_vanished_representative_hands_over_to_its_copies(pair: Path, embedder: Embedder) -> None:
    for name in ("copy-1.jpg", "copy-2.jpg"):
        shutil.copy(pair / "photo.jpg", pair / name)
    first = pair / "copy-1.jpg"  # the first path of the byte-identical set stands for it

    def delete_it(phase: str, done: int, total: int) -> None:
        if phase == "embed" and done == 0 and first.exists():
            first.unlink()

    result = scan(ScanSettings(roots=(str(pair),), use_cache=False), Progress(delete_it), embedder=embedder)
    assert grouped(result) == [["copy-2.jpg", "photo.jpg", "victim.jpg"]]
    members = {os.path.basename(m.path): m for g in result.groups for m in g.members}
    assert (members["copy-2.jpg"].width, members["photo.jpg"].width) == (1024, 1024)
    assert members["photo.jpg"].exact_of == str(pair / "copy-2.jpg")
    assert ("copy-1.jpg", "file vanished during the scan") in {
        (os.path.basename(s.path), s.reason) for s in result.skipped
    }


def test_a_copy_that_vanished_after_hashing_leaves_its_group(pair: Path, embedder: Embedder) -> None:
    shutil.copy(pair / "photo.jpg", pair / "photo-copy.jpg")  # "photo-copy" sorts first: it is decoded

    def delete_copy(phase: str, done: int, total: int) -> None:
        if phase == "embed" and done == 0 and (pair / "photo.jpg").exists():
            (pair / "photo.jpg").unlink()

    result = scan(ScanSettings(roots=(str(pair),), use_cache=False), Progress(delete_copy), embedder=embedder)
    assert grouped(result) == [["photo-copy.jpg", "victim.jpg"]]
    assert not any(g.exact for g in result.groups)


def test_exact_only_never_groups_a_vanished_file(pair: Path, monkeypatch) -> None:
    shutil.copy(pair / "photo.jpg", pair / "copy-1.jpg")
    shutil.copy(pair / "photo.jpg", pair / "copy-2.jpg")
    from engine import embedding

    real_read_info = embedding.read_info

    def vanish_first(path: str):
        if path.endswith("copy-1.jpg"):
            os.unlink(path)
        return real_read_info(path)

    monkeypatch.setattr(embedding, "read_info", vanish_first)
    result = scan(ScanSettings(roots=(str(pair),), use_cache=False, exact_only=True))
    assert grouped(result) == [["copy-2.jpg", "photo.jpg"]]
    assert all(m.width == 1024 for m in result.groups[0].members)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_photo_replaced_by_a_fifo_does_not_stall_the_scan(pair: Path, embedder: Embedder) -> None:
    victim = pair / "victim.jpg"

    def to_fifo(phase: str, done: int, total: int) -> None:
        if phase == "embed" and done == 0 and victim.is_file():
            victim.unlink()
            os.mkfifo(victim)

    settings = ScanSettings(roots=(str(pair),), use_cache=False)
    try:
        result = finishes(lambda: scan(settings, Progress(to_fifo), embedder=embedder), timeout=120)
    finally:
        unblock(victim)
    assert ("victim.jpg", "not a regular file: a named pipe (FIFO)") in {
        (os.path.basename(s.path), s.reason) for s in result.skipped
    }
