"""Every scan setting declared once, with its type and default. The GUI persists these; the CLI fills them."""

from __future__ import annotations

from dataclasses import dataclass, field

KEEP_RULES = ("original_path", "camera", "resolution", "size", "oldest", "newest", "shortest_path")
DEFAULT_KEEP_RULES = ("original_path", "camera", "resolution", "oldest", "size")
"""The suggested keeper is the original (engine.keeper): not in a backup/export folder nor named like a copy,
then straight from a camera, then the most pixels (a smaller copy is never the better file), then the oldest
(equal pixels: the original came first), then the larger file."""
LEGACY_DEFAULT_KEEP_RULES = ("resolution", "size", "oldest")  # the default before the original-first rules


def upgrade_keep_rules(rules: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    """Saved keep rules with the unknown dropped; the old default, saved by every earlier run, becomes the new one."""
    known = tuple(r for r in rules if r in KEEP_RULES)
    return DEFAULT_KEEP_RULES if not known or known == LEGACY_DEFAULT_KEEP_RULES else known


@dataclass(frozen=True)
class ScanSettings:
    roots: tuple[str, ...] = ()
    include: tuple[str, ...] = ()  # glob patterns on the file name or path; empty = everything
    exclude: tuple[str, ...] = ()
    include_hidden: bool = False
    follow_symlinks: bool = True
    threshold: float | None = None  # None = the model's calibrated default
    min_score: float | None = None  # pairs reported from this score; None = the threshold
    device: str = "auto"  # auto | cpu | cuda | mps
    batch_size: int = 32
    decode_workers: int = 0  # 0 = number of CPU cores
    neighbours: int = 16  # k in the top-k candidate search
    use_cache: bool = True
    cache_path: str | None = None  # None = platformdirs default (or DOPPEL_CACHE_DIR)
    model_path: str | None = None  # a model folder or weights file; None = the bundled model
    keep_rules: tuple[str, ...] = DEFAULT_KEEP_RULES
    preferred_folders: tuple[str, ...] = ()  # a keeper in one of these wins before the rules apply
    exact_only: bool = False  # skip the model; byte-identical groups only
    not_duplicates: frozenset = field(default_factory=frozenset)  # frozenset of frozenset({path_a, path_b})
    use_labels: bool = True  # apply the user's "is / is not a duplicate" labels (engine.labels) to the groups
    labels_path: str | None = None  # None = the app's store in the data dir (or DOPPEL_DATA_DIR)
