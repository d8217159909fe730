"""Issue 13's benchmark: torch against OpenVINO on the CPU, each beside pHash on 2 processes, in one run.

    python bench/bench_backends.py [--model DIR] [--backends torch,openvino] [--camera 120] [--skip-dev]
                                   [--skip-camera] [--split] [--write]

Every engine figure is a fresh CLI process (``main.py scan``, no cache, start-up and model load included), as a
user would run it; the OpenVINO export is made before the timed runs (once per model id, like a first scan).

1. One photo: wall time of a scan of a folder holding one photo (median of 3).
2. 120 camera-size JPEGs (bench_scan.py's set): cold scan per backend, pHash on 2 processes, the decode floor.
3. The 3,000-file dev bench (seed 1): cold scan per backend (images/s, time / pHash's time) and AP/F1 from the
   shared evaluator, which must agree between backends to 3 decimals.
4. ``--split``: the decode/inference thread split on this machine (in process, OpenVINO threads x decode workers).

The machine is shared: compare ratios measured in the same run, not absolute figures across runs. ``--write``
puts the tables into bench/RESULTS.md (section "Backends: torch vs OpenVINO (issue 13)").
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bench_scan import decode_floor, make_camera_photos  # noqa: E402
from bench.common import (  # noqa: E402
    PY,
    REPO,
    WORK,
    build_bench,
    evaluate,
    image_files,
    phash_pairs,
    run_timed,
    table,
    write_section,
)

SECTION = "Backends: torch vs OpenVINO (issue 13)"
SPLITS = ((2, 2), (2, 1), (1, 1), (1, 2), (2, 3))  # (OpenVINO threads, decode workers)
ONE_PHOTO = REPO.parent / "shared/data/wallpapers/images/lomiri-wallpapers-16.04/Dragonfly_by_Bolly.jpg"


def cli_scan(
    root: Path, backend: str, model: str | None, pairs: Path | None = None, extra: tuple[str, ...] = ()
) -> float:
    cmd = [PY, str(REPO / "main.py"), "scan", str(root), "--no-cache", "--quiet", "--backend", backend, *extra]
    cmd += ["--device", "cpu", "--min-score", "0.01"]
    cmd += ["--model", model] if model else []
    cmd += ["--pairs-csv", str(pairs)] if pairs else []
    wall, _, _ = run_timed(cmd)
    return wall


def prepare_export(model: str | None) -> tuple[float, str]:
    """Make (or find) the OpenVINO export first: seconds it took (0 when it existed) and its path."""
    code = (
        "import sys, time; from engine.model.export import ensure_export, find_export; "
        "from engine.model.weights import load_spec; s = load_spec(sys.argv[1] or None); "
        "t = time.perf_counter(); had = find_export(s); e = ensure_export(s); "
        "print(0.0 if had else time.perf_counter() - t, e.xml)"
    )
    _, _, out = run_timed([PY, "-c", code, model or ""])
    secs, xml = out.split()
    return float(secs), xml


def one_photo(backends: list[str], model: str | None, runs: int = 3) -> list[list]:
    folder = WORK / "one-photo"
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(ONE_PHOTO, folder / ONE_PHOTO.name)
    times: dict[str, list[float]] = {b: [] for b in backends}
    for _ in range(runs):  # interleaved, so a burst of load hits both
        for b in backends:
            times[b].append(cli_scan(folder, b, model))
    return [[b, f"{statistics.median(t):.2f}", ", ".join(f"{x:.2f}" for x in t)] for b, t in times.items()]


def camera(backends: list[str], model: str | None, n: int, size: int) -> tuple[list[list], dict]:
    cam = make_camera_photos(n)
    files = image_files(cam)
    ph = phash_pairs(files, WORK / "runs" / "cam-phash.csv", processes=2)
    eng = {b: cli_scan(cam, b, model) for b in backends}
    floor = decode_floor(files, size, processes=2)
    rows = [[f"engine, {b}", f"{t:.1f}", f"{len(files) / t:.1f}", f"{t / ph:.2f}"] for b, t in eng.items()]
    rows += [["imagehash pHash, 2 processes", f"{ph:.1f}", f"{len(files) / ph:.1f}", "1.00"]]
    rows += [["decode floor, 2 processes", f"{floor:.1f}", f"{len(files) / floor:.1f}", f"{floor / ph:.2f}"]]
    return rows, {"n": len(files), "phash": ph, **eng}


def dev_bench(backends: list[str], model: str | None, threshold: float) -> tuple[list[list], dict]:
    bench = build_bench(seed=1)
    files = image_files(bench / "images")
    ph = phash_pairs(files, WORK / "runs" / "dev-phash.csv", processes=2)
    rows, evals = [], {}
    for b in backends:
        pairs = WORK / "runs" / f"dev-{b}.csv"
        t = cli_scan(bench / "images", b, model, pairs)
        ev = evals[b] = evaluate(bench, pairs, threshold)
        rows.append(
            [f"engine, {b}", f"{t:.1f}", f"{len(files) / t:.1f}", f"{t / ph:.2f}"]
            + [f"{ev[k]:.4f}" for k in ("ap", "precision", "recall", "f1")]
        )
    if "openvino" in backends:  # what the geometric check costs and buys, in the same run (not in the equality check)
        pairs = WORK / "runs" / "dev-openvino-no-verify.csv"
        t = cli_scan(bench / "images", "openvino", model, pairs, ("--no-verify",))
        ev = evaluate(bench, pairs, threshold)
        rows.append(
            ["engine, openvino, --no-verify", f"{t:.1f}", f"{len(files) / t:.1f}", f"{t / ph:.2f}"]
            + [f"{ev[k]:.4f}" for k in ("ap", "precision", "recall", "f1")]
        )
    rows.append(["imagehash pHash, 2 processes", f"{ph:.1f}", f"{len(files) / ph:.1f}", "1.00", "", "", "", ""])
    return rows, evals


def thread_split(model: str | None, files: list[Path], label: str) -> list[list]:
    """In-process embedding throughput for OpenVINO threads x decode workers (decoding included)."""
    from engine.model.inference import Embedder
    from engine.model.weights import load_spec
    from engine.results import FileEntry

    spec = load_spec(model)
    entries = [FileEntry(str(p), p.stat().st_size, p.stat().st_mtime_ns) for p in files]
    rows = []
    for threads, workers in SPLITS:
        emb = Embedder(spec, "cpu", "openvino", threads=threads)
        emb.embed_images([np.zeros((spec.input_size,) * 2 + (3,), np.uint8)])  # warm-up
        t0 = time.perf_counter()
        for _ in emb.embed_files(entries, batch_size=32, workers=workers):
            pass
        secs = time.perf_counter() - t0
        rows.append([label, threads, workers, f"{len(entries) / secs:.1f}"])
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", metavar="DIR", help="model folder (default: the bundled model)")
    ap.add_argument("--backends", default="torch,openvino")
    ap.add_argument("--camera", type=int, default=120)
    ap.add_argument("--skip-camera", action="store_true")
    ap.add_argument("--skip-dev", action="store_true")
    ap.add_argument("--split", action="store_true", help="also measure the decode/inference thread split")
    ap.add_argument("--write", action="store_true", help="write the section into bench/RESULTS.md")
    args = ap.parse_args()
    os.environ.setdefault("DOPPEL_EXPORT_DIR", str(WORK / "openvino-exports"))
    from engine.model.weights import load_spec

    spec = load_spec(args.model)
    backends = [b for b in args.backends.split(",") if b]
    (WORK / "runs").mkdir(parents=True, exist_ok=True)
    t_start = time.perf_counter()
    export_secs, xml = prepare_export(args.model)
    body = [
        f"Model `{spec.model_id}` (input {spec.input_size} px, threshold {spec.threshold}). Every engine time is a "
        "fresh `main.py scan --no-cache --device cpu` process, start-up and model load included. OpenVINO export "
        f"made before the timed runs: {export_secs:.1f} s (0 = it existed), `{Path(xml).name}`.\n",
        "### One photo\n",
        table(one_photo(backends, args.model), ["backend", "median s", "runs s"]),
        "",
    ]
    print("\n".join(body))
    if not args.skip_camera:
        rows, c = camera(backends, args.model, args.camera, spec.input_size)
        part = [
            f"### {c['n']} camera-size JPEGs (12 MP), cold\n",
            table(rows, ["method", "seconds", "images/s", "time / pHash's"]),
            "",
        ]
        print("\n".join(part))
        body += part
    if not args.skip_dev:
        rows, evals = dev_bench(backends, args.model, spec.threshold)
        same = len({tuple(round(ev[k], 3) for k in ("ap", "f1")) for ev in evals.values()}) == 1
        part = [
            "### Dev bench (seed 1, 3,000 files), cold\n",
            table(rows, ["method", "seconds", "images/s", "time / pHash's", "AP", "P", "R", "F1"]),
            f"\nAP and F1 equal across backends to 3 decimals: **{'yes' if same else 'NO'}**.\n",
        ]
        print("\n".join(part))
        body += part
    if args.split:
        dev_files = image_files(build_bench(seed=1) / "images")[:600]
        cam_files = image_files(make_camera_photos(args.camera))
        rows = thread_split(args.model, dev_files, "dev bench, 600 files")
        rows += thread_split(args.model, cam_files, f"{len(cam_files)} camera JPEGs")
        part = [
            "### Decode / inference thread split (in process, OpenVINO, batch 32)\n",
            table(rows, ["files", "OpenVINO threads", "decode workers", "images/s"]),
            "",
        ]
        print("\n".join(part))
        body += part
    body.append(f"Whole benchmark: {time.perf_counter() - t_start:.0f} s; load average at the end: {os.getloadavg()}.")
    if args.write:
        command = "python bench/bench_backends.py " + " ".join(sys.argv[1:])
        write_section(SECTION, "\n".join(body), command)


if __name__ == "__main__":
    main()
