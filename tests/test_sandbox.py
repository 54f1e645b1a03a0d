"""The sandbox service: the wire protocol, real MP4 files, every fault switch, persistence."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import av
import httpx
import pytest
from PIL import Image, ImageChops, ImageStat

from grok_video.sandbox import SandboxServer, make_video

CREATE = "/api/v1/videos/generations"
AUTH = {"Authorization": "Bearer test-key"}
TASK_SECONDS = 0.3


# -- fixtures and helpers ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def server() -> Iterator[SandboxServer]:
    with SandboxServer(task_seconds=TASK_SECONDS, video_seconds=0.6) as running:
        yield running


@pytest.fixture
def sb(server: SandboxServer) -> Iterator[SandboxServer]:
    server.reset()
    yield server
    server.reset()


@pytest.fixture
def api(sb: SandboxServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=sb.url, headers=AUTH, timeout=10) as client:
        yield client


@pytest.fixture
def plain() -> Iterator[httpx.Client]:
    """A client without the key, for downloads."""
    with httpx.Client(timeout=10) as client:
        yield client


def until(condition: Callable[[], Any], timeout: float = 10.0) -> Any:
    """Poll a condition until it gives something truthy."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {condition}")
        time.sleep(0.03)


def create(api: httpx.Client, prompt: str = "A red fox in snow", **fields: Any) -> str:
    response = api.post(CREATE, json={"prompt": prompt, **fields})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["code"] == 200 and body["message"] == "success"
    assert body["data"]["status"] == "IN_PROGRESS"
    task_id = body["data"]["task_id"]
    assert task_id.startswith("task_")
    return str(task_id)


def finished(api: httpx.Client, task_id: str) -> dict[str, Any]:
    """Poll until the nested-style answer says COMPLETED or FAILED; return its data."""

    def check() -> dict[str, Any] | None:
        response = api.get(f"/api/v1/tasks/{task_id}")
        assert response.status_code == 200, response.text
        data: dict[str, Any] = response.json()["data"]
        return data if data["status"] in ("COMPLETED", "FAILED") else None

    result: dict[str, Any] = until(check)
    return result


def video_url(api: httpx.Client, task_id: str) -> str:
    return str(finished(api, task_id)["output"]["video_url"])


def first_frame(path: Path) -> Image.Image:
    with av.open(str(path)) as container:
        frame = next(container.decode(video=0))
        image: Image.Image = frame.to_image()  # type: ignore[no-untyped-call]
        return image


# -- the happy path and the video ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("aspect", "size"), [("9:16", (180, 320)), (None, (320, 180)), ("2:3", (160, 240))]
)
def test_create_poll_download_and_decode(
    api: httpx.Client,
    plain: httpx.Client,
    sb: SandboxServer,
    tmp_path: Path,
    aspect: str | None,
    size: tuple[int, int],
) -> None:
    fields = {"aspect_ratio": aspect} if aspect else {}
    task_id = create(api, "A lighthouse at night", **fields)
    first = api.get(f"/api/v1/tasks/{task_id}").json()["data"]
    assert first["status"] in ("PENDING", "IN_PROGRESS")
    assert 0 <= first["progress"] <= 99
    assert "output" not in first

    data = finished(api, task_id)
    assert data == {
        "task_id": task_id,
        "status": "COMPLETED",
        "progress": 100,
        "output": data["output"],
    }
    url = data["output"]["video_url"]
    assert url.startswith(f"{sb.url}/files/{task_id}.mp4?token=")

    response = plain.get(url)
    assert response.status_code == 200
    assert response.headers["content-type"] == "video/mp4"
    assert response.headers["accept-ranges"] == "bytes"
    assert int(response.headers["content-length"]) == len(response.content) > 1000
    target = tmp_path / "video.mp4"
    target.write_bytes(response.content)

    with av.open(str(target)) as container:
        [video] = container.streams.video
        [audio] = container.streams.audio
        assert video.codec_context.name == "h264"
        assert (video.codec_context.width, video.codec_context.height) == size
        assert audio.codec_context.name == "aac"
        assert audio.codec_context.sample_rate == 44100
        assert audio.codec_context.channels == 2
        frames = sum(1 for _ in container.decode(video=0))
    assert frames >= 10


def test_make_video_sizes_scale_and_atomic_write(tmp_path: Path) -> None:
    expected = {
        "16:9": (320, 180),
        "9:16": (180, 320),
        "1:1": (240, 240),
        "2:3": (160, 240),
        "3:2": (240, 160),
        None: (320, 180),
    }
    for aspect, size in expected.items():
        path = tmp_path / f"{aspect or 'none'}.mp4".replace(":", "x")
        make_video(path, "sizes", aspect, seconds=0.25)
        assert first_frame(path).size == size
    scaled = tmp_path / "scaled.mp4"
    make_video(scaled, "bigger", "16:9", seconds=0.25, scale=2)
    assert first_frame(scaled).size == (640, 360)
    assert sorted(p.name for p in tmp_path.iterdir() if p.suffix == ".tmp") == []


def test_make_video_is_fast(tmp_path: Path) -> None:
    started = time.perf_counter()
    make_video(tmp_path / "fast.mp4", "Speed test", "16:9", seconds=2.0)
    assert time.perf_counter() - started < 1.0


def test_two_prompts_give_visibly_different_videos(tmp_path: Path) -> None:
    one, two = tmp_path / "one.mp4", tmp_path / "two.mp4"
    make_video(one, "A cat on a skateboard", "1:1", seconds=0.25)
    make_video(two, "Waves at dusk over the harbour", "1:1", seconds=0.25)
    a, b = first_frame(one).convert("RGB"), first_frame(two).convert("RGB")
    difference = ImageStat.Stat(ImageChops.difference(a, b)).mean
    assert sum(difference) / 3 > 20, difference
    # The same prompt gives the same picture.
    again = tmp_path / "again.mp4"
    make_video(again, "A cat on a skateboard", "1:1", seconds=0.25)
    same = ImageStat.Stat(ImageChops.difference(a, first_frame(again).convert("RGB"))).mean
    assert sum(same) / 3 < 2


# -- answer styles ---------------------------------------------------------------------------


def _url_of(style: str, body: dict[str, Any]) -> str | None:
    data = body.get("data") or {}
    url: Any
    if style == "nested":
        url = (data.get("output") or {}).get("video_url")
    elif style == "flat":
        url = data.get("video_url")
    elif style == "result_urls":
        url = (data.get("resultUrls") or [None])[0]
    elif style == "result_json":
        url = json.loads(data["resultJson"])["resultUrls"][0] if "resultJson" in data else None
    else:
        url = (body.get("video") or {}).get("url")
    return None if url is None else str(url)


@pytest.mark.parametrize(
    ("style", "running", "done"),
    [
        ("nested", {"PENDING", "IN_PROGRESS"}, "COMPLETED"),
        ("flat", {"pending", "processing"}, "succeeded"),
        ("result_urls", {"waiting", "generating"}, "success"),
        ("result_json", {"queuing", "running"}, "SUCCESS"),
        ("top_level", {"queued", "processing"}, "done"),
    ],
)
def test_every_response_style(
    api: httpx.Client,
    plain: httpx.Client,
    sb: SandboxServer,
    style: str,
    running: set[str],
    done: str,
) -> None:
    sb.configure(response_style=style)
    task_id = create(api, f"Style {style}")

    def status(body: dict[str, Any]) -> str:
        source = body if style == "top_level" else body["data"]
        return str(source["status"])

    body = api.get(f"/api/v1/tasks/{task_id}").json()
    assert status(body) in running
    assert _url_of(style, body) is None
    if style == "top_level":
        assert "data" not in body and body["task_id"] == task_id
    body = until(
        lambda: (
            (b := api.get(f"/api/v1/tasks/{task_id}").json()) and (b if status(b) == done else None)
        )
    )
    url = _url_of(style, body)
    assert url is not None
    if style == "result_json":
        assert isinstance(body["data"]["resultJson"], str)
    progress = body["progress"] if style == "top_level" else body["data"]["progress"]
    assert progress == 100
    assert plain.get(url).status_code == 200


# -- refusals ------------------------------------------------------------------------------------


def test_auth_rules(sb: SandboxServer) -> None:
    with httpx.Client(base_url=sb.url, timeout=10) as client:
        body = {"prompt": "x"}
        for headers in ({}, {"Authorization": "Bearer"}, {"Authorization": "Basic abc"}):
            response = client.post(CREATE, json=body, headers=headers)
            assert response.status_code == 401
            assert response.json() == {"code": 401, "message": "Missing API key"}
        response = client.post(CREATE, json=body, headers={"Authorization": "Bearer bad-key"})
        assert response.json() == {"code": 401, "message": "Invalid API key"}
        assert response.status_code == 401

        sb.configure(rejected_keys=["revoked"])
        refused = client.get("/api/v1/tasks/task_00", headers={"Authorization": "Bearer revoked"})
        assert refused.status_code == 401
        assert refused.json()["message"] == "Invalid API key"
        assert client.get("/api/v1/tasks/task_00").json()["message"] == "Missing API key"
        unknown = client.get("/api/v1/tasks/task_00", headers={"Authorization": "Bearer bad-key"})
        assert unknown.status_code == 404
        assert unknown.json() == {"code": 404, "message": "Task not found"}


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"model": "grok-imagine/other"}, "model"),
        ({"model": "grok-imagine/text-to-video"}, "prompt"),
        ({"prompt": ""}, "prompt"),
        ({"prompt": 5}, "prompt"),
        ({"prompt": "x" * 5001}, "5000"),
        ({"model": "grok-imagine/image-to-video", "prompt": "x"}, "image_urls"),
        ({"model": "grok-imagine/image-to-video", "image_urls": []}, "image_urls"),
        ({"model": "grok-imagine/image-to-video", "image_urls": ["file:///a.png"]}, "image_urls"),
        ({"model": "grok-imagine/image-to-video", "image_urls": [7]}, "image_urls"),
        ({"prompt": "x", "duration": 7}, "duration"),
        ({"prompt": "x", "duration": "6"}, "duration"),
        ({"prompt": "x", "aspect_ratio": "4:3"}, "aspect_ratio"),
        ({"prompt": "x", "resolution": "1080p"}, "resolution"),
        ({"prompt": "x", "mode": "wild"}, "mode"),
        ([1, 2], "object"),
    ],
)
def test_invalid_requests_are_422(api: httpx.Client, body: Any, words: str) -> None:
    response = api.post(CREATE, json=body)
    assert response.status_code == 422, response.text
    answer = response.json()
    assert answer["code"] == 422
    assert words in answer["message"]


def test_valid_variants_and_malformed_json(api: httpx.Client, sb: SandboxServer) -> None:
    assert create(api, "x" * 5000)
    ok = api.post(
        CREATE,
        json={
            "model": "grok-imagine/image-to-video",
            "image_urls": ["https://example.com/a.png", "data:image/png;base64,AAAA"],
            "duration": 15,
            "aspect_ratio": "3:2",
            "resolution": "720p",
            "mode": "spicy",
        },
    )
    assert ok.status_code == 200 and ok.json()["data"]["task_id"].startswith("task_")
    broken = api.post(CREATE, content=b"{not json", headers={"Content-Type": "application/json"})
    assert broken.status_code == 400
    assert broken.json()["code"] == 400
    assert sb.requests()[-1]["body"] is None


def test_credits_run_out_with_402(api: httpx.Client, sb: SandboxServer) -> None:
    sb.configure(credits=50)
    create(api, "one")
    replay_key = {"Idempotency-Key": "credits-replay"}
    first = api.post(CREATE, json={"prompt": "two"}, headers=replay_key)
    assert first.status_code == 200
    # A replay of an accepted request charges nothing more.
    again = api.post(CREATE, json={"prompt": "two"}, headers=replay_key)
    assert again.json()["data"]["task_id"] == first.json()["data"]["task_id"]
    refused = api.post(CREATE, json={"prompt": "three"})
    assert refused.status_code == 402
    message = "Insufficient credits: 24 needed, 2 available"
    assert refused.json() == {"code": 402, "message": message}
    sb.configure(credits=None)
    assert create(api, "unlimited again")


def test_idempotency_key_returns_the_same_task(api: httpx.Client, sb: SandboxServer) -> None:
    before = len(sb._tasks)
    headers = {"Idempotency-Key": "job-123"}
    one = api.post(CREATE, json={"prompt": "same"}, headers=headers).json()["data"]["task_id"]
    two = api.post(CREATE, json={"prompt": "same"}, headers=headers).json()["data"]["task_id"]
    assert one == two
    assert len(sb._tasks) == before + 1
    other = api.post(CREATE, json={"prompt": "same"}, headers={"Idempotency-Key": "job-124"})
    assert other.json()["data"]["task_id"] != one
    assert create(api, "no key") != create(api, "no key")


# -- faults ---------------------------------------------------------------------------------------


def test_status_fault_with_retry_after_creates_nothing(
    api: httpx.Client, sb: SandboxServer
) -> None:
    before = len(sb._tasks)
    sb.configure(
        create_faults=[
            {"status": 429, "retry_after": 2, "message": "slow down"},
            {"status": 503},
        ]
    )
    busy = api.post(CREATE, json={"prompt": "x"})
    assert busy.status_code == 429
    assert busy.headers["retry-after"] == "2"
    assert busy.json() == {"code": 429, "message": "slow down"}
    down = api.post(CREATE, json={"prompt": "x"})
    assert down.status_code == 503 and "retry-after" not in down.headers
    assert down.json()["code"] == 503
    assert len(sb._tasks) == before
    assert create(api)  # the queue is used up
    assert sb.switches()["create_faults"] == []


def test_reset_fault_drops_the_connection(api: httpx.Client, sb: SandboxServer) -> None:
    before = len(sb._tasks)
    sb.configure(create_faults=[{"reset": True}])
    with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
        api.post(CREATE, json={"prompt": "lost"}, headers={"Idempotency-Key": "reset-1"})
    assert len(sb._tasks) == before
    [entry] = sb.requests()
    assert entry["status"] is None
    assert entry["body"] == {"prompt": "lost"}  # the whole request was read
    # The same client carries on over a new connection.
    assert create(api, "after the reset")


def test_no_task_id_and_body_code_faults(api: httpx.Client, sb: SandboxServer) -> None:
    before = len(sb._tasks)
    sb.configure(
        create_faults=[
            {"no_task_id": True},
            {"body_code": 402, "message": "Not enough credits"},
        ]
    )
    empty = api.post(CREATE, json={"prompt": "x"})
    assert empty.status_code == 200
    assert empty.json() == {"code": 200, "message": "success", "data": {}}
    refused = api.post(CREATE, json={"prompt": "x"})
    assert refused.status_code == 200
    assert refused.json() == {"code": 402, "message": "Not enough credits"}
    assert len(sb._tasks) == before


def test_delay_fault_and_latency(api: httpx.Client, sb: SandboxServer) -> None:
    sb.configure(create_faults=[{"delay": 0.3}])
    started = time.monotonic()
    task_id = create(api, "slow")
    assert time.monotonic() - started >= 0.3
    sb.configure(latency=0.2)
    started = time.monotonic()
    assert api.get(f"/api/v1/tasks/{task_id}").status_code == 200
    assert time.monotonic() - started >= 0.2


def test_poll_faults_are_consumed_in_order(api: httpx.Client, sb: SandboxServer) -> None:
    task_id = create(api)
    sb.configure(
        poll_faults=[
            {"status": 503, "retry_after": 0},
            {"reset": True},
            {"body_code": 500, "message": "internal"},
        ]
    )
    url = f"/api/v1/tasks/{task_id}"
    unavailable = api.get(url)
    assert unavailable.status_code == 503 and unavailable.headers["retry-after"] == "0"
    with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
        api.get(url)
    assert api.get(url).json() == {"code": 500, "message": "internal"}
    assert api.get(url).json()["data"]["task_id"] == task_id
    assert [r["status"] for r in sb.requests()[1:]] == [503, None, 200, 200]


def test_failed_and_never_finishing_tasks(api: httpx.Client, sb: SandboxServer) -> None:
    sb.configure(fail_tasks=True)
    default = create(api, "rejected")
    sb.configure(fail_tasks="Your prompt was flagged")
    worded = create(api, "flagged")
    sb.configure(fail_tasks=False, never_finish=True)
    stuck = create(api, "forever")
    sb.configure(never_finish=False)

    data = finished(api, default)
    assert data["status"] == "FAILED" and "output" not in data
    assert data["error"] == {"message": "Content policy violation: the prompt was rejected"}
    assert data["failMsg"] == data["error"]["message"]
    assert finished(api, worded)["error"] == {"message": "Your prompt was flagged"}

    sb.configure(response_style="top_level")
    body = api.get(f"/api/v1/tasks/{worded}").json()
    assert body["status"] == "failed" and body["error"] == {"message": "Your prompt was flagged"}
    sb.configure(response_style="nested")
    time.sleep(TASK_SECONDS)  # well past the time a normal task takes
    data = api.get(f"/api/v1/tasks/{stuck}").json()["data"]
    assert data["status"] == "IN_PROGRESS" and data["progress"] == 99 and "output" not in data
    assert api.get(f"/files/{stuck}.mp4").status_code == 404


# -- downloads ---------------------------------------------------------------------------------


def test_range_requests(api: httpx.Client, plain: httpx.Client) -> None:
    url = video_url(api, create(api, "ranges"))
    whole = plain.get(url).content
    total = len(whole)

    tail = plain.get(url, headers={"Range": "bytes=1000-"})
    assert tail.status_code == 206
    assert tail.headers["content-range"] == f"bytes 1000-{total - 1}/{total}"
    assert int(tail.headers["content-length"]) == total - 1000
    assert tail.content == whole[1000:]

    middle = plain.get(url, headers={"Range": "bytes=10-19"})
    assert middle.status_code == 206 and middle.content == whole[10:20]
    assert middle.headers["content-range"] == f"bytes 10-19/{total}"

    suffix = plain.get(url, headers={"Range": "bytes=-100"})
    assert suffix.status_code == 206 and suffix.content == whole[-100:]

    beyond = plain.get(url, headers={"Range": f"bytes={total}-"})
    assert beyond.status_code == 416
    assert beyond.headers["content-range"] == f"bytes */{total}"
    head = plain.head(url)
    assert head.status_code == 200 and int(head.headers["content-length"]) == total

    assert plain.get(url.split("?")[0]).content == whole  # no token needed
    missing = plain.get(url.replace("/files/task_", "/files/task_ff"))
    assert missing.status_code == 404


def test_expired_downloads(api: httpx.Client, plain: httpx.Client, sb: SandboxServer) -> None:
    task_id = create(api, "expiring")
    old = video_url(api, task_id)
    sb.configure(expire_downloads=1)
    gone = plain.get(old)
    assert gone.status_code == 410
    assert gone.json() == {"code": 410, "message": "link expired"}
    assert plain.get(old).status_code == 410  # that token stays expired

    fresh = video_url(api, task_id)
    assert fresh != old
    assert plain.get(fresh).status_code == 200
    newer = video_url(api, task_id)
    assert plain.get(fresh).status_code == 410  # no longer the latest link
    assert plain.get(newer).status_code == 200


def test_truncated_download_sends_half_then_closes(
    api: httpx.Client, plain: httpx.Client, sb: SandboxServer
) -> None:
    url = video_url(api, create(api, "cut short"))
    total = len(plain.get(url).content)
    sb.configure(truncate_downloads=2)
    for headers, promised in (({}, total), ({"Range": "bytes=100-"}, total - 100)):
        received = 0
        with (
            pytest.raises(httpx.RemoteProtocolError),
            plain.stream("GET", url, headers=headers) as response,
        ):
            assert int(response.headers["content-length"]) == promised
            for chunk in response.iter_raw():
                received += len(chunk)
        assert received == promised // 2 < promised
    assert len(plain.get(url).content) == total  # only the next two were cut


def test_download_rate_throttles(api: httpx.Client, plain: httpx.Client, sb: SandboxServer) -> None:
    url = video_url(api, create(api, "slowly"))
    total = int(plain.head(url).headers["content-length"])
    assert total > 16 * 1024
    sb.configure(download_rate=16 * 1024 * 3)  # a third of a second between 16 KiB chunks
    started = time.monotonic()
    assert len(plain.get(url).content) == total
    assert time.monotonic() - started >= 0.25


def test_download_host_and_video_scale(
    api: httpx.Client, plain: httpx.Client, sb: SandboxServer, tmp_path: Path
) -> None:
    sb.configure(download_host="localhost", video_scale=2)
    task_id = create(api, "elsewhere", aspect_ratio="1:1")
    url = video_url(api, task_id)
    assert url.startswith(f"http://localhost:{sb.url.rsplit(':', 1)[1]}/files/{task_id}.mp4?")
    target = tmp_path / "big.mp4"
    target.write_bytes(plain.get(url.replace("localhost", "127.0.0.1")).content)
    assert first_frame(target).size == (480, 480)


# -- the request log and control -------------------------------------------------------------------


def test_request_log(api: httpx.Client, plain: httpx.Client, sb: SandboxServer) -> None:
    task_id = create(api, "logged", aspect_ratio="16:9")
    api.get(f"/api/v1/tasks/{task_id}", params={"x": "1"})
    plain.get(f"{sb.url}/files/task_0.mp4?token=abc")
    plain.get(f"{sb.url}/sandbox/health")  # control requests are not logged
    post, poll, download = sb.requests()
    assert post["method"] == "POST" and post["path"] == CREATE and post["query"] == ""
    assert post["body"] == {"prompt": "logged", "aspect_ratio": "16:9"}
    assert post["headers"]["authorization"] == "Bearer test-key"  # type: ignore[index]
    assert post["headers"]["content-type"] == "application/json"  # type: ignore[index]
    assert post["status"] == 200
    assert poll["path"] == f"/api/v1/tasks/{task_id}" and poll["query"] == "x=1"
    assert poll["body"] is None and poll["status"] == 200
    assert download["path"] == "/files/task_0.mp4" and download["query"] == "token=abc"
    assert download["status"] == 404
    assert "authorization" not in download["headers"]  # type: ignore[operator]
    times = [float(r["time"]) for r in (post, poll, download)]  # type: ignore[arg-type]
    assert times == sorted(times) and times[-1] <= time.monotonic()

    copy = sb.requests()
    copy[0]["status"] = 999
    assert sb.requests()[0]["status"] == 200  # requests() hands out a copy
    over_http = plain.get(f"{sb.url}/sandbox/requests").json()
    assert [r["path"] for r in over_http] == [r["path"] for r in sb.requests()]
    sb.reset()
    assert sb.requests() == []


def test_control_over_http(plain: httpx.Client, sb: SandboxServer) -> None:
    assert plain.get(f"{sb.url}/sandbox/health").json() == {"ok": True}
    bad = plain.post(f"{sb.url}/sandbox/control", json={"no_such_switch": 1})
    assert bad.status_code == 400
    odd = plain.post(f"{sb.url}/sandbox/control", json={"response_style": "odd"})
    assert odd.status_code == 400
    ok = plain.post(f"{sb.url}/sandbox/control", json={"credits": 0, "latency": 0})
    assert ok.status_code == 200
    refused = plain.post(f"{sb.url}{CREATE}", json={"prompt": "x"}, headers=AUTH)
    assert refused.status_code == 402
    assert plain.post(f"{sb.url}/sandbox/reset").status_code == 200
    assert sb.switches()["credits"] is None and sb.requests() == []
    with pytest.raises(ValueError):
        sb.configure(bogus=True)


# -- persistence and the command -----------------------------------------------------------------


def test_state_survives_a_restart_on_another_port(tmp_path: Path) -> None:
    state = tmp_path / "state"
    key = {"Idempotency-Key": "persisted-job"}
    with SandboxServer(state_dir=state, task_seconds=TASK_SECONDS, video_seconds=0.5) as first:
        with httpx.Client(base_url=first.url, headers=AUTH, timeout=10) as client:
            done = create(client, "remember me", aspect_ratio="9:16")
            video_url(client, done)
            running = client.post(CREATE, json={"prompt": "still going"}, headers=key)
            running_id = running.json()["data"]["task_id"]
        first_url = first.url
    assert (state / "tasks.json").is_file()
    assert (state / f"{done}.mp4").is_file()

    with SandboxServer(state_dir=state, task_seconds=TASK_SECONDS, video_seconds=0.5) as second:
        assert second.url != first_url
        with httpx.Client(base_url=second.url, headers=AUTH, timeout=10) as client:
            url = video_url(client, done)
            assert url.startswith(f"{second.url}/files/{done}.mp4?token=")
            assert finished(client, running_id)["status"] == "COMPLETED"
            again = client.post(CREATE, json={"prompt": "still going"}, headers=key)
            assert again.json()["data"]["task_id"] == running_id
            target = tmp_path / "again.mp4"
            target.write_bytes(client.get(url).content)
    assert first_frame(target).size == (180, 320)


def test_serve_forever_prints_one_line_and_stops_on_sigterm(tmp_path: Path) -> None:
    code = (
        "from grok_video.sandbox.server import serve_forever; "
        "serve_forever('127.0.0.1', 0, None, 0.3)"
    )
    env = dict(os.environ)
    proc = subprocess.Popen(
        [sys.executable, "-c", code],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.startswith("Sandbox service listening on http://127.0.0.1:")
        url = line.strip().rsplit(" ", 1)[1]
        with httpx.Client(timeout=10) as client:
            assert client.get(f"{url}/sandbox/health").json() == {"ok": True}
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, err
    assert out == ""
