"""The suggested keeper of a group: the original, not a copy someone made of it.

Users expect the file straight from the camera, in the folder where their photos live, to stay; a backup copy,
an export or a picture saved from a chat should go, even when it is larger. Each rule (``KEEP_RULES`` in
``engine.settings``) only breaks the ties of the rules before it; the default order is in ``DEFAULT_KEEP_RULES``
and the README ("How the keeper is chosen") explains it to users.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from functools import lru_cache

from engine.paths import is_inside
from engine.raw import RAW_FORMATS
from engine.results import Member
from engine.settings import DEFAULT_KEEP_RULES, KEEP_RULES

COPY_WORDS: frozenset[str] = frozenset(
    {
        "backup",
        "backups",
        "bak",
        "export",
        "exports",
        "exported",
        "copy",
        "copies",
        "kopie",  # German, Dutch
        "copie",  # French
        "copia",  # Spanish, Italian
        "edited",
        "resized",
        "compressed",
        "thumbnails",
        "thumbs",
        "whatsapp",
        "telegram",
        "download",
        "downloads",
        "takeout",
    }
)
"""Words in a folder or file name that mark a copy rather than an original, compared lowercase as whole words
("IMG_1 copy.jpg", "Copy of IMG_1.jpg", "Backups/2020", "WhatsApp Images", "Takeout/Google Photos")."""

COPY_PATTERNS: tuple[re.Pattern[str], ...] = (
    re.compile(r"\(\d+\)"),  # "IMG_1234 (1).jpg": a second download or a clash on copying
    re.compile(r"-wa\d{4}\b", re.IGNORECASE),  # "IMG-20230101-WA0001.jpg": WhatsApp's names
)
"""Name patterns of copies that are not whole words."""

CAMERA_FORMATS: frozenset[str] = frozenset({"JPEG", "HEIF"}) | RAW_FORMATS
"""What cameras and phones write (as ``engine.imaging`` names formats: RAWs as "DNG", "NEF"...); PNG, WebP, TIFF,
GIF and BMP are exports. Which of a RAW and its camera JPEG stays is ``ScanSettings.raw_jpeg`` (engine.twins)."""

_COPY_WORDS_RX = re.compile(
    r"(?<![0-9a-z])(?:" + "|".join(sorted(COPY_WORDS, key=len, reverse=True)) + r")(?![0-9a-z])"
)


@lru_cache(maxsize=1 << 16)
def copy_marks(path: str) -> int:
    """How many signs of a copy ``path`` carries in its folders and its name (case-insensitive); 0 for none.

    One regular expression over the whole path (cached: the similarity slider regroups the same paths).
    """
    return len(_COPY_WORDS_RX.findall(path.lower())) + sum(len(rx.findall(path)) for rx in COPY_PATTERNS)


def has_camera_exif(m: Member) -> bool:
    """EXIF a camera writes: make/model or the original capture time (exports and screenshots usually lack both)."""
    return bool(m.camera or m.capture_time)


def camera_rank(m: Member) -> int:
    """0: camera EXIF in a camera format, 1: camera EXIF in another format, 2: no camera EXIF.

    Without EXIF the format says nothing (a PNG screenshot is its own original), so it only ranks with EXIF.
    """
    if not has_camera_exif(m):
        return 2
    return 0 if m.fmt.upper() in CAMERA_FORMATS else 1


def timestamp(m: Member) -> float | None:
    """Seconds since the epoch: the EXIF capture time (camera local time) when readable, else mtime."""
    if m.capture_time:
        try:
            return datetime.fromisoformat(m.capture_time).timestamp()
        except (ValueError, OverflowError, OSError):
            pass
    return m.mtime_ns / 1e9 if m.mtime_ns else None


def _rule_key(rule: str, m: Member) -> list[float | int]:
    if rule == "original_path":
        return [copy_marks(m.path)]
    if rule == "camera":
        return [camera_rank(m)]
    if rule == "resolution":
        return [-(m.width * m.height)]
    if rule == "size":
        return [-m.size]
    if rule in ("oldest", "newest"):
        t = timestamp(m)  # an unknown time loses under either rule; equal capture times fall to the mtime
        sign = 1 if rule == "oldest" else -1
        return [1, 0.0, 0] if t is None else [0, sign * t, sign * m.mtime_ns]
    return [len(m.path)]  # shortest_path


def pick_keeper(
    members: Sequence[Member], rules: Sequence[str] = DEFAULT_KEEP_RULES, preferred_folders: Sequence[str] = ()
) -> str:
    """Path of the member to keep.

    A member inside a preferred folder wins first (an earlier folder beats a later one); then the rules, in
    order, each only breaking the previous one's ties: "original_path" (fewer signs of a copy in the path),
    "camera" (camera EXIF, in a camera format), "resolution" (more pixels), "size" (larger file), "oldest" /
    "newest" (EXIF capture time, else the file's mtime; then the mtime), "shortest_path". Last resort: the path.
    """
    unknown = [r for r in rules if r not in KEEP_RULES]
    if unknown:
        raise ValueError(f"unknown keep rule(s) {unknown}; known: {', '.join(KEEP_RULES)}")
    if not members:
        raise ValueError("a group needs at least one member")
    folders = list(preferred_folders)

    def key(m: Member) -> tuple[float | int | str, ...]:
        parts: list[float | int] = []
        if folders:
            parts.append(next((n for n, f in enumerate(folders) if is_inside(m.path, f)), len(folders)))
        for rule in rules:
            parts += _rule_key(rule, m)
        return (*parts, m.path)

    return min(members, key=key).path
