"""Fixtures shared by every test: generated images in tmp_path, and the shared real-photo folders."""

from __future__ import annotations

import os
import struct
import threading
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO_ROOT.parent / "shared" / "data"
"""``../shared/data`` beside the repository, the one place tests find the shared photos: the same from the main
checkout, a worktree and CI's clean clone. wallpapers/ is licence-clean; dev/ and train/ are ImageNet, read only."""

ImageMaker = Callable[..., Path]


@pytest.fixture(autouse=True)
def private_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Scans read the user's label store from the data dir: no test may read or write the real one."""
    monkeypatch.setenv("DOPPEL_DATA_DIR", str(tmp_path / "doppel-data"))


def generate_pixels(size: tuple[int, int], kind: str = "gradient", seed: int = 0) -> Image.Image:
    """An RGB picture with some structure: ``gradient``, ``noise`` or ``shapes`` (red block top-left, blue disc)."""
    width, height = size
    if kind == "noise":
        rng = np.random.default_rng(seed)
        return Image.fromarray(rng.integers(0, 256, (height, width, 3), dtype=np.uint8), "RGB")
    y, x = np.mgrid[0:height, 0:width]
    if kind == "gradient":
        arr = np.stack([x * 255 // max(width - 1, 1), y * 255 // max(height - 1, 1), np.full_like(x, seed % 256)], -1)
        return Image.fromarray(arr.astype(np.uint8), "RGB")
    if kind == "shapes":
        arr = np.full((height, width, 3), 255, np.uint8)
        arr[: height // 3, : width // 3] = (255, 0, 0)
        disc = (x - width * 2 // 3) ** 2 + (y - height * 2 // 3) ** 2 < (min(width, height) // 5) ** 2
        arr[disc] = (0, 0, 255)
        return Image.fromarray(arr, "RGB")
    raise ValueError(f"unknown kind {kind!r}")


@pytest.fixture
def make_image(tmp_path: Path) -> ImageMaker:
    """``make_image("sub/a.jpg", size=(64, 48), kind="shapes", mode="L", fmt=None, seed=0, **save_options)``.

    Writes under tmp_path (creating folders) and returns the path. The format follows the extension unless
    ``fmt`` is given, so ``make_image("a.png", fmt="JPEG")`` writes a JPEG with a misleading name.
    """

    def make(
        name: str,
        size: tuple[int, int] = (64, 48),
        kind: str = "gradient",
        mode: str = "RGB",
        fmt: str | None = None,
        seed: int = 0,
        **save: Any,
    ) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        im = generate_pixels(size, kind, seed)
        if mode != "RGB":
            im = im.convert(mode)
        im.save(path, format=fmt, **save)
        return path

    return make


def shared_path(*parts: str) -> Path:
    """A path under ``../shared/data``; a test that needs it fails (never skips) when it is missing, so a run
    without the shared photos cannot pass by testing less."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        pytest.fail(f"{path} not found: the tests read the shared photos from ../shared/data beside the repository")
    return path


@pytest.fixture(scope="session")
def shared_data() -> Path:
    return shared_path()


@pytest.fixture(scope="session")
def wallpapers() -> Path:
    """The licence-clean real photos (JPEG, PNG, WebP) with their manifest.csv."""
    shared_path("wallpapers", "images")
    return shared_path("wallpapers")


@pytest.fixture(scope="session")
def train_photos() -> Path:
    """ImageNet validation photos for the tiny training runs (read only, never copied into the repository)."""
    return shared_path("train")


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def write_bomb_png(path: Path, width: int = 20000, height: int = 20000) -> Path:
    """A 100-byte PNG whose header claims width x height RGB pixels."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 64)
    chunks = png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", idat) + png_chunk(b"IEND", b"")
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunks)
    return path


@pytest.fixture(scope="session", autouse=True)
def shared_openvino_exports(tmp_path_factory) -> Path:
    """One OpenVINO export per model id for the whole session (each takes seconds), inherited by subprocesses."""
    folder = tmp_path_factory.mktemp("openvino-exports")
    old = os.environ.get("DOPPEL_EXPORT_DIR")
    os.environ["DOPPEL_EXPORT_DIR"] = str(folder)
    yield folder
    if old is None:
        os.environ.pop("DOPPEL_EXPORT_DIR", None)
    else:
        os.environ["DOPPEL_EXPORT_DIR"] = old


def pytest_collection_modifyitems(config, items) -> None:
    """Tests marked ``gpu`` run only where CUDA works; the driver is asked first, so CPU machines never load torch."""
    gpu_items = [item for item in items if item.get_closest_marker("gpu")]
    if not gpu_items:
        return
    from engine.model.backends import cuda_driver_devices

    usable = cuda_driver_devices() > 0
    if usable:
        import torch

        usable = torch.cuda.is_available()
    if not usable:
        skip = pytest.mark.skip(reason="needs a CUDA GPU (run bench/gpu_check.sh on the GPU machine)")
        for item in gpu_items:
            item.add_marker(skip)


def finishes(fn: Callable[[], Any], timeout: float = 10.0) -> Any:
    """Run ``fn`` on a daemon thread and return its result or the exception it raised; fail if it is still blocked
    after ``timeout`` seconds (a FIFO opened for reading waits for a writer forever)."""
    box: list = []

    def run() -> None:
        try:
            box.append(fn())
        except BaseException as exc:  # noqa: BLE001 - handed back to the test
            box.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(timeout)
    assert not thread.is_alive(), "blocked"
    return box[0]


def unblock(fifo: Path) -> None:
    """Give a reader stuck in open() on ``fifo`` a writer, so a failing test leaves no thread hanging."""
    try:
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
    except OSError:
        pass
