"""Siamese training of the shared branch: losses, in-batch mining, view caching, the loop, calibration, export.

Design (measured on a 2-core CPU, see resources/model/MODEL_CARD.md): the stem and the first ``cut`` MBConv
blocks keep their ImageNet weights and run once over pre-generated augmented views; their feature maps are
cached as float16. Training then runs only the tail (the remaining blocks, the 1x1 head conv and the projection
MLP) on those maps, with different view pairs every epoch. The result is an ordinary ``SiameseBranch`` state
dict, so inference is the usual full network.
"""

from __future__ import annotations

import hashlib
import json
import math
import multiprocessing as mp
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from engine.calibration import (  # noqa: F401  (re-exported: training is where callers look for them)
    average_precision,
    best_f1,
    choose_threshold,
    fit_calibration,
    pair_distances,
)
from engine.losses import (  # noqa: F401
    ContrastiveLoss,
    Miner,
    TripletLoss,
    euclidean,
    hard_miner,
    make_loss,
    semihard_miner,
    squared_euclidean,
)
from engine.progress import NULL_PROGRESS, Progress

IMG_EXT = (".jpg", ".jpeg", ".png", ".webp")


# ================================================================================================ the network split
class SplitBranch(nn.Module):
    """A ``SiameseBranch`` seen as a frozen front (stem + first ``cut`` blocks) and a trainable tail."""

    def __init__(self, branch: nn.Module, cut: int) -> None:
        super().__init__()
        self.branch, self.cut = branch, cut
        b = branch.backbone
        for m in [b._conv_stem, b._bn0, *b._blocks[:cut]]:
            for p in m.parameters():
                p.requires_grad_(False)

    def tail_parameters(self) -> tuple[list[nn.Parameter], list[nn.Parameter]]:
        b = self.branch.backbone
        body = [p for m in [*b._blocks[self.cut :], b._conv_head, b._bn1] for p in m.parameters()]
        return body, list(self.branch.head.parameters())

    def front(self, x: torch.Tensor) -> torch.Tensor:
        b = self.branch.backbone
        x = F.relu6(b._bn0(b._conv_stem(x)))
        for blk in b._blocks[: self.cut]:
            x = blk(x)
        return x

    def tail(self, f: torch.Tensor) -> torch.Tensor:
        b = self.branch.backbone
        for blk in b._blocks[self.cut :]:
            f = blk(f)
        z = F.relu6(b._bn1(b._conv_head(f))).mean(dim=(2, 3))
        return F.normalize(self.branch.head(z), dim=1)


def normalise(batch_uint8: np.ndarray, device) -> torch.Tensor:
    """N,H,W,3 uint8 -> N,3,H,W float, (pixel - 127) / 128 as the Lite weights expect."""
    x = torch.from_numpy(batch_uint8).to(device)
    return _cl((x.permute(0, 3, 1, 2).float() - 127.0) / 128.0)


def _cl(x: torch.Tensor) -> torch.Tensor:
    """channels_last: 2-4x faster depthwise convolutions with oneDNN on a CPU (measured), harmless on CUDA."""
    return x.contiguous(memory_format=torch.channels_last)


# ================================================================================================ configuration
@dataclass(frozen=True)
class TrainConfig:
    data: str
    out: str
    loss: str = "triplet"
    mining: str = "semihard"
    margin: float | None = None
    epochs: int = 8
    seed: int = 0
    input_size: int = 160
    cut: int = 11
    embedding_dim: int = 256
    hidden: int = 512
    views: int = 5  # per training photo: the clean one plus views-1 augmented ones
    val_photos: int = 500
    batch_photos: int = 64
    lr: float = 1e-3  # projection head
    body_lr: float = 3e-4  # trained backbone blocks
    weight_decay: float = 1e-4
    warmup_steps: int = 50
    max_photos: int | None = None  # a smaller run (tests, quick looks)
    time_limit_min: float | None = None  # stop training (then calibrate and export) after this long
    stop_epoch: int | None = None  # pause after this epoch (same schedule), e.g. to compare losses, then resume
    workers: int = 2
    device: str = "auto"
    cache_dir: str | None = None  # default: <out>/cache


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


# ================================================================================================ views and their cache
def _make_views(job: tuple[str, int, int, int]) -> tuple[np.ndarray, list[str]]:
    """Worker: view 0 is the clean photo, the others random transformed copies; all squashed as at inference."""
    from PIL import Image

    from engine.model.augment import random_view, squash

    path, n_views, size, seed = job
    with Image.open(path) as im:
        im.load()
        im = im.convert("RGB")
    out = np.empty((n_views, size, size, 3), np.uint8)
    names = ["clean"]
    out[0] = squash(im, size)
    from engine.model.augment import random_base_aspect

    for v in range(1, n_views):
        rng = random.Random(f"{seed}:{Path(path).name}:{v}")
        view, fams = random_view(random_base_aspect(im, rng), rng)
        out[v] = squash(view, size)
        names.append("+".join(fams))
    return out, names


class FeatureCache:
    """Front feature maps of every view, float16 in a .npy memmap; fills in chunks, so it resumes too."""

    def __init__(self, folder: Path, key: str, n: int, views: int, shape: tuple[int, int, int]) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.path = folder / f"feats-{key}.npy"
        self.meta_path = folder / f"feats-{key}.json"
        meta = json.loads(self.meta_path.read_text()) if self.meta_path.exists() else None
        if meta is None or not self.path.exists():
            self.maps = np.lib.format.open_memmap(self.path, "w+", np.float16, (n, views, *shape))
            meta = {"done": 0, "families": []}
        else:
            self.maps = np.load(self.path, mmap_mode="r+")
        self.meta = meta

    @property
    def done(self) -> int:
        return self.meta["done"]

    def commit(self, done: int, families: list[list[str]]) -> None:
        self.maps.flush()
        self.meta["done"] = done
        self.meta["families"].extend(families)
        self.meta_path.write_text(json.dumps(self.meta))


def build_cache(
    split: SplitBranch, files: Sequence[Path], views: int, cfg: TrainConfig, name: str, device, progress: Progress
) -> FeatureCache:
    size = cfg.input_size
    with torch.inference_mode():
        shape = tuple(split.front(torch.zeros(1, 3, size, size, device=device)).shape[1:])
    digest = hashlib.sha1(json.dumps([cfg.seed, size, cfg.cut, views, [f.name for f in files]]).encode())
    cache = FeatureCache(
        Path(cfg.cache_dir or Path(cfg.out) / "cache"), f"{name}-{digest.hexdigest()[:10]}", len(files), views, shape
    )
    todo = [(str(f), views, size, cfg.seed) for f in files[cache.done :]]
    if not todo:
        return cache
    progress.report(f"views-{name}", cache.done, len(files))
    chunk = 16
    ctx = mp.get_context("spawn" if torch.cuda.is_available() else "fork")
    with ctx.Pool(cfg.workers) as pool:
        done, fams, pending = cache.done, [], []
        for arr, names in pool.imap(_make_views, todo, chunksize=2):
            pending.append(arr)
            fams.append(names)
            if len(pending) == chunk or done + len(pending) == len(files):
                batch = np.concatenate(pending)
                with torch.inference_mode():
                    maps = torch.cat(
                        [split.front(normalise(batch[i : i + 16], device)) for i in range(0, len(batch), 16)]
                    )
                cache.maps[done : done + len(pending)] = maps.reshape(len(pending), views, *shape).half().cpu().numpy()
                done += len(pending)
                cache.commit(done, fams)
                pending, fams = [], []
                progress.report(f"views-{name}", done, len(files))
    return cache


# ================================================================================================ evaluation
def embed_cache(split: SplitBranch, maps: np.ndarray, device, batch: int = 64) -> np.ndarray:
    """Embeddings of every cached view, (n * views, dim), in photo-major order."""
    flat = maps.reshape(-1, *maps.shape[2:])
    out = []
    with torch.inference_mode():
        for i in range(0, len(flat), batch):
            out.append(split.tail(_cl(torch.from_numpy(np.asarray(flat[i : i + batch])).float().to(device))).cpu())
    return torch.cat(out).numpy()


def validate(split: SplitBranch, maps: np.ndarray, device) -> dict:
    emb = embed_cache(split, maps, device)
    labels = np.repeat(np.arange(maps.shape[0]), maps.shape[1])
    dist, same = pair_distances(emb, labels)
    f1, p, r, t = best_f1(dist, same)
    return {
        "ap": average_precision(dist, same),
        "f1": f1,
        "precision": p,
        "recall": r,
        "distance": t,
        "_dist": dist,
        "_same": same,
    }


# ================================================================================================ the loop
@dataclass
class TrainResult:
    model_dir: Path | None
    history: list[dict]
    best: dict
    seconds: float


def _device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise RuntimeError("--device cuda was asked for, but no CUDA GPU is available")
    return torch.device(name)


def _lr_factor(step: int, total: int, warmup: int) -> float:
    if step < warmup:
        return (step + 1) / warmup
    return 0.5 * (1 + math.cos(math.pi * min(1.0, (step - warmup) / max(1, total - warmup))))


def _epoch_pairs(seed: int, epoch: int, n: int, views: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The photo order and, per photo, two different views: half the pairs are clean vs transformed."""
    rng = np.random.default_rng([seed, epoch])
    perm = rng.permutation(n)
    v1 = np.where(rng.random(n) < 0.5, 0, rng.integers(1, views, n))
    off = rng.integers(1, views, n)  # any other view
    v2 = (v1 + off) % views
    return perm, v1, v2


def build_split(cfg: TrainConfig, device) -> SplitBranch:
    from engine.model.network import SiameseBranch, load_imagenet_backbone

    torch.manual_seed(cfg.seed)
    branch = SiameseBranch(cfg.embedding_dim, cfg.hidden)
    load_imagenet_backbone(branch.backbone)
    branch.eval()  # BatchNorm keeps its ImageNet statistics; its affine parameters still train
    return SplitBranch(branch, cfg.cut).to(device).to(memory_format=torch.channels_last)


def train_step(
    split: SplitBranch, loss_fn: nn.Module, opt: torch.optim.Optimizer, maps: torch.Tensor, labels: torch.Tensor
) -> float:
    emb = split.tail(maps)
    loss = loss_fn(emb, labels)
    opt.zero_grad(set_to_none=True)
    loss.backward()
    opt.step()
    return float(loss.detach())


def train(
    cfg: TrainConfig,
    progress: Progress = NULL_PROGRESS,
    resume: bool = False,
    on_epoch: Callable[[dict], None] | None = None,
    log: Callable[[str], None] = lambda s: None,
) -> TrainResult:
    """Train, keep the best epoch by validation AP, calibrate on the validation split, export a model folder.

    ``progress`` reports phases (views-train, views-val, train) and carries the cancel token; on cancel the
    checkpoint is written and :class:`~engine.progress.Cancelled` propagates. ``resume`` continues from
    ``<out>/checkpoint.pt`` (the cached feature maps are reused either way).
    """
    t0 = time.monotonic()
    out = Path(cfg.out)
    out.mkdir(parents=True, exist_ok=True)
    device = _device(cfg.device)
    random.seed(cfg.seed)
    np.random.seed(cfg.seed)
    split = build_split(cfg, device)
    files = list_photos(cfg.data, cfg.max_photos)
    train_files, val_files = split_val(files, cfg.val_photos, cfg.seed)
    log(
        f"{len(train_files)} training photos x {cfg.views} views, {len(val_files)} validation photos, "
        f"input {cfg.input_size}, cut after block {cfg.cut}, device {device}"
    )
    tr = build_cache(split, train_files, cfg.views, cfg, "train", device, progress)
    va = build_cache(split, val_files, max(2, cfg.views - 1), cfg, "val", device, progress)
    log(f"feature cache ready after {time.monotonic() - t0:.0f}s: {tr.path} {tuple(tr.maps.shape)}")
    train_maps = np.asarray(tr.maps)  # into RAM: random batches from a memmap are slow
    body, head = split.tail_parameters()
    opt = torch.optim.AdamW(
        [{"params": body, "lr": cfg.body_lr}, {"params": head, "lr": cfg.lr}], weight_decay=cfg.weight_decay
    )
    base_lrs = [cfg.body_lr, cfg.lr]
    loss_fn = make_loss(cfg.loss, cfg.mining, cfg.margin)
    n, B = len(train_files), cfg.batch_photos
    steps = max(1, n // B)
    total = cfg.epochs * steps
    state = {"epoch": 0, "batch": 0, "step": 0, "best": {"ap": -1.0}, "history": [], "elapsed": 0.0}
    best_state = None
    ckpt = out / "checkpoint.pt"
    if resume and ckpt.exists():
        saved = torch.load(ckpt, map_location="cpu", weights_only=True)
        split.branch.load_state_dict(saved["model"])
        opt.load_state_dict(saved["optimizer"])
        state = saved["state"]
        best_state = saved.get("best_model")
        torch.set_rng_state(saved["torch_rng"])
        log(f"resumed at epoch {state['epoch']} batch {state['batch']} (step {state['step']})")

    def save_checkpoint() -> None:
        tmp = ckpt.with_suffix(".tmp")
        torch.save(
            {
                "model": split.branch.state_dict(),
                "optimizer": opt.state_dict(),
                "state": state,
                "best_model": best_state,
                "torch_rng": torch.get_rng_state(),
                "config": asdict(cfg),
            },
            tmp,
        )
        tmp.replace(ckpt)

    labels = torch.arange(B, device=device).repeat(2)
    run_start = time.monotonic() - state["elapsed"]
    last_save = time.monotonic()
    stop = False
    try:
        while state["epoch"] < cfg.epochs and not stop:
            perm, v1, v2 = _epoch_pairs(cfg.seed, state["epoch"], n, cfg.views)
            losses = []
            while state["batch"] < steps:
                idx = np.sort(perm[state["batch"] * B : (state["batch"] + 1) * B])
                x = np.concatenate([train_maps[idx, v1[idx]], train_maps[idx, v2[idx]]])
                f = lr = _lr_factor(state["step"], total, cfg.warmup_steps)
                for g, base in zip(opt.param_groups, base_lrs):
                    g["lr"] = base * f
                losses.append(
                    train_step(
                        split,
                        loss_fn,
                        opt,
                        _cl(torch.from_numpy(x).float().to(device)),
                        labels[: 2 * len(idx)] if len(idx) == B else torch.arange(len(idx), device=device).repeat(2),
                    )
                )
                state["batch"] += 1
                state["step"] += 1
                state["elapsed"] = time.monotonic() - run_start
                progress.report("train", state["step"], total)
                if state["step"] % 20 == 0:
                    log(
                        f"epoch {state['epoch'] + 1} step {state['step']}/{total} loss {np.mean(losses[-20:]):.4f} "
                        f"lr x{lr:.2f} {state['elapsed'] / 60:.1f} min"
                    )
                if time.monotonic() - last_save > 300:
                    save_checkpoint()
                    last_save = time.monotonic()
                if cfg.time_limit_min and state["elapsed"] > cfg.time_limit_min * 60:
                    log("time limit reached: stopping after this step")
                    stop = True
                    break
            if state["batch"] >= steps or stop:
                m = validate(split, va.maps, device)
                rec = {
                    "epoch": state["epoch"] + 1,
                    "step": state["step"],
                    "loss": float(np.mean(losses or [0])),
                    "minutes": state["elapsed"] / 60,
                    **{k: v for k, v in m.items() if not k.startswith("_")},
                }
                state["history"].append(rec)
                log("validation " + json.dumps(rec))
                if rec["ap"] > state["best"]["ap"]:
                    state["best"] = rec
                    best_state = {k: v.detach().cpu().clone() for k, v in split.branch.state_dict().items()}
                if on_epoch:
                    on_epoch(rec)
                if not stop:
                    state["epoch"] += 1
                    state["batch"] = 0
                    stop = cfg.stop_epoch is not None and state["epoch"] >= cfg.stop_epoch
            save_checkpoint()
            last_save = time.monotonic()
    except BaseException:
        save_checkpoint()
        raise
    if best_state is not None:
        split.branch.load_state_dict(best_state)
    model_dir = export(split, va.maps, cfg, state, device, log)
    return TrainResult(model_dir, state["history"], state["best"], time.monotonic() - t0)


# ================================================================================================ export
def export(
    split: SplitBranch, val_maps: np.ndarray, cfg: TrainConfig, state: dict, device, log: Callable[[str], None]
) -> Path:
    """Calibrate on the validation split, then write ``<out>/model``: weights.pt + model.json."""
    from engine.model.weights import Calibration, ModelSpec, model_id_for, save_spec

    m = validate(split, val_maps, device)
    scale, offset = fit_calibration(m["_dist"], m["_same"])
    cal = Calibration(scale, offset)
    t_dist, t_f1, t_p, t_r = choose_threshold(m["_dist"], m["_same"])
    threshold = round(cal.score(t_dist), 3)
    folder = Path(cfg.out) / "model"
    folder.mkdir(parents=True, exist_ok=True)
    weights = folder / "weights.pt"
    sd = {k: v.detach().cpu().contiguous().clone() for k, v in split.branch.state_dict().items()}
    torch.save(sd, weights)
    training = {k: v for k, v in asdict(cfg).items() if k not in ("data", "out", "cache_dir", "device")}
    info = {
        "val_ap": m["ap"],
        "val_best_f1": m["f1"],
        "val_precision": m["precision"],
        "val_recall": m["recall"],
        "val_best_distance": m["distance"],
        "threshold_distance": t_dist,
        "threshold_f1": t_f1,
        "threshold_precision": t_p,
        "threshold_recall": t_r,
        "epochs_done": len(state["history"]),
        "train_minutes": state["elapsed"] / 60,
        "history": state["history"],
    }
    spec = ModelSpec(
        model_id=model_id_for(f"doppel-lite0-{cfg.loss}", weights),
        weights=weights.name,
        embedding_dim=cfg.embedding_dim,
        hidden=cfg.hidden,
        input_size=cfg.input_size,
        calibration=cal,
        threshold=threshold,
        extra={"training": training, "validation": info},
    )
    save_spec(spec, folder)
    log(
        f"exported {folder}: id {spec.model_id}, calibration scale {scale:.3f} offset {offset:.4f}, "
        f"threshold {threshold} (val: distance {t_dist:.4f}, P {t_p:.4f} R {t_r:.4f} F1 {t_f1:.4f}), "
        f"val AP {m['ap']:.4f}"
    )
    return folder
