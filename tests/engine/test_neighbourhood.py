"""Scoring against the neighbourhood: a pair inside a crowd of look-alikes is lowered, a lone copy pair is not."""

from __future__ import annotations

import numpy as np
import pytest

from engine import index
from engine.neighbourhood import Neighbourhood, density


def _unit(x: np.ndarray) -> np.ndarray:
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def _library(seed: int = 0) -> np.ndarray:
    """12 look-alikes (twelve bedrooms: cosine ~0.9 to each other), one copy pair far from everything, and
    30 unrelated photos."""
    rng = np.random.default_rng(seed)
    room = rng.normal(size=64)
    bedrooms = _unit(room + 0.33 * np.linalg.norm(room) / 8 * rng.normal(size=(12, 64)))
    photo = rng.normal(size=64)
    copy_pair = _unit(np.stack([photo, photo + 0.25 * np.linalg.norm(photo) / 8 * rng.normal(size=64)]))
    others = _unit(rng.normal(size=(30, 64)))
    return np.concatenate([bedrooms, copy_pair, others])


def test_a_crowded_pair_is_lowered_and_a_lone_copy_pair_is_left_alone() -> None:
    vec = _library()
    nb = Neighbourhood(k=6, beta=1.0, s0=0.6)
    i, j, d = index.nearest_pairs(vec, 16, nb.search_distance())
    norm = nb.apply(len(vec), i, j, d)
    pairs = {(a, b): (x, y) for a, b, x, y in zip(i.tolist(), j.tolist(), d.tolist(), norm.tolist())}
    crowd = [(a, b) for (a, b) in pairs if a < 12 and b < 12]
    assert crowd and all(pairs[p][1] > pairs[p][0] + 0.05 for p in crowd)
    lone = pairs[(12, 13)]
    assert lone[1] == pytest.approx(lone[0], abs=1e-6)
    # the copy pair was closer than the bedrooms before and stays so, by a wider gap
    assert lone[1] < min(pairs[p][1] for p in crowd)


def test_density_is_the_kth_neighbour_among_the_listed_pairs() -> None:
    vec = _library(1)
    i, j, d = index.nearest_pairs(vec, 16, 2.0)
    dens = density(len(vec), i, j, d, 3)
    sim = vec @ vec.T
    np.fill_diagonal(sim, -2)
    expect = -np.sort(-sim, axis=1)[:, 2]
    assert dens == pytest.approx(expect, abs=1e-5)
    # with fewer than k listed neighbours the density is unknown (-1): nothing is lowered
    assert (density(3, np.array([0]), np.array([1]), np.array([0.1]), 2) == -1).all()


@pytest.mark.parametrize(
    "raw",
    [{"k": 0, "beta": 1, "s0": 0.5}, {"k": 6, "beta": -1, "s0": 0.5}, {"k": 6, "beta": 1}, "near", {"k": 6.5}],
)
def test_bad_parameters_are_refused(raw: object) -> None:
    with pytest.raises(ValueError):
        Neighbourhood.from_json(raw)
    assert Neighbourhood.from_json(None) is None
    nb = Neighbourhood.from_json({"k": 8, "beta": 0.5, "s0": 0.7})
    assert nb is not None and nb.to_json() == {"k": 8, "beta": 0.5, "s0": 0.7}
