"""The system trash through ``send2trash``, and finding a trashed file again (freedesktop trash, Linux/BSD).

send2trash does not say where a file went. On a freedesktop system it writes ``info/NAME.trashinfo`` (with the
original ``Path=``) and then renames the file to ``files/NAME``, NAME being the file's name or ``stem N.ext``
on a clash; :func:`locate_trashed` looks those candidates up, so the log can record the place, Undo can put
the file back, and recovery can tell a trashed file from a lost one. On macOS and Windows the place is not
known: such a file is restored from the system's own trash.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from urllib.parse import unquote_to_bytes

INFO_SUFFIX = b".trashinfo"
MAX_CLASHES = 10000
FREEDESKTOP = sys.platform not in ("darwin", "win32")


def send_to_trash(path: str) -> str | None:
    """Trash ``path``; return where it is now in the trash when that can be known."""
    from send2trash import send2trash

    st = os.lstat(path)
    send2trash(path)
    return locate_trashed(path, (st.st_dev, st.st_ino)) if FREEDESKTOP else None


def _trash_dirs(path: bytes) -> list[tuple[bytes, bytes]]:
    """(trash folder, the folder its relative ``Path=`` entries start from), as send2trash would pick them."""
    from send2trash import plat_other

    dirs = [(plat_other.HOMETRASH_B, plat_other.XDG_DATA_HOME)]
    try:
        top = plat_other.find_mount_point(os.path.dirname(path) or b".")
    except OSError:
        return dirs
    uid = str(os.getuid()).encode()
    dirs += [(os.path.join(top, b".Trash", uid), top), (os.path.join(top, b".Trash-" + uid), top)]
    return dirs


def _candidates(trash: bytes, name: bytes) -> Iterator[tuple[bytes, bytes]]:
    """The names send2trash may have given a file called ``name``: ``name``, ``stem 1.ext``, ``stem 2.ext``..."""
    stem, ext = os.path.splitext(name)
    files, info = os.path.join(trash, b"files"), os.path.join(trash, b"info")
    for n in range(MAX_CLASHES):
        entry = name if n == 0 else stem + b" " + str(n).encode() + ext
        file_path, info_path = os.path.join(files, entry), os.path.join(info, entry + INFO_SUFFIX)
        if not (os.path.lexists(file_path) or os.path.lexists(info_path)):
            return
        yield file_path, info_path


def _info_path(info_path: bytes, topdir: bytes) -> bytes | None:
    try:
        with open(info_path, "rb") as fh:
            for line in fh.read(65536).splitlines():
                if line.startswith(b"Path="):
                    original = unquote_to_bytes(line[5:].strip())
                    return original if os.path.isabs(original) else os.path.join(topdir, original)
    except OSError:
        return None
    return None


def _entries(path: str) -> Iterator[tuple[bytes, bytes]]:
    """(file in the trash, its .trashinfo) for every trash entry whose ``Path=`` is ``path``."""
    if not FREEDESKTOP:
        return
    want = os.fsencode(os.path.abspath(path))
    for trash, topdir in _trash_dirs(want):
        for file_path, info_path in _candidates(trash, os.path.basename(want)):
            if _info_path(info_path, topdir) == want:
                yield file_path, info_path


def locate_trashed(path: str, ident: tuple[int, int] | None = None) -> str | None:
    """Where ``path`` is in the trash: the entry with its (dev, inode) if given, else the newest entry for it."""
    found = [f for f, _info in _entries(path) if os.path.lexists(f)]
    if not found:
        return None
    if ident is not None:
        for f in found:
            st = os.lstat(f)
            if (st.st_dev, st.st_ino) == tuple(ident):
                return os.fsdecode(f)
    return os.fsdecode(max(found, key=lambda f: os.lstat(f).st_ctime_ns))


def info_file(trash_file: str) -> str:
    """The ``.trashinfo`` of a file in a freedesktop trash's ``files/`` folder."""
    files_dir, name = os.path.split(trash_file)
    return os.path.join(os.path.dirname(files_dir), "info", name + ".trashinfo")


def remove_orphan_infos(path: str) -> int:
    """Remove ``.trashinfo`` files for ``path`` whose file never reached the trash (a crash between the two)."""
    removed = 0
    for file_path, info_path in list(_entries(path)):
        if not os.path.lexists(file_path):
            try:
                os.unlink(info_path)
                removed += 1
            except OSError:
                pass
    return removed
