"""Issue 13, item 5: end-to-end throughput on a CUDA GPU (decoding included), run by ``bench/gpu_check.sh``.

    python bench/bench_gpu.py [--n 3000] [--device cuda] [--batches 32,64,128,256] [--out FILE]
    python bench/bench_gpu.py --record FILE     # here: put a section made on the GPU machine into RESULTS.md

Makes ``--n`` photo-like JPEGs (1920x1080 and 1600x1200, q90: random crops, tints and sizes of the sample
photos in resources/, which travel with the repository), then times whole passes file -> vector:

1. the engine as it is (``Embedder.embed_files``: Pillow's DCT-scaled decode on a thread pool, torch fp32,
   channels_last) for each batch size;
2. the same with the network in fp16;
3. JPEG decoding on the GPU (``torchvision.io.decode_jpeg(device='cuda')``, resize on the GPU) + fp16, files
   read on a thread pool; its vectors are compared with the engine's (EXIF orientation is not applied there).

``--device cpu`` runs the same code on the CPU with a small ``--n`` (a smoke test of the script, no figures).
Writes the section as Markdown to ``--out`` (default bench/_work/gpu-section.md); the goal is >= 1,000 images/s.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import RESULTS, machine, table  # noqa: E402

SECTION = "GPU: end-to-end throughput (issue 13)"
SAMPLES = ROOT / "resources" / "samples" / "images"


def make_photos(out: Path, n: int, seed: int = 0) -> list[Path]:
    """``n`` JPEGs from the shipped sample photos (crop, tint, size vary); reused when already there."""
    out.mkdir(parents=True, exist_ok=True)
    have = sorted(out.glob("*.jpg"))
    if len(have) >= n:
        return have[:n]
    sources = [p for p in sorted(SAMPLES.rglob("*.jpg"))]
    jobs = [(str(sources[k % len(sources)]), str(out / f"gen{k:05d}.jpg"), seed + k) for k in range(n)]
    with ThreadPoolExecutor(os.cpu_count() or 2) as pool:
        list(pool.map(lambda a: _make_photo(*a), jobs))
    return sorted(out.glob("*.jpg"))[:n]


def _make_photo(src: str, dst: str, seed: int) -> None:
    from PIL import Image

    rng = random.Random(seed)
    with Image.open(src) as im:
        im = im.convert("RGB")
    w, h = im.size
    cw, ch = int(w * rng.uniform(0.6, 1.0)), int(h * rng.uniform(0.6, 1.0))
    x, y = rng.randint(0, w - cw), rng.randint(0, h - ch)
    size = rng.choice([(1920, 1080), (1600, 1200), (1080, 1920)])
    im = im.crop((x, y, x + cw, y + ch)).resize(size, Image.BILINEAR)
    tint = np.array([rng.uniform(0.85, 1.15) for _ in range(3)], np.float32)
    arr = np.clip(np.asarray(im, np.float32) * tint, 0, 255).astype(np.uint8)
    Image.fromarray(arr).save(dst, "JPEG", quality=90)


def engine_pass(emb, entries, batch: int, workers: int) -> tuple[float, np.ndarray]:
    import torch

    vecs = []
    t0 = time.perf_counter()
    for done, _ in emb.embed_files(entries, batch_size=batch, workers=workers):
        vecs += [v for _, _, v in done]
    if emb.device.type == "cuda":
        torch.cuda.synchronize()
    return len(entries) / (time.perf_counter() - t0), np.stack(vecs)


def use_fp16(emb) -> None:
    """Bench-only variant: the network and its input in half precision (CUDA only; the CPU has no fp16 convs)."""
    emb.net = emb.net.half()
    plain = emb.preprocess
    emb.preprocess = lambda images: plain(images).half()


def gpu_decode_pass(emb, files: list[Path], batch: int, workers: int, fp16: bool) -> tuple[float, np.ndarray]:
    """Files read on threads, decoded and resized on the GPU, embedded there; decode errors fall back to the CPU."""
    import torch
    import torch.nn.functional as F
    from torchvision.io import ImageReadMode, decode_jpeg

    size = emb.spec.input_size
    mean, std = float(emb.spec.mean), float(emb.spec.std)
    dtype = torch.float16 if fp16 else torch.float32

    def read(p: Path) -> torch.Tensor:
        return torch.frombuffer(bytearray(p.read_bytes()), dtype=torch.uint8)

    vecs = []
    t0 = time.perf_counter()
    with ThreadPoolExecutor(workers) as pool:
        chunks = [files[k : k + batch] for k in range(0, len(files), batch)]
        nxt = pool.map(lambda c: [read(p) for p in c], chunks)
        for datas in nxt:
            imgs = decode_jpeg(datas, mode=ImageReadMode.RGB, device="cuda")
            x = torch.stack(
                [F.interpolate(i[None].float(), size=(size, size), mode="bilinear", antialias=True)[0] for i in imgs]
            )
            x = ((x - mean) / std).to(dtype).contiguous(memory_format=torch.channels_last)
            with torch.inference_mode():
                vecs.append(emb.net(x).float().cpu().numpy())
    torch.cuda.synchronize()
    return len(files) / (time.perf_counter() - t0), np.concatenate(vecs)


def run(args: argparse.Namespace) -> str:
    import torch

    from engine.model.inference import Embedder
    from engine.model.weights import load_spec
    from engine.results import FileEntry

    spec = load_spec(args.model)
    files = make_photos(Path(args.photos), args.n)
    entries = [FileEntry(str(p), p.stat().st_size, p.stat().st_mtime_ns) for p in files]
    workers = args.workers or os.cpu_count() or 2
    batches = [int(b) for b in args.batches.split(",")]
    emb = Embedder(spec, args.device, "torch")
    engine_pass(emb, entries[: batches[0] * 2], batches[0], workers)  # warm-up: cuDNN picks its kernels
    rows, rates, ref = [], {}, None
    for b in batches:
        rates[b], vecs = engine_pass(emb, entries, b, workers)
        ref = vecs if ref is None else ref
        rows.append(["engine: CPU decode (Pillow, DCT-scaled), fp32", b, f"{rates[b]:.0f}", "-"])
    best = max(rates, key=rates.get)
    if args.device == "cuda":
        use_fp16(emb)
        engine_pass(emb, entries[: best * 2], best, workers)
        rate, vecs16 = engine_pass(emb, entries, best, workers)
        rows.append(["CPU decode, fp16", best, f"{rate:.0f}", f"{np.abs(vecs16 - ref).max():.4f}"])
    if args.device == "cuda":
        for b in sorted({best, max(batches)}):
            gpu_decode_pass(emb, files[: b * 2], b, workers, True)
            rate, vg = gpu_decode_pass(emb, files, b, workers, True)
            rows.append(["GPU decode (nvJPEG) + GPU resize, fp16", b, f"{rate:.0f}", f"{np.abs(vg - ref).max():.4f}"])
    gpu = torch.cuda.get_device_name(0) if args.device == "cuda" else "none"
    lines = [
        f"{time.strftime('%Y-%m-%d %H:%M')} on {machine()}, GPU {gpu}, torch {torch.__version__}.",
        f"Command: `bash bench/gpu_check.sh` (`python bench/bench_gpu.py --n {args.n}`)\n",
        f"{len(files)} generated JPEGs (1920x1080, 1600x1200, 1080x1920; q90), model `{spec.model_id}`, "
        f"{workers} decode threads; a pass is file -> vector for every file, decoding included. Last column: the "
        "largest vector difference to the engine's fp32 vectors (unit vectors; 0.01 moves a score by ~0.01).\n",
        table(rows, ["pipeline", "batch", "images/s", "max diff vs fp32"]),
        f"\nGoal >= 1,000 images/s end to end: best {max(float(r[2]) for r in rows):.0f} images/s.",
    ]
    return "\n".join(lines)


def record(section_file: Path) -> None:
    """Put a section written on the GPU machine into bench/RESULTS.md (replacing an older one)."""
    from bench.common import write_section

    text = section_file.read_text(encoding="utf-8").strip().splitlines()
    stamp, ran = text[0], text[1].removeprefix("Command: ")
    body = "\n".join(text[2:])
    command = f"python bench/bench_gpu.py --record {section_file.name}"
    write_section(SECTION, f"Measured {stamp}\nThere: {ran}\n{body}", command)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=3000)
    ap.add_argument("--device", default="cuda", choices=("cuda", "cpu"))
    ap.add_argument("--batches", default="32,64,128,256")
    ap.add_argument("--workers", type=int, default=0)
    ap.add_argument("--model", metavar="DIR")
    ap.add_argument("--photos", default=str(ROOT / "bench" / "_work" / "gpu-photos"))
    ap.add_argument("--out", default=str(ROOT / "bench" / "_work" / "gpu-section.md"))
    ap.add_argument("--record", metavar="FILE", help="merge a section file made on the GPU machine into RESULTS.md")
    args = ap.parse_args()
    if args.record:
        record(Path(args.record))
        print(f"recorded into {RESULTS}")
        return
    section = run(args)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(section + "\n", encoding="utf-8")
    print(section)
    if args.device == "cuda":
        subprocess.run(["nvidia-smi", "--query-gpu=name,memory.used,utilization.gpu", "--format=csv"], check=False)
    print(platform.platform())


if __name__ == "__main__":
    main()
