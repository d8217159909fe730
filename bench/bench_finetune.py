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
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from engine.runtime import quiet_openmp  # noqa: E402

quiet_openmp()  # before numpy, torch and faiss load

import numpy as np  # noqa: E402

from bench.common import WORK, build_bench, table, write_section  # noqa: E402
from bench.finetune_embeddings import CUT, bench_ap, cached_maps, embed, scores_of  # noqa: E402

if TYPE_CHECKING:
    from engine.learn.finetune_types import FinetuneConfig
    from engine.model.weights import ModelSpec


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


# ================================================================================================ main
HEADER = [
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


@dataclass(frozen=True)
class Split:
    """The bench read once: who labels (``pool``), who is held out, each original's copies, the distractors."""

    bench: Path
    paths: list[str]
    index: dict[str, int]
    transform: dict[str, str]
    copies: dict[str, list[str]]
    pool: list[str]
    held: list[str]
    others: list[str]


@dataclass(frozen=True)
class Baseline:
    """The starting model, its cached block inputs and embeddings, and its APs, so each candidate is compared
    with the same numbers."""

    spec: ModelSpec
    maps: np.ndarray
    emb: np.ndarray
    dev: dict
    notion: dict[str, dict]


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", help="starting model folder (default: the bundled model)")
    ap.add_argument("--sizes", default="100,200,400")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--no-blocks", action="store_true", help="skip the --train-blocks 1 measurement")
    ap.add_argument("--notions", default="crops-not-duplicates,grayscale-not-duplicates,default")
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="FinetuneConfig override")
    ap.add_argument("--note", default="", help="a paragraph appended to the RESULTS.md section")
    ap.add_argument("--write", action="store_true", help="write the section into bench/RESULTS.md")
    return ap.parse_args(argv)


def split_bench(bench: Path, seed: int) -> Split:
    """Half of the originals label, the other half is held out (shuffled by ``seed``)."""
    paths, group, transform, original = read_bench(bench)
    copies: dict[str, list[str]] = {}
    for p in paths:
        if transform[p] not in ("original", "distractor"):
            copies.setdefault(original[group[p]], []).append(p)
    origs = sorted(copies)
    others = sorted(p for p in paths if transform[p] == "distractor")
    rng = random.Random(seed)
    rng.shuffle(origs)
    pool, held = sorted(origs[: len(origs) // 2]), sorted(origs[len(origs) // 2 :])
    index = {p: i for i, p in enumerate(paths)}
    return Split(bench, paths, index, transform, copies, pool, held, others)


def write_notion_groups(bench: Path, transform: dict[str, str]) -> dict[str, Path | None]:
    """Each notion's groups file: the bench's groups with the flipped family's copies as singletons."""
    with open(bench / "groups.json") as f:
        groups = json.load(f)
    notion_files: dict[str, Path | None] = {"default": None}
    for notion, fam in FLIPPED.items():
        regrouped = {}
        for g, members in groups.items():
            regrouped[g] = [m for m in members if transform[str(bench / m)] != fam]
            regrouped.update({f"{g}:{fam}{i}": [m] for i, m in enumerate(members) if transform[str(bench / m)] == fam})
        out = WORK / "ft-eval" / f"groups-{notion}.json"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(regrouped))
        notion_files[notion] = out
    return notion_files


def measure_baseline(model: str | None, split: Split, notion_files: dict[str, Path | None]) -> Baseline:
    from engine.model.weights import load_spec

    base = load_spec(model)
    paths, bench = split.paths, split.bench
    print(
        f"starting model {base.model_id} (input {base.input_size}); caching block-{CUT} inputs of {len(paths)} images",
        file=sys.stderr,
    )
    maps = cached_maps(base, paths)
    emb = embed(base, maps)
    dev = bench_ap(base, emb, paths, bench, "base")
    notion = {n: bench_ap(base, emb, paths, bench, f"base-{n}", f) if f else dev for n, f in notion_files.items()}
    return Baseline(base, maps, emb, dev, notion)


def plan_settings(args: argparse.Namespace) -> list[tuple[str, int, int]]:
    """(notion, number of labels, backbone blocks trained) of each fine-tune to measure."""
    notions = args.notions.split(",")
    settings = [
        ("crops-not-duplicates", n, 0)
        for n in [int(s) for s in args.sizes.split(",")]
        if "crops-not-duplicates" in notions
    ]
    settings += [("grayscale-not-duplicates", 200, 0)] if "grayscale-not-duplicates" in notions else []
    settings += [("default", 200, 0)] if "default" in notions else []
    if not args.no_blocks:
        settings += [("crops-not-duplicates", 200, 1)]
    return settings


def measure_setting(
    setting: tuple[str, int, int],
    cfg: FinetuneConfig,
    split: Split,
    base: Baseline,
    notion_files: dict[str, Path | None],
    seed: int,
) -> tuple[dict, float]:
    """One fine-tune from simulated labels, scored before and after; the record and its exact seconds."""
    from engine.learn.finetune import finetune
    from engine.model.versions import save_version

    notion, n, blocks = setting
    s = split
    labels = make_labels(notion, n, s.pool, s.copies, s.transform, s.others, seed)
    hp, hy, hcrop = heldout_pairs(notion, s.held, s.copies, s.transform, s.others, seed)
    t0 = time.monotonic()
    r = finetune(labels, s.paths, cfg, current=base.spec, log=lambda m: print("   ", m, file=sys.stderr))
    secs = time.monotonic() - t0
    cand = r.spec if r.saved else save_version(r.spec, r.state_dict, "bench-rejected")
    emb = embed(cand, base.maps)
    before = scores_of(base.spec, base.emb, s.index, hp) >= base.spec.threshold
    after = scores_of(cand, emb, s.index, hp) >= cand.threshold
    dev = bench_ap(cand, emb, s.paths, s.bench, f"{notion}-{n}-{blocks}")
    ncp = (
        bench_ap(cand, emb, s.paths, s.bench, f"{notion}-{n}-{blocks}-notion", notion_files[notion])
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
        "dev_ap_before": base.dev["ap"],
        "dev_ap_after": dev["ap"],
        "notion_ap_before": base.notion[notion]["ap"],
        "notion_ap_after": ncp["ap"],
        "status": r.status.value,
        "replay_ap": [r.replay_base_ap, r.replay_candidate_ap],
        "rejected": r.details.get("rejected_families", []),
        "holdout": r.details["holdout_labels"],
    }
    return rec, secs


def table_row(rec: dict, secs: float) -> list:
    return [
        rec["notion"] + (" (+ last block)" if rec["train_blocks"] else ""),
        rec["labels"],
        f"{rec['agreement_before']:.3f} → {rec['agreement_after']:.3f}",
        f"{rec['crop_agreement_before']:.3f} → {rec['crop_agreement_after']:.3f}",
        f"{rec['dev_ap_before']:.4f} → {rec['dev_ap_after']:.4f} ({rec['dev_ap_after'] - rec['dev_ap_before']:+.4f})",
        f"{rec['notion_ap_before']:.4f} → {rec['notion_ap_after']:.4f}",
        ", ".join(rec["rejected"]) or "–",
        rec["status"],
        f"{secs:.0f} s",
    ]


def write_results(args: argparse.Namespace, base: ModelSpec, text: str, total: float, held_pairs: int) -> None:
    body = (
        f"Starting model `{base.model_id}` (input {base.input_size}). Simulated users label pairs of the dev "
        f"bench (seed 1) from 250 originals; agreement is on the other 250 originals' {held_pairs} "
        f"(original, copy) pairs plus as many unrelated pairs, at each model's threshold. Dev AP: the whole "
        f'bench, default notion (evaluate.py); "AP under the labels\' notion": the same with the flipped '
        f"family's copies as singletons. Fine-tune time includes reading, augmenting and analysing the "
        f"images on this CPU (shared with other jobs), with the default FinetuneConfig (head only). "
        f'Outcome "saved": saved and used (better on the held-out labels, no loss on the guard set); the '
        f"others are saved but not used.\n\n"
        f"{text}\n\n"
        f"Total benchmark time {total / 60:.1f} min.\n\n{args.note}"
    )
    cmd = "python bench/bench_finetune.py " + " ".join(sys.argv[1:])  # as run: it used to claim --no-blocks
    write_section("Fine-tuning (issue 5)", body, cmd)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    data = WORK / "ft-data"
    shutil.rmtree(data, ignore_errors=True)
    os.environ["DOPPEL_DATA_DIR"] = str(data)  # versions go here, never into the user's data directory

    from engine.learn.finetune_types import FinetuneConfig

    t_start = time.monotonic()
    split = split_bench(build_bench(1), args.seed)
    notion_files = write_notion_groups(split.bench, split.transform)
    base = measure_baseline(args.model, split, notion_files)
    overrides = {k: type(getattr(FinetuneConfig(), k))(v) for k, v in (a.split("=", 1) for a in args.set)}
    rows, raw = [], []
    for setting in plan_settings(args):
        cfg = FinetuneConfig(seed=args.seed, base=args.model, train_blocks=setting[2], **overrides)
        rec, secs = measure_setting(setting, cfg, split, base, notion_files, args.seed)
        raw.append(rec)
        print(json.dumps(rec), file=sys.stderr)
        rows.append(table_row(rec, secs))
    text = table(rows, HEADER)
    total = time.monotonic() - t_start
    print(text)
    print(f"\nstarting model {base.spec.model_id}; total {total / 60:.1f} min")
    (WORK / "ft-eval" / "results.json").write_text(json.dumps(raw, indent=1))
    if args.write:
        held_pairs = sum(len(split.copies[o]) for o in split.held)  # each held-out (original, copy) pair
        write_results(args, base.spec, text, total, held_pairs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
