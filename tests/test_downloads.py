"""Downloads: Range resume, expired links, verification, and where the key may go."""

from __future__ import annotations

import hashlib
from pathlib import Path

import av

from grok_video.core.media import read_mp4_metadata

from .conftest import Cli, downloads, polls, posts


def _packets(path: Path) -> list[bytes]:
    with av.open(str(path)) as container:
        return [bytes(p) for p in container.demux() if p.size]


def _same_media_as_served(sandbox, record: dict) -> bool:
    """Every audio and video packet the sandbox served is in our file, unchanged (our copy
    differs only in its metadata: the prompt and the job)."""
    served = Path(sandbox.state_dir) / f"{record['task_id']}.mp4"
    return _packets(served) == _packets(Path(record["video_path"]))


def test_a_truncated_download_resumes_with_range(cli: Cli, sandbox) -> None:
    sandbox.configure(truncate_downloads=1, video_scale=2)
    result = cli("generate", "Cut short", "--wait", "--json")
    assert result.code == 0, result.err
    record = result.json()
    first, second = downloads(sandbox)[:2]
    assert "range" not in first["headers"]
    assert second["headers"]["range"].startswith("bytes=")
    resumed_at = int(second["headers"]["range"].removeprefix("bytes=").rstrip("-"))
    assert 0 < resumed_at < record["bytes"]
    assert _same_media_as_served(sandbox, record)
    assert hashlib.sha256(Path(record["video_path"]).read_bytes()).hexdigest() == record["sha256"]
    assert read_mp4_metadata(Path(record["video_path"]))["comment"] == "Cut short"


def test_an_expired_link_gets_exactly_one_fresh_poll(cli: Cli, sandbox) -> None:
    sandbox.configure(expire_downloads=1)
    result = cli("generate", "Expiring", "--wait", "--json")
    assert result.code == 0, result.err
    gets = downloads(sandbox)
    assert len(gets) == 2
    assert gets[0]["query"] != gets[1]["query"]  # a new link from a fresh poll
    after_expiry = [p for p in polls(sandbox) if p["time"] > gets[0]["time"]]
    assert len(after_expiry) == 1


def test_a_link_that_stays_expired_fails_clearly(cli: Cli, sandbox) -> None:
    sandbox.configure(expire_downloads=5)
    result = cli("generate", "Gone", "--wait", "--json")
    assert result.code == 1
    record = result.json()
    assert record["status"] == "failed"
    assert record["error"]["code"] == "link_expired"
    assert "expired" in record["error"]["message"]
    assert len(downloads(sandbox)) == 2
    assert len(posts(sandbox)) == 1
    assert not list(cli.data_dir.rglob("*.mp4"))


def test_the_key_never_goes_to_a_download_host(cli: Cli, sandbox) -> None:
    sandbox.configure(download_host="localhost")  # same machine, another origin by name
    result = cli("generate", "Private", "--wait", "--json")
    assert result.code == 0, result.err
    assert downloads(sandbox)
    assert all("authorization" not in d["headers"] for d in downloads(sandbox))
    assert all(p["headers"]["authorization"] == "Bearer test-key-0001" for p in polls(sandbox))


def test_the_key_goes_to_a_download_on_the_api_origin(cli: Cli, sandbox) -> None:
    result = cli("generate", "Same origin", "--wait", "--json")
    assert result.code == 0, result.err
    assert all(d["headers"].get("authorization") for d in downloads(sandbox))


def test_poll_errors_are_retried_until_done(cli: Cli, sandbox) -> None:
    sandbox.configure(
        poll_faults=[{"status": 503, "retry_after": 0}, {"status": 500}, {"reset": True}]
    )
    result = cli("generate", "Flaky status", "--wait", "--json")
    assert result.code == 0, result.err
    assert result.json()["status"] == "completed"
    assert len(posts(sandbox)) == 1
