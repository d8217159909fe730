"""The engine must stay headless: importing every engine module loads no Qt."""

from __future__ import annotations

import pkgutil
import subprocess
import sys
from pathlib import Path

import engine

REPO = Path(__file__).resolve().parents[1]


def run_fresh(code: str, timeout: float = 120) -> None:
    """Run ``code`` in a new interpreter from the repository root (so sys.modules starts empty); fail with its
    output unless it exits 0."""
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=timeout)
    assert out.returncode == 0, out.stdout + out.stderr


def test_engine_imports_no_qt() -> None:
    names = [m.name for m in pkgutil.walk_packages(engine.__path__, "engine.")]
    assert "engine.scan" in names and "engine.model.inference" in names
    code = (
        "import importlib, sys\n"
        f"for n in {names!r}: importlib.import_module(n)\n"
        "bad = sorted(m for m in sys.modules if m.startswith(('PySide6', 'shiboken6', 'PyQt')))\n"
        "print(bad); sys.exit(1 if bad else 0)\n"
    )
    run_fresh(code)


def test_cached_rescan_path_does_not_import_torch() -> None:
    """A rescan served from the cache never needs the network, so it must not pay torch's import."""
    code = (
        "import sys\nimport engine.scan, engine.cli.scan\n"
        "print('torch' in sys.modules); sys.exit(1 if 'torch' in sys.modules else 0)\n"
    )
    run_fresh(code)


def test_scan_served_by_openvino_does_not_import_torch(tmp_path: Path) -> None:
    """With the model exported, a CPU scan reads, embeds and groups without ever importing torch."""
    import json

    from PIL import Image

    from engine.model.backends import openvino_available
    from engine.model.export import ensure_export
    from engine.model.weights import load_spec

    if not openvino_available():
        import pytest

        pytest.skip("OpenVINO is not installed")
    ensure_export(load_spec())  # as a first scan would have made it (in the session's export folder)
    photos = REPO.parent / "shared" / "data" / "wallpapers" / "images" / "lomiri-wallpapers-16.04"
    src = photos / "Dragonfly_by_Bolly.jpg"
    folder = tmp_path / "photos"
    folder.mkdir()
    with Image.open(src) as im:
        im = im.convert("RGB")
        im.save(folder / "a.jpg", quality=90)
        im.resize((im.width // 2, im.height // 2)).save(folder / "a-half.png")
    Image.open(photos / "Bridge_by_Sander_Klootwijk.jpg").convert("RGB").save(folder / "b.jpg")
    out = tmp_path / "groups.json"
    code = (
        "import sys, main\n"
        f"rc = main.main(['scan', {str(folder)!r}, '--no-cache', '--device', 'cpu', '--groups-json', {str(out)!r}])\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in ('torch', 'torchvision'))\n"
        "print(loaded[:5]); sys.exit(rc or (3 if loaded else 0))\n"
    )
    run_fresh(code, timeout=300)
    doc = json.loads(out.read_text())
    assert doc["stats"]["backend"] == "openvino" and doc["stats"]["decoded"] == 3
    groups = [sorted(Path(m["path"]).name for m in g["members"]) for g in doc["groups"]]
    assert groups == [["a-half.png", "a.jpg"]]
