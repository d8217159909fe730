"""Issue 5's benchmark: fine-tuning on simulated user labels, before and after.

    python bench/bench_finetune.py [--model DIR] [--sizes 100,200,400] [--write]

A simulated user labels pairs of the dev benchmark (seed 1, built with /work/shared/bench/make_bench.py) by a
notion of duplicate read from its manifest.csv ``transform`` column: "crops are not duplicates" (differs from
the default) and "default" (agrees with it). Labels come from half of the originals (crop pairs drawn first,
as a user reviewing groups would mark them, plus some other copies and some unrelated pairs); the other half
is held out: agreement with the notion on all of its (original, copy) pairs and as many unrelated pairs,
before and after. The dev benchmark AP (default notion; /work/shared/bench/evaluate.py through
bench.common.evaluate) and the AP under the user's notion (crops as singletons) are measured on the whole
bench. The user's library for replay is the bench's images. Also measured once: training the last backbone
block beside the head (``--train-blocks 1``). Every image's block-15 input is computed once with the starting
model and cached, so each candidate (head and last block only) is scored on all 3,000 images in seconds.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from engine.runtime import quiet_openmp  # noqa: E402

quiet_openmp()  # before numpy, torch and faiss load

import numpy as np  # noqa: E402

from bench.common import WORK, build_bench, evaluate, table, write_section  # noqa: E402

CUT = 15  # cached: the input of the last MBConv block


# ================================================================================================ the bench
def read_bench(bench: Path) -> tuple[list[str], dict[str, str], dict[str, str], dict[str, str]]:
    """(paths, path -> group, path -> transform, group -> original path), paths absolute."""
    with open(bench / "manifest.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    paths = [str(bench / r["path"]) for r in rows]
    group = {str(bench / r["path"]): r["group"] for r in rows}
    transform = {str(bench / r["path"]): r["transform"] for r in rows}
    original = {r["group"]: str(bench / r["path"]) for r in rows if r["transform"] == "original"}
    return paths, group, transform, original


FLIPPED = {"crops-not-duplicates": "crop", "grayscale-not-duplicates": "grayscale"}  # notion -> family


def notion_label(notion: str, transform: str) -> int:
    return int(transform != FLIPPED.get(notion))


def make_labels(
    notion: str,
    n: int,
    pool: list[str],
    copies: dict[str, list[str]],
    transform: dict[str, str],
    others: list[str],
    seed: int,
) -> list[tuple[str, str, bool]]:
    """n labels from the originals in ``pool``: pairs the notion flips first (up to a third), then other copies
    (about 70%), and unrelated pairs (original vs a distractor) for the rest."""
    rng = random.Random(f"{seed}:{notion}:{n}")
    pairs = [(o, c) for o in pool for c in copies[o]]
    rng.shuffle(pairs)
    flipped = [p for p in pairs if notion_label(notion, transform[p[1]]) != 1][: n // 3]
    taken = set(flipped)
    rest = [p for p in pairs if p not in taken]
    n_neg = max(1, n // 6)
    chosen = flipped + rest[: n - len(flipped) - n_neg]
    labels = [(a, b, bool(notion_label(notion, transform[b]))) for a, b in chosen]
    labels += [(rng.choice(pool), d, False) for d in rng.sample(others, n - len(labels))]
    return labels


def heldout_pairs(
    notion: str, held: list[str], copies: dict[str, list[str]], transform: dict[str, str], others: list[str], seed: int
) -> tuple[list[tuple[str, str]], np.ndarray, np.ndarray]:
    """Every (original, copy) pair of the held-out originals plus as many unrelated pairs; labels; crop flags."""
    rng = random.Random(f"{seed}:held")
    pos = [(o, c) for o in held for c in copies[o]]
    neg = [(rng.choice(held), rng.choice(others)) for _ in pos]
    y = np.array([notion_label(notion, transform[c]) for _, c in pos] + [0] * len(neg))
    crop = np.array([transform[c] == FLIPPED.get(notion, "crop") for _, c in pos] + [False] * len(neg))
    return pos + neg, y, crop


# ================================================================================================ embeddings
def cached_maps(spec, paths: list[str]) -> np.ndarray:
    """The starting model's block-15 inputs of every bench image (float16, cached in bench/_work)."""
    import torch

    from engine.imaging import load_for_model
    from engine.learn.split_branch import SplitBranch
    from engine.model.transforms import to_input
    from engine.model.weights import build_network

    out = WORK / f"ft-maps-{spec.model_id}-{spec.input_size}-{len(paths)}.npy"
    if out.is_file():
        return np.load(out)
    net = build_network(spec)
    if net.head is None:
        from engine.model.network import SiameseBranch

        headed = SiameseBranch(8)
        headed.backbone.load_state_dict(net.backbone.state_dict())
        net = headed.eval()
    split = SplitBranch(net, CUT)
    from concurrent.futures import ThreadPoolExecutor

    maps = []
    t0 = time.monotonic()
    with ThreadPoolExecutor(2) as pool:
        for i in range(0, len(paths), 64):
            ims = list(pool.map(lambda p: np.asarray(load_for_model(p, spec.input_size)[0]), paths[i : i + 64]))
            x = to_input(np.stack(ims), spec.mean, spec.std, torch.device("cpu"))
            with torch.inference_mode():
                maps.append(split.front(x).half().numpy())
            print(
                f"\r  block-{CUT} inputs {i + len(ims)}/{len(paths)} {time.monotonic() - t0:.0f} s",
                end="",
                file=sys.stderr,
                flush=True,
            )
    print(file=sys.stderr)
    arr = np.concatenate(maps)
    np.save(out, arr)
    return arr


def embed(spec, maps: np.ndarray) -> np.ndarray:
    """Embeddings of a model that shares the starting model's first 15 blocks, from the cached maps."""
    import torch
    from torch.nn import functional as F

    from engine.model.weights import build_network

    net = build_network(spec)
    b = net.backbone
    out = []
    with torch.inference_mode():
        for i in range(0, len(maps), 256):
            f = torch.from_numpy(maps[i : i + 256]).float().contiguous(memory_format=torch.channels_last)
            for blk in b._blocks[CUT:]:
                f = blk(f)
            z = F.relu6(b._bn1(b._conv_head(f))).mean(dim=(2, 3))
            out.append(F.normalize(net.head(z) if net.head is not None else z, dim=1).numpy())
    return np.concatenate(out)


def scores_of(spec, emb: np.ndarray, index: dict[str, int], pairs) -> np.ndarray:
    a = emb[[index[p] for p, _ in pairs]]
    b = emb[[index[q] for _, q in pairs]]
    d = np.linalg.norm(a - b, axis=1)
    z = np.clip(spec.calibration.scale * (spec.calibration.offset - d), -60, 60)
    return 1 / (1 + np.exp(-z))


def write_pairs(spec, emb: np.ndarray, paths: list[str], out: Path, k: int = 16, min_score: float = 0.0) -> None:
    """Pairs CSV like a scan's with ``--min-score 0``: each image's k nearest neighbours, whatever their score,
    so AP measures the ranking and not where each model's calibration happens to fall."""
    sim = emb @ emb.T
    np.fill_diagonal(sim, -np.inf)
    nn = np.argpartition(-sim, k, axis=1)[:, :k]
    seen = set()
    with open(out, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["path_a", "path_b", "score"])
        for i in range(len(paths)):
            for j in nn[i]:
                key = (min(i, j), max(i, j))
                if key in seen:
                    continue
                seen.add(key)
                d = float(np.sqrt(max(0.0, 2 - 2 * sim[i, j])))
                s = spec.calibration.score(d)
                if s >= min_score:
                    w.writerow([paths[key[0]], paths[key[1]], f"{s:.12f}"])


def bench_ap(spec, emb, paths, bench: Path, name: str, groups: Path | None = None) -> dict:
    out = WORK / "ft-eval" / f"{name}.csv"
    out.parent.mkdir(parents=True, exist_ok=True)
    write_pairs(spec, emb, paths, out)
    return evaluate(bench, out, spec.threshold, groups=groups, manifest=groups is None)


# ================================================================================================ main
def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", help="starting model folder (default: the bundled model)")
    ap.add_argument("--sizes", default="100,200,400")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--no-blocks", action="store_true", help="skip the --train-blocks 1 measurement")
    ap.add_argument("--notions", default="crops-not-duplicates,grayscale-not-duplicates,default")
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="FinetuneConfig override")
    ap.add_argument("--note", default="", help="a paragraph appended to the RESULTS.md section")
    ap.add_argument("--write", action="store_true", help="write the section into bench/RESULTS.md")
    args = ap.parse_args(argv)
    data = WORK / "ft-data"
    shutil.rmtree(data, ignore_errors=True)
    os.environ["DOPPEL_DATA_DIR"] = str(data)  # versions go here, never into the user's data directory

    from engine.learn.finetune import finetune
    from engine.learn.finetune_types import FinetuneConfig
    from engine.model.versions import save_version
    from engine.model.weights import load_spec

    t_start = time.monotonic()
    bench = build_bench(1)
    paths, group, transform, original = read_bench(bench)
    index = {p: i for i, p in enumerate(paths)}
    copies: dict[str, list[str]] = {}
    for p in paths:
        if transform[p] not in ("original", "distractor"):
            copies.setdefault(original[group[p]], []).append(p)
    origs = sorted(copies)
    others = sorted(p for p in paths if transform[p] == "distractor")
    rng = random.Random(args.seed)
    rng.shuffle(origs)
    pool, held = sorted(origs[: len(origs) // 2]), sorted(origs[len(origs) // 2 :])
    with open(bench / "groups.json") as f:
        groups = json.load(f)
    notion_files: dict[str, Path | None] = {"default": None}
    for notion, fam in FLIPPED.items():  # the bench's groups with that family's copies as singletons
        regrouped = {}
        for g, members in groups.items():
            regrouped[g] = [m for m in members if transform[str(bench / m)] != fam]
            regrouped.update({f"{g}:{fam}{i}": [m] for i, m in enumerate(members) if transform[str(bench / m)] == fam})
        notion_files[notion] = WORK / "ft-eval" / f"groups-{notion}.json"
        notion_files[notion].parent.mkdir(parents=True, exist_ok=True)
        notion_files[notion].write_text(json.dumps(regrouped))

    base = load_spec(args.model)
    print(
        f"starting model {base.model_id} (input {base.input_size}); caching block-{CUT} inputs of {len(paths)} images",
        file=sys.stderr,
    )
    maps = cached_maps(base, paths)
    base_emb = embed(base, maps)
    base_dev = bench_ap(base, base_emb, paths, bench, "base")
    base_notion = {
        n: bench_ap(base, base_emb, paths, bench, f"base-{n}", f) if f else base_dev for n, f in notion_files.items()
    }

    notions = args.notions.split(",")
    settings = [
        ("crops-not-duplicates", n, 0)
        for n in [int(s) for s in args.sizes.split(",")]
        if "crops-not-duplicates" in notions
    ]
    settings += [("grayscale-not-duplicates", 200, 0)] if "grayscale-not-duplicates" in notions else []
    settings += [("default", 200, 0)] if "default" in notions else []
    overrides = {k: type(getattr(FinetuneConfig(), k))(v) for k, v in (a.split("=", 1) for a in args.set)}
    if not args.no_blocks:
        settings += [("crops-not-duplicates", 200, 1)]
    rows, raw = [], []
    for notion, n, blocks in settings:
        labels = make_labels(notion, n, pool, copies, transform, others, args.seed)
        hp, hy, hcrop = heldout_pairs(notion, held, copies, transform, others, args.seed)
        cfg = FinetuneConfig(seed=args.seed, base=args.model, train_blocks=blocks, **overrides)
        t0 = time.monotonic()
        r = finetune(labels, paths, cfg, current=base, log=lambda s: print("   ", s, file=sys.stderr))
        secs = time.monotonic() - t0
        cand = r.spec if r.saved else save_version(r.spec, r.state_dict, "bench-rejected")
        emb = embed(cand, maps)
        before = scores_of(base, base_emb, index, hp) >= base.threshold
        after = scores_of(cand, emb, index, hp) >= cand.threshold
        dev = bench_ap(cand, emb, paths, bench, f"{notion}-{n}-{blocks}")
        ncp = (
            bench_ap(cand, emb, paths, bench, f"{notion}-{n}-{blocks}-notion", notion_files[notion])
            if notion_files[notion]
            else dev
        )
        rec = {
            "notion": notion,
            "labels": n,
            "train_blocks": blocks,
            "seconds": round(secs, 1),
            "agreement_before": float(np.mean(before == hy)),
            "agreement_after": float(np.mean(after == hy)),
            "crop_agreement_before": float(np.mean(before[hcrop] == hy[hcrop])),
            "crop_agreement_after": float(np.mean(after[hcrop] == hy[hcrop])),
            "dev_ap_before": base_dev["ap"],
            "dev_ap_after": dev["ap"],
            "notion_ap_before": base_notion[notion]["ap"],
            "notion_ap_after": ncp["ap"],
            "status": r.status.value,
            "replay_ap": [r.replay_base_ap, r.replay_candidate_ap],
            "rejected": r.details.get("rejected_families", []),
            "holdout": r.details["holdout_labels"],
        }
        raw.append(rec)
        print(json.dumps(rec), file=sys.stderr)
        rows.append(
            [
                notion + (" (+ last block)" if blocks else ""),
                n,
                f"{rec['agreement_before']:.3f} → {rec['agreement_after']:.3f}",
                f"{rec['crop_agreement_before']:.3f} → {rec['crop_agreement_after']:.3f}",
                f"{rec['dev_ap_before']:.4f} → {rec['dev_ap_after']:.4f} "
                f"({rec['dev_ap_after'] - rec['dev_ap_before']:+.4f})",
                f"{rec['notion_ap_before']:.4f} → {rec['notion_ap_after']:.4f}",
                ", ".join(rec["rejected"]) or "–",
                r.status.value,
                f"{secs:.0f} s",
            ]
        )
    header = [
        "labels' notion",
        "labels",
        "held-out agreement",
        "on the held-out crops (grayscale) copies",
        "dev AP (default notion)",
        "AP under the labels' notion",
        "rejected augmentations",
        "outcome",
        "fine-tune time",
    ]
    text = table(rows, header)
    total = time.monotonic() - t_start
    print(text)
    print(f"\nstarting model {base.model_id}; total {total / 60:.1f} min")
    (WORK / "ft-eval" / "results.json").write_text(json.dumps(raw, indent=1))
    if args.write:
        body = (
            f"Starting model `{base.model_id}` (input {base.input_size}). Simulated users label pairs of the dev "
            f"bench (seed 1) from 250 originals; agreement is on the other 250 originals' {len(hp) // 2} "
            f"(original, copy) pairs plus as many unrelated pairs, at each model's threshold. Dev AP: the whole "
            f'bench, default notion (evaluate.py); "AP under the labels\' notion": the same with the flipped '
            f"family's copies as singletons. Fine-tune time includes reading, augmenting and analysing the "
            f"images on this CPU (shared with other jobs), with the default FinetuneConfig (head only).\n\n"
            f"{text}\n\n"
            f"Total benchmark time {total / 60:.1f} min.\n\n{args.note}"
        )
        cmd = "python bench/bench_finetune.py --write --no-blocks" + (f" --model {args.model}" if args.model else "")
        write_section("Fine-tuning (issue 5)", body, cmd)
    return 0


if __name__ == "__main__":
    sys.exit(main())
