"""Speed and memory of the candidate search on 1,000,000 random unit vectors (engine.index.nearest_pairs).

    nice python bench/bench_index.py --dim 256

Random vectors are the slow, worst case for an approximate index (no structure to exploit); the number that
matters is that a million-photo library is searched within the budget (10 minutes, 4 GB on a 2-core machine).
Appends a dated row to bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import resource
import shlex
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from engine.index import nearest_pairs  # noqa: E402
from engine.progress import Progress  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
TABLE_HEADER = (
    "| date | machine | command | N | D | k | max dist | method | wall s | peak RSS MB | data MB | pairs"
    " |\n"
    "|---|---|---|---|---|---|---|---|---|---|---|---|\n"
)


def peak_rss_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 1024  # bytes on macOS, KiB on Linux


def random_unit_vectors(n: int, d: int, seed: int) -> np.ndarray:
    """Made in chunks, so the only big allocation is the result itself."""
    rng = np.random.default_rng(seed)
    x = np.empty((n, d), dtype=np.float32)
    for start in range(0, n, 65_536):
        chunk = rng.standard_normal((min(65_536, n - start), d), dtype=np.float32)
        chunk /= np.linalg.norm(chunk, axis=1, keepdims=True)
        x[start : start + len(chunk)] = chunk
    return x


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{platform.system()} {platform.machine()}, {cpu}, {os.cpu_count()} CPUs"


def append_result(heading: str, row: str) -> None:
    """Add ``row`` to the table under ``heading``, creating the file, the section or the table as needed."""
    text = RESULTS.read_text() if RESULTS.exists() else "# Benchmark results\n"
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    try:
        start = next(n for n, line in enumerate(lines) if line.strip() == heading)
    except StopIteration:
        lines += ["\n", heading + "\n", "\n", TABLE_HEADER, row + "\n"]
    else:
        end = next((n for n in range(start + 1, len(lines)) if lines[n].startswith("## ")), len(lines))
        table = [n for n in range(start + 1, end) if lines[n].startswith("|")]
        if table:
            lines.insert(table[-1] + 1, row + "\n")
        else:
            lines[end:end] = ["\n", TABLE_HEADER, row + "\n"]
    RESULTS.write_text("".join(lines))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dim", type=int, default=256, help="embedding dimension (the shipped model's)")
    ap.add_argument("-n", type=int, default=1_000_000, help="number of vectors")
    ap.add_argument("-k", type=int, default=16, help="neighbours per image")
    ap.add_argument("--max-distance", type=float, default=1.0, help="pairs further apart are dropped")
    ap.add_argument("--method", default="auto", choices=["auto", "exact", "ann"])
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--no-record", action="store_true", help="print only; do not touch bench/RESULTS.md")
    args = ap.parse_args()

    x = random_unit_vectors(args.n, args.dim, args.seed)
    data_mb = peak_rss_mb()
    last = [0.0]

    def report(phase: str, done: int, total: int) -> None:
        now = time.perf_counter()
        if now - last[0] > 10 or done == total:
            last[0] = now
            print(f"  {phase} {done}/{total}  {now - t0:.0f}s", file=sys.stderr, flush=True)

    t0 = time.perf_counter()
    i, _, _ = nearest_pairs(x, args.k, args.max_distance, Progress(report), method=args.method)
    wall = time.perf_counter() - t0
    peak = peak_rss_mb()
    print(
        f"N={args.n:,} D={args.dim} k={args.k} method={args.method}: {wall:.1f} s, peak RSS {peak:.0f} MB "
        f"(vectors alone {data_mb:.0f} MB), {len(i):,} pairs"
    )
    if not args.no_record:
        command = "python bench/bench_index.py " + shlex.join(sys.argv[1:])
        row = (
            f"| {dt.date.today().isoformat()} | {machine()} | `{command.strip()}` | {args.n:,} | {args.dim} | "
            f"{args.k} | {args.max_distance} | {args.method} | {wall:.1f} | {peak:.0f} | {data_mb:.0f} | "
            f"{len(i):,} |"
        )
        append_result(f"## Candidate search, {args.n:,} embeddings", row)
        print(f"recorded in {RESULTS}")


if __name__ == "__main__":
    main()
