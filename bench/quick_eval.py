"""A model's embeddings on the benches, kept per model id, scored several ways without re-embedding.

    python bench/quick_eval.py --model DIR [--benches lookalike,hard-seed2,dev-seed1,wallpapers] [--norm ...]

For development of the model (issue 9): the vectors come from the engine's own decode and network
(``Embedder.embed_files``), the candidate pairs from the engine's top-k search, the scores from the model's
calibration, so the figures match a scan; but the vectors are stored in bench/_work/emb/<model id>/ and every
scoring variant (neighbourhood normalisation settings, thresholds) reuses them. The numbers that go into
RESULTS.md come from bench/bench_model.py, which runs real scans.
"""

from __future__ import annotations

import argparse
import csv
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.benches import SHARED, WORK, Bench, ensure_bench  # noqa: E402

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp", ".bmp", ".gif", ".tif", ".tiff", ".heic"}


def bench_files(b: Bench) -> list[Path]:
    return sorted(p for p in b.images.rglob("*") if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)


def embed_bench(model_dir: Path, b: Bench, device: str = "cpu") -> tuple[list[str], np.ndarray, float]:
    """(paths, vectors, images/s); cached in bench/_work/emb/<model id>/<bench>.npz."""
    from engine.model.weights import load_spec
    from engine.results import FileEntry

    spec = load_spec(model_dir)
    out = WORK / "emb" / spec.model_id / f"{b.name}.npz"
    if out.exists():
        z = np.load(out, allow_pickle=False)
        return [str(p) for p in z["paths"]], z["vectors"], float(z["rate"])
    from engine.model.inference import Embedder

    emb = Embedder(spec, device)
    files = bench_files(b)
    entries = [FileEntry(str(p), p.stat().st_size, p.stat().st_mtime_ns) for p in files]
    paths, vecs = [], []
    t0 = time.perf_counter()
    for done, _failed in emb.embed_files(entries):
        for e, _info, v in done:
            paths.append(e.path)
            vecs.append(v)
    rate = len(paths) / (time.perf_counter() - t0)
    vectors = np.stack(vecs).astype(np.float32)
    out.parent.mkdir(parents=True, exist_ok=True)
    np.savez(out, paths=np.array(paths), vectors=vectors, rate=rate)
    return paths, vectors, rate


def evaluate(b: Bench, pairs_csv: Path, threshold: float) -> dict:
    out_json = pairs_csv.with_suffix(".json")
    cmd = [
        sys.executable,
        str(SHARED / "bench" / "evaluate.py"),
        "--groups",
        str(b.groups),
        "--pairs",
        str(pairs_csv),
        "--threshold",
        f"{threshold:.6f}",
        "--manifest",
        str(b.manifest),
        "--root",
        str(b.root),
        "--json",
        str(out_json),
    ]
    if b.name == "wallpapers":
        cmd.append("--allow-unknown")
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    return json.loads(out_json.read_text())


def write_pairs(path: Path, paths: list[str], i: np.ndarray, j: np.ndarray, score: np.ndarray) -> None:
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["path_a", "path_b", "score"])
        for a, c, s in zip(i.tolist(), j.tolist(), score.tolist()):
            w.writerow([paths[a], paths[c], f"{s:.6f}"])


def kth_similarity(vec: np.ndarray, k: int) -> np.ndarray:
    """Each vector's cosine similarity to its k-th nearest other vector in the set (its neighbourhood density)."""
    out = np.empty(len(vec), np.float32)
    for i in range(0, len(vec), 2048):
        s = vec[i : i + 2048] @ vec.T
        s[np.arange(len(s)), np.arange(i, i + len(s))] = -2
        out[i : i + 2048] = -np.partition(-s, k - 1, axis=1)[:, k - 1]
    return out


def normalised_distance(d: np.ndarray, density: np.ndarray, beta: float, s0: float) -> np.ndarray:
    """Lower a pair's similarity by beta x how far its denser end's k-th neighbour sits above s0."""
    s = 1 - d.astype(np.float64) ** 2 / 2 - beta * np.maximum(0.0, density - s0)
    return np.sqrt(np.clip(2 - 2 * s, 0, 4))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--benches", default="lookalike,hard-seed2,dev-seed1,wallpapers")
    ap.add_argument("--threshold", type=float, help="default: the model's")
    ap.add_argument("--k", type=int, default=16)
    ap.add_argument("--norm", default="", help="neighbourhood normalisation 'k,beta,s0' (see kth_similarity)")
    a = ap.parse_args(argv)
    from engine import index
    from engine.model.weights import load_spec

    spec = load_spec(a.model)
    thr = a.threshold if a.threshold is not None else spec.threshold
    print(f"model {spec.model_id} threshold {thr}")
    for name in a.benches.split(","):
        b = ensure_bench(name)
        paths, vec, rate = embed_bench(Path(a.model), b)
        i, j, d = index.nearest_pairs(vec, a.k, spec.calibration.distance_for(0.02))
        if a.norm:
            kk, beta, s0 = (float(x) for x in a.norm.split(","))
            dens = kth_similarity(vec, int(kk))
            d = normalised_distance(d, np.maximum(dens[i], dens[j]), beta, s0)
        score = np.array([spec.calibration.score(x) for x in d.tolist()])
        out = WORK / "quick" / spec.model_id
        out.mkdir(parents=True, exist_ok=True)
        csv_path = out / f"{name}{'-norm' + a.norm if a.norm else ''}.csv"
        write_pairs(csv_path, paths, i, j, score)
        r = evaluate(b, csv_path, thr)
        fams = {k: v["recall"] for k, v in r["recall_by_family"].items()}
        worst = sorted(fams.items(), key=lambda kv: kv[1])[:4]
        print(
            f"{name:11s} AP {r['ap']:.4f} P {r['precision']:.4f} R {r['recall']:.4f} F1 {r['f1']:.4f} "
            f"bestF1 {r['best_f1']:.4f}@{r['best_f1_threshold']} | {rate:.0f} img/s | worst "
            + " ".join(f"{k}={v:.2f}" for k, v in worst),
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
