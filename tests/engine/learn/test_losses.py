"""engine.learn.losses: the formulas, the miners, and one contrastive loss for mined and explicit pairs."""

from __future__ import annotations

import pytest
import torch

from engine.learn.losses import (
    EUCLIDEAN,
    SQUARED_EUCLIDEAN,
    ContrastiveLoss,
    Pairs,
    TripletLoss,
    Triplets,
    euclidean,
    hard_miner,
    make_loss,
    semihard_miner,
    squared_euclidean,
)


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
    a, b = torch.tensor([0, 1, 5]), torch.tensor([3, 1, 2])
    assert torch.allclose(EUCLIDEAN.pairs(x, a, b), euclidean(x)[a, b], atol=1e-3)
    assert torch.allclose(SQUARED_EUCLIDEAN.pairs(x, a, b), squared_euclidean(x)[a, b], atol=1e-4)


def test_explicit_pairs_score_as_the_formula_says() -> None:
    """Fine-tuning's use: the user's pairs, no miner. Y = 1 (dissimilar) costs max(0, m - D)^2 / 2."""
    emb = torch.tensor([[0.0, 0.0], [0.3, 0.4], [0.0, 2.0], [0.6, 0.8]])
    pairs = Pairs.labelled([0, 0, 1], [1, 2, 3], [1, 0, 0])  # (0,1) same at D 0.5; (0,2) at 2; (1,3) at 0.5
    assert pairs.pos_a.tolist() == [0] and pairs.neg_b.tolist() == [2, 3]
    pos, neg = 0.5 * 0.5**2, [0.0, 0.5 * (1.0 - 0.5) ** 2]
    loss = ContrastiveLoss(margin=1.0, miner=None)
    assert loss(emb, indices=pairs).item() == pytest.approx((pos + sum(neg)) / 3)
    balanced = ContrastiveLoss(margin=1.0, miner=None, reduction="balanced")
    assert balanced(emb, indices=pairs).item() == pytest.approx((pos + sum(neg) / 2) / 2)


def test_mined_triplets_and_the_same_explicit_pairs_give_the_same_loss() -> None:
    """One implementation: what the miner picks, passed in by hand, is scored exactly alike."""
    torch.manual_seed(0)
    emb = torch.nn.functional.normalize(torch.randn(8, 5), dim=1)
    labels = torch.arange(4).repeat(2)
    loss = ContrastiveLoss(margin=0.8, miner=semihard_miner)
    mined = semihard_miner(EUCLIDEAN.matrix(emb), labels)
    explicit = Pairs(mined.a, mined.p, mined.a, mined.n)
    assert loss(emb, labels).item() == pytest.approx(loss(emb, indices=explicit).item(), abs=1e-6)
    assert loss(emb, indices=mined).item() == pytest.approx(loss(emb, labels).item(), abs=1e-6)


def test_gradients_pull_positives_together_and_push_negatives_apart() -> None:
    emb = torch.tensor([[0.0, 0.0], [0.3, 0.0], [0.5, 0.0]], requires_grad=True)
    pairs = Pairs.labelled([0, 0], [1, 2], [1, 0])
    ContrastiveLoss(margin=1.0, miner=None)(emb, indices=pairs).backward()
    assert emb.grad is not None
    assert emb.grad[1, 0] > 0  # gradient descent moves the positive towards 0 (left)
    assert emb.grad[2, 0] < 0  # and the negative away from 0 (right)


def test_a_loss_needs_labels_or_pairs_and_triplet_needs_triplets() -> None:
    emb = torch.randn(4, 3)
    with pytest.raises(ValueError, match="labels and a miner"):
        ContrastiveLoss(miner=None)(emb, torch.tensor([0, 0, 1, 1]))
    with pytest.raises(TypeError, match="triplets"):
        TripletLoss()(emb, indices=Pairs.labelled([0], [1], [1]))
    assert isinstance(hard_miner(EUCLIDEAN.matrix(emb), torch.tensor([0, 0, 1, 1])), Triplets)


@pytest.mark.parametrize(
    ("name", "cls", "margin"), [("triplet", TripletLoss, 0.2), ("contrastive", ContrastiveLoss, 1.0)]
)
def test_make_loss_defaults_and_unknown_names(name: str, cls: type, margin: float) -> None:
    loss = make_loss(name, "hard")
    assert isinstance(loss, cls) and loss.margin == margin and loss.miner is hard_miner
    assert make_loss(name, "semihard", 0.7).margin == 0.7
    with pytest.raises(ValueError, match="unknown loss"):
        make_loss("arcface")
    with pytest.raises(ValueError, match="unknown mining"):
        make_loss(name, "random")


def test_infonce_matches_formula_and_ignores_memory_of_the_same_picture() -> None:
    from engine.learn.losses import InfoNCELoss

    emb = torch.nn.functional.normalize(torch.tensor([[1.0, 0.1], [1.0, -0.1], [0.0, 1.0], [0.1, 1.0]]), dim=1)
    labels = torch.tensor([0, 0, 1, 1])
    t = 0.5
    loss = InfoNCELoss(t)(emb, labels)
    s = emb @ emb.T / t
    # anchor 0: positive 1, negatives 2 and 3
    terms = []
    for a, p, negs in ((0, 1, (2, 3)), (1, 0, (2, 3)), (2, 3, (0, 1)), (3, 2, (0, 1))):
        terms.append(torch.logsumexp(torch.stack([s[a, p], *(s[a, n] for n in negs)]), 0) - s[a, p])
    assert loss.item() == pytest.approx(torch.stack(terms).mean().item(), abs=1e-5)
    # for instance 0's anchors a memory entry of instance 0 counts for nothing; one of another instance, close to
    # them, raises their loss
    anchors_of_0 = Pairs.labelled([0, 1], [1, 0], [1, 1])
    alone = InfoNCELoss(t)(emb, labels, indices=anchors_of_0).item()
    same = (emb[:1].clone(), torch.tensor([0]))
    assert InfoNCELoss(t)(emb, labels, indices=anchors_of_0, memory=same).item() == pytest.approx(alone, abs=1e-6)
    other = (emb[:1].clone(), torch.tensor([7]))
    assert InfoNCELoss(t)(emb, labels, indices=anchors_of_0, memory=other).item() > alone + 0.01


def test_memory_is_a_ring_and_koleo_rewards_spread() -> None:
    from engine.learn.losses import EmbeddingMemory, koleo

    mem = EmbeddingMemory(4, 2)
    mem.push(torch.ones(3, 2), torch.tensor([1, 2, 3]))
    mem.push(2 * torch.ones(3, 2), torch.tensor([4, 5, 6]))
    emb, labels = mem.contents()
    assert len(mem) == 4 and sorted(labels.tolist()) == [3, 4, 5, 6]
    labels = torch.tensor([0, 1, 2, 3])
    crowded = torch.nn.functional.normalize(torch.tensor([[1.0, 0.0], [1.0, 0.05], [1.0, -0.05], [0.0, 1.0]]), dim=1)
    spread = torch.tensor([[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0], [0.0, -1.0]])
    assert koleo(spread, labels) < koleo(crowded, labels)
    # views of one picture are not each other's nearest "other" picture
    assert koleo(torch.cat([spread, spread]), labels.repeat(2)) == pytest.approx(koleo(spread, labels).item())
