"""Losses, miners, calibration, augmentations and a tiny end-to-end training run (seconds, no full training)."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from engine.learn import augment
from engine.learn.calibration import average_precision, fit_calibration
from engine.learn.losses import (
    ContrastiveLoss,
    TripletLoss,
    euclidean,
    hard_miner,
    make_loss,
    semihard_miner,
    squared_euclidean,
)
from engine.learn.split_branch import SplitBranch
from engine.learn.training import TrainConfig, train, train_step
from engine.learn.views import split_val
from engine.model.weights import Calibration
from engine.progress import Cancelled, CancelToken, Phase, Progress

TRAIN_DATA = Path("/work/shared/data/train")


def _photo(seed: int = 0, size: tuple[int, int] = (96, 72)) -> Image.Image:
    g = np.random.default_rng(seed)
    base = g.integers(0, 255, (6, 8, 3), dtype=np.uint8)  # smooth blocks: photo-like, compresses sanely
    return Image.fromarray(base).resize(size, Image.BILINEAR)


# ------------------------------------------------------------------------------------------------ losses
def test_triplet_loss_matches_formula_on_one_triplet() -> None:
    a, p, n = torch.tensor([[1.0, 0.0]]), torch.tensor([[0.8, 0.6]]), torch.tensor([[0.6, 0.8]])
    emb, labels = torch.cat([a, p, n]), torch.tensor([0, 0, 1])
    loss = TripletLoss(margin=0.5, miner=hard_miner)(emb, labels)
    # anchors 0 and 1 (each other's positive) both pick n; mean of max(d_ap^2 - d_an^2 + 0.5, 0)
    d = squared_euclidean(emb)
    expect = (torch.relu(d[0, 1] - d[0, 2] + 0.5) + torch.relu(d[1, 0] - d[1, 2] + 0.5)) / 2
    assert loss.item() == pytest.approx(expect.item(), abs=1e-6)


def test_contrastive_loss_matches_formula() -> None:
    emb = torch.tensor([[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0], [0.0, -1.0]])
    labels = torch.tensor([0, 0, 1, 1])
    loss = ContrastiveLoss(margin=1.5, miner=hard_miner)(emb, labels)
    # positives at D = sqrt(2): 1/2 D^2 = 1; every anchor's hardest negative is at sqrt(2): 1/2 (1.5-sqrt2)^2
    expect = (1.0 + 0.5 * (1.5 - 2**0.5) ** 2) / 2
    assert loss.item() == pytest.approx(expect, abs=1e-5)


def test_semihard_miner_prefers_negative_beyond_the_positive() -> None:
    # anchor 0, positive 1 at distance 1; negatives at 0.5 (hard), 1.2 (semi-hard), 3.0 (easy)
    d = torch.tensor([[0.0, 1.0, 0.5, 1.2, 3.0]] + [[1.0] * 5] * 4)
    labels = torch.tensor([0, 0, 1, 2, 3])
    t = semihard_miner(d, labels)
    assert t.n[(t.a == 0) & (t.p == 1)].item() == 3
    t = hard_miner(d, labels)
    assert t.n[(t.a == 0) & (t.p == 1)].item() == 2


def test_distances_agree() -> None:
    x = torch.nn.functional.normalize(torch.randn(6, 4), dim=1)
    assert torch.allclose(euclidean(x) ** 2, squared_euclidean(x), atol=1e-4)
    assert torch.allclose(euclidean(x), torch.cdist(x, x), atol=1e-3)


@pytest.fixture(scope="module")
def tiny_split() -> SplitBranch:
    from engine.model.network import SiameseBranch

    torch.manual_seed(0)
    branch = SiameseBranch(32, 64).eval()  # random weights: the step, not the features, is under test
    return SplitBranch(branch, cut=15)


@pytest.mark.parametrize("name", ["triplet", "contrastive"])
@pytest.mark.parametrize("mining", ["semihard", "hard"])
def test_one_step_lowers_each_loss(tiny_split: SplitBranch, name: str, mining: str) -> None:
    split = tiny_split
    state = {k: v.clone() for k, v in split.branch.state_dict().items()}
    try:
        torch.manual_seed(1)
        maps = torch.randn(8, 192, 3, 3)
        maps[4:] = maps[:4] + 0.3 * torch.randn(4, 192, 3, 3)  # 4 photos, two views each
        labels = torch.arange(4).repeat(2)
        loss_fn = make_loss(name, mining)
        body, head = split.tail_parameters()
        opt = torch.optim.SGD(body + head, lr=0.05)
        with torch.no_grad():
            before = loss_fn(split.tail(maps), labels).item()
        assert before > 0
        train_step(split, loss_fn, opt, maps, labels)
        with torch.no_grad():
            after = loss_fn(split.tail(maps), labels).item()
        assert after < before
    finally:
        split.branch.load_state_dict(state)


# ------------------------------------------------------------------------------------------------ calibration
def test_calibration_fit_recovers_a_known_logistic() -> None:
    g = np.random.default_rng(0)
    dist = g.uniform(0, 1.5, 40000)
    true = Calibration(scale=10.0, offset=0.7)
    p = np.array([true.score(d) for d in dist])
    same = g.random(len(dist)) < p
    # the generator's own prior: the unweighted fit recovers it
    scale, offset = fit_calibration(dist, same)
    assert scale == pytest.approx(10.0, rel=0.15)
    assert offset == pytest.approx(0.7, abs=0.03)
    cal = Calibration(scale, offset)
    assert cal.score(offset) == pytest.approx(0.5)
    assert cal.score(0.2) > cal.score(0.9)  # monotonic: closer = more alike
    # equal class weights move the 0.5 point towards the rarer class's side
    rare = same & (g.random(len(dist)) < 0.2) | (~same)
    s_nat, o_nat = fit_calibration(dist[rare], same[rare])
    s_bal, o_bal = fit_calibration(dist[rare], same[rare], balanced=True)
    assert o_bal > o_nat


def test_average_precision_of_a_perfect_and_a_reversed_ranking() -> None:
    dist = np.array([0.1, 0.2, 0.8, 0.9])
    assert average_precision(dist, np.array([1, 1, 0, 0], bool)) == pytest.approx(1.0)
    assert average_precision(dist, np.array([0, 0, 1, 1], bool)) == pytest.approx((1 / 3 + 2 / 4) / 2)


# ------------------------------------------------------------------------------------------------ augmentation
@pytest.mark.parametrize("family", sorted(augment.FAMILIES))
def test_each_family_gives_a_seeded_rgb_image(family: str) -> None:
    fn = augment.FAMILIES[family][0]
    im = _photo()
    a = fn(im, random.Random(3))
    b = fn(im, random.Random(3))
    assert a.mode == "RGB" and min(a.size) >= 8
    assert np.array_equal(np.asarray(a), np.asarray(b))


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP", "HEIF", "GIF"])
def test_format_round_trips(fmt: str) -> None:
    out = augment.encode(_photo(), random.Random(0), fmt)
    assert out.mode == "RGB" and out.size == (96, 72)


def test_random_view_is_reproducible_and_squashes_to_input_size() -> None:
    im = _photo(1)
    v1, f1 = augment.random_view(im, random.Random("s:1"))
    v2, f2 = augment.random_view(im, random.Random("s:1"))
    assert f1 == f2 and 1 <= len(f1) <= 3
    assert np.array_equal(augment.squash(v1, 64), augment.squash(v2, 64))
    assert augment.squash(v1, 64).shape == (64, 64, 3)


def test_validation_split_is_deterministic_and_disjoint() -> None:
    files = [Path(f"img{i:03d}.jpg") for i in range(100)]
    tr, va = split_val(files, 10, seed=0)
    assert (tr, va) == split_val(files, 10, seed=0)
    assert len(va) == 10 and not set(tr) & set(va) and len(tr) + len(va) == 100


# ------------------------------------------------------------------------------------------------ end to end
@pytest.mark.skipif(not TRAIN_DATA.is_dir(), reason="shared training data not present")
def test_tiny_training_run_exports_resumes_and_cancels(tmp_path: Path) -> None:
    from engine.model.weights import build_network, load_spec, verify_model_id

    cfg = TrainConfig(
        data=str(TRAIN_DATA),
        out=str(tmp_path / "run"),
        max_photos=12,
        val_photos=4,
        views=3,
        epochs=2,
        stop_epoch=1,
        batch_photos=4,
        input_size=64,
        workers=1,
        warmup_steps=1,
    )
    seen: list[tuple[str, int, int]] = []
    first = train(cfg, Progress(lambda *a: seen.append(a)))
    assert any(phase == Phase.TRAINING for phase, _, _ in seen)
    assert len(first.history) == 1
    spec = load_spec(first.model_dir)
    verify_model_id(spec)
    assert spec.input_size == 64 and spec.embedding_dim == 256
    build_network(spec)  # strict load of the exported state dict
    # resume finishes the second epoch from the checkpoint, reusing the feature cache
    second = train(cfg.__class__(**{**cfg.__dict__, "stop_epoch": None}), resume=True)
    assert [h["epoch"] for h in second.history] == [1, 2]
    # a cancel keeps a checkpoint and raises
    token = CancelToken()
    token.cancel()
    cfg3 = cfg.__class__(
        **{**cfg.__dict__, "out": str(tmp_path / "run3"), "cache_dir": str(tmp_path / "run" / "cache")}
    )
    with pytest.raises(Cancelled):
        train(cfg3, Progress(token=token))
    assert (tmp_path / "run3" / "checkpoint.pt").exists()
