"""Small text helpers shared by models, views and dialogs."""

from __future__ import annotations

import os


def human_bytes(n: int) -> str:
    value = float(n)
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if abs(value) < 1000 or unit == "TB":
            return f"{int(value)} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{n} B"


def human_duration(seconds: float) -> str:
    seconds = max(0, int(round(seconds)))
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def resolution(width: int, height: int) -> str:
    return f"{width} × {height}" if width and height else "unknown size"


def short_path(path: str, keep: int = 3) -> str:
    """The last ``keep`` parts of a path, so long paths stay readable in narrow columns."""
    parts = path.split(os.sep)
    return path if len(parts) <= keep + 1 else os.path.join("…", *parts[-keep:])
