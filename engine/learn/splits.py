"""Which shared photos train the model, which calibrate it, and which are held out for benchmarks and the guard set.

Deterministic, like the data README's own split: a file's key is ``sha1(file name)``, files are ranked by key,
and each source is cut into consecutive rank ranges. Training never sees a photo of the look-alike bench or of
the guard set; calibration uses its own slice. Only file names decide, so adding files elsewhere changes nothing.

    clothing (3,000, CC0)     ranks    0-599 look-alike bench, 600-659 guard set (shipped, CC0), 660-959 calibration,
                              rest training
    bsds500 (500, research)   ranks    0-99 look-alike bench, 100-149 calibration, rest training
    train/ (Imagenette 6,000) ranks    0-499 calibration (sha1 of "0:" + name, the v1 split), rest training
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp")

# (source folder relative to the data root, key salt, {part: (first rank, end rank)}); "train" takes the rest
_PLAN: dict[str, tuple[str, str, dict[str, tuple[int, int]]]] = {
    "clothing": ("train-extra/clothing", "", {"bench": (0, 600), "guard": (600, 660), "calib": (660, 960)}),
    "bsds500": ("train-extra/bsds500", "", {"bench": (0, 100), "calib": (100, 150)}),
    "imagenette": ("train", "0:", {"calib": (0, 500)}),
}
PARTS = ("train", "calib", "bench", "guard")


def _key(name: str, salt: str) -> str:
    return hashlib.sha1(f"{salt}{name}".encode()).hexdigest()


def ranked(files: Sequence[Path], salt: str = "") -> list[Path]:
    return sorted(files, key=lambda p: _key(p.name, salt))


def list_images(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)


@dataclass(frozen=True)
class SourceSplit:
    source: str
    parts: dict[str, list[Path]]

    def __getitem__(self, part: str) -> list[Path]:
        return self.parts.get(part, [])


def split_source(data_root: Path, source: str) -> SourceSplit:
    """The photos of one source, by part; each part sorted by name."""
    rel, salt, cuts = _PLAN[source]
    files = ranked(list_images(Path(data_root) / rel), salt)
    parts: dict[str, list[Path]] = {p: [] for p in PARTS}
    taken: set[int] = set()
    for part, (lo, hi) in cuts.items():
        parts[part] = sorted(files[lo:hi])
        taken.update(range(lo, min(hi, len(files))))
    parts["train"] = sorted(f for n, f in enumerate(files) if n not in taken)
    return SourceSplit(source, parts)


def split_all(data_root: Path, sources: Sequence[str] = tuple(_PLAN)) -> dict[str, SourceSplit]:
    return {s: split_source(data_root, s) for s in sources if (Path(data_root) / _PLAN[s][0]).is_dir()}


def part(data_root: Path, name: str, sources: Sequence[str] = tuple(_PLAN)) -> dict[str, list[Path]]:
    """``{source: files}`` of one part across the sources present under ``data_root``."""
    return {s: sp[name] for s, sp in split_all(data_root, sources).items()}
