"""Every scan setting declared once, with its type and default. The GUI persists these; the CLI fills them."""

from __future__ import annotations

from dataclasses import dataclass, field

KEEP_RULES = ("original_path", "camera", "resolution", "size", "oldest", "newest", "shortest_path")
DEFAULT_KEEP_RULES = ("original_path", "camera", "resolution", "oldest", "size")
"""The suggested keeper is the original (engine.keeper): not in a backup/export folder nor named like a copy,
then straight from a camera, then the most pixels (a smaller copy is never the better file), then the oldest
(equal pixels: the original came first), then the larger file."""
LEGACY_DEFAULT_KEEP_RULES = ("resolution", "size", "oldest")  # the default before the original-first rules

RAW_JPEG_RULES = ("both", "raw", "jpeg")
DEFAULT_RAW_JPEG = "both"
"""Which file of a camera RAW and the JPEG the camera wrote with it (one shot, always one group; engine.twins)
stays: "both" (auto-mark marks neither: the safe default, the RAW holds what the JPEG lost and the JPEG holds the
camera's rendering), "raw" or "jpeg" (the other one may go; a keeper of the other kind hands the role over)."""


def upgrade_keep_rules(rules: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    """Saved keep rules with the unknown dropped; the old default, saved by every earlier run, becomes the new one."""
    known = tuple(r for r in rules if r in KEEP_RULES)
    return DEFAULT_KEEP_RULES if not known or known == LEGACY_DEFAULT_KEEP_RULES else known


def sure_threshold_for(threshold: float, declared: float | None = None, setting: float | None = None) -> float:
    """Auto-mark's sure level: the setting, else the model's ``sure_threshold`` (model.json), else halfway from the
    model's threshold to 1.0 (0.89 -> 0.945).

    The threshold balances found copies against false groups; marking for deletion needs more than that, and
    halfway up keeps the margin proportional to how strict the model already is. It follows the model's
    threshold, not the slider: lowering the slider shows more groups, it does not make marks surer.
    """
    if setting is not None:
        return setting
    if declared is not None:
        return declared
    return threshold + (1.0 - threshold) / 2


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
    backend: str = "auto"  # auto | torch | openvino: OpenVINO on the CPU, torch on a GPU (engine.model.backends)
    batch_size: int = 32
    decode_workers: int = 0  # 0 = number of CPU cores
    neighbours: int = 16  # k in the top-k candidate search
    use_cache: bool = True
    cache_path: str | None = None  # None = platformdirs default (or DOPPEL_CACHE_DIR)
    model_path: str | None = None  # a model folder or weights file; None = the bundled model
    keep_rules: tuple[str, ...] = DEFAULT_KEEP_RULES
    preferred_folders: tuple[str, ...] = ()  # a keeper in one of these wins before the rules apply
    raw_jpeg: str = DEFAULT_RAW_JPEG  # which of a RAW + camera JPEG pair stays (RAW_JPEG_RULES)
    exact_only: bool = False  # skip the model; byte-identical groups only
    verify: bool = True  # check pairs just under the threshold by geometry, when the model says how (slower)
    not_duplicates: frozenset[frozenset[str]] = field(
        default_factory=frozenset
    )  # frozenset of frozenset({path_a, path_b})
    sure_threshold: float | None = None  # auto-mark marks only members this alike to the keeper; None: the model's
    use_labels: bool = True  # apply the user's "is / is not a duplicate" labels (engine.labels) to the groups
    labels_path: str | None = None  # None = the app's store in the data dir (or DOPPEL_DATA_DIR)
