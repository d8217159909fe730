"""Where Doppel keeps its cache, user data and settings (platformdirs), each overridable by environment.

Variables: DOPPEL_CACHE_DIR, DOPPEL_DATA_DIR, DOPPEL_CONFIG_DIR. ``set_portable(dir)`` puts all three
beside the executable (the frozen app's ``--portable``).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TypeVar

import platformdirs

APP_NAME = "Doppel"
P = TypeVar("P", str, os.PathLike[str])
_portable_root: Path | None = None


def set_portable(root: str | os.PathLike[str] | None) -> None:
    global _portable_root
    _portable_root = Path(root) if root else None


def _dir(env: str, sub: str, default: Callable[..., str]) -> Path:
    override = os.environ.get(env)
    if override:
        p = Path(override)
    elif _portable_root is not None:
        p = _portable_root / sub
    else:
        p = Path(default(APP_NAME, appauthor=False))
    return p


def cache_dir() -> Path:
    return _dir("DOPPEL_CACHE_DIR", "cache", platformdirs.user_cache_dir)


def data_dir() -> Path:
    return _dir("DOPPEL_DATA_DIR", "data", platformdirs.user_data_dir)


def config_dir() -> Path:
    return _dir("DOPPEL_CONFIG_DIR", "config", platformdirs.user_config_dir)


def default_cache_path() -> Path:
    return cache_dir() / "cache.sqlite3"


def resources_dir() -> Path:
    """``resources/`` from a source checkout and from a PyInstaller bundle alike."""
    frozen_root = getattr(sys, "_MEIPASS", None)
    if frozen_root:
        return Path(frozen_root) / "resources"
    return Path(__file__).resolve().parent.parent / "resources"


def _folder_key(path: str | os.PathLike[str]) -> str:
    """Absolute, normalised and, where the file system ignores case (Windows), lower-cased: comparable."""
    return os.path.normcase(os.path.abspath(os.fspath(path)))


def is_inside(path: str | os.PathLike[str], folder: str | os.PathLike[str]) -> bool:
    """Whether ``path`` is ``folder`` or anywhere below it, compared as the platform compares paths.

    Relative paths are taken from the current folder; symbolic links are not followed (a link inside a
    protected folder is protected). The one rule the keeper choice, marking and file actions share.
    """
    p, f = _folder_key(path), _folder_key(folder)
    return p == f or p.startswith(f.rstrip(os.sep) + os.sep)


def inside_any(path: str | os.PathLike[str], folders: Iterable[P]) -> P | None:
    """The first of ``folders`` that holds ``path`` (see :func:`is_inside`), or None."""
    return next((f for f in folders if is_inside(path, f)), None)
