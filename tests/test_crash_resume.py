"""kill -9 in the middle of a job, then `resume`: one POST, one whole verified file."""

from __future__ import annotations

import hashlib
import signal
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from grok_video.sandbox.server import SandboxServer

from .conftest import Cli, downloads, polls, posts


def wait_for(condition: Callable[[], object], timeout: float = 30.0, what: str = "") -> None:
    """Wait for another process to reach a state (no Qt loop here, so we poll the condition)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what or condition}")
        time.sleep(0.02)


@pytest.fixture
def slow_sandbox(tmp_path: Path) -> Iterator[SandboxServer]:
    server = SandboxServer(state_dir=tmp_path / "slow-sandbox", task_seconds=3.0, video_seconds=2.0)
    server.start()
    yield server
    server.stop()


def test_kill_during_polling_then_resume(data_dir: Path, slow_sandbox: SandboxServer) -> None:
    cli = Cli(data_dir, slow_sandbox.url)
    proc = cli.popen("generate", "Killed while waiting", "--wait")
    try:
        wait_for(lambda: len(polls(slow_sandbox)) >= 1, what="the first status check")
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.communicate()
    assert proc.returncode == -signal.SIGKILL
    [job] = cli("jobs", "--json").json()
    assert job["status"] == "running" and job["task_id"]

    result = cli("resume", "--wait", "--json")
    assert result.code == 0, result.err
    [done] = result.json()
    assert done["id"] == job["id"] and done["status"] == "completed"
    assert len(posts(slow_sandbox)) == 1
    video = Path(done["video_path"])
    assert hashlib.sha256(video.read_bytes()).hexdigest() == done["sha256"]


def test_kill_during_download_then_resume_continues_the_file(
    data_dir: Path, sandbox: SandboxServer
) -> None:
    sandbox.configure(video_scale=3, download_rate=40_000)
    cli = Cli(data_dir, sandbox.url)
    proc = cli.popen("generate", "Killed while downloading", "--wait")
    partials = lambda: [p for p in data_dir.rglob("*.part") if p.stat().st_size > 20_000]  # noqa: E731
    try:
        wait_for(partials, what="a partly downloaded file")
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.communicate()
    [partial] = partials()
    kept = partial.stat().st_size
    sandbox.configure(download_rate=None)

    result = cli("resume", "--wait", "--json")
    assert result.code == 0, result.err
    [done] = result.json()
    assert done["status"] == "completed"
    assert len(posts(sandbox)) == 1
    last = downloads(sandbox)[-1]
    resumed_from = int(last["headers"]["range"].removeprefix("bytes=").rstrip("-"))
    assert resumed_from >= kept  # carried on, did not start over
    video = Path(done["video_path"])
    assert hashlib.sha256(video.read_bytes()).hexdigest() == done["sha256"]
    assert video.stat().st_size == done["bytes"]
    assert not list(data_dir.rglob("*.part"))


def test_kill_while_sending_leaves_an_unknown_job_that_is_never_resent(
    data_dir: Path, sandbox: SandboxServer
) -> None:
    sandbox.configure(create_faults=[{"delay": 30}])
    cli = Cli(data_dir, sandbox.url)
    proc = cli.popen("generate", "Killed while sending", "--wait")
    try:
        wait_for(lambda: posts(sandbox), what="the request to reach the service")
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.communicate()
    result = cli("resume", "--wait")
    assert result.code == 6
    [job] = cli("jobs", "--json").json()
    assert job["status"] == "unknown"
    assert "may or may not" in job["error"]["message"]
    assert len(posts(sandbox)) <= 1
