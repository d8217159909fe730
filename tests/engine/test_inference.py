"""The decode/inference pipeline: overlapping, bounded in memory, and cancellable."""

from __future__ import annotations

import threading
import weakref

import numpy as np
import pytest

from engine.model import inference
from engine.model.inference import Embedder
from engine.model.weights import load_spec
from engine.progress import Cancelled, CancelToken, Progress
from engine.results import FileEntry, ImageInfo


class Image(np.ndarray):
    """A decoded image the test can watch die (plain ndarrays cannot be weakly referenced with a callback)."""


class Counting:
    """Fake decoder and runtime: counts decoded images alive, and the most alive at any moment."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.lock = threading.Lock()
        self.alive = 0
        self.peak = 0
        self.batches: list[int] = []

    def _gone(self) -> None:
        with self.lock:
            self.alive -= 1

    def load(self, path: str, size: int, mode: str = "squash"):
        im = np.zeros((size, size, 3), np.uint8).view(Image)
        with self.lock:
            self.alive += 1
            self.peak = max(self.peak, self.alive)
        weakref.finalize(im, self._gone)
        return im, ImageInfo(size, size, "JPEG", None, None)

    def embed(self, images) -> np.ndarray:
        self.batches.append(len(images))
        with self.lock:
            self.peak = max(self.peak, self.alive)
        return np.zeros((len(images), 4), np.float32)


@pytest.fixture
def counting(monkeypatch):
    spec = load_spec()
    c = Counting(spec.input_size)
    monkeypatch.setattr(inference, "load_for_model", c.load)
    emb = Embedder.__new__(Embedder)  # no network: the pipeline alone is under test
    emb.spec, emb.runner = spec, None
    emb.embed_images = c.embed
    return emb, c


@pytest.mark.parametrize(("batch", "workers"), [(8, 2), (8, 1), (3, 4), (1, 2)])
def test_never_more_than_two_batches_of_decoded_images(counting, batch, workers) -> None:
    emb, c = counting
    entries = [FileEntry(f"/x/{k}.jpg", 1, 1) for k in range(101)]
    done = 0
    for ok, failed in emb.embed_files(entries, batch_size=batch, workers=workers):
        done += len(ok) + len(failed)
        assert c.peak <= 2 * batch, (c.peak, batch)
    assert done == 101 and sum(c.batches) == 101
    assert max(c.batches) == batch
    assert c.peak <= 2 * batch


def test_the_next_batch_decodes_while_one_is_in_inference(counting) -> None:
    """Overlap: while batch k is being embedded, batch k+1 is already decoding (or decoded)."""
    emb, c = counting
    seen_ahead = []
    inner = c.embed

    def slow_embed(images):
        # inference takes a while; wait (up to 5 s) for the decoders to finish the next batch meanwhile
        tick = threading.Event()
        for _ in range(500):
            with c.lock:
                ahead = c.alive - len(images)
            if ahead >= 8:
                break
            tick.wait(0.01)
        seen_ahead.append(ahead)
        return inner(images)

    emb.embed_images = slow_embed
    entries = [FileEntry(f"/x/{k}.jpg", 1, 1) for k in range(40)]
    list(emb.embed_files(entries, batch_size=8, workers=2))
    assert seen_ahead[:-1] == [8, 8, 8, 8]  # the whole next batch was decoded during inference, and no more
    assert c.peak <= 16


def test_cancel_stops_within_a_batch(counting) -> None:
    emb, c = counting
    token = CancelToken()
    entries = [FileEntry(f"/x/{k}.jpg", 1, 1) for k in range(200)]
    got = 0
    with pytest.raises(Cancelled):
        for ok, _ in emb.embed_files(entries, Progress(token=token), batch_size=8):
            got += len(ok)
            token.cancel()
    assert got == 8
