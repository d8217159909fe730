"""Small frozen dataclasses that carry scan results between the engine, the GUI and the CLI."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class FileEntry:
    """A discovered file. ``path`` is absolute (str; non-UTF-8 bytes survive as surrogate escapes)."""

    path: str
    size: int
    mtime_ns: int
    dev: int = 0
    inode: int = 0
    fmt: str = ""  # sniffed from content: "JPEG", "PNG", "WEBP", "GIF", "BMP", "TIFF", "HEIF"


@dataclass(frozen=True)
class ImageInfo:
    """What decoding learned about an image besides its pixels."""

    width: int  # after EXIF orientation
    height: int
    fmt: str
    capture_time: str | None = None  # EXIF DateTimeOriginal as ISO 8601, if any
    camera: str | None = None  # "Make Model", if any


@dataclass(frozen=True)
class SkippedFile:
    path: str
    reason: str


@dataclass(frozen=True)
class PairScore:
    a: str
    b: str
    score: float


@dataclass(frozen=True)
class Member:
    path: str
    size: int
    mtime_ns: int
    width: int
    height: int
    score: float  # against the group's reference; 1.0 for the reference and its byte copies
    capture_time: str | None = None
    camera: str | None = None
    exact_of: str | None = None  # path of the file it is a byte-identical copy of, if any
    fmt: str = ""  # "JPEG", "PNG", "HEIF"... as engine.imaging names formats; "" when unknown


@dataclass(frozen=True)
class Group:
    members: tuple[Member, ...]
    reference: str  # path of the member every other member was scored against
    keeper: str  # suggested file to keep
    exact: bool = False  # every member is byte-identical to the others

    @property
    def reclaimable_bytes(self) -> int:
        return sum(m.size for m in self.members if m.path != self.keeper)


@dataclass(frozen=True)
class ScanResult:
    groups: tuple[Group, ...]
    pairs: tuple[PairScore, ...]
    skipped: tuple[SkippedFile, ...]
    threshold: float
    model_id: str
    files_scanned: int
    catalog: dict = field(default_factory=dict, compare=False)  # path -> Member (score 1.0) for every image
    stats: dict = field(default_factory=dict, compare=False)
    # the user's labels found among the scanned files (frozensets of two paths); regroup applies them
    duplicates: frozenset = frozenset()
    not_duplicates: frozenset = frozenset()
