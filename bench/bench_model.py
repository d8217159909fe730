"""Issue 3's benchmark: the bundled Siamese model against pHash and raw EfficientNet-Lite0 features.

    python bench/bench_model.py [--model DIR] [--benches dev-seed1,dev-seed2,wallpapers] [--write]

Builds the dev benches with /work/shared/bench/make_bench.py into bench/_work (reused when present), scans
each with the engine (no cache, cold: decoding included) for the trained model and the raw backbone, hashes
each file with imagehash pHash, scores every pair list with /work/shared/bench/evaluate.py and prints one
table. ``--write`` appends it to bench/RESULTS.md (section "Bundled model") and to the model card.
Not a test: it takes minutes and needs the shared data.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from engine.runtime import quiet_openmp  # noqa: E402

quiet_openmp()  # before numpy, torch and faiss load

import numpy as np  # noqa: E402

SHARED = Path(os.environ.get("DOPPEL_SHARED", "/work/shared"))
WORK = ROOT / "bench" / "_work"
PHASH_MAX = 10  # Hamming distance counted as a duplicate
PHASH_LIST = 32  # pairs listed up to this distance, so AP sees (nearly) the whole ranking


def ensure_bench(name: str) -> tuple[Path, Path, Path, Path]:
    """(images root, groups.json, manifest, evaluate --root) for a bench name."""
    if name == "wallpapers":
        root = SHARED / "data" / "wallpapers"
        manifest = WORK / "wallpapers-manifest.csv"  # the wallpapers' manifest has no transform column
        manifest.parent.mkdir(parents=True, exist_ok=True)
        manifest.write_text("path,transform\n")
        return root, root / "groups.json", manifest, root
    seed = int(name.rsplit("seed", 1)[1])
    out = WORK / name
    if not (out / "groups.json").exists():
        subprocess.run(
            [
                sys.executable,
                str(SHARED / "bench" / "make_bench.py"),
                "--originals",
                str(SHARED / "data/dev/originals"),
                "--distractors",
                str(SHARED / "data/dev/distractors"),
                "--out",
                str(out),
                "--seed",
                str(seed),
                "--per-original",
                "3",
            ],
            check=True,
        )
    return out / "images", out / "groups.json", out / "manifest.csv", out


def raw_backbone_dir() -> Path:
    from engine.model.weights import IMAGENET_SOURCE, Calibration, ModelSpec, save_spec

    folder = WORK / "raw-lite0"
    spec = ModelSpec(
        model_id="raw-lite0-imagenet-224",
        weights=IMAGENET_SOURCE,
        embedding_dim=None,
        input_size=224,
        calibration=Calibration(4.0, 0.9),
        threshold=0.5,
    )
    # a shallow nominal calibration: min-score 0.05 then lists every top-k pair up to distance 1.64, so AP is
    # not cut short; P/R/F1 at 0.5 (distance 0.9) mean little, compare AP and best F1
    save_spec(spec, folder)
    return folder


def scan_pairs(model_dir: Path, images: Path, out_csv: Path) -> tuple[float, dict]:
    """Pairs CSV from an engine scan; returns (images/s of the embedding stage, the model's spec extras)."""
    from engine.model.weights import load_spec
    from engine.scan import scan
    from engine.settings import ScanSettings

    spec = load_spec(model_dir)
    settings = ScanSettings(roots=(str(images),), use_cache=False, min_score=0.05, model_path=str(model_dir))
    result = scan(settings, spec=spec)
    with open(out_csv, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["path_a", "path_b", "score"])
        for p in result.pairs:
            w.writerow([p.a, p.b, f"{p.score:.6f}"])
    secs = result.stats["timings"]["embed"]
    return result.stats["decoded"] / max(secs, 1e-9), {"threshold": spec.threshold}


def phash_pairs(images: Path, out_csv: Path) -> float:
    import imagehash
    from PIL import Image, ImageOps

    files = sorted(
        p
        for p in images.rglob("*")
        if p.is_file()
        and p.suffix.lower() in (".jpg", ".jpeg", ".png", ".webp", ".gif", ".heic", ".bmp", ".tif", ".tiff")
    )
    t0 = time.perf_counter()
    hashes, kept = [], []
    for p in files:
        try:
            with Image.open(p) as im:
                im.draft("RGB", (64, 64))
                h = imagehash.phash(ImageOps.exif_transpose(im).convert("RGB"))
        except Exception:
            continue
        hashes.append(int(str(h), 16))
        kept.append(p)
    rate = len(kept) / (time.perf_counter() - t0)
    bits = np.unpackbits(np.array(hashes, dtype=">u8").view(np.uint8).reshape(-1, 8), axis=1).astype(np.uint8)
    with open(out_csv, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["path_a", "path_b", "score"])
        for i in range(len(kept) - 1):
            ham = (bits[i + 1 :] != bits[i]).sum(1)
            for j in np.nonzero(ham <= PHASH_LIST)[0]:
                w.writerow([str(kept[i]), str(kept[i + 1 + j]), f"{1 - ham[j] / 64:.6f}"])
    return rate


def layout_check(model_dir: Path, images: Path, n: int = 600) -> tuple[float, float]:
    """Embedding images/s on the first ``n`` bench files with the Embedder as is and with channels_last weights.

    A proposed inference change (not in the engine yet): oneDNN runs depthwise convolutions 2-4x faster in
    channels_last on this CPU.
    """
    import torch

    from engine.model.inference import Embedder
    from engine.model.weights import load_spec
    from engine.results import FileEntry

    files = sorted(p for p in images.iterdir() if p.is_file())[:n]
    entries = [FileEntry(str(p), p.stat().st_size, p.stat().st_mtime_ns) for p in files]
    rates = []
    for cl in (False, True):
        emb = Embedder(load_spec(model_dir), device="cpu")
        if cl:
            emb.net = emb.net.to(memory_format=torch.channels_last)
            plain = emb.preprocess
            emb.preprocess = lambda ims, plain=plain: plain(ims).contiguous(memory_format=torch.channels_last)
        emb.embed_images([np.zeros((emb.spec.input_size,) * 2 + (3,), np.uint8)] * 4)  # warm-up
        t0 = time.perf_counter()
        done = sum(len(ok) for ok, _ in emb.embed_files(entries))
        rates.append(done / (time.perf_counter() - t0))
    return rates[0], rates[1]


def evaluate(
    groups: Path, pairs: Path, threshold: float, manifest: Path, root: Path, out_json: Path, name: str
) -> dict:
    cmd = [
        sys.executable,
        str(SHARED / "bench" / "evaluate.py"),
        "--groups",
        str(groups),
        "--pairs",
        str(pairs),
        "--threshold",
        f"{threshold:.6f}",
        "--manifest",
        str(manifest),
        "--root",
        str(root),
        "--json",
        str(out_json),
        "--name",
        name,
    ]
    if "wallpapers" in name:
        cmd.append("--allow-unknown")  # groups.json lists only the grouped files; singletons are extra
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    return json.loads(out_json.read_text())


def fmt_table(rows: list[dict]) -> str:
    fams = sorted({f for r in rows for f in r["families"]})
    head = "| bench | method | thr | AP | P | R | F1 | best F1 | min family R | img/s |"
    lines = [head, "|" + "---|" * 10]
    for r in rows:
        fr = [v for k, v in r["families"].items() if k != "other-pairs"]
        lines.append(
            f"| {r['bench']} | {r['method']} | {r['threshold']:.3f} | {r['ap']:.4f} | {r['precision']:.4f} | "
            f"{r['recall']:.4f} | {r['f1']:.4f} | {r['best_f1']:.4f} | "
            f"{min(fr) if fr else float('nan'):.3f} | {r['rate']:.1f} |"
        )
    lines += [
        "",
        "Recall per transform family at each method's threshold (original-copy pairs):",
        "",
        "| bench | method | " + " | ".join(fams) + " |",
        "|" + "---|" * (len(fams) + 2),
    ]
    for r in rows:
        lines.append(
            f"| {r['bench']} | {r['method']} | "
            + " | ".join(f"{r['families'][f]:.2f}" if f in r["families"] else "-" for f in fams)
            + " |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default=str(ROOT / "resources" / "model"), help="trained model folder")
    ap.add_argument("--benches", default="dev-seed1,dev-seed2,wallpapers")
    ap.add_argument("--methods", default="trained,raw,phash")
    ap.add_argument("--layout-check", action="store_true", help="also time channels_last inference")
    ap.add_argument("--write", action="store_true", help="append the table to bench/RESULTS.md and the card")
    a = ap.parse_args(argv)
    out = WORK / "model-bench"
    out.mkdir(parents=True, exist_ok=True)
    rows = []
    for bench in a.benches.split(","):
        images, groups, manifest, root = ensure_bench(bench)
        for method in a.methods.split(","):
            pairs = out / f"{bench}-{method}.csv"
            if method == "phash":
                rate, thr = phash_pairs(images, pairs), 1 - PHASH_MAX / 64
            else:
                folder = Path(a.model) if method == "trained" else raw_backbone_dir()
                rate, extra = scan_pairs(folder, images, pairs)
                thr = extra["threshold"]
            res = evaluate(groups, pairs, thr, manifest, root, out / f"{bench}-{method}.json", f"{bench}-{method}")
            if method == "raw" and res["best_f1_threshold"] is not None:
                # no calibrated threshold exists for raw features: report it at its own best-F1 cut (an oracle
                # threshold, generous to the baseline)
                thr = res["best_f1_threshold"]
                res = evaluate(groups, pairs, thr, manifest, root, out / f"{bench}-{method}.json", f"{bench}-{method}")
            row = {
                "bench": bench,
                "method": method,
                "threshold": thr,
                "rate": rate,
                **{k: res[k] for k in ("ap", "precision", "recall", "f1", "best_f1", "best_f1_threshold")},
                "families": {k: v["recall"] for k, v in res["recall_by_family"].items()},
            }
            rows.append(row)
            print(
                f"{bench:11s} {method:8s} AP {row['ap']:.4f} P {row['precision']:.4f} R {row['recall']:.4f} "
                f"F1 {row['f1']:.4f} bestF1 {row['best_f1']:.4f}@{row['best_f1_threshold']} {rate:.1f} img/s",
                flush=True,
            )
    table = fmt_table(rows)
    if a.layout_check and "trained" in a.methods:
        images = ensure_bench(a.benches.split(",")[0])[0]
        plain, cl = layout_check(Path(a.model), images)
        table += (
            f"\n\nEmbedding throughput of the trained model on 600 files of {a.benches.split(',')[0]} "
            f"(decode included, separate run): {plain:.1f} images/s as the engine runs it now; "
            f"{cl:.1f} images/s with channels_last weights and inputs (proposed inference.py change)."
        )
    cpu = platform.processor() or platform.machine()
    header = (
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {os.cpu_count()} CPU cores ({cpu}), "
        f"shared with other jobs; command: `python bench/bench_model.py --model {a.model}`\n"
        f"Methods: trained = the model in --model at its default threshold; raw = ImageNet EfficientNet-Lite0 "
        f"pooled features at 224 px, cosine, P/R/F1 at its own best-F1 threshold (an oracle cut); "
        f"AP of the engine-based methods counts only pairs the engine's top-16 neighbour search lists; "
        f"phash = imagehash pHash, Hamming <= {PHASH_MAX}. img/s = cold embedding (or hashing) throughput, "
        f"decoding included."
    )
    print()
    print(header)
    print()
    print(table)
    (out / "table.md").write_text(header + "\n\n" + table + "\n")
    (out / "rows.json").write_text(json.dumps(rows, indent=1))
    if a.write:
        with open(ROOT / "bench" / "RESULTS.md", "a", encoding="utf-8") as f:
            f.write("\n## Bundled model\n\n" + header + "\n\n" + table + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
