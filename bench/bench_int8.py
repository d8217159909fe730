"""Issue 13, item 3: INT8 (NNCF post-training quantisation) against the f32 OpenVINO export, in one run.

    python bench/bench_int8.py [--model DIR] [--benches dev-seed1,wallpapers] [--calibration 300] [--write]

Quantises the model's export on ``--calibration`` photos from ``../shared/data/train`` (decoded as a scan
decodes them), then for each bench scans every file with f32 and with INT8 (no cache, min-score 0.05, the
model's threshold) and scores both pair lists with the shared evaluate.py. Speed: inference alone on one
decoded batch (best of 5, images/s) and the embedding stage of each scan (decoding included). INT8 ships only if
AP stays within 0.001 on every bench and it is faster. Needs ``pip install -e '.[quantize]'`` (nncf).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bench_model import evaluate  # noqa: E402
from bench.benches import ensure_bench  # noqa: E402
from bench.common import DATA, WORK, image_files, table, write_section  # noqa: E402

SECTION = "INT8 quantisation (issue 13)"
AP_TOLERANCE = 0.001


def scan_pairs(embedder, images: Path, out_csv: Path) -> float:
    """Pairs CSV of a cold, cacheless scan with ``embedder``; returns the embedding stage's images/s."""
    from engine.cli.scan import write_pairs_csv
    from engine.scan import scan
    from engine.settings import ScanSettings

    settings = ScanSettings(roots=(str(images),), use_cache=False, min_score=0.05)
    result = scan(settings, embedder=embedder)
    write_pairs_csv(result, str(out_csv))  # the same file `scan --pairs-csv` writes
    return result.stats["decoded"] / max(result.stats["timings"]["embed"], 1e-9)


def inference_rate(backend, batch: np.ndarray, repeats: int = 5) -> float:
    backend.embed_images(list(batch))  # warm-up
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        backend.embed_images(list(batch))
        best = min(best, time.perf_counter() - t0)
    return len(batch) / best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", metavar="DIR", help="model folder (default: the bundled model)")
    ap.add_argument("--benches", default="dev-seed1,wallpapers")
    ap.add_argument("--calibration", type=int, default=300, help="training photos to calibrate on")
    ap.add_argument("--write", action="store_true")
    args = ap.parse_args()
    os.environ.setdefault("DOPPEL_EXPORT_DIR", str(WORK / "openvino-exports"))
    from engine.model.inference import Embedder
    from engine.model.openvino_backend import OpenVINOBackend
    from engine.model.quantize import calibration_images, quantize_int8
    from engine.model.weights import load_spec

    spec = load_spec(args.model)
    t0 = time.perf_counter()
    calib = calibration_images(image_files(DATA / "train"), spec, args.calibration)
    q = quantize_int8(spec, calib)
    q_secs = time.perf_counter() - t0
    f32 = Embedder(spec, "cpu", "openvino")
    int8 = Embedder(spec, "cpu", "openvino")
    int8.runner = OpenVINOBackend(spec, q.xml)
    print(f"quantised on {len(calib)} photos in {q_secs:.0f} s; INT8 vs f32 max difference {q.max_error:.4f}")

    batch = calib[:32]
    rate = {"f32": inference_rate(f32.runner, batch), "int8": inference_rate(int8.runner, batch)}
    rows, ok, changes = [], True, []
    runs = WORK / "runs"
    runs.mkdir(parents=True, exist_ok=True)
    for name in args.benches.split(","):
        b = ensure_bench(name)
        images = b.images
        found = {}
        for label, emb in (("f32", f32), ("int8", int8)):
            pairs = runs / f"int8-{name}-{label}.csv"
            speed = scan_pairs(emb, images, pairs)
            ev = evaluate(b, pairs, spec.threshold, pairs.with_suffix(f".{label}.json"))
            found[label] = ev
            rows.append(
                [name, label, len(image_files(images))]
                + [f"{ev[k]:.4f}" for k in ("ap", "precision", "recall", "f1")]
                + [f"{speed:.1f}"]
            )
        ok &= abs(found["int8"]["ap"] - found["f32"]["ap"]) <= AP_TOLERANCE
        changes.append(
            f"{name} AP {found['int8']['ap'] - found['f32']['ap']:+.4f}, F1 at the threshold "
            f"{found['int8']['f1'] - found['f32']['f1']:+.4f}"
        )
    faster = rate["int8"] > rate["f32"]
    verdict = "ships" if ok and faster else "does not ship"
    body = [
        f"Model `{spec.model_id}`. INT8: NNCF {_version('nncf')} `quantize` (preset MIXED) on {len(calib)} "
        f"photos from `train/`, {q_secs:.0f} s; largest vector difference to f32 on the check batch "
        f"{q.max_error:.4f} (f32 equals torch within 1e-4).\n",
        table(rows, ["bench", "precision", "files", "AP", "P", "R", "F1", "embed stage images/s"]),
        f"\nInference alone, one batch of 32, best of 5: f32 **{rate['f32']:.1f}** images/s, INT8 "
        f"**{rate['int8']:.1f}** images/s ({rate['int8'] / rate['f32']:.2f}x).\n",
        f"Verdict: AP within {AP_TOLERANCE} on every bench: **{'yes' if ok else 'no'}**; faster: "
        f"**{'yes' if faster else 'no'}**; INT8 **{verdict}**. INT8 - f32: {'; '.join(changes)}.",
    ]
    print("\n".join(body))
    if args.write:
        write_section(SECTION, "\n".join(body), "python bench/bench_int8.py " + " ".join(sys.argv[1:]))


def _version(name: str) -> str:
    from importlib.metadata import version

    return version(name)


if __name__ == "__main__":
    main()
