"""What can be checked about the installable app without building it (the build itself is packaging/build.py)."""

from __future__ import annotations

import ast
import configparser
import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import platformdirs
import pytest

from engine import paths

REPO = Path(__file__).resolve().parents[1]
PACKAGING = REPO / "packaging"
RESOURCES = REPO / "resources"
SAMPLES = RESOURCES / "samples"


def _load(name: str, path: Path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def specdata():
    return _load("doppel_specdata", PACKAGING / "specdata.py")


@pytest.fixture
def main_module(monkeypatch):
    monkeypatch.syspath_prepend(str(REPO))
    module = _load("doppel_main", REPO / "main.py")
    yield module
    paths.set_portable(None)


@pytest.fixture
def frozen_app(monkeypatch, tmp_path) -> Path:
    """Pretend to be the PyInstaller build installed in tmp_path/Doppel, with no DOPPEL_* overrides."""
    app = tmp_path / "Doppel"
    (app / "_internal").mkdir(parents=True)
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "executable", str(app / "Doppel"))
    monkeypatch.setattr(sys, "_MEIPASS", str(app / "_internal"), raising=False)
    for var in ("DOPPEL_CACHE_DIR", "DOPPEL_DATA_DIR", "DOPPEL_CONFIG_DIR"):
        monkeypatch.delenv(var, raising=False)
    paths.set_portable(None)
    return app


def _spec_calls() -> set[str]:
    tree = ast.parse((PACKAGING / "doppel.spec").read_text(encoding="utf-8"))
    return {ast.unparse(node.func) for node in ast.walk(tree) if isinstance(node, ast.Call)}


def test_spec_lists_every_file_under_resources(specdata) -> None:
    on_disk = {
        p.relative_to(REPO).as_posix() for p in RESOURCES.rglob("*") if p.is_file() and "__pycache__" not in p.parts
    }
    listed = {f"{dest}/{Path(src).name}" for src, dest in specdata.resource_datas()}
    assert on_disk - listed == set(), "resources missing from the spec's data"
    assert listed - on_disk == set()
    assert all(Path(src).is_file() for src, _ in specdata.resource_datas())
    calls = _spec_calls()
    assert {"specdata.resource_datas", "specdata.hidden_imports", "Analysis", "COLLECT"} <= calls


def test_spec_ships_the_model_weights(specdata) -> None:
    model = json.loads((RESOURCES / "model" / "model.json").read_text(encoding="utf-8"))
    if model["weights"].startswith("package:"):
        assert specdata.model_uses_package_weights()
        assert "collect_data_files" in _spec_calls()
        assert importlib.util.find_spec(specdata.IMAGENET_PACKAGE) is not None
    else:  # a weights file in resources/model, shipped with the rest of resources/
        listed = {Path(src) for src, _ in specdata.resource_datas()}
        assert (RESOURCES / "model" / model["weights"]) in listed


def test_hidden_imports_exist(specdata) -> None:
    mods = specdata.hidden_imports()
    assert {"engine.scan", "engine.selftest", "engine.cli", "gui.app"} <= set(mods)
    for name in specdata.EXTRA_HIDDEN_IMPORTS:
        assert importlib.util.find_spec(name) is not None, name
    assert not set(mods) & set(specdata.EXCLUDES)


def test_self_test_passes_from_source_without_qt(tmp_path) -> None:
    code = (
        "import sys\nsys.argv = ['main.py', '--self-test']\nimport main\nrc = main.main()\n"
        "qt = sorted(m for m in sys.modules if m.startswith(('PySide6', 'shiboken6')))\n"
        "print('qt modules:', qt)\nsys.exit(rc or (3 if qt else 0))\n"
    )
    dirs = {f"DOPPEL_{k}_DIR": str(tmp_path / k.lower()) for k in ("CACHE", "DATA", "CONFIG")}
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, **dirs, "PYTHONPATH": str(REPO)},
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert "self-test passed" in out.stdout
    assert "qt modules: []" in out.stdout
    assert not list(tmp_path.iterdir()), "the self-test must write nothing"


def test_self_test_fails_without_the_geometric_check(tmp_path, monkeypatch) -> None:
    """A build that left OpenCV out must fail its self-test, although the samples group without it."""
    from engine import selftest

    monkeypatch.setitem(sys.modules, "cv2", None)  # import cv2 raises ImportError
    report = tmp_path / "report.txt"
    with open(report, "w", encoding="utf-8") as out:
        assert selftest.run(out, SAMPLES, device="cpu") == 1
    assert "cannot load OpenCV" in report.read_text(encoding="utf-8")


def test_self_test_fails_on_unexpected_groups(tmp_path, monkeypatch) -> None:
    """A wrong expectation must fail: the test compares, it does not just run."""
    from engine import selftest

    samples = tmp_path / "samples"
    shutil.copytree(SAMPLES, samples)
    expected = json.loads((samples / "expected.json").read_text(encoding="utf-8"))
    expected["singles"] += expected["groups"].pop()
    (samples / "expected.json").write_text(json.dumps(expected), encoding="utf-8")
    report = tmp_path / "report.txt"
    with open(report, "w", encoding="utf-8") as out:
        assert selftest.run(out, samples, device="cpu") == 1
    assert "unexpected group" in report.read_text(encoding="utf-8")


def test_frozen_app_keeps_its_files_in_platform_dirs(frozen_app, main_module) -> None:
    assert main_module.apply_portable(["scan", "x"]) == ["scan", "x"]
    assert main_module.app_dir() == frozen_app
    expected = {
        paths.cache_dir(): platformdirs.user_cache_dir("Doppel", appauthor=False),
        paths.data_dir(): platformdirs.user_data_dir("Doppel", appauthor=False),
        paths.config_dir(): platformdirs.user_config_dir("Doppel", appauthor=False),
    }
    for got, want in expected.items():
        assert got == Path(want)
        assert frozen_app not in got.parents and got != frozen_app
    assert paths.default_cache_path().parent == paths.cache_dir()
    assert paths.resources_dir() == frozen_app / "_internal" / "resources"


def test_portable_keeps_files_beside_the_executable(frozen_app, main_module) -> None:
    assert main_module.apply_portable(["--portable", "scan", "x"]) == ["scan", "x"]
    assert paths.cache_dir() == frozen_app / "cache"
    assert paths.data_dir() == frozen_app / "data"
    assert paths.config_dir() == frozen_app / "config"
    main_module.apply_portable(["--portable=" + str(frozen_app / "elsewhere")])
    assert paths.cache_dir() == frozen_app / "elsewhere" / "cache"


def test_portable_from_source_uses_the_checkout(main_module, monkeypatch) -> None:
    monkeypatch.delattr(sys, "frozen", raising=False)
    monkeypatch.delenv("DOPPEL_CACHE_DIR", raising=False)
    main_module.apply_portable(["--portable"])
    assert paths.cache_dir() == REPO / "cache"


def test_desktop_entry() -> None:
    entry = configparser.ConfigParser(interpolation=None)
    entry.optionxform = str
    entry.read(PACKAGING / "doppel.desktop", encoding="utf-8")
    d = entry["Desktop Entry"]
    assert d["Type"] == "Application" and d["Name"] == "Doppel" and d["Icon"] == "doppel"
    assert d["Exec"] and d["Categories"].endswith(";")
    assert (PACKAGING / "icons" / "doppel.png").is_file() and (PACKAGING / "icons" / "doppel.svg").is_file()


@pytest.mark.skipif(sys.platform == "win32" or not shutil.which("sh"), reason="POSIX install script")
def test_install_script_installs_and_uninstalls(tmp_path) -> None:
    unpacked = tmp_path / "Doppel-0.1.0-linux-x86_64"
    (unpacked / "Doppel").mkdir(parents=True)
    exe = unpacked / "Doppel" / "Doppel"
    exe.write_text("#!/bin/sh\necho doppel\n")
    exe.chmod(0o755)
    for name, src in {
        "install.sh": "install.sh",
        "doppel.desktop": "doppel.desktop",
        "doppel.png": "icons/doppel.png",
        "doppel.svg": "icons/doppel.svg",
    }.items():
        shutil.copy(PACKAGING / src, unpacked / name)
    home = tmp_path / "home"
    home.mkdir()
    env = {"PATH": os.environ["PATH"], "HOME": str(home)}
    out = subprocess.run(["sh", str(unpacked / "install.sh")], env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stdout + out.stderr
    app = home / ".local" / "opt" / "Doppel" / "Doppel"
    desktop = home / ".local" / "share" / "applications" / "doppel.desktop"
    assert os.access(app, os.X_OK)
    assert f'Exec="{app}"' in desktop.read_text().splitlines()
    assert (home / ".local" / "share" / "icons" / "hicolor" / "256x256" / "apps" / "doppel.png").is_file()
    assert (home / ".local" / "bin" / "doppel").resolve() == app.resolve()
    out = subprocess.run(
        ["sh", str(unpacked / "install.sh"), "--uninstall"], env=env, capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert not app.exists() and not desktop.exists() and not (home / ".local" / "bin" / "doppel").exists()


def test_samples_are_small_described_and_attributed() -> None:
    files = [p for p in SAMPLES.rglob("*") if p.is_file()]
    assert sum(p.stat().st_size for p in files) < 1_500_000
    expected = json.loads((SAMPLES / "expected.json").read_text(encoding="utf-8"))
    images = {
        p.relative_to(SAMPLES / expected["root"]).as_posix()
        for p in (SAMPLES / expected["root"]).rglob("*")
        if p.is_file()
    }
    described = {f for g in expected["groups"] for f in g} | set(expected["singles"])
    assert images == described
    assert any(len(g) >= 3 for g in expected["groups"]) and len(expected["singles"]) >= 2
    attribution = (SAMPLES / "ATTRIBUTION.md").read_text(encoding="utf-8")
    for name in images:
        assert Path(name).name in attribution, f"{name} has no attribution"


def test_spec_ships_the_openvino_cpu_runtime_only(specdata) -> None:
    """CPU plugin, IR reader and PyTorch reader go in (loaded by name, so listed by hand); GPU/NPU plugins stay out."""
    names = [Path(src).name for src, dest in specdata.openvino_binaries()]
    assert all(dest == "openvino/libs" for _, dest in specdata.openvino_binaries())
    for needed in ("libopenvino_intel_cpu_plugin", "libopenvino_ir_frontend", "libopenvino_pytorch_frontend"):
        assert any(n.startswith(needed) for n in names), needed
    assert not [n for n in names if "gpu" in n or "npu" in n or "onnx" in n or "tensorflow" in n]
    assert not specdata.keep_binary("openvino/libs/libopenvino_intel_gpu_plugin.so")
    assert not specdata.keep_binary("openvino/libs/cache.json")
    assert specdata.keep_binary("openvino/libs/libopenvino_intel_cpu_plugin.so")
    calls = _spec_calls()
    assert {"specdata.openvino_binaries", "specdata.openvino_model_datas", "specdata.keep_binary"} <= calls
