"""The contract's money rules, checked through the real `grok-video` command against the sandbox."""

from __future__ import annotations

import hashlib
import itertools
import json
import socket
from pathlib import Path

import pytest

from .conftest import Cli, posts


def test_generate_wait_ends_with_a_verified_local_video(cli: Cli, sandbox) -> None:
    result = cli(
        "generate", "A red fox in fresh snow", "--aspect-ratio", "9:16", "--wait", "--json"
    )
    assert result.code == 0, result.err
    record = result.json()
    assert record["status"] == "completed"
    assert record["kind"] == "text-to-video"
    assert record["params"] == {"aspect_ratio": "9:16"}
    assert record["cost_credits"] == 24
    assert record["error"] is None
    video = Path(record["video_path"])
    assert video.is_file() and video.is_relative_to(cli.data_dir)
    assert video.name == f"{record['id']}.mp4"  # named by our id, not the server's
    assert hashlib.sha256(video.read_bytes()).hexdigest() == record["sha256"]
    assert record["bytes"] == video.stat().st_size
    [post] = posts(sandbox)
    assert post["headers"]["idempotency-key"] == record["id"]
    assert post["body"] == {
        "model": "grok-imagine/text-to-video",
        "prompt": "A red fox in fresh snow",
        "aspect_ratio": "9:16",
    }
    assert not list(cli.data_dir.rglob("*.part"))


def test_default_choices_send_nothing_extra(cli: Cli, sandbox) -> None:
    result = cli("generate", "Waves at dusk")
    assert result.code == 0, result.err
    [post] = posts(sandbox)
    assert post["body"] == {"model": "grok-imagine/text-to-video", "prompt": "Waves at dusk"}


def test_429_honours_retry_after_with_the_same_key(cli: Cli, sandbox) -> None:
    sandbox.configure(
        create_faults=[
            {"status": 429, "retry_after": 1, "message": "slow down"},
            {"status": 429, "retry_after": 1, "message": "slow down"},
        ]
    )
    result = cli("generate", "Busy day", "--wait", "--json")
    assert result.code == 0, result.err
    attempts = posts(sandbox)
    assert len(attempts) == 3
    assert {a["headers"]["idempotency-key"] for a in attempts} == {result.json()["id"]}
    gaps = [b["time"] - a["time"] for a, b in itertools.pairwise(attempts)]
    assert all(gap >= 0.99 for gap in gaps), gaps
    assert result.json()["status"] == "completed"


def test_503_is_retried(cli: Cli, sandbox) -> None:
    sandbox.configure(create_faults=[{"status": 503, "message": "maintenance"}])
    result = cli("generate", "After maintenance", "--wait", "--json")
    assert result.code == 0, result.err
    assert len(posts(sandbox)) == 2
    assert result.json()["status"] == "completed"


@pytest.mark.parametrize(
    ("status", "message", "exit_code", "error_code"),
    [
        (401, "Invalid API key", 3, "unauthorized"),
        (402, "Insufficient credits: 24 needed, 3 available", 4, "insufficient_credits"),
        (422, "prompt: too long", 1, "invalid_request"),
        (400, "bad request body", 1, "invalid_request"),
    ],
)
def test_refusals_are_not_retried(
    cli: Cli, sandbox, status, message, exit_code, error_code
) -> None:
    sandbox.configure(create_faults=[{"status": status, "message": message}])
    result = cli("generate", "Refused", "--wait", "--json")
    assert result.code == exit_code, result.err
    record = result.json()
    assert record["status"] == "failed"
    assert record["error"] == {"code": error_code, "message": message}
    assert record["cost_credits"] == 0
    assert len(posts(sandbox)) == 1


def test_insufficient_credits_in_the_body_of_a_200(cli: Cli, sandbox) -> None:
    sandbox.configure(create_faults=[{"body_code": 402, "message": "Not enough credits"}])
    result = cli("generate", "Broke", "--json")
    assert result.code == 4
    assert result.json()["error"]["message"] == "Not enough credits"
    assert len(posts(sandbox)) == 1


@pytest.mark.parametrize(
    "fault",
    [{"status": 500}, {"status": 502}, {"status": 504}, {"reset": True}, {"no_task_id": True}],
    ids=["500", "502", "504", "reset-after-request", "no-task-id"],
)
def test_unclear_outcomes_become_unknown_and_are_never_resent(cli: Cli, sandbox, fault) -> None:
    sandbox.configure(create_faults=[fault])
    result = cli("generate", "Maybe charged", "--wait", "--json")
    assert result.code == 6, result.err
    record = result.json()
    assert record["status"] == "unknown"
    assert record["error"]["code"] == "outcome_unknown"
    assert record["cost_credits"] is None
    assert len(posts(sandbox)) == 1

    again = cli("resume", "--wait")
    assert again.code == 6
    assert "need attention" in again.err
    assert len(posts(sandbox)) == 1
    listed = cli("jobs", "--status", "unknown", "--json").json()
    assert [j["id"] for j in listed] == [record["id"]]


def test_an_unreachable_service_gives_up_with_exit_5(data_dir: Path, sandbox) -> None:
    settings = json.loads((data_dir / "settings.json").read_text())
    settings["create_retry_seconds"] = 2.5
    (data_dir / "settings.json").write_text(json.dumps(settings))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed as soon as we leave: nothing listens there
    cli = Cli(data_dir, f"http://127.0.0.1:{port}")
    result = cli("generate", "Nobody home", "--wait", "--json")
    assert result.code == 5, result.err
    record = result.json()
    assert record["status"] == "failed"
    assert record["error"]["code"] == "service_unavailable"
    assert "Nothing was charged" in record["error"]["message"]


def test_a_failed_task_reports_the_services_words(cli: Cli, sandbox) -> None:
    sandbox.configure(fail_tasks="The prompt was rejected by the content policy")
    result = cli("generate", "Something forbidden", "--wait", "--json")
    assert result.code == 1
    record = result.json()
    assert record["status"] == "failed"
    assert record["error"] == {
        "code": "task_failed",
        "message": "The prompt was rejected by the content policy",
    }
    assert record["cost_credits"] == 0


@pytest.mark.parametrize("style", ["nested", "flat", "result_urls", "result_json", "top_level"])
def test_every_answer_shape_is_understood(cli: Cli, sandbox, style: str) -> None:
    sandbox.configure(response_style=style)
    result = cli("generate", f"Shape {style}", "--wait", "--json")
    assert result.code == 0, result.err
    assert result.json()["status"] == "completed"


def test_without_wait_the_job_is_left_running_and_resume_finishes_it(cli: Cli, sandbox) -> None:
    result = cli("generate", "Later please")
    assert result.code == 0, result.err
    job_id = result.out.strip()
    shown = cli("show", job_id[:8], "--json").json()
    assert shown["status"] == "running" and shown["task_id"]
    done = cli("resume", "--wait", "--json")
    assert done.code == 0, done.err
    assert [j["status"] for j in done.json()] == ["completed"]
    assert len(posts(sandbox)) == 1
