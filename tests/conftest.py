"""Shared fixtures: a real sandbox service on loopback, a throwaway library, the qasync loop."""

from __future__ import annotations

import asyncio
import gc
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["QT_API"] = "PySide6"
# Optional hardware-decoding libraries (VA-API, PipeWire) are absent on test machines. And the
# media threads' chatter stays out of pytest-qt's Python message handler: a media thread that
# logs while the GUI thread waits for it would need the interpreter lock (warnings still count).
os.environ.setdefault(
    "QT_LOGGING_RULES",
    "qt.multimedia.symbolsresolver=false;qt.multimedia.*.info=false;qt.multimedia.*.debug=false",
)

import pytest

from grok_video.sandbox.server import SandboxServer

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test reads the developer's library, key or service address."""
    for name in ("GROK_VIDEO_BASE_URL", "GROK_VIDEO_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("GROK_VIDEO_DATA_DIR", str(tmp_path / "library"))


@pytest.fixture(scope="session")
def sandbox_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxServer]:
    server = SandboxServer(
        state_dir=tmp_path_factory.mktemp("sandbox-state"), task_seconds=0.4, video_seconds=1.0
    )
    server.start()
    yield server
    server.stop()


@pytest.fixture
def sandbox(sandbox_server: SandboxServer) -> Iterator[SandboxServer]:
    """The sandbox with no faults and an empty request log."""
    sandbox_server.reset()
    sandbox_server.configure(
        create_faults=[],
        poll_faults=[],
        response_style="nested",
        fail_tasks=False,
        never_finish=False,
        expire_downloads=0,
        truncate_downloads=0,
        download_rate=None,
        download_host=None,
        credits=None,
        latency=0.0,
        video_scale=1,
    )
    yield sandbox_server
    sandbox_server.reset()


def posts(server: SandboxServer) -> list[dict[str, Any]]:
    return [
        r
        for r in server.requests()
        if r["method"] == "POST" and str(r["path"]).endswith("/videos/generations")
    ]


def polls(server: SandboxServer) -> list[dict[str, Any]]:
    return [r for r in server.requests() if r["method"] == "GET" and "/tasks/" in str(r["path"])]


def downloads(server: SandboxServer) -> list[dict[str, Any]]:
    return [r for r in server.requests() if str(r["path"]).startswith("/files/")]


FAST_SETTINGS = {
    "poll_seconds": 0.1,
    "poll_max_seconds": 0.3,
    "create_retry_seconds": 20.0,
    "deadline_minutes": 2.0,
}


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """A library folder whose settings poll quickly (real settings file, as a user could write)."""
    folder = tmp_path / "library"
    folder.mkdir(exist_ok=True)
    (folder / "settings.json").write_text(json.dumps(FAST_SETTINGS))
    return folder


@dataclass
class Result:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


class Cli:
    """Runs the real `grok-video` command in a subprocess."""

    def __init__(self, data_dir: Path, base_url: str | None) -> None:
        self.data_dir = data_dir
        self.base_url = base_url
        self.env = dict(os.environ)
        self.env["GROK_VIDEO_DATA_DIR"] = str(data_dir)
        self.env["GROK_VIDEO_API_KEY"] = "test-key-0001"
        if base_url:
            self.env["GROK_VIDEO_BASE_URL"] = base_url

    def argv(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "grok_video", *args]

    def __call__(self, *args: str, stdin: str | None = None, timeout: float = 120) -> Result:
        proc = subprocess.run(
            self.argv(*args),
            input=stdin,
            capture_output=True,
            text=True,
            env=self.env,
            timeout=timeout,
            check=False,
        )
        return Result(proc.returncode, proc.stdout, proc.stderr)

    def popen(self, *args: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            self.argv(*args),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=self.env,
        )


@pytest.fixture
def cli(data_dir: Path, sandbox: SandboxServer) -> Cli:
    return Cli(data_dir, sandbox.url)


@pytest.fixture
def qloop(qapp: Any) -> Iterator[asyncio.AbstractEventLoop]:
    """A qasync loop marked as running, so pytest-qt's waits drive asyncio tasks too."""
    import qasync

    loop = qasync.QEventLoop(qapp)
    asyncio.set_event_loop(loop)
    asyncio.events._set_running_loop(loop)
    try:
        yield loop
    finally:
        pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
        for task in pending:
            task.cancel()
        asyncio.events._set_running_loop(None)
        if pending:
            loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        loop.close()
        asyncio.set_event_loop(None)
        # Finalise this test's leftover Qt objects here, on the GUI thread; left to chance, the
        # collector may run in a server or worker thread, where Qt objects must not die.
        gc.collect()


@pytest.fixture
def harness(qtbot: Any, qloop: asyncio.AbstractEventLoop, data_dir: Path, monkeypatch: Any) -> Any:
    """Opens windows on one library the way the app does, and closes them cleanly."""
    from .test_gui import Harness

    monkeypatch.setenv("GROK_VIDEO_API_KEY", "gui-test-key")
    h = Harness(qtbot, qloop, data_dir)
    yield h
    h.close_all()
