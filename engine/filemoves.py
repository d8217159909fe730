"""File-system steps that a crash cannot leave half-done without a trace.

Each step either completes or leaves a state :mod:`engine.recovery` recognises from the intent line: a move
renames, or (across file systems) copies to a temporary name in the destination folder, fsyncs, renames that
to the final name, and only then removes the source; a link is made under a temporary name beside the file
and renamed over it, so the path holds either the old file or the link, never nothing. Nothing here
overwrites a file that was not named to be replaced.
"""

from __future__ import annotations

import errno
import filecmp
import os
import shutil
import stat

TMP_PREFIX = ".doppel-"
COPY_CHUNK = 1 << 20


def temp_name(folder: str, tag: str) -> str:
    """A hidden name in ``folder`` unique to one intent (``tag`` is its batch and number)."""
    return os.path.join(folder, f"{TMP_PREFIX}{tag}.tmp")


def free_name(path: str, taken: set[str] | frozenset[str] = frozenset()) -> str:
    """``path``, or ``name (1).jpg``, ``name (2).jpg``... for the first name neither on disk nor in ``taken``."""
    folder, name = os.path.split(path)
    stem, suffix = os.path.splitext(name)
    candidate, n = path, 1
    while os.path.lexists(candidate) or candidate in taken:
        candidate = os.path.join(folder, f"{stem} ({n}){suffix}")
        n += 1
    return candidate


def remove_quietly(path: str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def fsync_dir(folder: str) -> None:
    """Make a rename in ``folder`` durable; some file systems cannot open a folder, which is fine."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def copy_durably(src: str, tmp: str) -> None:
    """Copy bytes and times of ``src`` to the new file ``tmp`` and fsync it; nothing is left at ``tmp`` on failure."""
    try:
        with open(src, "rb") as fin, open(tmp, "xb") as fout:
            shutil.copyfileobj(fin, fout, COPY_CHUNK)
            fout.flush()
            shutil.copystat(src, tmp)
            os.fsync(fout.fileno())
    except BaseException:
        remove_quietly(tmp)
        raise


def _refuse_existing(dest: str) -> None:
    if os.path.lexists(dest):
        raise FileExistsError(errno.EEXIST, "the destination exists already; not overwritten", dest)


def move_file(src: str, dest: str, tmp: str) -> bool:
    """Move ``src`` to the free name ``dest``; True when it had to be copied across file systems (via ``tmp``).

    When the source cannot be removed after the copy (a read-only folder), the copy is removed again and the
    error raised, so the file is never left in two places.
    """
    _refuse_existing(dest)
    os.makedirs(os.path.dirname(dest), exist_ok=True)
    try:
        os.rename(src, dest)
        return False
    except OSError as exc:
        if exc.errno != errno.EXDEV:
            raise
    if not os.access(os.path.dirname(src) or ".", os.W_OK):
        raise PermissionError(errno.EACCES, "its folder is read-only, so it cannot be moved away", src)
    copy_durably(src, tmp)
    try:
        _refuse_existing(dest)
        os.rename(tmp, dest)
    except BaseException:
        remove_quietly(tmp)
        raise
    fsync_dir(os.path.dirname(dest))
    try:
        os.unlink(src)
    except OSError as exc:
        remove_quietly(dest)
        raise OSError(exc.errno, f"{exc.strerror}; the copy made at the destination was removed again", src) from None
    return True


def link_text(target: str, path: str, relative: bool) -> str:
    """What a symbolic link at ``path`` to ``target`` stores: absolute, or relative to the link's folder."""
    target = os.path.abspath(target)
    return os.path.relpath(target, os.path.dirname(os.path.abspath(path))) if relative else target


def replace_with_link(path: str, target: str, tmp: str, kind: str, relative: bool = False) -> None:
    """Atomically make ``path`` a hard or symbolic link to ``target``: link at ``tmp``, then rename over ``path``."""
    if kind == "hardlink":
        os.link(target, tmp)
    else:
        os.symlink(link_text(target, path, relative), tmp)
    try:
        os.replace(tmp, path)  # atomic, and unlike os.rename it replaces on Windows too
    except BaseException:
        remove_quietly(tmp)
        raise
    fsync_dir(os.path.dirname(path) or ".")


def links_to(path: str, target: str, kind: str) -> bool:
    """Whether ``path`` is (already) a ``kind`` link to ``target``."""
    try:
        if kind == "symlink":
            return os.path.islink(path) and os.path.realpath(path) == os.path.realpath(target)
        a, b = os.lstat(path), os.stat(target)
    except OSError:
        return False
    return stat.S_ISREG(a.st_mode) and (a.st_dev, a.st_ino) == (b.st_dev, b.st_ino)


def replace_with_copy(path: str, source: str, tmp: str, mtime_ns: int | None, mode: int | None) -> None:
    """Atomically put an independent copy of ``source`` at ``path`` (undoing a link), with the old time and mode."""
    copy_durably(source, tmp)
    try:
        if mode is not None:
            os.chmod(tmp, stat.S_IMODE(mode))
        if mtime_ns is not None:
            os.utime(tmp, ns=(mtime_ns, mtime_ns))
        os.replace(tmp, path)
    except BaseException:
        remove_quietly(tmp)
        raise
    fsync_dir(os.path.dirname(path) or ".")


def same_bytes(a: str, b: str) -> bool:
    """Byte-for-byte equality (sizes first, so a near-duplicate costs one stat)."""
    try:
        return os.path.getsize(a) == os.path.getsize(b) and filecmp.cmp(a, b, shallow=False)
    except OSError:
        return False
