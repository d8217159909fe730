"""Peak memory of decoding a 196-megapixel PNG for the model and for a thumbnail (issue 12, item 12).

    nice python bench/bench_big_png.py            # writes bench/_work/big-png/*.png once (about 2 minutes each)

Each measurement runs in a fresh process and reports its peak RSS (VmHWM on Linux: ru_maxrss would carry the
parent's high-water mark across fork and exec) and wall time. "banded" is the
app (engine.png decodes a band of rows at a time and reduces it at once); "whole" is the same code told to decode
the file whole first (BAND_MIN_PIXELS raised past the image), which is what every version before did, plus the
early reduce that keeps the colour conversions small. Appends a dated table to bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import platform
import subprocess
import sys
from pathlib import Path

import numpy as np
from PIL import Image

REPO = Path(__file__).resolve().parent.parent
WORK = REPO / "bench" / "_work" / "big-png"
RESULTS = REPO / "bench" / "RESULTS.md"
SIDE = 14000  # 196 MP, under engine.imaging.MAX_PIXELS (200 MP)

CHILD = """
import json, resource, sys, time
sys.path.insert(0, {repo!r})
from engine import imaging, png
if {whole}:
    png.BAND_MIN_PIXELS = 10**12
start = time.perf_counter()
if {what!r} == "model":
    image, info = imaging.load_for_model({path!r}, 160)
else:
    image = imaging.load_thumbnail({path!r}, 256)
seconds = time.perf_counter() - start
try:
    status = open("/proc/self/status").read()
    peak = int(status.split("VmHWM:")[1].split()[0]) / 1024
except (OSError, IndexError):
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({{"seconds": seconds, "peak_mib": peak, "size": image.size}}))
"""


def make_png(path: Path, mode: str) -> None:
    """Smooth gradients plus sensor-like noise, written in bands so making it costs about one image of memory."""
    rng = np.random.default_rng(0)
    out = Image.new(mode, (SIDE, SIDE))
    band = 1000
    for y0 in range(0, SIDE, band):
        yy, xx = np.mgrid[y0 : y0 + band, 0:SIDE]
        planes = [xx * 255 // SIDE, yy * 255 // SIDE, (xx + yy) % 512 // 2]
        if mode == "RGBA":
            planes.append(128 + 127 * ((xx // 700 + yy // 700) % 2))  # half-transparent squares
        arr = np.stack(planes, -1).astype(np.int16) + rng.integers(-6, 7, (band, SIDE, len(planes)), dtype=np.int16)
        out.paste(Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8), mode), (0, y0))
    path.parent.mkdir(parents=True, exist_ok=True)
    out.save(path, compress_level=3)


def measure(path: Path, what: str, whole: bool) -> dict:
    code = CHILD.format(repo=str(REPO), whole=whole, what=what, path=str(path))
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--modes", default="RGB,RGBA", help="PNG colour types to try (default: %(default)s)")
    args = parser.parse_args()
    rows = []
    for mode in args.modes.split(","):
        path = WORK / f"big-{mode.lower()}.png"
        if not path.is_file():
            print(f"writing {path} ...", flush=True)  # in a child, so this process stays small
            code = f"import sys; sys.path.insert(0, {str(REPO / 'bench')!r}); import bench_big_png as b; "
            subprocess.run([sys.executable, "-c", code + f"b.make_png(b.Path({str(path)!r}), {mode!r})"], check=True)
        for what in ("model", "thumbnail"):
            for whole in (True, False):
                r = measure(path, what, whole)
                label = "whole" if whole else "banded"
                print(f"{mode} {what:9} {label:6} {r['seconds']:6.1f} s  peak {r['peak_mib']:6.0f} MiB", flush=True)
                rows.append((mode, what, label, r))
    table = [
        f"\n## Big PNG decode, {SIDE}x{SIDE} (issue 12)\n",
        f"{dt.date.today()} on {platform.node()} ({platform.processor() or platform.machine()}): "
        f"`python bench/bench_big_png.py --modes {args.modes}`; every row a fresh process.\n",
        "| PNG | for | decode | wall s | peak RSS MiB |",
        "|---|---|---|---|---|",
    ]
    table += [f"| {m} | {w} | {lab} | {r['seconds']:.1f} | {r['peak_mib']:.0f} |" for m, w, lab, r in rows]
    with open(RESULTS, "a", encoding="utf-8") as fh:
        fh.write("\n".join(table) + "\n")


if __name__ == "__main__":
    main()
