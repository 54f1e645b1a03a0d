"""The job runner: submit, poll, download, verify, resume.

Every change to a job is written to the store first and then told to the listeners (the CLI
prints, the GUI's adapter turns it into a Qt signal). No Qt here.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx

from .client import ApiInOneClient, BadDownload, LinkExpired, Retryable, Timing, backoff_delay
from .errors import (
    GrokVideoError,
    InsufficientCredits,
    InvalidInput,
    OutcomeUnknown,
    Rejected,
    Unavailable,
)
from .fsutil import atomic_write_bytes, replace_into_place
from .models import CREDITS_PER_VIDEO, GenerationRequest, Job, JobStatus, utc_now
from .paths import AppPaths
from .protocol import RemoteState, TaskSnapshot
from .store import Store

log = logging.getLogger(__name__)

Listener = Callable[[Job], None]
ClientFactory = Callable[[str], ApiInOneClient]  # base_url -> client

PROVIDER_APIINONE = "apiinone"
PROVIDER_SANDBOX = "sandbox"
LOCAL_IMAGE = "$library_image"  # in a stored request: a picture kept in the library


@dataclass(frozen=True)
class RunnerConfig:
    base_url: str
    provider: str = PROVIDER_APIINONE
    deadline: timedelta = timedelta(minutes=30)
    timing: Timing = field(default_factory=Timing)


class JobRunner:
    def __init__(
        self,
        store: Store,
        paths: AppPaths,
        config: RunnerConfig,
        client_factory: ClientFactory,
    ) -> None:
        self.store = store
        self.paths = paths
        self.config = config
        self._client_factory = client_factory
        self._clients: dict[str, ApiInOneClient] = {}
        self._retired: list[ApiInOneClient] = []
        self._listeners: list[Listener] = []
        self._tasks: set[asyncio.Task[Any]] = set()
        # Jobs this runner is working on right now (the store's lease covers other processes).
        self._active: set[str] = set()

    # -- plumbing ---------------------------------------------------------------------------
    def add_listener(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def _emit(self, job: Job) -> None:
        for listener in list(self._listeners):
            try:
                listener(job)
            except Exception:
                log.exception("A job listener failed")

    def _update(self, job_id: str, **fields: Any) -> Job:
        job = self.store.update_job(job_id, **fields)
        self._emit(job)
        return job

    def _client(self, job: Job) -> ApiInOneClient:
        base = self.base_url_for(job)
        if base not in self._clients:
            self._clients[base] = self._client_factory(base)
        return self._clients[base]

    def base_url_for(self, job: Job) -> str:
        # Sandbox jobs follow the sandbox wherever it listens now (its port changes per start).
        if job.provider == PROVIDER_SANDBOX and self.config.provider == PROVIDER_SANDBOX:
            return self.config.base_url
        return job.base_url or self.config.base_url

    def _take(self, job_id: str) -> bool:
        """Start working on a job unless this runner or another process already is."""
        if job_id in self._active or not self.store.claim(job_id):
            return False
        self._active.add(job_id)
        return True

    def _let_go(self, job_id: str) -> None:
        self._active.discard(job_id)
        self.store.release(job_id)

    def spawn(self, coro: Any) -> asyncio.Task[Any]:
        """Run a coroutine as a task we keep a strong reference to until it ends."""
        return keep_task(self._tasks, coro)

    async def aclose(self) -> None:
        """Cancel and await every task, then close the HTTP clients. Leases are released."""
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        for client in [*self._clients.values(), *self._retired]:
            await client.aclose()
        self._clients.clear()
        self._retired.clear()

    def reset_clients(self) -> None:
        """New work uses new clients (after the key or base URL changed)."""
        self._retired.extend(self._clients.values())
        self._clients.clear()

    # -- submit -----------------------------------------------------------------------------
    def prepare(self, request: GenerationRequest, *, parent_id: str | None = None) -> Job:
        """Validate, then commit the job and its request to the store. Nothing is sent yet.

        A local picture is checked, oriented and scaled now, and kept in the library; the
        stored request points at that copy instead of holding megabytes of base64.
        """
        request.validate()
        job_id = uuid.uuid4().hex
        sendable, source_image = self._keep_pictures(job_id, request.images)
        body = request.body(sendable)
        job = Job(
            id=job_id,
            parent_id=parent_id,
            source_image=source_image,
            status=JobStatus.SUBMITTING,
            kind=request.kind,
            prompt=request.prompt.strip(),
            params=request.params,
            images=request.images,
            created_at=utc_now(),
            provider=self.config.provider,
            base_url=self.config.base_url,
        )
        self.store.insert_job(job, request_body=body)
        self._take(job.id)
        self._emit(job)
        return job

    def _keep_pictures(self, job_id: str, images: tuple[str, ...]) -> tuple[list[Any], str | None]:
        from .images import picture_source, prepare_local_image  # (Pillow: only when needed)

        sendable: list[Any] = []
        kept: str | None = None
        for index, item in enumerate(images):
            source = picture_source(item)
            if isinstance(source, str):
                sendable.append(source)
                continue
            data, mime = prepare_local_image(source)
            suffix = ".png" if mime == "image/png" else ".jpg"
            name = f"{job_id}{suffix}" if index == 0 else f"{job_id}-{index}{suffix}"
            target = self.paths.images_dir / name
            atomic_write_bytes(target, data)
            sendable.append({LOCAL_IMAGE: name})
            kept = kept or str(target)
        return sendable, kept

    def _inline_pictures(self, body: dict[str, Any]) -> dict[str, Any]:
        """Turn the stored references to kept pictures back into data: URLs for sending."""
        from .images import data_url

        urls = body.get("image_urls")
        if not isinstance(urls, list):
            return body
        inlined: list[Any] = []
        for url in urls:
            if isinstance(url, dict) and LOCAL_IMAGE in url:
                path = self.paths.images_dir / str(url[LOCAL_IMAGE])
                try:
                    data = path.read_bytes()
                except OSError as exc:
                    raise InvalidInput(
                        f"The picture for this job is missing from the library ({path.name})."
                    ) from exc
                mime = "image/png" if path.suffix == ".png" else "image/jpeg"
                inlined.append(data_url(data, mime))
            else:
                inlined.append(url)
        return {**body, "image_urls": inlined}

    async def _copy_web_picture(self, job: Job) -> Job:
        """Keep a copy of a picture given by URL, so the library shows it offline. Best effort."""
        from .images import MAX_FILE_BYTES, is_web_url, prepare_local_image

        if job.source_image is not None or not job.images or not is_web_url(job.images[0]):
            return job
        incoming = self.paths.incoming_dir / f"{job.id}.download"
        try:
            incoming.parent.mkdir(parents=True, exist_ok=True)
            async with (
                httpx.AsyncClient(timeout=20, follow_redirects=True, trust_env=False) as http,
                http.stream("GET", job.images[0]) as response,
            ):
                response.raise_for_status()
                size = 0
                with open(incoming, "wb") as fh:
                    async for chunk in response.aiter_raw():
                        size += len(chunk)
                        if size > MAX_FILE_BYTES:
                            raise InvalidInput("the picture is too large to keep")
                        fh.write(chunk)
            data, mime = await asyncio.to_thread(prepare_local_image, incoming)
            target = self.paths.images_dir / (job.id + (".png" if mime == "image/png" else ".jpg"))
            await asyncio.to_thread(atomic_write_bytes, target, data)
        except (httpx.HTTPError, InvalidInput, OSError) as exc:
            log.info("Could not keep a copy of the picture of job %s: %s", job.id, exc)
            return job
        finally:
            incoming.unlink(missing_ok=True)
        return self._update(job.id, source_image=str(target))

    async def send(self, job_id: str) -> Job:
        """The one paid call. Runs once per job; its outcome is always recorded."""
        job = self.store.get_job(job_id)
        if job.status is not JobStatus.SUBMITTING:
            raise GrokVideoError(f"Job {job_id} was already sent.")
        try:
            body = self._inline_pictures(self.store.request_body(job_id) or {})
        except InvalidInput as exc:
            return self._fail(job, "invalid_input", exc.message)
        try:
            task_id = await self._client(job).create(body, idempotency_key=job.id)
        except asyncio.CancelledError:
            self._update(
                job_id,
                status=JobStatus.UNKNOWN,
                error_code="interrupted",
                error_message="The app stopped while sending this job; it may or may not have "
                "been started (and charged). Retry only if it never shows up.",
            )
            raise
        except (Rejected, Unavailable) as exc:
            return self._update(
                job_id,
                status=JobStatus.FAILED,
                error_code=exc.code,
                error_message=exc.message,
                cost_credits=0,
                finished_at=utc_now(),
            )
        except OutcomeUnknown as exc:
            return self._update(
                job_id, status=JobStatus.UNKNOWN, error_code=exc.code, error_message=exc.message
            )
        now = utc_now()
        return self._update(
            job_id,
            status=JobStatus.RUNNING,
            task_id=task_id,
            submitted_at=now,
            deadline_at=now + self.config.deadline,
            progress=None,
        )

    async def submit(self, request: GenerationRequest) -> Job:
        """Prepare and send; a running job is left for follow() or a later resume."""
        job = self.prepare(request)
        try:
            return await self.send(job.id)
        finally:
            self._let_go(job.id)

    async def run_prepared(self, job_id: str) -> Job:
        """Send a prepared job and follow it to its end."""
        try:
            job = await self.send(job_id)
            if job.status is JobStatus.RUNNING:
                job = await self._copy_web_picture(job)
                job = await self._carry_on(job_id)
            return job
        finally:
            self._let_go(job_id)

    async def generate(self, request: GenerationRequest) -> Job:
        """Prepare, send and follow to the end."""
        return await self.run_prepared(self.prepare(request).id)

    def retry(self, job_id: str) -> Job:
        """The user's explicit "retry, may charge again" for an unknown job: a new job.

        The old one is closed as cancelled and points at the new one. Returns the prepared job;
        the caller sends it.
        """
        old = self.store.get_job(job_id)
        if old.status is not JobStatus.UNKNOWN:
            raise GrokVideoError("Only a job whose outcome is unknown can be retried.")
        body = self.store.request_body(job_id) or {}
        job = Job(
            id=uuid.uuid4().hex,
            status=JobStatus.SUBMITTING,
            kind=old.kind,
            prompt=old.prompt,
            params=old.params,
            images=old.images,
            created_at=utc_now(),
            provider=self.config.provider,
            base_url=self.config.base_url,
            retry_of=old.id,
            parent_id=old.parent_id,
            source_image=old.source_image,
        )
        self.store.insert_job(job, request_body=body)
        self._take(job.id)
        self._emit(job)
        self._update(
            old.id,
            status=JobStatus.CANCELLED,
            note=f"Retried as job {job.id}. This attempt may still have been charged.",
        )
        return job

    def dismiss(self, job_id: str) -> Job:
        """Stop caring about an unknown job (no call is made)."""
        job = self.store.get_job(job_id)
        if job.status is not JobStatus.UNKNOWN:
            raise GrokVideoError("Only a job whose outcome is unknown can be dismissed.")
        return self._update(job_id, status=JobStatus.CANCELLED, finished_at=utc_now())

    # -- follow: poll and download ----------------------------------------------------------
    async def follow(self, job_id: str, *, once: bool = False) -> Job:
        """Carry a submitted job to its end: poll, download, verify. Never re-submits.

        With once=True: a single status check; a finished video is still downloaded.
        """
        if not self._take(job_id):
            log.info("Job %s is already being worked on", job_id)
            return self.store.get_job(job_id)
        try:
            return await self._carry_on(job_id, once=once)
        finally:
            self._let_go(job_id)

    async def _carry_on(self, job_id: str, *, once: bool = False) -> Job:
        job = self.store.get_job(job_id)
        expired_refreshes = 0
        while True:
            if job.status is JobStatus.RUNNING:
                job = await self._poll_until_done(job, once=once)
                if once and job.status is JobStatus.RUNNING:
                    return job
            elif job.status is JobStatus.DOWNLOADING:
                try:
                    job = await self._download(job)
                except LinkExpired:
                    if expired_refreshes >= 1 or job.task_id is None:
                        return self._fail(
                            job,
                            "link_expired",
                            "The video's download link expired before it could be saved.",
                            charged=True,
                        )
                    expired_refreshes += 1
                    log.info("Download link of %s expired; asking for a fresh one", job.id)
                    job = self._update(job.id, status=JobStatus.RUNNING)
            else:
                return job

    def _fail(self, job: Job, code: str, message: str, *, charged: bool = False) -> Job:
        return self._update(
            job.id,
            status=JobStatus.FAILED,
            error_code=code,
            error_message=message,
            cost_credits=self._price() if charged else 0,
            finished_at=utc_now(),
        )

    def _price(self) -> int:
        return 0 if self.config.provider == PROVIDER_SANDBOX else CREDITS_PER_VIDEO

    def _past_deadline(self, job: Job) -> bool:
        return job.deadline_at is not None and utc_now() >= job.deadline_at

    async def _wait(self, job: Job, seconds: float) -> None:
        if job.deadline_at is not None:
            left = (job.deadline_at - utc_now()).total_seconds()
            seconds = max(0.0, min(seconds, left + 0.05))
        self.store.claim(job.id)  # keep the lease fresh
        await asyncio.sleep(seconds)

    async def _poll_until_done(self, job: Job, *, once: bool = False) -> Job:
        assert job.task_id is not None
        client = self._client(job)
        timing = client.timing
        delay = timing.poll_initial
        failures = 0
        while True:
            if self._past_deadline(job):
                return self._update(
                    job.id,
                    status=JobStatus.UNKNOWN,
                    error_code="deadline_exceeded",
                    error_message="The service did not finish the video in time. It may still "
                    f"finish (and charge); its task id is {job.task_id}.",
                )
            try:
                snap: TaskSnapshot = await client.poll(job.task_id)
            except Retryable as exc:
                failures += 1
                wait = (
                    exc.retry_after
                    if exc.retry_after is not None
                    else backoff_delay(failures, timing)
                )
                log.warning("Status check of %s failed: %s; again in %.1f s", job.id, exc, wait)
                note = f"Status check failed: {exc.message}. Retrying."
                if job.note != note:
                    job = self._update(job.id, note=note)
                if once:
                    return job
                await self._wait(job, wait)
                continue
            failures = 0
            if job.note and job.note.startswith("Status check failed"):
                job = self._update(job.id, note=None)
            if snap.state is RemoteState.FAILED:
                return self._fail(job, "task_failed", snap.error_message or "The video failed.")
            if snap.state is RemoteState.DONE and snap.video_url:
                return self._update(
                    job.id,
                    status=JobStatus.DOWNLOADING,
                    video_url=snap.video_url,
                    progress=0,
                    deadline_at=utc_now() + self.config.deadline,
                )
            if snap.progress is not None and snap.progress != job.progress:
                job = self._update(job.id, progress=snap.progress)
            if once:
                return job
            await self._wait(job, delay)
            delay = min(delay * 1.5, timing.poll_max)

    async def _download(self, job: Job) -> Job:
        # PyAV is imported when a video arrives, not with the runner: `grok-video jobs` and
        # the window's first paint never wait for it.
        from .media import NotAVideo, probe_and_verify, sha256_file

        assert job.video_url is not None
        client = self._client(job)
        partial = self.paths.partial_path(job.id)
        final = self.paths.video_path(job.id)
        last_emit = [0.0, -1]

        def progress(written: int, total: int | None) -> None:
            if not total:
                return
            percent = int(written * 100 / total)
            now = time.monotonic()
            if percent != last_emit[1] and (now - last_emit[0] > 0.25 or percent == 100):
                last_emit[0], last_emit[1] = now, percent
                self._emit(self.store.update_job(job.id, progress=percent))

        failures = 0
        redownloaded = False
        while True:
            if self._past_deadline(job):
                return self._fail(
                    job,
                    "download_failed",
                    "The video was made but could not be downloaded in time.",
                    charged=True,
                )
            try:
                length = await client.download(job.video_url, partial, progress)
            except Retryable as exc:
                failures += 1
                wait = (
                    exc.retry_after
                    if exc.retry_after is not None
                    else backoff_delay(failures, client.timing)
                )
                log.warning("Download of %s: %s; again in %.1f s", job.id, exc, wait)
                await self._wait(job, wait)
                continue
            except BadDownload as exc:
                partial.unlink(missing_ok=True)
                return self._fail(
                    job, "invalid_video", f"The download is unusable: {exc}.", charged=True
                )
            try:
                info = await asyncio.to_thread(probe_and_verify, partial)
                await asyncio.to_thread(self._label, job, partial)
                digest = await asyncio.to_thread(sha256_file, partial)
            except NotAVideo as exc:
                partial.unlink(missing_ok=True)
                if not redownloaded:
                    redownloaded = True
                    log.warning("Downloaded file of %s is not a video (%s); once more", job.id, exc)
                    continue
                return self._fail(
                    job,
                    "invalid_video",
                    f"The downloaded file is not a playable video: {exc}.",
                    charged=True,
                )
            length = partial.stat().st_size
            await asyncio.to_thread(replace_into_place, partial, final)
            return self._update(
                job.id,
                status=JobStatus.COMPLETED,
                progress=100,
                video_path=str(final),
                sha256=digest,
                bytes=length,
                cost_credits=self._price(),
                finished_at=utc_now(),
                error_code=None,
                error_message=None,
                note=None,
                duration_s=info.duration,
                width=info.width,
                height=info.height,
            )

    @staticmethod
    def _label(job: Job, partial: Path) -> None:
        """Write the prompt (and the job) into the MP4's metadata: the file describes itself.

        A stream copy, checked again; if anything goes wrong the download is kept as it came.
        """
        from .export import job_metadata
        from .media import NotAVideo, probe_and_verify, write_mp4_metadata

        labelled = partial.with_name(partial.name + ".meta")
        try:
            write_mp4_metadata(partial, labelled, job_metadata(job))
            probe_and_verify(labelled)
            os.replace(labelled, partial)
        except (NotAVideo, OSError, ValueError) as exc:
            log.warning("Could not write metadata into %s: %s", job.id, exc)
            labelled.unlink(missing_ok=True)

    # -- resume -----------------------------------------------------------------------------
    async def resume(self, *, once: bool = False) -> list[Job]:
        """Carry every unfinished job on. Jobs caught mid-send become unknown, never re-sent."""
        followers = []
        for job in self.store.unfinished_jobs():
            if job.status is JobStatus.SUBMITTING:
                if self._take(job.id):
                    self._update(
                        job.id,
                        status=JobStatus.UNKNOWN,
                        error_code="interrupted",
                        error_message="The app stopped while sending this job; it may or may "
                        "not have been started (and charged). Retry only if it never shows up.",
                    )
                    self._let_go(job.id)
                continue
            followers.append(self.follow(job.id, once=once))
        return list(await asyncio.gather(*followers))


def keep_task(tasks: set[asyncio.Task[Any]], coro: Any) -> asyncio.Task[Any]:
    """Start a task, hold a strong reference in `tasks` until it ends, and hand an unexpected
    error to the loop's one exception handler."""
    task: asyncio.Task[Any] = asyncio.ensure_future(coro)
    tasks.add(task)
    task.add_done_callback(tasks.discard)
    task.add_done_callback(report_task_failure)
    return task


def report_task_failure(task: asyncio.Future[Any]) -> None:
    """Hand an unexpected error of a background task to the loop's one exception handler."""
    if task.cancelled():
        return
    exc = task.exception()
    if exc is not None:
        task.get_loop().call_exception_handler(
            {"message": "A background job task failed", "exception": exc, "future": task}
        )


def exit_code_for(job: Job) -> int:
    from .errors import ExitCode

    if job.status in (JobStatus.COMPLETED, JobStatus.RUNNING, JobStatus.DOWNLOADING):
        return ExitCode.OK
    if job.status is JobStatus.UNKNOWN:
        return ExitCode.UNKNOWN
    if job.status is JobStatus.FAILED:
        return {
            "unauthorized": ExitCode.AUTH,
            "insufficient_credits": ExitCode.CREDITS,
            "service_unavailable": ExitCode.UNAVAILABLE,
        }.get(job.error_code or "", ExitCode.JOB_FAILED)
    return ExitCode.JOB_FAILED


__all__ = [
    "PROVIDER_APIINONE",
    "PROVIDER_SANDBOX",
    "InsufficientCredits",
    "JobRunner",
    "RunnerConfig",
    "exit_code_for",
]
