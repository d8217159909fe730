"""Whole-scan throughput of the bundled model against the first one (v1), in one run: issue 9's "throughput not
lower than today's" check. Cold scans (no cache), decoding, inference, search and verification included, the
configurations alternating so a load change on the shared machine hits all: v1 and v2 on OpenVINO, v2 without the
geometric check (``scan --no-verify``) and, with ``--torch``, v1 on torch (the runtime it shipped with).

    python bench/bench_model_speed.py [--bench dev-seed1] [--rounds 2] [--torch] [--write]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from engine.runtime import quiet_openmp  # noqa: E402

quiet_openmp()

from bench.bench_model import v1_dir  # noqa: E402
from bench.benches import ensure_bench  # noqa: E402
from bench.common import table, write_section  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    from engine.model.weights import load_spec
    from engine.scan import scan
    from engine.settings import ScanSettings

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bench", default="dev-seed1")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--write", action="store_true")
    ap.add_argument("--torch", action="store_true", help="also v1 on torch, the runtime v1 shipped with")
    a = ap.parse_args(argv)
    b = ensure_bench(a.bench)
    specs = {"v1": load_spec(v1_dir()), "bundled": load_spec(None)}
    # (row name, model, backend, geometric check)
    configs = [("v1", "v1", "openvino", True), ("bundled", "bundled", "openvino", True)]
    configs.append(("bundled --no-verify", "bundled", "openvino", False))
    if a.torch:
        configs.append(("v1 on torch", "v1", "torch", True))
    times: dict[str, list[dict[str, float]]] = {c[0]: [] for c in configs}
    for _ in range(a.rounds):
        for name, model, backend, verify in configs:
            settings = ScanSettings(
                roots=(str(b.images),), use_cache=False, use_labels=False, backend=backend, device="cpu", verify=verify
            )
            t0 = time.perf_counter()
            result = scan(settings, spec=specs[model])
            wall = time.perf_counter() - t0
            times[name].append({"wall": wall, **result.stats["timings"], "images": result.stats["images"]})
            print(name, f"{wall:.1f} s", result.stats["timings"], flush=True)
    rows = []
    for name, model, backend, _ in configs:
        best = min(times[name], key=lambda r: r["wall"])
        rows.append(
            [
                name,
                specs[model].model_id,
                backend,
                f"{best['wall']:.1f}",
                f"{best['images'] / best['wall']:.0f}",
                f"{best['embed']:.1f}",
                f"{best['search']:.1f}",
            ]
        )

    def best(name: str) -> float:
        return min(r["wall"] for r in times[name])

    text = table(rows, ["scan", "model id", "runtime", "best wall s", "images/s", "embed s", "search + verify s"])
    text += f"\n\nBest of {a.rounds} each, configurations alternating. Scan time / v1's on OpenVINO: "
    text += ", ".join(f"{name} {best(name) / best('v1'):.2f}" for name in times if name != "v1") + "."
    print(text)
    if a.write:
        cmd = "python bench/bench_model_speed.py " + " ".join(argv if argv is not None else sys.argv[1:])
        write_section("Model v2 scan speed against v1 (issue 9)", text, cmd.strip())
    return 0


if __name__ == "__main__":
    sys.exit(main())
