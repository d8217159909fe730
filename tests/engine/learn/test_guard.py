"""The guard set (engine/learn/guard.py): the shipped photos, the threshold rule, the check and the sure level."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest
from PIL import Image

from engine.learn import guard
from engine.learn.guard import GuardPairs, GuardScores, fit_threshold, measure, verdict
from engine.model.weights import Calibration, load_spec
from engine.settings import sure_threshold_for

CAL = Calibration(10.0, 0.5)


def _pairs(same: list[bool]) -> GuardPairs:
    n = len(same)
    return GuardPairs(np.arange(n), np.arange(n) + 1, np.array(same), np.zeros(n, dtype=bool))


def _reference(false_pairs: int, found: int, copies: int) -> GuardScores:
    return GuardScores(0.9, false_pairs, 0, found, copies, 0.9)


# ------------------------------------------------------------------------------------------------ the shipped set
def test_the_guard_set_ships_small_and_labelled() -> None:
    g = guard.load_guard()
    pairs = g.pairs()
    assert len(g.paths) == 128 and int(pairs.same.sum()) == 90  # 30 photos x (original + 2 copies)
    assert int(pairs.half.sum()) == 8 and not (pairs.half & pairs.same).any()  # halves are different photos
    sizes = []
    for p in g.paths:
        with Image.open(p) as im:
            im.load()  # decodes: no broken file ships
            sizes.append(max(im.size))
    assert max(sizes) <= 256
    folder = guard.guard_dir()
    assert sum(f.stat().st_size for f in folder.rglob("*") if f.is_file()) < 3 * 2**20
    assert "CC0" in (folder / "ATTRIBUTION.md").read_text(encoding="utf-8")
    copies = [e for e in g.edits if e]
    hard = {"crop_hard", "phone_crop", "screenshot", "watermark", "tilt", "letterbox_wide"}
    assert len(copies) == 60 and sum(bool(e & hard) for e in copies) >= 20  # ordinary and hard edits


def test_a_rejected_kind_of_copy_leaves_the_check() -> None:
    g = guard.load_guard()
    gray = {k for k, e in enumerate(g.edits) if "grayscale" in e}
    assert gray  # the set has grayscale copies
    all_pairs, less = g.pairs(), g.pairs(["grayscale"])
    gone = {(int(i), int(j)) for i, j, s in zip(all_pairs.i, all_pairs.j, all_pairs.same) if s and {i, j} & gray}
    kept = {(int(i), int(j)) for i, j in zip(less.i, less.j)}
    assert gone and not gone & kept
    assert int(less.same.sum()) == 90 - len(gone) and int((~less.same).sum()) == int((~all_pairs.same).sum())


# ------------------------------------------------------------------------------------------------ the rules
def test_threshold_goes_where_no_more_look_alikes_are_joined() -> None:
    # ranked by distance: 3 copies, a false pair, 2 copies, a false pair, the rest
    dist = np.array([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8])
    same = [True, True, True, False, True, True, False, True]
    ref = _reference(false_pairs=0, found=3, copies=6)
    t = fit_threshold(dist, np.array(same), ref, 0.995)
    assert t == pytest.approx(0.35)  # halfway between the last copy kept and the first false pair
    got = measure(dist, _pairs(same), CAL, CAL.score(t))
    assert (got.false_pairs, got.copies_found) == (0, 3)
    # the bundled model makes one false pair itself: one is allowed, the next is not
    assert fit_threshold(dist, np.array(same), _reference(1, 5, 6), 0.995) == pytest.approx(0.65)


def test_threshold_keeps_the_precision_target_when_the_bundled_model_meets_it() -> None:
    dist = np.array([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7])
    same = np.array([True, False, True, True, True, False, True])
    meets = _reference(1, 9, 10)  # precision 0.9
    assert fit_threshold(dist, same, meets, 0.9) == pytest.approx(0.15)  # 4 of 5 is below 0.9
    short = _reference(1, 4, 10)  # precision 0.8, below the target: its own false pairs are the bar
    assert fit_threshold(dist, same, short, 0.9) == pytest.approx(0.55)


def test_the_same_model_passes_and_a_model_that_joins_look_alikes_does_not() -> None:
    rng = np.random.default_rng(0)
    same = np.r_[np.ones(20, bool), np.zeros(200, bool)]
    base = np.where(same, rng.uniform(0.1, 0.5, len(same)), rng.uniform(0.45, 1.2, len(same)))
    pairs = _pairs(same.tolist())
    ref = measure(base, pairs, CAL, 0.6)  # the bundled threshold sits at distance 0.46
    t = CAL.score(fit_threshold(base, same, ref, 0.995))
    v = verdict(base, pairs, ref, measure(base, pairs, CAL, t))
    assert v.passed and v.candidate.copies_found >= ref.copies_found and v.reason() == ""

    joined = base.copy()
    joined[~same & (base < 0.7)] -= 0.35  # look-alikes pulled in among the copies
    cand = measure(joined, pairs, CAL, CAL.score(fit_threshold(joined, same, ref, 0.995)))
    v = verdict(joined, pairs, ref, cand)
    assert not v.passed and cand.false_pairs <= ref.false_pairs  # the rule keeps them apart ...
    assert cand.copies_found < ref.copies_found  # ... at the cost of copies
    assert v.reason().startswith(f"it joins {v.joined_at_reference_recall - ref.false_pairs} pairs of different")
    assert "which the bundled model keeps apart" in v.reason()

    lost = base.copy()
    lost[same] += 0.8  # copies pushed out, look-alikes left alone
    cand = measure(lost, pairs, CAL, CAL.score(fit_threshold(lost, same, ref, 0.995)))
    assert not verdict(lost, pairs, ref, cand).passed


def test_more_false_pairs_at_its_threshold_fail_even_with_more_copies() -> None:
    ref = _reference(false_pairs=1, found=10, copies=20)
    cand = replace(ref, false_pairs=2, copies_found=15)
    v = guard.GuardVerdict(ref, cand, joined_at_reference_recall=2)
    assert not v.passed and v.reason().startswith("it joins 1 pair of different photos")
    assert guard.GuardVerdict(ref, replace(ref, copies_found=10), 1).passed  # equal is no loss


def test_calibration_puts_the_bundled_threshold_at_the_chosen_distance() -> None:
    bundled = Calibration(17.5, 0.51)
    cal = guard.calibration_at(bundled, 0.3, 0.89)
    assert cal.scale == bundled.scale and cal.score(0.3) == pytest.approx(0.89)
    far = guard.calibration_at(bundled, 1.95, 0.89)  # model.json allows offsets from 0 to 2
    assert far.offset == 2.0 and far.scale > 0 and far.score(1.95) == pytest.approx(0.89)
    low = guard.calibration_at(bundled, 0.01, 0.3)  # a threshold below 0.5 sits past the offset
    assert low.offset == 0.0 and low.scale > 0 and low.score(0.01) == pytest.approx(0.3)


def test_precision_target_comes_from_the_bundled_model_json() -> None:
    spec = load_spec(None)
    assert guard.precision_target(replace(spec, extra={"validation": {"precision_target": 0.99}})) == 0.99
    assert guard.precision_target(replace(spec, extra={})) == guard.DEFAULT_PRECISION_TARGET == 0.995
    assert guard.precision_target(replace(spec, extra={"validation": {"precision_target": "high"}})) == 0.995


@pytest.mark.parametrize("fraction", [None, 0.7])
def test_sure_level_sits_at_the_same_place(fraction) -> None:
    spec = load_spec(None)
    declared = None if fraction is None else spec.threshold + fraction * (1 - spec.threshold)
    bundled = replace(spec, sure_threshold=declared)
    same = guard.sure_for(bundled, bundled.calibration, bundled.threshold)
    assert same == pytest.approx(sure_threshold_for(bundled.threshold, declared), abs=1e-9)
    cal = Calibration(40.0, 0.7)
    sure = guard.sure_for(bundled, cal, 0.6)
    b = bundled.calibration
    ratio = b.distance_for(sure_threshold_for(bundled.threshold, declared)) / b.distance_for(bundled.threshold)
    assert cal.distance_for(sure) == pytest.approx(ratio * cal.distance_for(0.6), rel=1e-6)
    assert 0.6 < sure < 1.0


def test_a_missing_guard_set_is_a_model_error(tmp_path) -> None:
    from engine.model.weights import ModelError

    with pytest.raises(ModelError, match="guard set"):
        guard.load_guard(tmp_path)
    (tmp_path / "groups.json").write_text(json.dumps({}))
    (tmp_path / "manifest.csv").write_text("path,group,transform,params,source\n")
    with pytest.raises(ModelError, match="empty"):
        guard.load_guard(tmp_path)


def test_cli_prints_the_bundled_models_guard_numbers(capsys) -> None:
    from engine.cli import main

    assert main(["models", "guard"]) == 0
    out = capsys.readouterr().out
    spec = load_spec(None)
    assert spec.model_id in out and "false pairs" in out and "/90 copy pairs found" in out
