"""Fixtures for the engine tests: a freedesktop trash inside tmp_path."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


@pytest.fixture
def freedesktop_trash(tmp_path, monkeypatch) -> Path:
    """send2trash's home trash moved to ``tmp_path/xdg/Trash``; HOME too, so tmp_path counts as the home device.

    send2trash reads XDG_DATA_HOME when imported, so its module constants are patched as well; a child process
    gets the same through ``trash_env``.
    """
    from send2trash import plat_other

    xdg = tmp_path / "xdg"
    xdg.mkdir()
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_DATA_HOME", str(xdg))
    monkeypatch.setattr(plat_other, "XDG_DATA_HOME", os.fsencode(xdg))
    monkeypatch.setattr(plat_other, "HOMETRASH_B", os.fsencode(xdg / "Trash"))
    monkeypatch.setattr(plat_other, "HOMETRASH", str(xdg / "Trash"))
    return xdg / "Trash"
