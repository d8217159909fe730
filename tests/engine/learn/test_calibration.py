"""engine.learn.calibration: pair distances, AP, the threshold choice and the sigmoid fit, on numbers worked by hand."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from engine.learn.calibration import average_precision, best_f1, choose_threshold, fit_calibration, pair_distances
from engine.model.weights import Calibration

REPO = Path(__file__).resolve().parents[3]


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


def test_pair_distances_list_each_unordered_pair_once() -> None:
    emb = np.array([[0, 0], [3, 4], [0, 1]], np.float32)
    d, same = pair_distances(emb, np.array([7, 7, 8]))
    np.testing.assert_allclose(d, [5.0, 1.0, np.sqrt(18)], rtol=1e-6)  # (0,1) (0,2) (1,2)
    assert same.tolist() == [True, False, False]


def test_best_f1_and_the_precision_floor() -> None:
    # ranked by distance: hit, hit, miss, hit, miss
    dist = np.array([0.1, 0.2, 0.3, 0.4, 0.5])
    same = np.array([1, 1, 0, 1, 0], bool)
    f1, p, r, t = best_f1(dist, same)
    assert (p, r, t) == (pytest.approx(3 / 4), 1.0, 0.4) and f1 == pytest.approx(2 * 0.75 / 1.75)
    # a cut with precision 1 exists (the first two): the floor prefers it over the better-F1 cut at 0.4
    t_dist, t_f1, t_p, t_r = choose_threshold(dist, same, min_precision=0.99)
    assert (t_dist, t_p, t_r) == (0.2, 1.0, pytest.approx(2 / 3))
    # no cut is that precise: the plain best-F1 cut
    assert choose_threshold(dist, ~same, min_precision=0.99)[0] == best_f1(dist, ~same)[3]


def test_needs_numpy_only() -> None:
    """The GUI and the benchmarks may use it without loading torch (as its docstring promises)."""
    code = "import sys, engine.learn.calibration; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
