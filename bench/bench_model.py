"""The bundled Siamese model against the previous model, pHash and raw EfficientNet-Lite0 features.

    python bench/bench_model.py [--model DIR] [--benches lookalike,hard-seed2,dev-seed1,wallpapers]
                                [--methods trained,plain,v1,raw,phash] [--write]

Benches (bench/benches.py): the look-alike bench (held-out train-extra photos: different pictures of the same
beds, floors and scenes, plus copies), hard edits on dev/ (crops 30-60%, phone crops, screenshots, watermarks,
composites), the dev bench and the wallpapers' natural groups. Each method scans each bench with the engine (no
cache, cold: decoding included) or hashes it, and the shared evaluate.py scores the pair list.

Methods: ``trained`` = the model in --model at its default threshold, as the app runs it; ``network`` = the
same without the geometric verification (the network's scores alone); ``plain`` = without the neighbourhood
normalisation (when the model has one); ``v1`` = the first bundled model (doppel-lite0-contrastive-2cbd2927b0d5,
read from git history) at its threshold 0.89; ``raw`` = ImageNet Lite0 pooled features at 224 px at their own
best-F1 cut (an oracle, generous to the baseline), the picture squashed to a square; ``raw-pad`` = the same with
the aspect kept on grey bars (v2's input); ``phash`` = imagehash pHash, duplicate when Hamming <= 10.
``--write`` puts the table in bench/RESULTS.md (its own section, replaced on a rerun). Not a test: it takes
many minutes and needs the shared data.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from engine.runtime import quiet_openmp  # noqa: E402

quiet_openmp()  # before numpy, torch and faiss load

import numpy as np  # noqa: E402

from bench.benches import SHARED, WORK, Bench, ensure_bench  # noqa: E402
from bench.common import write_section  # noqa: E402

PHASH_MAX = 10  # Hamming distance counted as a duplicate
PHASH_LIST = 32  # pairs listed up to this distance, so AP sees (nearly) the whole ranking
V1_COMMIT = "98e58d5"  # the last commit that bundled doppel-lite0-contrastive-2cbd2927b0d5
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp", ".gif", ".heic", ".bmp", ".tif", ".tiff")


def raw_backbone_dir(input_mode: str = "squash") -> Path:
    """ImageNet Lite0 pooled features at 224 px; ``input_mode`` "pad" keeps the picture's aspect (the v2 input)."""
    from engine.model.weights import IMAGENET_SOURCE, Calibration, ModelSpec, save_spec

    folder = WORK / ("raw-lite0" if input_mode == "squash" else f"raw-lite0-{input_mode}")
    spec = ModelSpec(
        model_id="raw-lite0-imagenet-224" + ("" if input_mode == "squash" else f"-{input_mode}"),
        input_mode=input_mode,
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


def v1_dir() -> Path:
    """The first bundled model, from git history (its weights never change, so once is enough)."""
    folder = WORK / "v1-model"
    if not (folder / "model.json").exists():
        folder.mkdir(parents=True, exist_ok=True)
        for name in ("model.json", "weights.pt"):
            blob = subprocess.run(
                ["git", "show", f"{V1_COMMIT}:resources/model/{name}"], cwd=ROOT, check=True, capture_output=True
            ).stdout
            (folder / name).write_bytes(blob)
    return folder


def without(model: Path, key: str) -> Path:
    """``model`` without one scoring stage (``neighbourhood`` or ``verification``): same weights, calibration and
    threshold."""
    folder = WORK / f"{model.name}-without-{key}"
    folder.mkdir(parents=True, exist_ok=True)
    spec = json.loads((model / "model.json").read_text())
    spec.pop(key, None)
    (folder / "model.json").write_text(json.dumps(spec, indent=2))
    weights = folder / spec["weights"]
    if not weights.exists() or weights.stat().st_size != (model / spec["weights"]).stat().st_size:
        shutil.copyfile(model / spec["weights"], weights)
    return folder


def scan_pairs(model_dir: Path, images: Path, out_csv: Path) -> tuple[float, float]:
    """Pairs CSV from an engine scan; returns (images/s of the embedding stage, the model's threshold)."""
    from engine.cli.scan import write_pairs_csv
    from engine.model.weights import load_spec
    from engine.scan import scan
    from engine.settings import ScanSettings

    spec = load_spec(model_dir)
    settings = ScanSettings(
        roots=(str(images),), use_cache=False, use_labels=False, min_score=0.05, model_path=str(model_dir)
    )
    result = scan(settings, spec=spec)
    write_pairs_csv(result, str(out_csv))  # the same file `scan --pairs-csv` writes
    secs = result.stats["timings"]["embed"]
    return result.stats["decoded"] / max(secs, 1e-9), spec.threshold


def phash_pairs(images: Path, out_csv: Path) -> float:
    import imagehash
    from PIL import Image, ImageOps

    files = sorted(p for p in images.rglob("*") if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)
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


def evaluate(b: Bench, pairs: Path, threshold: float, out_json: Path) -> dict:
    cmd = [sys.executable, str(SHARED / "bench" / "evaluate.py"), "--groups", str(b.groups), "--pairs", str(pairs)]
    cmd += ["--threshold", f"{threshold:.6f}", "--manifest", str(b.manifest), "--root", str(b.root)]
    cmd += ["--json", str(out_json), "--name", out_json.stem]
    if b.name == "wallpapers":
        cmd.append("--allow-unknown")  # groups.json lists only the grouped files; singletons are extra
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    return json.loads(out_json.read_text())


def fmt_table(rows: list[dict]) -> str:
    fams = sorted({f for r in rows for f in r["families"]})
    head = "| bench | method | thr | AP | P | R | F1 | best F1 | false pairs | min family R | img/s |"
    lines = [head, "|" + "---|" * 11]
    for r in rows:
        fr = [v for k, v in r["families"].items() if k != "other-pairs"]
        lines.append(
            f"| {r['bench']} | {r['method']} | {r['threshold']:.3f} | {r['ap']:.4f} | {r['precision']:.4f} | "
            f"{r['recall']:.4f} | {r['f1']:.4f} | {r['best_f1']:.4f} | {r['fp']} | "
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
        cells = [f"{r['families'][f]:.2f}" if f in r["families"] else "-" for f in fams]
        lines.append(f"| {r['bench']} | {r['method']} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def run_method(method: str, model: Path, b: Bench, out: Path) -> dict:
    pairs = out / f"{b.name}-{method}.csv"
    if method == "phash":
        rate, thr = phash_pairs(b.images, pairs), 1 - PHASH_MAX / 64
    else:
        folders = {
            "trained": lambda: model,
            "plain": lambda: without(model, "neighbourhood"),
            "v1": v1_dir,
            "raw": raw_backbone_dir,
            "raw-pad": lambda: raw_backbone_dir("pad"),
            "network": lambda: without(model, "verification"),
        }
        folder = folders[method]()
        rate, thr = scan_pairs(folder, b.images, pairs)
    res = evaluate(b, pairs, thr, out / f"{b.name}-{method}.json")
    if method.startswith("raw") and res["best_f1_threshold"] is not None:
        thr = res["best_f1_threshold"]  # an oracle cut: raw features have no calibrated threshold
        res = evaluate(b, pairs, thr, out / f"{b.name}-{method}.json")
    return {
        "bench": b.name,
        "method": method,
        "threshold": thr,
        "rate": rate,
        "fp": res["fp"],
        **{k: res[k] for k in ("ap", "precision", "recall", "f1", "best_f1", "best_f1_threshold")},
        "families": {k: v["recall"] for k, v in res["recall_by_family"].items()},
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default=str(ROOT / "resources" / "model"), help="trained model folder")
    ap.add_argument("--benches", default="lookalike,hard-seed2,dev-seed1,wallpapers")
    ap.add_argument("--methods", default="trained,network,plain,v1,raw,phash")
    ap.add_argument("--write", action="store_true", help="put the table in bench/RESULTS.md")
    ap.add_argument("--section", default="Bundled model v2 (issue 9)", help="the RESULTS.md section --write fills")
    a = ap.parse_args(argv)
    out = WORK / "model-bench"
    out.mkdir(parents=True, exist_ok=True)
    model = Path(a.model)
    stages = json.loads((model / "model.json").read_text())
    rows = []
    for name in a.benches.split(","):
        b = ensure_bench(name)
        for method in a.methods.split(","):
            if (method == "plain" and "neighbourhood" not in stages) or (
                method == "network" and "verification" not in stages
            ):
                continue
            row = run_method(method, model, b, out)
            rows.append(row)
            print(
                f"{name:11s} {method:8s} AP {row['ap']:.4f} P {row['precision']:.4f} R {row['recall']:.4f} "
                f"F1 {row['f1']:.4f} bestF1 {row['best_f1']:.4f}@{row['best_f1_threshold']} fp {row['fp']} "
                f"{row['rate']:.1f} img/s",
                flush=True,
            )
    table = fmt_table(rows)
    cpu = platform.processor() or platform.machine()
    cmd = "python bench/bench_model.py " + " ".join(argv if argv is not None else sys.argv[1:])
    model_id = json.loads((model / "model.json").read_text())["model_id"]
    header = (
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {os.cpu_count()} CPU cores ({cpu}), "
        f"shared with other jobs; command: `{cmd.strip()}`; model `{model_id}`"
    )
    print()
    print(header)
    print()
    print(table)
    (out / "table.md").write_text(header + "\n\n" + table + "\n")
    (out / "rows.json").write_text(json.dumps(rows, indent=1))
    if a.write:
        write_section(a.section, f"Model `{model_id}`.\n\n{table}", cmd.strip())
    return 0


if __name__ == "__main__":
    sys.exit(main())
