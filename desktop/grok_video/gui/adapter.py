"""The one Qt adapter: core events become signals; views call these methods, never HTTP or SQL."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal

from ..core import spend as spending
from ..core.client import ApiInOneClient
from ..core.config import normalise_base_url
from ..core.context import AppContext
from ..core.errors import GrokVideoError, InvalidInput, KeyProblem
from ..core.images import is_web_url
from ..core.library import Library, RebuildReport
from ..core.media import NotAVideo, extract_last_frame
from ..core.models import CREDITS_PER_VIDEO, GenerationRequest, Job, JobStatus, Kind
from ..core.runner import PROVIDER_SANDBOX
from ..core.secrets import KeyStatus, clean_key
from ..core.spend import Spend
from ..core.store import LibraryQuery

log = logging.getLogger(__name__)


class JobsController(QObject):
    jobChanged = Signal(object)  # Job
    message = Signal(str)  # something to tell the user, in words
    errorRaised = Signal(str)  # an error to tell the user, in words
    keyChanged = Signal()
    providerChanged = Signal()
    jobRemoved = Signal(str)  # deleted for good
    libraryReset = Signal()  # many jobs changed at once (rebuild)

    def __init__(self, ctx: AppContext, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.runner = ctx.runner()
        self.runner.add_listener(self.jobChanged.emit)

    # -- reading --------------------------------------------------------------------------
    def jobs(self, limit: int | None = None) -> list[Job]:
        return self.ctx.store.list_jobs(limit=limit)

    def job(self, job_id: str) -> Job:
        return self.ctx.store.get_job(job_id)

    def job_ids(self, query: LibraryQuery) -> list[str]:
        return self.ctx.store.job_ids(query)

    async def job_ids_later(self, query: LibraryQuery) -> list[str]:
        """job_ids() on a worker thread: a long library's query never holds up the window."""
        return await asyncio.to_thread(self.ctx.store.job_ids_apart, query)

    def first_ids(self, query: LibraryQuery, count: int) -> tuple[list[str], int]:
        """The first `count` ids the query matches, and how many it matches in all."""
        return self.ctx.store.job_ids(query, limit=count), self.ctx.store.count_jobs(query)

    def jobs_by_id(self, ids: Sequence[str]) -> dict[str, Job]:
        return self.ctx.store.get_jobs(ids)

    def matches(self, job: Job, query: LibraryQuery) -> bool:
        """Whether a (changed) job belongs in a view of this query."""
        return self.ctx.store.matches(job.id, query)

    def count(self, query: LibraryQuery) -> int:
        return self.ctx.store.count_jobs(query)

    @property
    def library(self) -> Library:
        return self.ctx.library

    # -- spending ---------------------------------------------------------------------------
    def spend(self) -> Spend:
        return spending.totals(self.ctx.store)

    @property
    def price(self) -> int:
        """Credits a successful video costs here (the sandbox is free)."""
        return 0 if self.ctx.is_sandbox else CREDITS_PER_VIDEO

    def questions_before(self, request: GenerationRequest) -> list[str]:
        """What to ask before sending this: over the budget, or the same request just now."""
        asks = []
        over = spending.budget_question(
            self.ctx.store, self.ctx.settings.monthly_budget_credits, self.price
        )
        if over:
            asks.append(over)
        twin = spending.recent_twin(self.ctx.store, request)
        if twin is not None:
            asks.append(
                "You sent this same prompt"
                + (" and picture" if request.images else "")
                + " less than a minute ago. Sending it again makes (and charges for) a second "
                "video."
            )
        return asks

    def set_budget(self, credits: int | None) -> None:
        self.ctx.settings.monthly_budget_credits = credits or None
        self.ctx.settings.save(self.ctx.paths.settings_path)

    # -- keeping and deleting ---------------------------------------------------------------
    def _library_change(self, change: Callable[[], Job]) -> Job | None:
        try:
            job = change()
        except GrokVideoError as exc:
            self.errorRaised.emit(exc.message)
            return None
        except OSError as exc:
            log.exception("Library change failed")
            self.errorRaised.emit(f"The library's files could not be changed: {exc}")
            return None
        self.jobChanged.emit(job)
        return job

    def set_favourite(self, job_id: str, favourite: bool) -> Job | None:
        return self._library_change(lambda: self.library.set_favourite(job_id, favourite))

    def set_tags(self, job_id: str, tags: str) -> Job | None:
        return self._library_change(lambda: self.library.set_tags(job_id, tags))

    def trash(self, job_id: str) -> Job | None:
        return self._library_change(lambda: self.library.trash(job_id))

    def restore(self, job_id: str) -> Job | None:
        return self._library_change(lambda: self.library.restore(job_id))

    def delete_forever(self, job_id: str) -> bool:
        try:
            job = self.job(job_id)
            self.library.delete_forever(job_id)
        except GrokVideoError as exc:
            self.errorRaised.emit(exc.message)
            return False
        self.jobRemoved.emit(job.id)
        return True

    def empty_trash(self) -> int:
        ids = self.ctx.store.job_ids(LibraryQuery(trash=True))
        removed = 0
        for job_id in ids:
            removed += self.delete_forever(job_id)
        return removed

    def rebuild(self) -> RebuildReport:
        report = self.library.rebuild()
        self.libraryReset.emit()
        return report

    def rerun(self, job_id: str) -> Job | None:
        """The same request again, as a new job (charged again)."""
        try:
            request = self.request_of(job_id)
        except GrokVideoError as exc:
            self.errorRaised.emit(exc.message)
            return None
        return self.submit(request, parent_id=self.job(job_id).parent_id)

    def request_of(self, job_id: str) -> GenerationRequest:
        """What a job asked for, ready to send again (its picture from the library's copy)."""
        job = self.job(job_id)
        images: tuple[str, ...] = ()
        if job.kind is Kind.IMAGE:
            source = (
                job.source_image if job.source_image and Path(job.source_image).exists() else None
            )
            if source is None and job.images and is_web_url(job.images[0]):
                source = job.images[0]
            if source is None:
                raise InvalidInput("This job's picture is no longer in the library.")
            images = (source,)
        return GenerationRequest(prompt=job.prompt, params=job.params, images=images)

    @property
    def is_sandbox(self) -> bool:
        return self.ctx.is_sandbox

    @property
    def base_url(self) -> str:
        return self.ctx.base_url

    # -- the key --------------------------------------------------------------------------
    def key_status(self) -> KeyStatus:
        return self.ctx.keys.status()

    def needs_key(self) -> bool:
        """True when a real provider is in use and no key can be found (or no keyring)."""
        if self.ctx.is_sandbox:
            return False
        try:
            return not self.ctx.keys.status().present
        except KeyProblem:
            return True

    async def check_and_store_key(self, key: str) -> None:
        """Check the key with the service, then keep it in the keyring. Raises GrokVideoError
        with words for a malformed key, no keyring, a refused key or no network."""
        cleaned = clean_key(key)
        self.ctx.keys.status()  # no keyring backend: say so before asking the service
        client = ApiInOneClient(self.ctx.base_url, cleaned, timing=self.ctx.timing())
        try:
            await client.check_key()
        finally:
            await client.aclose()
        self.set_key(cleaned)

    def use_sandbox(self) -> None:
        """Switch this window to the built-in sandbox (free, no key), as `--sandbox` would."""
        if self.ctx.is_sandbox:
            return
        from ..sandbox.server import SandboxServer

        server = SandboxServer(state_dir=self.ctx.paths.sandbox_dir).start()
        self.ctx.sandbox = server
        self.ctx.provider = PROVIDER_SANDBOX
        self.ctx.base_url = server.url
        self.runner.config = dataclasses.replace(
            self.runner.config, base_url=server.url, provider=PROVIDER_SANDBOX
        )
        self.runner.reset_clients()
        self.providerChanged.emit()
        self.message.emit("Sandbox: free practice videos made on this computer. No key needed.")

    def set_key(self, key: str) -> None:
        self.ctx.keys.set(key)
        self.runner.reset_clients()
        self.keyChanged.emit()
        self.message.emit("The API key is stored in the system keyring.")

    def delete_key(self) -> bool:
        removed = self.ctx.keys.delete()
        self.runner.reset_clients()
        self.keyChanged.emit()
        return removed

    # -- settings -------------------------------------------------------------------------
    def set_base_url(self, url: str) -> str:
        """Check and keep a new base URL (used for new jobs); raises InvalidInput."""
        cleaned = normalise_base_url(url)
        self.ctx.settings.base_url = cleaned
        self.ctx.settings.save(self.ctx.paths.settings_path)
        if not self.ctx.is_sandbox:
            self.ctx.base_url = cleaned
            self.runner.config = dataclasses.replace(self.runner.config, base_url=cleaned)
            self.runner.reset_clients()
        return cleaned

    def remember_choices(self, **values: Any) -> None:
        changed = False
        for name, value in values.items():
            if getattr(self.ctx.settings, name, object()) != value:
                setattr(self.ctx.settings, name, value)
                changed = True
        if changed:
            self.ctx.settings.save(self.ctx.paths.settings_path)

    # -- actions --------------------------------------------------------------------------
    def submit(self, request: GenerationRequest, *, parent_id: str | None = None) -> Job | None:
        """Validate and commit the job, then send it in the background. None if refused."""
        try:
            if not self.ctx.is_sandbox:
                self.ctx.api_key()  # a missing key is said now, before anything is stored
            job = self.runner.prepare(request, parent_id=parent_id)
        except GrokVideoError as exc:
            self.errorRaised.emit(exc.message)
            return None
        self.runner.spawn(self._send_and_follow(job.id))
        return job

    async def _send_and_follow(self, job_id: str) -> None:
        try:
            job = await self.runner.run_prepared(job_id)
            if job.status is JobStatus.FAILED:
                self.errorRaised.emit(f"The job failed: {job.error_message}")
            elif job.status is JobStatus.UNKNOWN:
                self.errorRaised.emit(f"Needs attention: {job.error_message}")
            elif job.status is JobStatus.COMPLETED:
                self.message.emit("Your video is ready.")
        except asyncio.CancelledError:
            raise
        except GrokVideoError as exc:
            self.errorRaised.emit(exc.message)

    def retry(self, job_id: str) -> Job | None:
        """The explicit "retry, may charge again" of an unknown job."""
        try:
            job = self.runner.retry(job_id)
        except GrokVideoError as exc:
            self.errorRaised.emit(exc.message)
            return None
        self.runner.spawn(self._send_and_follow(job.id))
        return job

    def dismiss(self, job_id: str) -> None:
        try:
            self.runner.dismiss(job_id)
        except GrokVideoError as exc:
            self.errorRaised.emit(exc.message)

    # -- pictures -------------------------------------------------------------------------
    def incoming_path(self, suffix: str) -> Path:
        """A fresh file name for a picture on its way in (pasted data, a last frame)."""
        folder = self.ctx.paths.incoming_dir
        folder.mkdir(parents=True, exist_ok=True)
        return folder / f"{uuid.uuid4().hex}{suffix}"

    async def last_frame(self, job_id: str) -> Path:
        """The final frame of a finished job's video, saved as a PNG to animate next."""
        job = self.job(job_id)
        if job.status is not JobStatus.COMPLETED or not job.video_path:
            raise InvalidInput("Only a finished video has a last frame to animate.")
        try:
            return await asyncio.to_thread(
                extract_last_frame, Path(job.video_path), self.incoming_path(".png")
            )
        except (NotAVideo, OSError) as exc:
            raise InvalidInput(f"The last frame could not be read: {exc}") from exc

    def resume_all(self) -> None:
        """Carry on every unfinished job (at start)."""
        self.runner.spawn(self._resume())

    async def _resume(self) -> None:
        try:
            jobs = await self.runner.resume()
        except GrokVideoError as exc:
            self.errorRaised.emit(exc.message)
            return
        done = sum(1 for j in jobs if j.status is JobStatus.COMPLETED)
        if done:
            self.message.emit(f"{done} video(s) from last time finished downloading.")

    async def shutdown(self) -> None:
        """Cancel and await everything; unfinished jobs are picked up at the next start."""
        await self.runner.aclose()
