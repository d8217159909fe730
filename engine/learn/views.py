"""Training instances, their augmented views and the cache of the frozen front's feature maps of every view.

The front runs once over pre-generated views (view 0 the clean instance, the rest random transformed copies,
:mod:`engine.learn.instances`); its maps are cached as float16 in a .npy memmap that fills in chunks, so a
cancelled run resumes.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing as mp
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
import torch

from engine.learn.instances import Instance, make_instances, render_views
from engine.learn.split_branch import SplitBranch, channels_last
from engine.learn.splits import part
from engine.model.transforms import to_input
from engine.progress import Phase, Progress

IMG_EXT = (".jpg", ".jpeg", ".png", ".webp")


def list_photos(data: str | Path, max_photos: int | None = None) -> list[Path]:
    files = sorted(p for p in Path(data).iterdir() if p.suffix.lower() in IMG_EXT)
    if not files:
        raise FileNotFoundError(f"no training images in {data}")
    return files[:max_photos] if max_photos else files


def split_val(files: Sequence[Path], n_val: int, seed: int) -> tuple[list[Path], list[Path]]:
    """Deterministic hold-out: rank by sha1(seed:name); the first n_val are validation."""
    ranked = sorted(files, key=lambda p: hashlib.sha1(f"{seed}:{p.name}".encode()).hexdigest())
    n_val = min(n_val, len(files) // 5) if len(files) < 5 * n_val else n_val
    return sorted(ranked[n_val:]), sorted(ranked[:n_val])


def training_instances(
    cfg_data: str | Path, halves: float, seed: int, val_photos: int, max_photos: int | None = None
) -> tuple[list[Instance], list[Instance]]:
    """(training, held-out) instances. The shared data root is cut by :mod:`engine.learn.splits` (its "calib" part
    is the held-out split); a plain folder of photos holds out ``val_photos`` of its own."""
    root = Path(cfg_data)
    if (root / "train").is_dir() or (root / "train-extra").is_dir():
        train_files, held_files = part(root, "train"), part(root, "calib")
        if max_photos:
            train_files = {s: f[:max_photos] for s, f in train_files.items()}
    else:
        tr, va = split_val(list_photos(root, max_photos), val_photos, seed)
        train_files, held_files = {"photos": tr}, {"photos": va}
    return make_instances(train_files, halves, seed), make_instances(held_files, halves, seed)


def cache_key(instances: Sequence[Instance], **recipe: object) -> str:
    h = hashlib.sha1(json.dumps(recipe, sort_keys=True).encode())
    for inst in instances:
        h.update(json.dumps(asdict(inst)).encode())
    return h.hexdigest()[:12]


def _render(job: tuple[Instance, int, int, str, int]) -> tuple[np.ndarray, list[str]]:
    return render_views(*job)


class FeatureCache:
    """Front feature maps of every view, float16 in a .npy memmap; fills in chunks, so it resumes too.
    ``families[i][v]`` names the edits that made view ``v`` of instance ``i`` ("clean" for view 0)."""

    def __init__(self, path: Path, n: int, views: int, shape: tuple[int, ...]) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.meta_path = path.with_suffix(".json")
        meta: dict[str, Any] | None = json.loads(self.meta_path.read_text()) if self.meta_path.exists() else None
        if meta is None or not self.path.exists():
            self.maps: np.ndarray = np.lib.format.open_memmap(self.path, "w+", np.float16, (n, views, *shape))
            meta = {"done": 0, "families": []}
        else:
            self.maps = np.load(self.path, mmap_mode="r+")
        self.meta = meta

    @property
    def done(self) -> int:
        return int(self.meta["done"])

    @property
    def families(self) -> list[list[str]]:
        fams: list[list[str]] = self.meta["families"]
        return fams

    def commit(self, done: int, families: list[list[str]]) -> None:
        self.maps.flush()  # type: ignore[attr-defined]  # a memmap
        self.meta["done"] = done
        self.meta["families"].extend(families)
        tmp = self.meta_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.meta))
        tmp.replace(self.meta_path)


def build_cache(
    split: SplitBranch,
    instances: Sequence[Instance],
    views: int,
    *,
    size: int,
    mode: str,
    seed: int,
    mean: float,
    std: float,
    folder: Path,
    name: str,
    phase: Phase,
    workers: int,
    device: torch.device,
    progress: Progress,
) -> FeatureCache:
    """The cache of ``instances`` x ``views`` in ``folder``, filled from where a previous run stopped; the views are
    rendered on ``workers`` processes, fitted by ``mode`` and normalised by ``mean`` / ``std`` as the exported spec
    records. The key covers everything that changes the maps, so runs can share a folder.
    """
    with torch.inference_mode():
        shape = tuple(split.front(torch.zeros(1, 3, size, size, device=device)).shape[1:])
    key = cache_key(instances, views=views, size=size, mode=mode, seed=seed, cut=split.cut, net="lite0")
    cache = FeatureCache(folder / f"views-{name}-{mode}-{key}.npy", len(instances), views, shape)
    todo = [(inst, views, size, mode, seed) for inst in instances[cache.done :]]
    if not todo:
        return cache
    progress.report(phase, cache.done, len(instances))
    chunk = 16
    ctx = mp.get_context("spawn" if torch.cuda.is_available() else "fork")
    with ctx.Pool(workers) as pool:
        done, fams, pending = cache.done, [], []
        for arr, names in pool.imap(_render, todo, chunksize=2):
            pending.append(arr)
            fams.append(names)
            if len(pending) == chunk or done + len(pending) == len(instances):
                batch = np.concatenate(pending)
                with torch.inference_mode():
                    maps = torch.cat(
                        [split.front(to_input(batch[i : i + 32], mean, std, device)) for i in range(0, len(batch), 32)]
                    )
                cache.maps[done : done + len(pending)] = maps.reshape(len(pending), views, *shape).half().cpu().numpy()
                done += len(pending)
                cache.commit(done, fams)
                pending, fams = [], []
                progress.report(phase, done, len(instances))
    return cache


def embed_cache(split: SplitBranch, maps: np.ndarray, device: torch.device, batch: int = 64) -> np.ndarray:
    """Embeddings of every cached view, (n * views, dim), in instance-major order."""
    flat = maps.reshape(-1, *maps.shape[2:])
    out = []
    with torch.inference_mode():
        for i in range(0, len(flat), batch):
            x = torch.from_numpy(np.asarray(flat[i : i + batch])).float().to(device)
            out.append(split.tail(channels_last(x)).cpu())
    return torch.cat(out).numpy()
