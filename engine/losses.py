"""Siamese losses and in-batch mining, taking their parts (distance, margin, miner) as arguments."""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn
from torch.nn import functional as F


# ================================================================================================ distances
def euclidean(x: torch.Tensor) -> torch.Tensor:
    """Pairwise Euclidean distances of the rows of ``x`` (N x N)."""
    return squared_euclidean(x).clamp_min(1e-12).sqrt()


def squared_euclidean(x: torch.Tensor) -> torch.Tensor:
    sq = (x * x).sum(1)
    return (sq[:, None] + sq[None, :] - 2 * x @ x.T).clamp_min(0)


# ================================================================================================ miners
Miner = Callable[[torch.Tensor, torch.Tensor, float], tuple[torch.Tensor, torch.Tensor, torch.Tensor]]


def _positive_pairs(labels: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    same = labels[:, None] == labels[None, :]
    same.fill_diagonal_(False)
    return same.nonzero(as_tuple=True)


def hard_miner(dist: torch.Tensor, labels: torch.Tensor, margin: float):
    """Every ordered positive pair (a, p) with the closest negative of a in the batch."""
    a, p = _positive_pairs(labels)
    neg = labels[:, None] != labels[None, :]
    d = dist.detach().masked_fill(~neg, float("inf"))
    return a, p, d[a].argmin(1)


def semihard_miner(dist: torch.Tensor, labels: torch.Tensor, margin: float):
    """FaceNet's semi-hard negatives: the closest negative farther than the positive; the hardest if none is."""
    a, p = _positive_pairs(labels)
    neg = labels[:, None] != labels[None, :]
    d = dist.detach()
    d_an = d[a].masked_fill(~neg[a], float("inf"))  # P x N
    d_ap = d[a, p][:, None]
    semi = d_an.masked_fill(d_an <= d_ap, float("inf"))
    n_semi = semi.argmin(1)
    n_hard = d_an.argmin(1)
    has_semi = torch.isfinite(semi.gather(1, n_semi[:, None]))[:, 0]
    return a, p, torch.where(has_semi, n_semi, n_hard)


MINERS: dict[str, Miner] = {"hard": hard_miner, "semihard": semihard_miner}


# ================================================================================================ losses
class TripletLoss(nn.Module):
    """mean over mined triplets of max(||a-p||^2 - ||a-n||^2 + alpha, 0)."""

    def __init__(self, margin: float = 0.2, distance=squared_euclidean, miner: Miner = semihard_miner) -> None:
        super().__init__()
        self.margin, self.distance, self.miner = margin, distance, miner

    def forward(self, emb: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        d = self.distance(emb)
        a, p, n = self.miner(d, labels, self.margin)
        return F.relu(d[a, p] - d[a, n] + self.margin).mean()


class ContrastiveLoss(nn.Module):
    """mean over pairs of (1-Y)/2 D^2 + Y/2 max(0, m-D)^2, Y = 1 for a dissimilar pair.

    Pairs: every positive pair in the batch and, for each of them, the negative the miner picks for its anchor.
    """

    def __init__(self, margin: float = 1.0, distance=euclidean, miner: Miner = semihard_miner) -> None:
        super().__init__()
        self.margin, self.distance, self.miner = margin, distance, miner

    def forward(self, emb: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        d = self.distance(emb)
        a, p, n = self.miner(d, labels, self.margin)
        d_pos, d_neg = d[a, p], d[a, n]
        dist = torch.cat([d_pos, d_neg])
        y = torch.cat([torch.zeros_like(d_pos), torch.ones_like(d_neg)])
        return ((1 - y) * 0.5 * dist**2 + y * 0.5 * F.relu(self.margin - dist) ** 2).mean()


def make_loss(name: str, mining: str = "semihard", margin: float | None = None) -> nn.Module:
    miner = MINERS[mining]
    if name == "triplet":
        return TripletLoss(0.2 if margin is None else margin, squared_euclidean, miner)
    if name == "contrastive":
        return ContrastiveLoss(1.0 if margin is None else margin, euclidean, miner)
    raise ValueError(f"unknown loss {name!r} (triplet or contrastive)")
