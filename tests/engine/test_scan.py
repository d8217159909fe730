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
from tests.conftest import generate_pixels, write_bomb_png


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
    real_open = open

    def guarded_open(file, *args, **kwargs):
        if str(file).endswith("locked.jpg"):
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(imaging, "open", guarded_open, raising=False)

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
    assert phases == [Phase.DISCOVER, Phase.HASH, Phase.EMBED, Phase.SEARCH, Phase.GROUP]
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
