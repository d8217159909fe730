"""Headless self-test of an installed Doppel: ``Doppel --self-test`` (or ``python main.py --self-test``).

Loads the bundled model, scans ``resources/samples/images`` without a cache and compares the groups with
``resources/samples/expected.json``. It proves that the frozen app found its resources, its model weights and
its image codecs, and that inference runs on this machine; it never imports Qt and writes nothing.
"""

from __future__ import annotations

import json
import os
import platform
import sys
import tempfile
import time
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from engine import paths

if TYPE_CHECKING:
    from engine.model.weights import ModelSpec

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

    problems: list[str] = []
    with _export_for_this_run(spec, out, problems):
        t0 = time.perf_counter()
        result = scan(ScanSettings(roots=(str(root),), use_cache=False, device=device), spec=spec)
        seconds = time.perf_counter() - t0
    print(f"{_runtime(result.stats.get('backend', '?'))}, device {result.stats.get('device', '?')}; ", end="", file=out)
    print(f"scanned {result.files_scanned} files in {seconds:.1f} s", file=out)
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

    _check_verification(spec, root, expected, out, problems)
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


def _check_verification(
    spec: ModelSpec, root: Path, expected: set[frozenset[str]], out: TextIO, problems: list[str]
) -> None:
    """The geometric check (OpenCV) must load and confirm a known copy: a scan only calls it for pairs just under
    the threshold, which the samples may not have, so a frozen app missing OpenCV would pass unnoticed."""
    if spec.verification is None:
        return
    try:
        import cv2

        from engine.verify import Verifier
    except ImportError as exc:
        problems.append(f"the geometric check cannot load OpenCV: {exc}")
        return
    a, b = sorted(min(expected, key=sorted))[-2:]  # the last two: a resized copy in the samples, not byte copies
    verdict = Verifier(spec.verification).verify(str(root / a), str(root / b))
    print(f"geometric check: OpenCV {cv2.__version__}; {a} ~ {b}: {verdict.inliers} matching keypoints", file=out)
    if not verdict.verified:
        problems.append(f"the geometric check did not confirm {a} ~ {b}")


def _runtime(backend: str) -> str:
    """The runtime that served, with its version; torch's only when it was loaded (OpenVINO scans never load it)."""
    if backend == "openvino":
        import openvino

        loaded = "yes" if "torch" in sys.modules else "no"
        return f"OpenVINO {openvino.get_version().split('-')[0]} (torch loaded: {loaded})"
    torch = sys.modules.get("torch")
    return f"{backend} {getattr(torch, '__version__', '')}".strip()


@contextmanager
def _export_for_this_run(spec: ModelSpec, out: TextIO, problems: list[str]) -> Iterator[None]:
    """Use the shipped OpenVINO export (the frozen app must have one); from source, make one in a temporary folder
    when none exists, so the self-test still writes nothing."""
    from engine.model.backends import openvino_available
    from engine.model.export import find_export

    found = find_export(spec) if openvino_available() else None
    if found is not None or not openvino_available():
        print(f"OpenVINO export: {found.xml if found else 'OpenVINO not installed'}", file=out)
        yield
        return
    if getattr(sys, "frozen", False):
        problems.append("the OpenVINO export of the bundled model is missing from the app")
    with tempfile.TemporaryDirectory(prefix="doppel-selftest-") as tmp, _env("DOPPEL_EXPORT_DIR", tmp):
        print("OpenVINO export: none yet, made for this run only", file=out)
        yield


@contextmanager
def _env(name: str, value: str) -> Iterator[None]:
    old = os.environ.get(name)
    os.environ[name] = value
    try:
        yield
    finally:
        if old is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = old


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
