"""The library on disk: sidecars, favourites and tags, the trash, and rebuilding from files.

Files are named by our own job ids, so where a job's files live follows from its id alone:

    videos/<id>.mp4        the video            videos/<id>.json   its sidecar
    images/<id>.<ext>      the animated picture thumbnails/<id>.jpg  a cache, made again at will
    trash/<id>/            all but the thumbnail, while the job is in the trash

The database says what is in the trash; `reconcile()` puts files where the database says they
belong, so a crash between the two steps of a move never leaves a job half-deleted.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from .errors import InvalidInput, NotFound
from .fsutil import atomic_write_text, fsync_dir
from .models import Job, JobStatus, Kind, Params, clean_tags, utc_now
from .paths import AppPaths
from .store import LibraryQuery, Store

log = logging.getLogger(__name__)

SIDECAR_FORMAT = "grok-video/job"
SIDECAR_VERSION = 1
TRASH_DAYS = 30
METADATA_KEY = "grok_video"  # the MP4 metadata tag that carries the job as JSON


@dataclass(frozen=True)
class RebuildReport:
    from_sidecars: int = 0
    from_videos: int = 0
    already_there: int = 0
    unreadable: tuple[str, ...] = ()

    @property
    def recovered(self) -> int:
        return self.from_sidecars + self.from_videos


class Library:
    """Library operations that touch both the database and the files. No Qt."""

    def __init__(self, store: Store, paths: AppPaths) -> None:
        self.store = store
        self.paths = paths

    # -- where things are ---------------------------------------------------------------------
    @property
    def trash_dir(self) -> Path:
        return self.paths.data_dir / "trash"

    def sidecar_path(self, job_id: str) -> Path:
        return self.paths.videos_dir / f"{job_id}.json"

    def thumbnail_path(self, job_id: str) -> Path:
        return self.paths.thumbnails_dir / f"{job_id}.jpg"

    def _live_files(self, job_id: str) -> Iterator[Path]:
        """The job's own files outside the trash (whichever exist)."""
        for path in (self.paths.video_path(job_id), self.sidecar_path(job_id)):
            if path.exists():
                yield path
        if self.paths.images_dir.is_dir():
            yield from sorted(self.paths.images_dir.glob(f"{job_id}.*"))

    def _home_of(self, name: str) -> Path:
        """Where a file from the trash goes back to, by its suffix."""
        if name.endswith((".mp4", ".json")):
            return self.paths.videos_dir / name
        return self.paths.images_dir / name

    # -- sidecars -----------------------------------------------------------------------------
    def write_sidecar(self, job: Job) -> None:
        """Keep the job next to its video, so the library can be rebuilt from the files."""
        folder = self.trash_dir / job.id if job.in_trash else self.paths.videos_dir
        payload = {"format": SIDECAR_FORMAT, "version": SIDECAR_VERSION, "job": job.to_dict()}
        try:
            atomic_write_text(
                folder / f"{job.id}.json", json.dumps(payload, ensure_ascii=False, indent=1)
            )
        except OSError:
            log.exception("Could not write the sidecar of %s", job.id)

    def on_job_changed(self, job: Job) -> None:
        """A runner listener: a sidecar for every job that has left the service's hands."""
        if not job.status.active:
            self.write_sidecar(job)

    # -- favourites and tags ------------------------------------------------------------------
    def set_favourite(self, job_id: str, favourite: bool) -> Job:
        job = self.store.update_job(job_id, favourite=favourite)
        self.write_sidecar(job)
        return job

    def set_tags(self, job_id: str, tags: str | Iterable[str]) -> Job:
        cleaned = clean_tags(tags if isinstance(tags, str) else tuple(tags))
        job = self.store.update_job(job_id, tags=cleaned)
        self.write_sidecar(job)
        return job

    # -- the trash ----------------------------------------------------------------------------
    def trash(self, job_id: str) -> Job:
        """Move the job and its files to the trash. Restorable until it is emptied."""
        job = self.store.get_job(job_id)
        if job.status.active:
            raise InvalidInput(
                "This video is still being made; it can be deleted once it has finished."
            )
        if job.in_trash:
            return job
        folder = self.trash_dir / job.id
        job = self.store.update_job(
            job.id,
            deleted_at=utc_now(),
            video_path=_moved(job.video_path, folder),
            source_image=_moved(job.source_image, folder),
        )
        self._put_in_trash(job.id)
        self.write_sidecar(job)
        return job

    def restore(self, job_id: str) -> Job:
        job = self.store.get_job(job_id)
        if not job.in_trash:
            return job
        job = self.store.update_job(
            job.id,
            deleted_at=None,
            video_path=_moved(job.video_path, self.paths.videos_dir),
            source_image=_moved(job.source_image, self.paths.images_dir),
        )
        self._take_out_of_trash(job.id)
        self.write_sidecar(job)
        return job

    def _put_in_trash(self, job_id: str) -> None:
        folder = self.trash_dir / job_id
        folder.mkdir(parents=True, exist_ok=True)
        for path in list(self._live_files(job_id)):
            os.replace(path, folder / path.name)
        fsync_dir(folder)

    def _take_out_of_trash(self, job_id: str) -> None:
        folder = self.trash_dir / job_id
        if not folder.is_dir():
            return
        for path in sorted(folder.iterdir()):
            target = self._home_of(path.name)
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(path, target)
        folder.rmdir()

    def delete_forever(self, job_id: str) -> None:
        """Gone for good: the row first, then every file (an orphan is swept by reconcile)."""
        job = self.store.get_job(job_id)
        if not job.in_trash:
            raise InvalidInput("Only a job in the trash can be deleted for good.")
        self.store.delete_job(job_id)
        self._remove_files(job_id)

    def _remove_files(self, job_id: str) -> None:
        shutil.rmtree(self.trash_dir / job_id, ignore_errors=True)
        for path in (
            self.thumbnail_path(job_id),
            self.paths.partial_path(job_id),
            *self._live_files(job_id),
        ):
            with contextlib.suppress(FileNotFoundError):
                path.unlink()

    def empty_trash(self) -> int:
        jobs = self.store.list_jobs(LibraryQuery(trash=True))
        for job in jobs:
            self.delete_forever(job.id)
        return len(jobs)

    def purge_expired(self, days: int = TRASH_DAYS) -> int:
        """Empty what has been in the trash for longer than `days`."""
        jobs = self.store.trashed_before(utc_now() - timedelta(days=days))
        for job in jobs:
            self.delete_forever(job.id)
        if jobs:
            log.info("Emptied %d job(s) older than %d days from the trash", len(jobs), days)
        return len(jobs)

    def reconcile(self) -> None:
        """Make the files agree with the database after an interrupted move or delete."""
        for job in self.store.list_jobs(LibraryQuery(trash=True)):
            if any(self._live_files(job.id)):
                self._put_in_trash(job.id)  # files a crash left outside
            self._fix_paths(job)
        if not self.trash_dir.is_dir():
            return
        for folder in sorted(self.trash_dir.iterdir()):
            if not folder.is_dir():
                continue
            try:
                job = self.store.get_job(folder.name)
            except NotFound:  # a delete that stopped halfway
                log.info("Removing trash files of a deleted job: %s", folder.name)
                self._remove_files(folder.name)
                continue
            if not job.in_trash:
                self._take_out_of_trash(job.id)
                self._fix_paths(job)

    def _fix_paths(self, job: Job) -> None:
        folder = self.trash_dir / job.id
        video = _moved(job.video_path, folder if job.in_trash else self.paths.videos_dir)
        picture = _moved(job.source_image, folder if job.in_trash else self.paths.images_dir)
        if (video, picture) != (job.video_path, job.source_image):
            self.store.update_job(job.id, video_path=video, source_image=picture)

    # -- rebuilding ---------------------------------------------------------------------------
    def rebuild(self) -> RebuildReport:
        """Put back every job whose files are here but whose row is not (sidecars, then MP4s)."""
        known = self.store.all_ids()
        from_sidecars = from_videos = already = 0
        unreadable: list[str] = []
        for sidecar, in_trash in self._sidecars():
            job_id = sidecar.stem
            if job_id in known:
                already += 1
                continue
            try:
                job = self._job_from_sidecar(sidecar, in_trash)
            except (OSError, ValueError) as exc:
                log.warning("Unreadable sidecar %s: %s", sidecar, exc)
                unreadable.append(sidecar.name)
                continue
            self.store.insert_job(job)
            known.add(job.id)
            from_sidecars += 1
        if self.paths.videos_dir.is_dir():
            for video in sorted(self.paths.videos_dir.glob("*.mp4")):
                if video.stem in known:
                    continue
                try:
                    job = self._job_from_video(video)
                except (OSError, ValueError) as exc:
                    log.warning("Unreadable video %s: %s", video, exc)
                    unreadable.append(video.name)
                    continue
                self.store.insert_job(job)
                self.write_sidecar(job)
                known.add(job.id)
                from_videos += 1
        report = RebuildReport(from_sidecars, from_videos, already, tuple(unreadable))
        log.info("Library rebuilt from files: %s", report)
        return report

    def _sidecars(self) -> Iterator[tuple[Path, bool]]:
        if self.paths.videos_dir.is_dir():
            for path in sorted(self.paths.videos_dir.glob("*.json")):
                yield path, False
        if self.trash_dir.is_dir():
            for path in sorted(self.trash_dir.glob("*/*.json")):
                if path.stem == path.parent.name:
                    yield path, True

    def _job_from_sidecar(self, sidecar: Path, in_trash: bool) -> Job:
        payload = json.loads(sidecar.read_text(encoding="utf-8"))
        if not isinstance(payload, dict) or payload.get("format") != SIDECAR_FORMAT:
            raise ValueError("not a Grok Video sidecar")
        data = payload.get("job")
        if not isinstance(data, dict) or data.get("id") != sidecar.stem:
            raise ValueError("the sidecar does not describe the job its name says")
        job = Job.from_dict(data)
        return self._relocated(job, in_trash)

    def _relocated(self, job: Job, in_trash: bool) -> Job:
        """The paths where the files are now (the library folder may have moved)."""
        folder = self.trash_dir / job.id if in_trash else None
        video = (folder or self.paths.videos_dir) / f"{job.id}.mp4"
        if job.video_path or video.exists():
            job.video_path = str(video)
        if job.source_image:
            name = Path(job.source_image).name
            job.source_image = str((folder or self.paths.images_dir) / name)
        if job.status.active:
            # A row that was lost mid-job: what happened at the service cannot be known here.
            job.status = JobStatus.UNKNOWN
            job.error_code = job.error_code or "recovered"
            job.error_message = "Recovered from the library's files while it was unfinished."
        if in_trash and job.deleted_at is None:
            job.deleted_at = utc_now()
        if not in_trash:
            job.deleted_at = None
        return job

    def _job_from_video(self, video: Path) -> Job:
        """A video without a sidecar: what its MP4 metadata and the file itself tell."""
        from .media import NotAVideo, probe_and_verify, read_mp4_metadata, sha256_file

        try:
            tags = read_mp4_metadata(video)
            info = probe_and_verify(video)
        except NotAVideo as exc:
            raise ValueError(str(exc)) from exc
        data: dict[str, Any] | None = None
        with contextlib.suppress(ValueError, TypeError):
            loaded = json.loads(tags.get(METADATA_KEY, ""))
            data = loaded if isinstance(loaded, dict) else None
        if data is not None and data.get("id") == video.stem:
            job = Job.from_dict({**data, "status": "completed"})
        else:
            prompt = tags.get("comment") or tags.get("description") or tags.get("title") or ""
            stat = video.stat()
            job = Job(
                id=video.stem,
                status=JobStatus.COMPLETED,
                kind=Kind.TEXT,
                prompt=prompt,
                params=Params(),
                images=(),
                created_at=datetime.fromtimestamp(stat.st_mtime, UTC).replace(microsecond=0),
                finished_at=datetime.fromtimestamp(stat.st_mtime, UTC).replace(microsecond=0),
                note="Recovered from the video file alone.",
            )
        job.video_path = str(video)
        job.bytes = video.stat().st_size
        job.sha256 = sha256_file(video)
        job.duration_s, job.width, job.height = info.duration, info.width, info.height
        return self._relocated(job, False)


def _moved(path: str | None, folder: Path) -> str | None:
    return str(folder / Path(path).name) if path else None
