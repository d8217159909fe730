"""INT8 post-training quantisation of an OpenVINO export with NNCF (``pip install -e '.[quantize]'``).

Not on the scan path: ``bench/bench_int8.py`` measures whether INT8 loses anything against f32 and is faster;
the engine serves f32 unless that comparison says otherwise (bench/RESULTS.md). INT8 vectors are not equal to
torch's, so serving them would need a cache model id of their own (``<model_id>-int8``).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from engine.model import export
from engine.model.weights import ModelSpec


def calibration_images(files: Sequence[str | Path], spec: ModelSpec, count: int = 300, seed: int = 0) -> np.ndarray:
    """``count`` photos decoded as a scan decodes them, (N, H, W, 3) uint8; unreadable files are left out."""
    from engine.imaging import DecodeError, load_for_model

    pool = list(files)
    random.Random(seed).shuffle(pool)
    out: list[np.ndarray] = []
    for f in pool:
        if len(out) >= count:
            break
        try:
            out.append(np.asarray(load_for_model(str(f), spec.input_size, spec.input_mode)[0], dtype=np.uint8))
        except DecodeError:
            continue
    return np.stack(out)


def quantize_int8(spec: ModelSpec, images: np.ndarray, batch: int = 1) -> export.ExportedModel:
    """An INT8 copy of the f32 export (``model-int8.xml`` beside it), calibrated on ``images``.

    ``max_error`` records its largest difference to the f32 export (itself within 1e-4 of torch) on the check
    batch: expect ~1e-2, never 1e-4.
    """
    import nncf
    import openvino as ov

    f32 = export.ensure_export(spec)
    model = ov.Core().read_model(f32.xml)
    data = nncf.Dataset([images[k : k + batch] for k in range(0, len(images), batch)])
    q = nncf.quantize(model, data, preset=nncf.QuantizationPreset.MIXED, subset_size=len(images))
    q.set_rt_info(spec.model_id, [export.RT_KEY, "model_id"])
    out = f32.xml.with_name(export.INT8_XML)
    ov.save_model(q, out, compress_to_fp16=False)
    check = export.check_batch(spec)
    reference = [np.asarray(export.compile_cpu(model)({0: check})[0])]
    err = export.max_difference(export.compile_cpu(q), reference, check)
    export.write_sidecar(out, spec, "int8", err)
    return export.ExportedModel(out, spec.model_id, "int8", err)
