"""User settings, kept as JSON next to the library. Never holds the API key."""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

from .fsutil import atomic_write_text

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://apiin.one"


_OPTIONAL_TYPES: dict[str, type] = {
    "last_duration": int,
    "last_aspect_ratio": str,
    "last_resolution": str,
    "last_mode": str,
    "monthly_budget_credits": int,
}


@dataclass
class Settings:
    base_url: str = DEFAULT_BASE_URL
    # How long a job may take from submission before we stop waiting (minutes).
    deadline_minutes: float = 30.0
    # First delay between polls (seconds); it grows up to poll_max_seconds.
    poll_seconds: float = 2.0
    poll_max_seconds: float = 10.0
    # How long the automatic retries of one create may take in all (seconds).
    create_retry_seconds: float = 60.0
    # Composer defaults chosen last time (None: let the service choose).
    last_duration: int | None = None
    last_aspect_ratio: str | None = None
    last_resolution: str | None = None
    last_mode: str | None = None
    volume: float = 0.8
    loop_playback: bool = True
    # The library's look, and where exports went last time.
    gallery_mode: str = "grid"
    export_dir: str = ""
    gif_width: int = 480
    gif_fps: int = 12
    # Ask before a submission that would take this month's spending past this (None: no limit).
    monthly_budget_credits: int | None = None

    @classmethod
    def load(cls, path: Path) -> Settings:
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return cls()
        except (OSError, ValueError) as exc:
            log.warning("Settings file %s unreadable (%s); using defaults", path, exc)
            return cls()
        if not isinstance(raw, dict):
            return cls()
        known = {f.name: f for f in fields(cls)}
        values: dict[str, Any] = {}
        defaults = cls()
        for name, value in raw.items():
            if name not in known:
                continue
            default = getattr(defaults, name)
            expected = _OPTIONAL_TYPES.get(name)
            if expected is not None:
                if value is None or (isinstance(value, expected) and not isinstance(value, bool)):
                    values[name] = value
            elif isinstance(value, type(default)) and not (
                isinstance(value, bool) and not isinstance(default, bool)
            ):
                values[name] = value
            elif isinstance(default, float) and isinstance(value, int):
                values[name] = float(value)
        return cls(**values)

    def save(self, path: Path) -> None:
        atomic_write_text(path, json.dumps(asdict(self), indent=2, sort_keys=True) + "\n")
