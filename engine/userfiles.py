"""Opening the user's files without hanging: only regular files are read, never a FIFO, socket or device.

A photo replaced by a named pipe after discovery would block ``open()`` until some other process writes to it,
and a device can block or have side effects. Every place that reads a user's file (sniffing, hashing, decoding,
the weights digest) opens it through :func:`open_regular`: a ``stat`` first (nothing odd is ever opened), then
``O_NONBLOCK`` (a FIFO swapped in between cannot block) and ``fstat`` on what was opened (that one is the truth).
"""

from __future__ import annotations

import errno
import os
import stat
from typing import BinaryIO

_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0) | getattr(os, "O_CLOEXEC", 0)


class NotRegularFileError(OSError):
    """The path names a folder, FIFO, socket or device where a file was expected; ``strerror`` says which."""


def file_kind(mode: int) -> str:
    """What a non-regular file is, in words a user knows ("a named pipe (FIFO)")."""
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a regular file"


def not_regular(path: str | os.PathLike[str], mode: int) -> NotRegularFileError:
    code = errno.EISDIR if stat.S_ISDIR(mode) else errno.EINVAL
    return NotRegularFileError(code, f"not a regular file: {file_kind(mode)}", os.fspath(path))


def open_regular(path: str | os.PathLike[str]) -> BinaryIO:
    """``open(path, "rb")`` for regular files only; anything else raises :class:`NotRegularFileError` at once."""
    before = os.stat(path)
    if not stat.S_ISREG(before.st_mode):
        raise not_regular(path, before.st_mode)
    fd = os.open(path, _FLAGS)
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):  # swapped between the stat and the open
            raise not_regular(path, st.st_mode)
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)  # no effect on a regular file's reads; cleared so nothing reads it as a pipe
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise
