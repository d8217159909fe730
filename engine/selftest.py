"""Headless self-test of an installed Doppel: ``Doppel --self-test`` (or ``python main.py --self-test``).

Loads the bundled model, scans ``resources/samples/images`` without a cache and compares the groups with
``resources/samples/expected.json``. It proves that the frozen app found its resources, its model weights and
its image codecs, and that inference runs on this machine; it never imports Qt and writes nothing.
"""

from __future__ import annotations

import json
import platform
import sys
import time
import traceback
from pathlib import Path
from typing import TextIO

from engine import paths

SAMPLES = "samples"


def _rel(path: str, root: Path) -> str:
    return Path(path).resolve().relative_to(root).as_posix()


def load_expected(samples: Path) -> tuple[Path, set[frozenset[str]], set[str]]:
    raw = json.loads((samples / "expected.json").read_text(encoding="utf-8"))
    root = (samples / raw["root"]).resolve()
    groups = {frozenset(g) for g in raw["groups"]}
    files = {f for g in raw["groups"] for f in g} | set(raw["singles"])
    return root, groups, files


def run(out: TextIO, samples: Path | None = None, device: str = "auto") -> int:
    """Print the report to ``out``; 0 when the groups found are exactly the expected ones."""
    from engine.model.weights import load_spec
    from engine.scan import scan
    from engine.settings import ScanSettings

    samples = samples or paths.resources_dir() / SAMPLES
    frozen = bool(getattr(sys, "frozen", False))
    print(
        f"Doppel self-test ({'frozen app' if frozen else 'from source'}, Python {platform.python_version()}, "
        f"{platform.system()} {platform.machine()})",
        file=out,
    )
    print(f"resources: {paths.resources_dir()}", file=out)
    print(f"config: {paths.config_dir()}\ndata: {paths.data_dir()}\ncache: {paths.cache_dir()}", file=out)
    root, expected, files = load_expected(samples)
    spec = load_spec()
    print(f"model: {spec.model_id} (threshold {spec.threshold})", file=out)

    t0 = time.perf_counter()
    result = scan(ScanSettings(roots=(str(root),), use_cache=False, device=device), spec=spec)
    seconds = time.perf_counter() - t0
    import torch  # already loaded by the scan

    print(
        f"torch {torch.__version__}, device {result.stats.get('device', '?')}; scanned {result.files_scanned} "
        f"files in {seconds:.1f} s",
        file=out,
    )
    found = {frozenset(_rel(m.path, root) for m in g.members) for g in result.groups}
    scores = {frozenset(_rel(m.path, root) for m in g.members): g for g in result.groups}
    print(f"groups found: {len(found)}", file=out)
    for key in sorted(found, key=sorted):
        g = scores[key]
        members = ", ".join(
            f"{_rel(m.path, root)} ({'byte copy' if m.exact_of else f'score {m.score:.3f}'})"
            for m in sorted(g.members, key=lambda m: _rel(m.path, root))
        )
        print(f"  [{'exact' if g.exact else 'similar'}] {members}", file=out)
    for s in result.skipped:
        print(f"  skipped {_rel(s.path, root)}: {s.reason}", file=out)

    problems = []
    if found != expected:
        problems += [f"missing group {sorted(g)}" for g in sorted(expected - found, key=sorted)]
        problems += [f"unexpected group {sorted(g)}" for g in sorted(found - expected, key=sorted)]
    scanned = {_rel(p, root) for p in result.catalog}
    if scanned != files:
        problems.append(f"decoded {sorted(scanned)}, expected {sorted(files)}")
    if result.skipped:
        problems.append(f"{len(result.skipped)} file(s) skipped")
    for p in problems:
        print(f"FAIL: {p}", file=out)
    print("self-test passed" if not problems else "self-test FAILED", file=out)
    return 0 if not problems else 1


def main() -> int:
    # A windowed Windows build has no stdout: write the report to the data folder instead.
    out: TextIO | None = sys.stdout
    log = None
    if out is None:
        target = paths.data_dir() / "selftest.txt"
        target.parent.mkdir(parents=True, exist_ok=True)
        out = log = open(target, "w", encoding="utf-8")
    try:
        return run(out)
    except Exception:  # any failure is a failed self-test with its traceback, never a crash dialog
        traceback.print_exc(file=out)
        print("self-test FAILED", file=out)
        return 1
    finally:
        out.flush()
        if log is not None:
            log.close()
