"""engine.results.os_error_reason: an unreadable file reads the same whether discovery, hashing or decoding hit it."""

from __future__ import annotations

import errno
from pathlib import Path

import pytest

from engine import discovery, hashing, imaging
from engine.discovery import discover
from engine.hashing import find_exact_duplicates
from engine.imaging import DecodeError, load_for_model
from engine.results import os_error_reason
from engine.settings import ScanSettings
from engine.userfiles import open_regular


def _failing_open(path: Path, exc: OSError):
    """engine.userfiles.open_regular (how the three open a user's file), failing with ``exc`` for ``path``."""

    def guarded(file):
        if str(file) == str(path):
            raise exc
        return open_regular(file)

    return guarded


@pytest.mark.parametrize(
    ("exc", "reason"),
    [
        (OSError(errno.EIO, "Input/output error"), "cannot read: Input/output error"),
        (PermissionError(errno.EACCES, "Permission denied"), "permission denied"),
        (FileNotFoundError(errno.ENOENT, "No such file or directory"), "file vanished during the scan"),
    ],
)
def test_one_reason_wherever_the_read_fails(make_image, tmp_path: Path, monkeypatch, exc, reason) -> None:
    assert os_error_reason(exc) == reason
    path = make_image("a.jpg")
    twin = make_image("b.jpg")  # the same bytes: hashing must read both
    failing = _failing_open(path, exc)

    for module in (discovery, hashing, imaging):
        monkeypatch.setattr(module, "open_regular", failing)
    _, skipped = discover([str(tmp_path)], ScanSettings())
    assert [(s.path, s.reason) for s in skipped] == [(str(path), reason)]

    monkeypatch.setattr(discovery, "open_regular", open_regular)
    entries, _ = discover([str(tmp_path)], ScanSettings())
    assert sorted(e.path for e in entries) == [str(path), str(twin)]
    _, _, hash_skipped = find_exact_duplicates(entries)
    assert [(s.path, s.reason) for s in hash_skipped] == [(str(path), reason)]

    with pytest.raises(DecodeError) as err:
        load_for_model(str(path), 32)
    assert err.value.reason == reason
