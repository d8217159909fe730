"""Small frozen dataclasses that carry scan results between the engine, the GUI and the CLI."""

from __future__ import annotations

import errno
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from engine.userfiles import NotRegularFileError


@dataclass(frozen=True)
class FileEntry:
    """A discovered file. ``path`` is absolute (str; non-UTF-8 bytes survive as surrogate escapes)."""

    path: str
    size: int
    mtime_ns: int
    dev: int = 0
    inode: int = 0
    fmt: str = ""  # sniffed from content: "JPEG", "PNG", "WEBP", "GIF", "BMP", "TIFF", "HEIF", or a RAW's ("NEF"...)


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


REASON_PERMISSION = "permission denied"
REASON_VANISHED = "file vanished during the scan"
REASON_TOO_LONG = "path longer than the system allows (File name too long)"


def os_error_reason(exc: OSError) -> str:
    """Why a file could not be read, as a skipped file's reason: the same words wherever it failed."""
    if isinstance(exc, FileNotFoundError):
        return REASON_VANISHED
    if isinstance(exc, PermissionError):
        return REASON_PERMISSION
    if isinstance(exc, IsADirectoryError):
        return "not a file"
    if isinstance(exc, NotRegularFileError):  # a FIFO, socket, device or folder: say which
        return exc.strerror or "not a regular file"
    if exc.errno == errno.ENAMETOOLONG:
        return REASON_TOO_LONG
    return f"cannot read: {exc.strerror or exc}"


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
    pair_scores: tuple[PairScore, ...] = ()  # every score the scan knows between two members (labels included)
    sure_threshold: float = 1.0  # from this score against the keeper a member is a sure duplicate (auto-mark)

    @property
    def reclaimable_bytes(self) -> int:
        return sum(m.size for m in self.members if m.path != self.keeper)

    @cached_property
    def _rep(self) -> dict[str, str]:
        return {m.path: m.exact_of or m.path for m in self.members}

    @cached_property
    def _scores(self) -> dict[frozenset[str], float]:
        out: dict[frozenset[str], float] = {}
        for p in self.pair_scores:
            key = frozenset((p.a, p.b))
            out[key] = max(p.score, out.get(key, 0.0))
        return out

    def score_between(self, a: str, b: str) -> float | None:
        """How alike two members are: 1.0 for byte copies, else the scan's score; None when it was not measured.

        Member.score is against the reference only; when the keeper is another member, this is the score that
        says whether a member is a duplicate of what stays.
        """
        if a == b or self.exact:
            return 1.0
        if a in self._rep and self._rep.get(a) == self._rep.get(b):
            return 1.0
        return self._scores.get(frozenset((a, b)))

    def unsure_members(self, keeper: str | None = None) -> tuple[str, ...]:
        """Members scoring below the sure level against ``keeper`` (default: the group's), or not measured."""
        keeper = keeper or self.keeper
        out = []
        for m in self.members:
            if m.path != keeper:
                score = self.score_between(keeper, m.path)
                if score is None or score < self.sure_threshold:
                    out.append(m.path)
        return tuple(out)

    @property
    def uncertain(self) -> bool:
        """Some member may not be a duplicate of the keeper: review the group; auto-mark leaves those unmarked."""
        return bool(self.unsure_members())


@dataclass(frozen=True)
class ScanResult:
    groups: tuple[Group, ...]
    pairs: tuple[PairScore, ...]
    skipped: tuple[SkippedFile, ...]
    threshold: float
    model_id: str
    files_scanned: int
    catalog: dict[str, Member] = field(
        default_factory=dict, compare=False
    )  # path -> Member (score 1.0) for every image
    stats: dict[str, Any] = field(default_factory=dict, compare=False)
    # the user's labels found among the scanned files (frozensets of two paths); regroup applies them
    duplicates: frozenset[frozenset[str]] = frozenset()
    not_duplicates: frozenset[frozenset[str]] = frozenset()
    sure_threshold: float = 1.0  # auto-mark's sure level for this scan's model (engine.settings.sure_threshold_for)
    warnings: tuple[str, ...] = ()  # problems the user should hear of once (the cache set aside, read-only...)


@dataclass(frozen=True)
class Outcome:
    """What a file action did to one file (``ok``), or why it left it alone (``message``)."""

    path: str
    ok: bool
    message: str = ""
    dest: str | None = None  # where a moved / trashed / restored file went (trash: only where it can be known)
    record: dict[str, Any] | None = field(default=None, compare=False, repr=False)  # the done record, what Undo takes


@dataclass
class ActionReport:
    action: str  # "trash" | "move" | "hardlink" | "symlink" | "undo" | "undo-move"
    outcomes: list[Outcome] = field(default_factory=list)
    recovered: list[Outcome] = field(default_factory=list)  # what an earlier, interrupted action left, now settled
    dry_run: bool = False

    @property
    def done(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.ok]

    @property
    def skipped(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.ok]

    @property
    def moves(self) -> list[tuple[str, str]]:
        """(original path, new path) of every file this action moved; what ``undo_moves`` takes."""
        return [(o.path, o.dest) for o in self.done if o.dest and self.action == "move"]

    @property
    def undoable(self) -> list[dict[str, Any]]:
        """The done records Undo can act on (``engine.fileops.undo``)."""
        return [o.record for o in self.done if o.record is not None and not self.dry_run]
