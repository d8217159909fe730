"""The training loop: one step, the schedule, the validation split and a tiny end-to-end run (seconds, on a dozen
shared photos): export, resume from the checkpoint (with or without a saved scheduler) and cancel."""

from __future__ import annotations

import math
import shutil
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import torch

from engine.learn.losses import make_loss
from engine.learn.split_branch import SplitBranch
from engine.learn.training import TrainConfig, make_scheduler, train, train_step
from engine.learn.views import split_val
from engine.progress import Cancelled, CancelToken, Phase, Progress


@pytest.fixture(scope="module")
def tiny_split() -> SplitBranch:
    from engine.model.network import SiameseBranch

    torch.manual_seed(0)
    branch = SiameseBranch(32, 64).eval()  # random weights: the step, not the features, is under test
    return SplitBranch(branch, cut=15)


@pytest.mark.parametrize("name", ["triplet", "contrastive", "infonce"])
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


def _old_lr_factor(step: int, total: int, warmup: int) -> float:
    """The hand-written schedule the scheduler object replaced; its values must not change."""
    if step < warmup:
        return (step + 1) / warmup
    return 0.5 * (1 + math.cos(math.pi * min(1.0, (step - warmup) / max(1, total - warmup))))


@pytest.mark.parametrize(("warmup", "total"), [(50, 400), (3, 18), (1, 10), (8, 5)])
def test_the_schedule_warms_up_then_follows_a_cosine(warmup: int, total: int) -> None:
    params = [torch.nn.Parameter(torch.zeros(1)), torch.nn.Parameter(torch.zeros(1))]
    opt = torch.optim.AdamW([{"params": params[:1], "lr": 3e-4}, {"params": params[1:], "lr": 1e-3}])
    scheduler = make_scheduler(opt, warmup, total)
    for step in range(total):
        expect = _old_lr_factor(step, total, warmup)
        assert [g["lr"] for g in opt.param_groups] == pytest.approx([3e-4 * expect, 1e-3 * expect], rel=1e-12)
        opt.step()
        scheduler.step()


def test_validation_split_is_deterministic_and_disjoint() -> None:
    files = [Path(f"img{i:03d}.jpg") for i in range(100)]
    tr, va = split_val(files, 10, seed=0)
    assert (tr, va) == split_val(files, 10, seed=0)
    assert len(va) == 10 and not set(tr) & set(va) and len(tr) + len(va) == 100


# ------------------------------------------------------------------------------------------------ end to end
def tiny_config(train_photos: Path, out: Path, **changes: Any) -> TrainConfig:
    """A run that takes seconds: a dozen shared photos at 64 px, two epochs, one worker; ``changes`` on top."""
    cfg = TrainConfig(
        data=str(train_photos),
        out=str(out),
        max_photos=12,
        val_photos=4,
        views=3,
        epochs=2,
        batch_photos=4,
        input_size=64,
        workers=1,
        warmup_steps=1,
    )
    return replace(cfg, **changes)


def test_tiny_training_run_exports_resumes_and_cancels(tmp_path: Path, train_photos: Path) -> None:
    from engine.model.weights import build_network, load_spec, verify_model_id

    cfg = tiny_config(train_photos, tmp_path / "run", stop_epoch=1)
    seen: list[tuple[str, int, int]] = []
    first = train(cfg, Progress(lambda *a: seen.append(a)))
    assert any(phase == Phase.TRAINING for phase, _, _ in seen)
    assert len(first.history) == 1
    spec = load_spec(first.model_dir)
    verify_model_id(spec)
    assert spec.input_size == 64 and spec.embedding_dim == 256
    build_network(spec)  # strict load of the exported state dict
    saved = torch.load(tmp_path / "run" / "checkpoint.pt", weights_only=True)
    assert saved["scheduler"]["last_epoch"] == saved["state"]["step"] == first.history[0]["step"]
    # a checkpoint from before the scheduler object (none saved, the last lr in the optimiser) resumes alike
    shutil.copytree(tmp_path / "run", tmp_path / "old")
    del saved["scheduler"]
    torch.save(saved, tmp_path / "old" / "checkpoint.pt")
    # resume finishes the second epoch from the checkpoint, reusing the feature cache
    second = train(replace(cfg, stop_epoch=None), resume=True)
    assert [h["epoch"] for h in second.history] == [1, 2]
    old = train(replace(cfg, stop_epoch=None, out=str(tmp_path / "old")), resume=True)
    assert [h["loss"] for h in old.history] == [h["loss"] for h in second.history]
    # a cancel keeps a checkpoint and raises
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        train(
            replace(cfg, out=str(tmp_path / "run3"), cache_dir=str(tmp_path / "run" / "cache")), Progress(token=token)
        )
    assert (tmp_path / "run3" / "checkpoint.pt").exists()


def test_tiny_instance_run_with_halves_memory_and_neighbour_batches(tmp_path: Path, train_photos: Path) -> None:
    """The v2 recipe's parts end to end: halves as instances, aspect-kept input, InfoNCE with a memory and the
    KoLeo term, batches from a nearest-neighbour pass; the export records the input mode and a threshold that
    reaches the precision target on the held-out pairs."""
    from engine.model.weights import load_spec

    cfg = tiny_config(
        train_photos,
        tmp_path / "run",
        max_photos=16,
        val_views=3,
        loss="infonce",
        memory=16,
        memory_start=1,
        koleo=0.1,
        neighbour_batches=True,
        cluster=2,
        halves=0.5,
        input_mode="pad",
        precision_target=0.995,
    )
    result = train(cfg)
    assert [h["epoch"] for h in result.history] == [1, 2]
    assert all(math.isfinite(h["loss"]) and h["loss"] > 0 for h in result.history)
    spec = load_spec(result.model_dir)
    assert spec.input_mode == "pad"
    val = spec.extra["validation"]
    assert val["precision_target"] == 0.995
    assert val["threshold_precision"] >= 0.995 or val["threshold_recall"] == 1.0
