"""Embeddings for bench_finetune.py: every bench image's block-15 input is computed once with the starting model
and cached, so each fine-tuned candidate (head and last block only) is scored on the whole bench in seconds.

Import after ``engine.runtime.quiet_openmp()`` has run (bench_finetune.py does), before numpy and torch load.
"""

from __future__ import annotations

import csv
import sys
import time
from pathlib import Path

import numpy as np

from bench.common import WORK, evaluate

CUT = 15  # cached: the input of the last MBConv block


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
