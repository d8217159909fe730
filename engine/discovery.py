"""Walking the roots: filters, hidden files, symlinks, and telling images from other files by their first bytes.

The walk is ``os.scandir`` based and opens each candidate once to read a few bytes, so a warm tree of tens of
thousands of files is listed in about a second. Files that are not images are ignored silently; files that look
like images by name but cannot be used (unreadable, empty, a FIFO, socket or device, a broken link) are reported as
:class:`SkippedFile`, so the user knows why a photo is missing from the results; so are folders that cannot be
listed, a path past the system's length limit included.
"""

from __future__ import annotations

import fnmatch
import functools
import os
import re
import stat
from collections.abc import Sequence
from dataclasses import dataclass, field

from engine.progress import NULL_PROGRESS, Phase, Progress
from engine.raw import RAW_EXTENSIONS, raw_format
from engine.results import FileEntry, SkippedFile, os_error_reason
from engine.settings import ScanSettings
from engine.userfiles import file_kind, open_regular

IMAGE_EXTENSIONS = frozenset(
    {
        ".jpg",
        ".jpeg",
        ".jpe",
        ".jfif",
        ".png",
        ".webp",
        ".gif",
        ".bmp",
        ".dib",
        ".tif",
        ".tiff",
        ".heic",
        ".heif",
        ".hif",
        ".avif",
        *RAW_EXTENSIONS,
    }
)
"""Names that promise an image; only these are reported when unusable (empty, unreadable, vanished)."""

SNIFF_BYTES = 64  # enough for every magic number below and an ISO-BMFF ftyp box with a few compatible brands
REPORT_EVERY = 500

_HEIF_BRANDS = frozenset({b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs", b"mif1", b"msf1"})
_AVIF_BRANDS = frozenset({b"avif", b"avis"})
_BMP_HEADER_SIZES = frozenset({12, 16, 40, 52, 56, 64, 108, 124})

REASON_EMPTY = "empty file (0 bytes)"
REASON_NOT_IMAGE = "not an image (the name says image, the content is no supported format)"
REASON_BROKEN_LINK = "broken link (its target does not exist)"


class BadRootError(ValueError):
    """A root the user chose cannot be scanned; the message is one line, ready to show."""


def sniff_format(path: str) -> str | None:
    """The image format from the file's first bytes, so a JPEG named ``.png`` is still found as a JPEG.

    A camera RAW is named by its own format ("NEF", "CR3"...): by content where it has its own, by the name where
    it starts as any TIFF does (engine.raw.raw_format).
    """
    with open_regular(path) as fh:  # the file may have been swapped for a FIFO since it was listed
        head = fh.read(SNIFF_BYTES)
    return raw_format(head, path) or sniff_bytes(head)


def sniff_bytes(head: bytes) -> str | None:
    """:func:`sniff_format` on bytes already read (the cache and tests reuse it)."""
    if head.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WEBP"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "GIF"
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return "TIFF"
    if head[:2] == b"BM" and len(head) >= 18 and int.from_bytes(head[14:18], "little") in _BMP_HEADER_SIZES:
        return "BMP"  # "BM" alone is too common a start for text; the DIB header size pins it down
    if head[4:8] == b"ftyp":
        return _sniff_isobmff(head)
    return None


def _sniff_isobmff(head: bytes) -> str | None:
    """HEIF/HEIC by brand; AVIF only where Pillow can decode it, since the rest of the app could not."""
    box_size = int.from_bytes(head[:4], "big")
    end = min(len(head), max(box_size, 16))
    brands = {head[8:12]} | {head[i : i + 4] for i in range(16, end - 3, 4)}
    if head[8:12] in _AVIF_BRANDS or (brands & _AVIF_BRANDS and not brands & (_HEIF_BRANDS - {b"mif1", b"msf1"})):
        return "AVIF" if _pillow_has_avif() else None
    if brands & _HEIF_BRANDS:
        return "HEIF"
    return None


@functools.cache
def _pillow_has_avif() -> bool:
    from PIL import features

    return "avif" in features.modules and bool(features.check_module("avif"))  # Pillow < 11.2 has no such module


def looks_like_image_name(path: str) -> bool:
    return os.path.splitext(path)[1].lower() in IMAGE_EXTENSIONS


def _compile(patterns: Sequence[str]) -> re.Pattern[str] | None:
    """One regex for all patterns: fnmatch semantics, a single match call per name."""
    if not patterns:
        return None
    return re.compile("|".join(f"(?:{fnmatch.translate(os.path.normcase(p))})" for p in patterns))


@dataclass
class _Walk:
    """State shared by every root of one discovery, so overlapping roots and symlink loops are seen once."""

    settings: ScanSettings
    progress: Progress
    include: re.Pattern[str] | None
    exclude: re.Pattern[str] | None
    seen_dirs: set[tuple[int, int]] = field(default_factory=set)
    found: list[tuple[str, os.stat_result, str]] = field(default_factory=list)
    skipped: list[SkippedFile] = field(default_factory=list)
    examined: int = 0

    def matches(self, regex: re.Pattern[str] | None, name: str, path: str) -> bool:
        if regex is None:
            return False
        if os.sep != "/":  # patterns are written with "/" on every platform
            path = path.replace(os.sep, "/")
        name, path = os.path.normcase(name), os.path.normcase(path)
        return regex.match(name) is not None or regex.match(path) is not None

    def dir_excluded(self, name: str, path: str) -> bool:
        # "*/Thumbs/*" names the folder's contents; matching "path/" lets it prune the folder itself.
        return self.matches(self.exclude, name, path) or self.matches(self.exclude, name, path + "/")

    def enter(self, st: os.stat_result) -> bool:
        """False for a folder already walked (a symlink loop, or a root inside another root)."""
        key = (st.st_dev, st.st_ino)
        if st.st_ino and key in self.seen_dirs:
            return False
        self.seen_dirs.add(key)
        return True

    def walk(self, root: str) -> None:
        stack = [root]
        follow = self.settings.follow_symlinks
        hidden_ok = self.settings.include_hidden
        while stack:
            folder = stack.pop()
            try:
                with os.scandir(folder) as it:
                    entries = sorted(it, key=lambda e: e.name)
            except FileNotFoundError:
                continue  # removed while we walked; nothing in it to report
            except OSError as exc:
                self.skipped.append(SkippedFile(folder, f"folder cannot be listed: {os_error_reason(exc)}"))
                continue
            subdirs: list[str] = []
            for entry in entries:
                name = entry.name
                if not hidden_ok and name.startswith("."):
                    continue
                try:
                    if entry.is_dir(follow_symlinks=follow):
                        self.enter_folder(entry, follow, subdirs)
                        continue
                    if not entry.is_file(follow_symlinks=follow):
                        self.skip_special(entry, follow)  # sockets, fifos, devices, broken or unfollowed links
                        continue
                except FileNotFoundError:
                    continue
                except OSError as exc:
                    self.skip_if_image(entry.path, exc)
                    continue
                self.consider(entry, follow)
            stack.extend(reversed(subdirs))  # depth first, in name order: a deterministic walk

    def enter_folder(self, entry: os.DirEntry[str], follow: bool, subdirs: list[str]) -> None:
        if self.dir_excluded(entry.name, entry.path):
            return
        try:
            st = entry.stat(follow_symlinks=follow)
        except FileNotFoundError:
            return  # removed while we walked
        except OSError as exc:  # past the path length limit, most often: say so, or its photos vanish unseen
            self.skipped.append(SkippedFile(entry.path, f"folder cannot be listed: {os_error_reason(exc)}"))
            return
        if self.enter(st):
            subdirs.append(entry.path)

    def skip_special(self, entry: os.DirEntry[str], follow: bool) -> None:
        """An image name on something that is not a file: a FIFO, socket or device, or a link to nothing."""
        if not looks_like_image_name(entry.name):
            return
        try:
            st = entry.stat(follow_symlinks=follow)
        except FileNotFoundError:
            if entry.is_symlink():
                self.skipped.append(SkippedFile(entry.path, REASON_BROKEN_LINK))
            return
        except OSError as exc:  # a link loop, a path too long
            self.skipped.append(SkippedFile(entry.path, os_error_reason(exc)))
            return
        if not stat.S_ISLNK(st.st_mode):  # a link the settings say not to follow is not a problem
            self.skipped.append(SkippedFile(entry.path, f"not a regular file: {file_kind(st.st_mode)}"))

    def consider(self, entry: os.DirEntry[str], follow: bool) -> None:
        name, path = entry.name, entry.path
        self.examined += 1
        if self.examined % REPORT_EVERY == 0:
            self.progress.report(Phase.DISCOVER, len(self.found), 0)
        if self.include is not None and not self.matches(self.include, name, path):
            return
        if self.exclude is not None and self.matches(self.exclude, name, path):
            return
        try:
            st = entry.stat(follow_symlinks=follow)
            if st.st_size == 0:
                if looks_like_image_name(name):
                    self.skipped.append(SkippedFile(path, REASON_EMPTY))
                return
            fmt = sniff_format(path)
        except OSError as exc:
            self.skip_if_image(path, exc)
            return
        if fmt is not None:
            self.found.append((path, st, fmt))
        elif looks_like_image_name(name):
            # a user who named it .jpg expects a photo: say why it is not grouped rather than hide it
            self.skipped.append(SkippedFile(path, REASON_NOT_IMAGE))

    def skip_if_image(self, path: str, exc: OSError) -> None:
        if looks_like_image_name(path):
            self.skipped.append(SkippedFile(path, os_error_reason(exc)))


def _check_root(root: str) -> tuple[str, os.stat_result]:
    if not os.fspath(root):  # abspath("") is the current folder: never what the user meant
        raise BadRootError("No folder given (an empty name)")
    path = os.path.abspath(os.fspath(root))
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise BadRootError(f"Folder not found: {path}") from None
    except OSError as exc:
        raise BadRootError(f"Cannot open folder {path}: {os_error_reason(exc)}") from None
    if not stat.S_ISDIR(st.st_mode):
        raise BadRootError(f"Not a folder: {path}")
    try:
        with os.scandir(path):
            pass
    except OSError as exc:
        raise BadRootError(f"Cannot list folder {path}: {os_error_reason(exc)}") from None
    return path, st


def discover(
    roots: Sequence[str], settings: ScanSettings, progress: Progress = NULL_PROGRESS
) -> tuple[list[FileEntry], list[SkippedFile]]:
    """Every image under ``roots``, each real file once, sorted by path; plus the image-named files we could not use.

    Raises :class:`BadRootError` before walking anything if a root is unusable, so the user sees the mistake at
    once instead of an empty result. A root is always walked even if its own name is hidden or excluded: the
    user chose it explicitly.
    """
    checked = dict(_check_root(r) for r in roots)
    walk = _Walk(settings, progress, _compile(settings.include), _compile(settings.exclude))
    for path, st in sorted(checked.items()):
        if walk.enter(st):
            walk.walk(path)

    files: list[FileEntry] = []
    seen_files: set[tuple[int, int]] = set()
    for path, st, fmt in sorted(walk.found, key=lambda f: f[0]):
        key = (st.st_dev, st.st_ino)
        if st.st_ino:  # some file systems report 0; those files cannot be deduplicated by identity
            if key in seen_files:
                continue  # a second name (symlink, hard link, overlapping root) for a file we already have
            seen_files.add(key)
        files.append(FileEntry(path, st.st_size, st.st_mtime_ns, st.st_dev, st.st_ino, fmt))
    skipped = sorted(set(walk.skipped), key=lambda s: s.path)
    progress.report(Phase.DISCOVER, len(files), 0)
    return files, skipped
