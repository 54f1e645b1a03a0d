"""Wiring shared by the command line and the window: paths, settings, store, key, runner."""

from __future__ import annotations

import logging
import logging.handlers
import os
import re
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING

from .client import ApiInOneClient, Timing
from .config import resolve_base_url
from .library import Library
from .models import utc_now
from .paths import AppPaths
from .runner import PROVIDER_APIINONE, PROVIDER_SANDBOX, JobRunner, RunnerConfig
from .secrets import KeyStore
from .settings import Settings
from .store import Store

if TYPE_CHECKING:
    from ..sandbox.server import SandboxServer

SANDBOX_KEY = "sandbox-key"

_log = logging.getLogger(__name__)


def _damaged_or_lost(paths: AppPaths) -> str | None:
    """Before the store opens: set a damaged database aside (never delete it), or notice a
    lost one. Returns what happened, in words, when the library must be rebuilt from files."""
    db = paths.db_path
    if not db.exists():
        has_files = paths.videos_dir.is_dir() and any(
            p.suffix in (".json", ".mp4") for p in paths.videos_dir.iterdir()
        )
        return "The library's database was missing." if has_files else None
    if Store.unchanged_since_close(db):
        return None  # as the last clean close left it
    problem = Store.quick_check(db)
    if problem is None:
        return None
    paths.backups_dir.mkdir(parents=True, exist_ok=True)
    stamp = utc_now().strftime("%Y%m%dT%H%M%SZ")
    kept = paths.backups_dir / f"library-damaged-{stamp}.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        source = db.with_name(db.name + suffix)
        if source.exists():
            os.replace(source, kept.with_name(kept.name + suffix))
    _log.error("The library database was damaged (%s); kept aside as %s", problem, kept)
    return f"The library's database was damaged ({problem}); it was kept aside as {kept}."


_SIGNED_QUERY = re.compile(r"(https?://[^\s?#'\"]+)\?[^\s'\"]+")
_BEARER = re.compile(r"(?i)(bearer\s+)[^\s'\"]+")


def redact(text: str, secrets: set[str] | None = None) -> str:
    """A text fit to show or send: no keys, no signed URL query strings, no Bearer tokens."""
    for secret in secrets if secrets is not None else REDACTOR.secrets:
        if secret and len(secret) >= 6:
            text = text.replace(secret, "[key]")
    text = _BEARER.sub(r"\1[key]", text)
    return _SIGNED_QUERY.sub(r"\1?[redacted]", text)


class RedactingFilter(logging.Filter):
    """Keep keys and signed query strings out of the log."""

    def __init__(self) -> None:
        super().__init__()
        self.secrets: set[str] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact(message, self.secrets)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


REDACTOR = RedactingFilter()


def setup_logging(paths: AppPaths, level: int = logging.INFO) -> None:
    paths.log_dir.mkdir(parents=True, exist_ok=True)
    root = logging.getLogger()
    if any(getattr(h, "_grok_video", False) for h in root.handlers):
        return
    handler = logging.handlers.RotatingFileHandler(
        paths.log_dir / "grok-video.log", maxBytes=2_000_000, backupCount=3, encoding="utf-8"
    )
    handler._grok_video = True  # type: ignore[attr-defined]
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(REDACTOR)
    root.addHandler(handler)
    root.setLevel(min(root.level, level) if root.level else level)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)


@dataclass
class AppContext:
    paths: AppPaths
    settings: Settings
    store: Store
    keys: KeyStore
    base_url: str
    provider: str = PROVIDER_APIINONE
    sandbox: SandboxServer | None = None
    _runner: JobRunner | None = field(default=None, repr=False)
    _library: Library | None = field(default=None, repr=False)
    recovery: str | None = None  # what was done at start to a damaged or lost database

    @classmethod
    def open(
        cls,
        *,
        data_dir: str | None = None,
        base_url: str | None = None,
        sandbox: bool = False,
        log: bool = True,
    ) -> AppContext:
        paths = AppPaths.resolve(data_dir).ensure()
        if log:
            setup_logging(paths)
        settings = Settings.load(paths.settings_path)
        server = None
        provider = PROVIDER_APIINONE
        if sandbox:
            from ..sandbox.server import SandboxServer

            server = SandboxServer(state_dir=paths.sandbox_dir).start()
            url = server.url
            provider = PROVIDER_SANDBOX
        else:
            url = resolve_base_url(base_url, settings.base_url)
        try:
            recovery = _damaged_or_lost(paths)
            store = Store(paths.db_path, backups_dir=paths.backups_dir)
        except BaseException:
            if server is not None:
                server.stop()
            raise
        ctx = cls(paths, settings, store, KeyStore(), url, provider, server)
        library = ctx.library
        if recovery is not None:
            report = library.rebuild()
            ctx.recovery = (
                f"{recovery} {report.recovered:,} job(s) were rebuilt from the files in "
                f"{paths.data_dir}."
            )
            _log.warning(ctx.recovery)
        try:
            library.reconcile()
            library.purge_expired()
        except OSError:
            _log.exception("Could not tidy the trash")
        return ctx

    @property
    def library(self) -> Library:
        if self._library is None:
            self._library = Library(self.store, self.paths)
        return self._library

    @property
    def is_sandbox(self) -> bool:
        return self.provider == PROVIDER_SANDBOX

    def timing(self) -> Timing:
        s = self.settings
        return Timing(
            create_budget=max(1.0, s.create_retry_seconds),
            poll_initial=max(0.05, s.poll_seconds),
            poll_max=max(s.poll_seconds, s.poll_max_seconds),
        )

    def api_key(self) -> str:
        """The key to send. The sandbox takes any key, so it never asks for one."""
        if self.is_sandbox:
            return SANDBOX_KEY
        key = self.keys.require()
        REDACTOR.secrets.add(key)
        return key

    def runner(self, api_key: str | None = None) -> JobRunner:
        """The job runner; api_key is looked up lazily when None."""
        if self._runner is None:
            timing = self.timing()
            fixed_key = api_key

            def factory(base: str) -> ApiInOneClient:
                key = fixed_key if fixed_key is not None else self.api_key()
                return ApiInOneClient(base, key, timing=timing)

            config = RunnerConfig(
                base_url=self.base_url,
                provider=self.provider,
                deadline=timedelta(minutes=max(0.01, self.settings.deadline_minutes)),
                timing=timing,
            )
            self._runner = JobRunner(self.store, self.paths, config, factory)
            self._runner.add_listener(self.library.on_job_changed)
        return self._runner

    def close(self) -> None:
        self.store.close()
        if self.sandbox is not None:
            self.sandbox.stop()
            self.sandbox = None
