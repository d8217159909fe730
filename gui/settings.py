"""What the GUI remembers between runs, as JSON in the config directory; turned into ScanSettings for a scan."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from engine.paths import config_dir
from engine.settings import DEFAULT_KEEP_RULES, DEFAULT_RAW_JPEG, RAW_JPEG_RULES, ScanSettings, upgrade_keep_rules

SETTINGS_NAME = "gui-settings.json"
SCAN_MIN_SCORE = 0.2  # pairs kept down to this score, so the threshold slider can go below the threshold


@dataclass
class Folder:
    path: str
    protected: bool = False


@dataclass
class AppSettings:
    folders: list[Folder] = field(default_factory=list)
    exclude: list[str] = field(default_factory=list)  # glob patterns
    include_hidden: bool = False
    threshold: float | None = None  # None = the model's calibrated default
    device: str = "auto"
    backend: str = "auto"  # auto | torch | openvino
    keep_rules: list[str] = field(default_factory=lambda: list(DEFAULT_KEEP_RULES))
    mark_rule: str = "suggested"  # the auto-mark rule last used
    preferred_folders: list[str] = field(default_factory=list)
    raw_jpeg: str = DEFAULT_RAW_JPEG  # of a RAW and its camera JPEG: keep both, the RAW or the JPEG
    use_cache: bool = True
    cache_path: str | None = None  # None = the default cache file
    exact_only: bool = False
    verify: bool = True  # the geometric check of near misses (engine.verify)
    last_move_folder: str = ""
    window_geometry: list[int] = field(default_factory=list)  # [x, y, width, height] of the main window, or []
    window_maximized: bool = False

    @property
    def protected_folders(self) -> list[str]:
        return [f.path for f in self.folders if f.protected]

    def to_scan_settings(self, not_duplicates: frozenset = frozenset()) -> ScanSettings:
        from engine.model.versions import active_model_path  # the version chosen in Model > Model versions

        min_score = SCAN_MIN_SCORE if self.threshold is None else min(SCAN_MIN_SCORE, self.threshold)
        return ScanSettings(
            roots=tuple(f.path for f in self.folders),
            exclude=tuple(self.exclude),
            include_hidden=self.include_hidden,
            threshold=self.threshold,
            min_score=min_score,
            device=self.device,
            backend=self.backend,
            use_cache=self.use_cache,
            cache_path=self.cache_path or None,
            keep_rules=tuple(self.keep_rules) or DEFAULT_KEEP_RULES,
            preferred_folders=tuple(self.preferred_folders),
            raw_jpeg=self.raw_jpeg,
            exact_only=self.exact_only,
            verify=self.verify,
            not_duplicates=not_duplicates,
            model_path=active_model_path(),
        )


def settings_path() -> Path:
    return config_dir() / SETTINGS_NAME


def load_settings(path: str | os.PathLike | None = None) -> AppSettings:
    """Settings from disk; a missing or damaged file gives the defaults, unknown keys are ignored."""
    path = Path(path) if path is not None else settings_path()
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return AppSettings()
    if not isinstance(raw, dict):
        return AppSettings()
    known = {f.name for f in fields(AppSettings)}
    values = {k: v for k, v in raw.items() if k in known}
    try:
        values["folders"] = [Folder(str(f["path"]), bool(f.get("protected", False))) for f in values.get("folders", [])]
        s = AppSettings(**values)
    except (TypeError, KeyError, AttributeError):
        return AppSettings()
    s.keep_rules = list(upgrade_keep_rules(s.keep_rules))
    if s.raw_jpeg not in RAW_JPEG_RULES:
        s.raw_jpeg = DEFAULT_RAW_JPEG
    if s.threshold is not None:
        s.threshold = min(1.0, max(0.0, float(s.threshold)))
    geometry = s.window_geometry
    ok = isinstance(geometry, list) and len(geometry) == 4 and all(type(v) is int for v in geometry)
    s.window_geometry = list(geometry) if ok else []
    return s


class SettingsStore:
    """The settings in use, shared by the window and its controllers, which read ``current`` when they act.

    Preferences replace ``current`` with an edited copy, so a controller keeps the store, never the settings
    object itself. ``save=False`` keeps a run from writing the user's file (the screenshot script).
    """

    def __init__(self, settings: AppSettings | None = None, save: bool = True) -> None:
        self.current = settings if settings is not None else load_settings()
        self.save_enabled = save

    def save(self) -> None:
        if self.save_enabled:
            save_settings(self.current)


def save_settings(settings: AppSettings, path: str | os.PathLike | None = None) -> None:
    path = Path(path) if path is not None else settings_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(asdict(settings), indent=2), encoding="utf-8")
    os.replace(tmp, path)
