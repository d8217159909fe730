"""Shared pieces of the benchmarks: building the labelled bench with the shared scripts, running the CLI as a
user would (a fresh process, start-up included), scoring with the shared evaluator, the pHash baseline, and
writing dated sections into bench/RESULTS.md. Benchmarks are not tests: they print numbers, they assert nothing.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import platform
import subprocess
import sys
import time
from multiprocessing import Pool
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
DATA = SHARED / "data"
WORK = REPO / "bench" / "_work"  # git-ignored
RESULTS = REPO / "bench" / "RESULTS.md"
PY = sys.executable


def build_bench(seed: int = 1, per_original: int = 3) -> Path:
    """The dev benchmark from the shared make_bench.py (deterministic for a seed; reused when present)."""
    out = WORK / f"dev-seed{seed}"
    if not (out / "groups.json").is_file():
        subprocess.run(
            [
                PY,
                str(SHARED / "bench" / "make_bench.py"),
                "--originals",
                str(DATA / "dev" / "originals"),
                "--distractors",
                str(DATA / "dev" / "distractors"),
                "--out",
                str(out),
                "--seed",
                str(seed),
                "--per-original",
                str(per_original),
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
    return out


def image_files(root: Path) -> list[Path]:
    exts = {".jpg", ".jpeg", ".png", ".webp", ".bmp", ".gif", ".tif", ".tiff", ".heic"}
    return sorted(p for p in root.rglob("*") if p.suffix.lower() in exts)


def run_timed(cmd: list[str], env: dict | None = None) -> tuple[float, int, str]:
    """Run a command; return wall seconds, that child's own peak RSS in MB (from wait4) and its stdout."""
    import tempfile

    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, env={**os.environ, **(env or {})}, stdout=out, stderr=err, cwd=REPO)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(errors="replace"), err.read().decode(errors="replace")
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}): {stderr[-2000:]}")
    return wall, usage.ru_maxrss // 1024, stdout


def scan_cli(root: Path, pairs: Path, cache: Path | None, extra: list[str] = ()) -> tuple[float, int]:
    cmd = [PY, str(REPO / "main.py"), "scan", str(root), "--pairs-csv", str(pairs), "--quiet", *extra]
    cmd += ["--cache", str(cache)] if cache else ["--no-cache"]
    wall, peak, _ = run_timed(cmd)
    return wall, peak


def evaluate(bench: Path, pairs: Path, threshold: float, groups: Path | None = None, manifest: bool = True) -> dict:
    out = pairs.with_suffix(".eval.json")
    cmd = [
        PY,
        str(SHARED / "bench" / "evaluate.py"),
        "--groups",
        str(groups or bench / "groups.json"),
        "--pairs",
        str(pairs),
        "--threshold",
        str(threshold),
        "--root",
        str(bench),
        "--json",
        str(out),
    ]
    if manifest and (bench / "manifest.csv").is_file():
        cmd += ["--manifest", str(bench / "manifest.csv")]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    return json.loads(out.read_text())


def _phash(path: str):
    import imagehash
    from PIL import Image

    try:
        with Image.open(path) as im:
            return path, int(str(imagehash.phash(im)), 16)
    except Exception:
        return path, None


def phash_pairs(files: list[Path], out_csv: Path, processes: int = 2, max_hamming: int = 20) -> float:
    """imagehash pHash of every file on ``processes`` processes, then all pairs within ``max_hamming``.

    Score = 1 - hamming/64, so the usual "Hamming <= 10" cut is threshold 1 - 10/64. Returns the hashing
    wall time (the comparison is numpy and negligible).
    """
    import numpy as np

    t0 = time.perf_counter()
    with Pool(processes) as pool:
        hashes = [(p, h) for p, h in pool.map(_phash, [str(f) for f in files], chunksize=8) if h is not None]
    wall = time.perf_counter() - t0
    paths = [p for p, _ in hashes]
    bits = np.array([[(h >> k) & 1 for k in range(64)] for _, h in hashes], dtype=np.uint8)
    packed = np.packbits(bits, axis=1)
    with open(out_csv, "w", newline="") as f:
        f.write("path_a,path_b,score\n")
        for i in range(len(paths) - 1):
            x = np.unpackbits(packed[i] ^ packed[i + 1 :], axis=1).sum(axis=1)
            for off in np.nonzero(x <= max_hamming)[0]:
                f.write(f'"{paths[i]}","{paths[i + 1 + off]}",{1 - x[off] / 64:.6f}\n')
    return wall


PHASH_THRESHOLD = 1 - 10 / 64


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    py = platform.python_version()
    return f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores ({cpu}), Python {py}"


def write_section(title: str, body: str, command: str) -> None:
    """Replace (or add) the section ``## title`` of bench/RESULTS.md, keeping every other section."""
    header = "# Benchmark results\n\nEach section is written by the script named in it; rerun it to refresh.\n"
    text = RESULTS.read_text() if RESULTS.is_file() else header
    stamp = _dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    section = f"## {title}\n\n{stamp} on {machine()}.\nCommand: `{command}`\n\n{body.strip()}\n"
    parts = text.split("\n## ")
    kept = [parts[0].rstrip() + "\n"]
    kept += ["## " + p.rstrip() + "\n" for p in parts[1:] if not p.startswith(title + "\n")]
    RESULTS.write_text("\n".join(kept + [section]))


def table(rows: list[list], header: list[str]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(lines)
