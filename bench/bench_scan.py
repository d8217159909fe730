"""Issue 2's benchmark: the engine against an imagehash pHash baseline, measured side by side in one run.

    python bench/bench_scan.py [--camera 120] [--skip-camera]

1. Dev bench (shared make_bench.py, seed 1, 3 copies per original + distractors): the CLI's cold scan (a new
   cache, start-up included) and pHash on 2 processes; pairwise P/R/F1 at the threshold and AP from the
   shared evaluate.py; images/s; the CLI's cached rescan; the scan's peak memory.
2. Camera-size photos: 12-megapixel JPEGs made from dev originals (upscaled, a little grain). Cold scan vs
   pHash on 2 processes vs the decode floor (DCT-scaled decode alone on 2 processes).
Writes the tables to bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from multiprocessing import Pool
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (  # noqa: E402
    DATA,
    PHASH_THRESHOLD,
    WORK,
    build_bench,
    evaluate,
    image_files,
    phash_pairs,
    scan_cli,
    table,
    write_section,
)
from engine.model.weights import ModelSpec, load_spec  # noqa: E402


def make_camera_photos(n: int) -> Path:
    """n 4000x3000 JPEGs (q92) from the dev originals, upscaled with a little grain; reused when present."""
    out = WORK / f"camera12mp-{n}"
    if out.is_dir() and len(list(out.glob("*.jpg"))) == n:
        return out
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    sources = sorted((DATA / "dev" / "originals").glob("*"))[:n]
    with Pool(2) as pool:
        pool.starmap(_make_camera_photo, [(str(s), str(out / f"cam{k:04d}.jpg"), k) for k, s in enumerate(sources)])
    return out


def _make_camera_photo(src: str, dst: str, seed: int) -> None:
    import numpy as np
    from PIL import Image

    im = Image.open(src).convert("RGB").resize((4000, 3000), Image.BICUBIC)
    rng = np.random.default_rng(seed)
    a = np.asarray(im, dtype=np.int16) + rng.integers(-6, 7, size=(3000, 4000, 1), dtype=np.int16)
    Image.fromarray(np.clip(a, 0, 255).astype(np.uint8)).save(dst, "JPEG", quality=92)


def _decode_one(args: tuple[str, int]) -> bool:
    from engine.imaging import DecodeError, load_for_model

    try:
        load_for_model(*args)
        return True
    except DecodeError:
        return False


def decode_floor(files: list[Path], size: int, processes: int = 2) -> float:
    t0 = time.perf_counter()
    with Pool(processes) as pool:
        pool.map(_decode_one, [(str(f), size) for f in files], chunksize=4)
    return time.perf_counter() - t0


def fmt(x: float, nd: int = 3) -> str:
    return f"{x:.{nd}f}"


def method_row(name: str, ev: dict, seconds: float, n: int) -> list[str]:
    """A row of the dev-bench table: the method's scores from evaluate() and its speed on n files."""
    return [
        name,
        fmt(ev["precision"]),
        fmt(ev["recall"]),
        fmt(ev["f1"]),
        fmt(ev["ap"]),
        f"{fmt(ev['best_f1'])} @ {fmt(ev['best_f1_threshold'] or 0)}",
        fmt(n / seconds, 1),
        fmt(seconds, 1),
    ]


def cached_rescans(images: Path, cache: Path, runs: Path) -> tuple[list[float], list[float]]:
    """Three cached rescans (the machine is shared): the CLI process's seconds and the engine's own timing."""
    warm_runs, inproc = [], []
    for r in range(3):
        doc = runs / f"warm{r}.json"
        seconds, _ = scan_cli(
            images, runs / "engine-pairs-warm.csv", cache, ["--min-score", "0.01", "--groups-json", str(doc)]
        )
        warm_runs.append(seconds)
        stats = json.loads(doc.read_text())["stats"]
        assert stats["decoded"] == 0, "a rescan of an unchanged folder must decode nothing"
        inproc.append(stats["timings"]["total"])
    return warm_runs, inproc


def dev_bench_section(spec: ModelSpec, runs: Path) -> list[str]:
    """Engine vs pHash on the dev bench: accuracy, recall per family, cold and cached speed, peak memory."""
    bench = build_bench(seed=1)
    files = image_files(bench / "images")
    n = len(files)
    print(f"dev bench: {n} files, model {spec.model_id} (input {spec.input_size}px, threshold {spec.threshold})")

    cache = runs / "cache.sqlite3"
    pairs = runs / "engine-pairs.csv"
    cold, peak = scan_cli(bench / "images", pairs, cache, ["--min-score", "0.01"])
    warm_runs, inproc = cached_rescans(bench / "images", cache, runs)
    warm, warm_engine = min(warm_runs), min(inproc)
    ev = evaluate(bench, pairs, spec.threshold)
    ph_pairs = runs / "phash-pairs.csv"
    ph_time = phash_pairs(files, ph_pairs, processes=2)
    ph = evaluate(bench, ph_pairs, PHASH_THRESHOLD)

    rows = [
        method_row("engine (" + spec.model_id + ")", ev, cold, n),
        method_row("imagehash pHash, 2 processes (Hamming <= 10)", ph, ph_time, n),
    ]
    body = [
        f"Dev bench (seed 1, 3 copies per original, {n} files). Engine threshold {spec.threshold}; the engine's "
        "time is a fresh CLI process with an empty cache, start-up and model load included.\n",
        table(rows, ["method", "P", "R", "F1", "AP", "best F1 @ thr", "images/s (cold)", "seconds"]),
        "",
    ]
    fam = sorted(set(ev["recall_by_family"]) | set(ph["recall_by_family"]))
    body += [
        "Recall per transform family at the threshold:\n",
        table(
            [
                [
                    f,
                    fmt(ev["recall_by_family"].get(f, {}).get("recall", float("nan"))),
                    fmt(ph["recall_by_family"].get(f, {}).get("recall", float("nan"))),
                ]
                for f in fam
            ],
            ["family", "engine", "pHash"],
        ),
        "",
    ]
    body += [
        f"Cached rescan of the unchanged dev bench, best of 3: {fmt(warm, 2)} s for the whole CLI process "
        f"(Python start-up and imports included) = **{n / warm:,.0f} files/s**; the scan itself (discovery, "
        f"cache look-ups, search, grouping) {fmt(warm_engine, 3)} s = **{n / warm_engine:,.0f} files/s** "
        f"(target >= 5,000; runs: {', '.join(fmt(w, 2) for w in warm_runs)} s). Peak memory of the cold "
        f"dev-bench scan: **{peak} MB** RSS.\n"
    ]
    return body


def camera_section(spec: ModelSpec, runs: Path, count: int) -> list[str]:
    """Cold scans of count 12 MP photos: the engine vs pHash vs the decode floor, as ratios of one run."""
    cam = make_camera_photos(count)
    cam_files = image_files(cam)
    m = len(cam_files)
    eng, _ = scan_cli(cam, runs / "cam-pairs.csv", None)
    ph_cam = phash_pairs(cam_files, runs / "cam-phash.csv", processes=2)
    floor = decode_floor(cam_files, spec.input_size, processes=2)
    crow = [
        ["engine, cold (new process, no cache)", fmt(eng, 1), fmt(m / eng, 1), "1.00"],
        ["imagehash pHash, 2 processes", fmt(ph_cam, 1), fmt(m / ph_cam, 1), fmt(ph_cam / eng, 2)],
        [
            "decode floor: DCT-scaled decode only, 2 processes",
            fmt(floor, 1),
            fmt(m / floor, 1),
            fmt(floor / eng, 2),
        ],
    ]
    return [
        f"{m} camera-size JPEGs (4000x3000, q92, made from dev originals with grain), cold scans in one "
        "run. Ratio = that method's time / the engine's time (above 1: the engine is faster).\n",
        table(crow, ["method", "seconds", "images/s", "time ratio vs engine"]),
        f"\nEngine vs pHash: **{ph_cam / eng:.2f}x** faster (target >= 1, goal 2); engine time / decode "
        f"floor: {eng / floor:.2f}.\n",
    ]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--camera", type=int, default=120, help="how many 12 MP photos to make (default 120)")
    ap.add_argument("--skip-camera", action="store_true")
    args = ap.parse_args()
    command = "python bench/bench_scan.py " + " ".join(sys.argv[1:])
    spec = load_spec()
    runs = WORK / "runs"
    shutil.rmtree(runs, ignore_errors=True)
    runs.mkdir(parents=True)

    body = dev_bench_section(spec, runs)
    print("\n".join(body))
    if not args.skip_camera:
        cam_body = camera_section(spec, runs, args.camera)
        print("\n".join(cam_body))
        body += ["### Camera-size photos (12 MP)\n"] + cam_body
    write_section("Scan: engine vs pHash (issue 2)", "\n".join(body), command)


if __name__ == "__main__":
    main()
