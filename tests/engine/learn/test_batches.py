"""Which instances share a batch and which views form a pair (engine/learn/batches.py)."""

from __future__ import annotations

import numpy as np
import torch
from torch.nn import functional as F

from engine.learn.batches import cut_mask, nearest_neighbours, neighbour_batches, random_batches, view_pairs


def test_two_cuts_of_one_picture_are_never_a_pair() -> None:
    families = [["clean", "crop", "phone_crop+grayscale", "colour"]] * 200
    cuts = cut_mask(families)
    assert cuts[0].tolist() == [False, True, True, False]
    for epoch in range(5):
        v1, v2 = view_pairs(0, epoch, cuts)
        rows = np.arange(len(cuts))
        assert (v1 != v2).all()
        assert not (cuts[rows, v1] & cuts[rows, v2]).any()
    # without the rule, two cuts would have met: the draw does produce such pairs before the fix-up
    rng = np.random.default_rng([0, 0, 1])
    raw1 = np.where(rng.random(200) < 0.5, 0, rng.integers(1, 4, 200))
    raw2 = (raw1 + rng.integers(1, 4, 200)) % 4
    assert (cuts[np.arange(200), raw1] & cuts[np.arange(200), raw2]).any()


def test_random_batches_cover_each_instance_at_most_once() -> None:
    batches = random_batches(0, 3, 103, 10)
    flat = np.concatenate(batches)
    assert len(batches) == 10 and len(flat) == 100 and len(set(flat.tolist())) == 100


def test_neighbour_batches_put_look_alikes_together() -> None:
    torch.manual_seed(0)
    centres = F.normalize(torch.randn(16, 32), dim=1)
    # 16 tight clusters of 4 look-alikes each, shuffled
    emb = F.normalize(centres.repeat_interleave(4, 0) + 0.05 * torch.randn(64, 32), dim=1)
    perm = torch.randperm(64)
    emb, cluster_of = emb[perm], torch.arange(16).repeat_interleave(4)[perm].numpy()
    nn = nearest_neighbours(emb, 3)
    assert (cluster_of[nn] == cluster_of[:, None]).mean() > 0.95
    batches = neighbour_batches(emb, seed=0, epoch=0, size=8, cluster=4)
    flat = np.concatenate(batches)
    assert len(set(flat.tolist())) == len(flat) == 64
    # each batch of 8 holds two whole clusters: every member meets its look-alikes
    together = [len(set(cluster_of[b].tolist())) for b in batches]
    assert np.mean(together) <= 3
    random = [len(set(cluster_of[b].tolist())) for b in random_batches(0, 0, 64, 8)]
    assert np.mean(random) > np.mean(together)
