"""Issue 13, item 2: how long the CLI and the GUI take from process start to reading the first photo, and what
they have imported by then, per backend.

    python bench/bench_startup.py [--runs 3] [--write]

Each run is a fresh process scanning a folder with one photo (no cache; the OpenVINO export already made, as
after a first scan). The child wraps the decoder: at the first file read it reports the time since it was
spawned (measured by the parent) and the modules loaded, then exits. GUI runs are offscreen with ``--scan``
(``python main.py --folder DIR --scan``: the window opens and the scan starts at once).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import PY, REPO, WORK, table, write_section  # noqa: E402

ONE_PHOTO = REPO.parent / "shared/data/wallpapers/images/lomiri-wallpapers-16.04/Dragonfly_by_Bolly.jpg"
CHILD = r"""
import json, os, sys, time
import engine.model.inference as inf
decode = inf.load_for_model
def first_read(path, size, mode="squash"):
    mods = sorted({m.split(".")[0] for m in sys.modules})
    print(json.dumps({"t": time.time(), "n": len(sys.modules), "top": mods}), flush=True)
    os._exit(0)
inf.load_for_model = first_read
import main
main.main(sys.argv[1:])
"""


def first_read(argv: list[str], env: dict) -> dict:
    t0 = time.time()
    out = subprocess.run(
        [PY, "-c", CHILD, *argv], cwd=REPO, env={**os.environ, **env}, capture_output=True, text=True, timeout=300
    )
    line = next((x for x in out.stdout.splitlines() if x.startswith("{")), None)
    if line is None:
        raise RuntimeError(f"no file was read: {out.stderr[-2000:]}")
    doc = json.loads(line)
    doc["seconds"] = doc["t"] - t0
    return doc


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--write", action="store_true")
    args = ap.parse_args()
    os.environ.setdefault("DOPPEL_EXPORT_DIR", str(WORK / "openvino-exports"))
    folder = WORK / "one-photo"
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(ONE_PHOTO, folder / ONE_PHOTO.name)
    from engine.model.export import ensure_export
    from engine.model.weights import load_spec

    ensure_export(load_spec())
    cases = {
        f"CLI, {b}": (["scan", str(folder), "--no-cache", "--quiet", "--backend", b, "--device", "cpu"], {})
        for b in ("torch", "openvino")
    }
    config = WORK / "startup-config"
    config.mkdir(parents=True, exist_ok=True)
    for b in ("torch", "openvino"):
        env = {"QT_QPA_PLATFORM": "offscreen", "DOPPEL_CONFIG_DIR": str(config)}
        cases[f"GUI, {b}"] = (["--folder", str(folder), "--scan"], env)
    rows = []
    for name, (argv, env) in cases.items():
        if name.startswith("GUI"):  # the GUI reads its backend from its settings file
            settings = {"backend": name.split(", ")[1], "device": "cpu", "use_cache": False}
            (config / "gui-settings.json").write_text(json.dumps(settings))
        runs = [first_read(argv, env) for _ in range(args.runs)]
        last = runs[-1]
        heavy = [m for m in ("torch", "openvino", "PySide6", "numpy", "PIL", "faiss") if m in last["top"]]
        secs = [r["seconds"] for r in runs]
        rows.append(
            [name, f"{statistics.median(secs):.2f}", ", ".join(f"{s:.2f}" for s in secs), last["n"], " ".join(heavy)]
        )
        print(rows[-1], flush=True)
    body = [
        "Seconds from spawning the process to its first file read (median of runs; one photo, no cache, OpenVINO "
        "export present), and the modules loaded by then.\n",
        table(rows, ["process", "median s", "runs s", "modules loaded", "heavy packages loaded"]),
        f"\nLoad average at the end: {os.getloadavg()}.",
    ]
    print("\n".join(body))
    if args.write:
        write_section(
            "Start-up: process start to first file read (issue 13)",
            "\n".join(body),
            "python bench/bench_startup.py " + " ".join(sys.argv[1:]),
        )


if __name__ == "__main__":
    main()
