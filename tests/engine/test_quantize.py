"""INT8 calibration photos are decoded as the scan decodes them for the model in question."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
from PIL import Image

from engine.model.quantize import calibration_images
from engine.model.weights import load_spec


def test_calibration_images_follow_the_models_input_mode(tmp_path: Path) -> None:
    wide = tmp_path / "wide.png"
    Image.new("RGB", (400, 100), (250, 20, 20)).save(wide)
    spec = load_spec(None)
    padded = calibration_images([wide], replace(spec, input_mode="pad"), count=1)
    squashed = calibration_images([wide], replace(spec, input_mode="squash"), count=1)
    size = spec.input_size
    assert padded.shape == squashed.shape == (1, size, size, 3)
    assert tuple(padded[0, 0, size // 2]) == (127, 127, 127)  # grey bar above the wide picture
    assert tuple(squashed[0, 0, size // 2]) == (250, 20, 20)  # the picture fills the square
    assert np.array_equal(padded[0, size // 2, size // 2], squashed[0, size // 2, size // 2])
