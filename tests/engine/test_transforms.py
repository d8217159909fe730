"""engine.model.transforms.to_input: the one normalisation, driven by the model's spec, for every caller."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import torch

from engine.model.inference import Embedder
from engine.model.transforms import to_input
from engine.model.weights import LITE0_MEAN, LITE0_STD, load_spec


def test_values_and_layout() -> None:
    images = np.random.default_rng(0).integers(0, 256, (2, 5, 4, 3), dtype=np.uint8)
    x = to_input(images, 127.0, 128.0, torch.device("cpu"))
    assert x.shape == (2, 3, 5, 4) and x.dtype == torch.float32
    assert x.is_contiguous(memory_format=torch.channels_last)
    expect = (images.transpose(0, 3, 1, 2).astype(np.float32) - 127.0) / 128.0
    np.testing.assert_array_equal(x.numpy(), expect)
    scaled = to_input(images, 0.0, 255.0, torch.device("cpu")).numpy()
    np.testing.assert_array_equal(scaled, images.transpose(0, 3, 1, 2).astype(np.float32) / 255.0)


def test_the_embedder_follows_the_spec() -> None:
    bundled = load_spec(None)
    assert (bundled.mean, bundled.std) == (LITE0_MEAN, LITE0_STD)
    images = [np.full((8, 8, 3), 200, np.uint8)]
    other = replace(bundled, mean=100.0, std=50.0)
    assert Embedder(bundled, "cpu").preprocess(images)[0, 0, 0, 0].item() == (200 - LITE0_MEAN) / LITE0_STD
    assert Embedder(other, "cpu").preprocess(images)[0, 0, 0, 0].item() == (200 - 100.0) / 50.0
