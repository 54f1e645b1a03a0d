"""Where the app keeps things. With GROK_VIDEO_DATA_DIR set, everything goes under it."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from .. import APP_NAME

ENV_DATA_DIR = "GROK_VIDEO_DATA_DIR"


@dataclass(frozen=True)
class AppPaths:
    data_dir: Path
    config_dir: Path
    log_dir: Path

    @property
    def db_path(self) -> Path:
        return self.data_dir / "library.sqlite3"

    @property
    def videos_dir(self) -> Path:
        return self.data_dir / "videos"

    @property
    def partial_dir(self) -> Path:
        return self.data_dir / "partial"

    @property
    def images_dir(self) -> Path:
        """The library's copies of the pictures that were animated."""
        return self.data_dir / "images"

    @property
    def incoming_dir(self) -> Path:
        """Pictures on their way in (pasted, or a video's last frame) before a job owns them."""
        return self.data_dir / "incoming"

    @property
    def thumbnails_dir(self) -> Path:
        return self.data_dir / "thumbnails"

    @property
    def backups_dir(self) -> Path:
        return self.data_dir / "backups"

    @property
    def sandbox_dir(self) -> Path:
        return self.data_dir / "sandbox-service"

    @property
    def settings_path(self) -> Path:
        return self.config_dir / "settings.json"

    def video_path(self, job_id: str) -> Path:
        return self.videos_dir / f"{job_id}.mp4"

    def partial_path(self, job_id: str) -> Path:
        return self.partial_dir / f"{job_id}.mp4.part"

    def ensure(self) -> AppPaths:
        for folder in (self.data_dir, self.config_dir, self.log_dir, self.videos_dir):
            folder.mkdir(parents=True, exist_ok=True)
        return self

    @classmethod
    def resolve(cls, data_dir: str | os.PathLike[str] | None = None) -> AppPaths:
        """Option beats environment beats the platform's folders."""
        chosen = data_dir if data_dir else os.environ.get(ENV_DATA_DIR) or None
        if chosen:
            root = Path(chosen).expanduser().resolve()
            return cls(data_dir=root, config_dir=root, log_dir=root / "logs")
        return cls(
            data_dir=Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)),
            config_dir=Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)),
            log_dir=Path(platformdirs.user_log_dir(APP_NAME, appauthor=False)),
        )
