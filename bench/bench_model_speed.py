"""Whole-scan throughput of the bundled model against the first one (v1), in one run: issue 9's "throughput not
lower than today's" check. Cold scans (no cache), decoding, inference, search and verification included, the two
models alternating so a load change on the shared machine hits both.

    python bench/bench_model_speed.py [--bench dev-seed1] [--rounds 2] [--write]
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
    a = ap.parse_args(argv)
    b = ensure_bench(a.bench)
    models = {"v1": load_spec(v1_dir()), "bundled": load_spec(None)}
    times: dict[str, list[dict[str, float]]] = {k: [] for k in models}
    for _ in range(a.rounds):
        for name, spec in models.items():
            settings = ScanSettings(roots=(str(b.images),), use_cache=False, use_labels=False)
            t0 = time.perf_counter()
            result = scan(settings, spec=spec)
            wall = time.perf_counter() - t0
            times[name].append({"wall": wall, **result.stats["timings"], "images": result.stats["images"]})
            print(name, f"{wall:.1f} s", result.stats["timings"], flush=True)
    rows = []
    for name, runs in times.items():
        best = min(runs, key=lambda r: r["wall"])
        rows.append(
            [
                name,
                models[name].model_id,
                f"{best['wall']:.1f}",
                f"{best['images'] / best['wall']:.0f}",
                f"{best['embed']:.1f}",
                f"{best['search']:.1f}",
            ]
        )
    ratio = min(r["wall"] for r in times["bundled"]) / min(r["wall"] for r in times["v1"])
    text = table(rows, ["model", "id", "best wall s", "images/s", "embed s", "search + verify s"])
    text += f"\n\nBundled / v1 scan time: {ratio:.2f} (best of {a.rounds} each, alternating)."
    print(text)
    if a.write:
        cmd = "python bench/bench_model_speed.py " + " ".join(argv if argv is not None else sys.argv[1:])
        write_section("Model v2 scan speed against v1 (issue 9)", text, cmd.strip())
    return 0


if __name__ == "__main__":
    sys.exit(main())
