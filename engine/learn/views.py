"""Training photos, their augmented views and the cache of the frozen front's feature maps of every view.

The front runs once over pre-generated views (view 0 the clean photo, the rest random transformed copies);
its maps are cached as float16 in a .npy memmap that fills in chunks, so a cancelled run resumes.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing as mp
import random
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch

from engine.learn.split_branch import SplitBranch, channels_last
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


def make_views(job: tuple[str, int, int, int]) -> tuple[np.ndarray, list[str]]:
    """Worker: view 0 is the clean photo, the others random transformed copies; all squashed as at inference."""
    from PIL import Image

    from engine.learn.augment import random_base_aspect, random_view, squash

    path, n_views, size, seed = job
    with Image.open(path) as f:
        im = f.convert("RGB")
    out = np.empty((n_views, size, size, 3), np.uint8)
    names = ["clean"]
    out[0] = squash(im, size)
    for v in range(1, n_views):
        rng = random.Random(f"{seed}:{Path(path).name}:{v}")
        view, fams = random_view(random_base_aspect(im, rng), rng)
        out[v] = squash(view, size)
        names.append("+".join(fams))
    return out, names


class FeatureCache:
    """Front feature maps of every view, float16 in a .npy memmap; fills in chunks, so it resumes too."""

    def __init__(self, folder: Path, key: str, n: int, views: int, shape: tuple[int, ...]) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.path = folder / f"feats-{key}.npy"
        self.meta_path = folder / f"feats-{key}.json"
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

    def commit(self, done: int, families: list[list[str]]) -> None:
        self.maps.flush()  # type: ignore[attr-defined]  # a memmap
        self.meta["done"] = done
        self.meta["families"].extend(families)
        self.meta_path.write_text(json.dumps(self.meta))


def build_cache(
    split: SplitBranch,
    files: Sequence[Path],
    views: int,
    *,
    size: int,
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
    """The cache of ``files`` x ``views`` in ``folder``, filled from where a previous run stopped; the views are
    made on ``workers`` processes and normalised by ``mean`` / ``std`` as the exported spec records. The key
    covers everything that changes the maps, so runs can share a folder.
    """
    with torch.inference_mode():
        shape = tuple(split.front(torch.zeros(1, 3, size, size, device=device)).shape[1:])
    digest = hashlib.sha1(json.dumps([seed, size, split.cut, views, [f.name for f in files]]).encode())
    cache = FeatureCache(folder, f"{name}-{digest.hexdigest()[:10]}", len(files), views, shape)
    todo = [(str(f), views, size, seed) for f in files[cache.done :]]
    if not todo:
        return cache
    progress.report(phase, cache.done, len(files))
    chunk = 16
    ctx = mp.get_context("spawn" if torch.cuda.is_available() else "fork")
    with ctx.Pool(workers) as pool:
        done, fams, pending = cache.done, [], []
        for arr, names in pool.imap(make_views, todo, chunksize=2):
            pending.append(arr)
            fams.append(names)
            if len(pending) == chunk or done + len(pending) == len(files):
                batch = np.concatenate(pending)
                with torch.inference_mode():
                    maps = torch.cat(
                        [split.front(to_input(batch[i : i + 16], mean, std, device)) for i in range(0, len(batch), 16)]
                    )
                cache.maps[done : done + len(pending)] = maps.reshape(len(pending), views, *shape).half().cpu().numpy()
                done += len(pending)
                cache.commit(done, fams)
                pending, fams = [], []
                progress.report(phase, done, len(files))
    return cache


def embed_cache(split: SplitBranch, maps: np.ndarray, device: torch.device, batch: int = 64) -> np.ndarray:
    """Embeddings of every cached view, (n * views, dim), in photo-major order."""
    flat = maps.reshape(-1, *maps.shape[2:])
    out = []
    with torch.inference_mode():
        for i in range(0, len(flat), batch):
            x = torch.from_numpy(np.asarray(flat[i : i + batch])).float().to(device)
            out.append(split.tail(channels_last(x)).cpu())
    return torch.cat(out).numpy()
