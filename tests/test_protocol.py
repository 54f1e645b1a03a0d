"""The tolerant reader of the service's answers (contract section 1)."""

from __future__ import annotations

import json
import logging
import uuid
from typing import Any

import pytest

from grok_video.core.protocol import (
    DONE_WORDS,
    FAILED_WORDS,
    RUNNING_WORDS,
    RemoteState,
    body_error_code,
    classify_status,
    extract_error_message,
    extract_progress,
    extract_status,
    extract_task_id,
    extract_video_url,
    read_task,
)

PROTOCOL_LOGGER = "grok_video.core.protocol"

# The contract's lists, written out so that a word dropped from the code is noticed.
CONTRACT_RUNNING = (
    "pending",
    "queued",
    "queuing",
    "waiting",
    "in_progress",
    "processing",
    "generating",
    "running",
)
CONTRACT_DONE = ("completed", "complete", "succeeded", "success", "done")
CONTRACT_FAILED = ("failed", "fail", "error", "expired", "cancelled", "canceled")


def _variants(word: str) -> list[str]:
    return [word, word.upper(), word.capitalize(), f"  {word}  "]


def _deep_merge(into: dict[str, Any], part: dict[str, Any]) -> None:
    for key, value in part.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            _deep_merge(into[key], value)
        else:
            into[key] = value


# -- task id ----------------------------------------------------------------------------------

TASK_ID_LOCATIONS: list[tuple[str, dict[str, Any], str]] = [
    ("data.task_id", {"data": {"task_id": "t-data-task_id"}}, "t-data-task_id"),
    ("data.taskId", {"data": {"taskId": "t-data-taskId"}}, "t-data-taskId"),
    ("data.id", {"data": {"id": "t-data-id"}}, "t-data-id"),
    ("task_id", {"task_id": "t-top-task_id"}, "t-top-task_id"),
    ("id", {"id": "t-top-id"}, "t-top-id"),
]


@pytest.mark.parametrize(
    ("body", "expected"),
    [(body, expected) for _, body, expected in TASK_ID_LOCATIONS],
    ids=[loc for loc, _, _ in TASK_ID_LOCATIONS],
)
def test_task_id_is_found_at_each_documented_location(body: dict[str, Any], expected: str) -> None:
    assert extract_task_id(body) == expected


@pytest.mark.parametrize(
    "first", range(len(TASK_ID_LOCATIONS)), ids=[loc for loc, _, _ in TASK_ID_LOCATIONS]
)
def test_task_id_takes_the_highest_priority_location_present(first: int) -> None:
    body: dict[str, Any] = {}
    for _, part, _ in TASK_ID_LOCATIONS[first:]:
        _deep_merge(body, json.loads(json.dumps(part)))
    assert extract_task_id(body) == TASK_ID_LOCATIONS[first][2]


def test_task_id_from_the_create_answer_of_the_documentation() -> None:
    body = {
        "code": 200,
        "message": "success",
        "data": {"task_id": "abc123", "status": "IN_PROGRESS"},
    }
    assert extract_task_id(body) == "abc123"


def test_empty_task_id_falls_through_to_the_next_location() -> None:
    assert extract_task_id({"data": {"task_id": "", "taskId": "  "}, "id": "later"}) == "later"


def test_numeric_task_id_is_read_as_text() -> None:
    assert extract_task_id({"data": {"id": 12345}}) == "12345"


@pytest.mark.parametrize(
    "body",
    [
        None,
        {},
        [],
        "task_id",
        {"data": None},
        {"data": "x"},
        {"data": {"task_id": None}},
        {"data": {"task_id": True}},
        {"message": "success", "code": 200},
    ],
)
def test_no_task_id_gives_none(body: Any) -> None:
    assert extract_task_id(body) is None


# -- status -----------------------------------------------------------------------------------


def test_the_word_lists_match_the_contract() -> None:
    assert set(CONTRACT_RUNNING) == RUNNING_WORDS
    assert set(CONTRACT_DONE) == DONE_WORDS
    assert set(CONTRACT_FAILED) == FAILED_WORDS


@pytest.mark.parametrize("word", [v for w in CONTRACT_RUNNING for v in _variants(w)])
def test_running_words_are_running_in_any_case(word: str, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger=PROTOCOL_LOGGER):
        assert classify_status(word) is RemoteState.RUNNING
    assert not caplog.records  # a known word is not "unknown"


@pytest.mark.parametrize("word", [v for w in CONTRACT_DONE for v in _variants(w)])
def test_done_words_are_done_in_any_case(word: str) -> None:
    assert classify_status(word) is RemoteState.DONE


@pytest.mark.parametrize("word", [v for w in CONTRACT_FAILED for v in _variants(w)])
def test_failed_words_are_failed_in_any_case(word: str) -> None:
    assert classify_status(word) is RemoteState.FAILED


def test_missing_status_counts_as_running() -> None:
    assert classify_status(None) is RemoteState.RUNNING


def test_unknown_status_counts_as_running_and_is_logged_only_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    word = f"mystery_{uuid.uuid4().hex[:8]}"
    with caplog.at_level(logging.WARNING, logger=PROTOCOL_LOGGER):
        for variant in (word, word, word.upper(), f" {word} "):
            assert classify_status(variant) is RemoteState.RUNNING
    mentions = [r for r in caplog.records if word in r.getMessage().lower()]
    assert len(mentions) == 1
    assert mentions[0].levelno >= logging.WARNING


def test_two_different_unknown_statuses_are_each_logged(caplog: pytest.LogCaptureFixture) -> None:
    first, second = (f"odd_{uuid.uuid4().hex[:8]}" for _ in range(2))
    with caplog.at_level(logging.WARNING, logger=PROTOCOL_LOGGER):
        classify_status(first)
        classify_status(second)
        classify_status(first)
    messages = [r.getMessage() for r in caplog.records]
    assert sum(first in m for m in messages) == 1
    assert sum(second in m for m in messages) == 1


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"data": {"status": "IN_PROGRESS"}}, "IN_PROGRESS"),
        ({"status": "done"}, "done"),
        ({"data": {"status": "failed"}, "status": "success"}, "failed"),
        ({"data": {"status": ""}, "status": "queued"}, "queued"),
        ({"data": {}}, None),
        ({}, None),
        (None, None),
    ],
)
def test_status_is_read_from_data_then_top_level(body: Any, expected: str | None) -> None:
    assert extract_status(body) == expected


# -- video URL --------------------------------------------------------------------------------

URL_LOCATIONS: list[tuple[str, dict[str, Any]]] = [
    ("data.output.video_url", {"data": {"output": {"video_url": "https://v/1.mp4"}}}),
    ("data.video_url", {"data": {"video_url": "https://v/2.mp4"}}),
    ("data.result.video_url", {"data": {"result": {"video_url": "https://v/3.mp4"}}}),
    ("data.output.url", {"data": {"output": {"url": "https://v/4.mp4"}}}),
    ("data.resultUrls[0]", {"data": {"resultUrls": ["https://v/5.mp4", "https://v/x.mp4"]}}),
    ("data.resultJson", {"data": {"resultJson": json.dumps({"resultUrls": ["https://v/6.mp4"]})}}),
    ("data.video.url", {"data": {"video": {"url": "https://v/7.mp4"}}}),
    ("video.url", {"video": {"url": "https://v/8.mp4"}}),
]


@pytest.mark.parametrize(
    ("index", "body"),
    [(i, body) for i, (_, body) in enumerate(URL_LOCATIONS)],
    ids=[loc for loc, _ in URL_LOCATIONS],
)
def test_video_url_is_found_at_each_documented_location(index: int, body: dict[str, Any]) -> None:
    assert extract_video_url(body) == f"https://v/{index + 1}.mp4"


@pytest.mark.parametrize("first", range(len(URL_LOCATIONS)))
def test_video_url_first_match_wins_in_contract_order(first: int) -> None:
    body: dict[str, Any] = {}
    for _, part in URL_LOCATIONS[first:]:
        _deep_merge(body, json.loads(json.dumps(part)))
    assert extract_video_url(body) == f"https://v/{first + 1}.mp4"


@pytest.mark.parametrize(
    "bad_json",
    [
        "{not json",
        "",
        "null",
        "[1, 2]",
        json.dumps({"resultUrls": []}),
        json.dumps({"resultUrls": [None]}),
        json.dumps({"other": 1}),
    ],
)
def test_unusable_result_json_is_skipped(bad_json: str) -> None:
    body = {"data": {"resultJson": bad_json, "video": {"url": "https://v/fallback.mp4"}}}
    assert extract_video_url(body) == "https://v/fallback.mp4"


def test_result_json_already_decoded_is_read_too() -> None:
    assert extract_video_url({"data": {"resultJson": {"resultUrls": ["https://v/o.mp4"]}}}) == (
        "https://v/o.mp4"
    )


@pytest.mark.parametrize(
    "body",
    [
        None,
        {},
        {"data": {}},
        {"data": {"resultUrls": []}},
        {"data": {"video_url": ""}},
        {"data": {"output": "https://not-a-mapping"}},
        {"video": ["https://v/list.mp4"]},
    ],
)
def test_no_video_url_gives_none(body: Any) -> None:
    assert extract_video_url(body) is None


def test_empty_url_falls_through_to_the_next_location() -> None:
    body = {"data": {"output": {"video_url": "  "}, "video_url": "https://v/next.mp4"}}
    assert extract_video_url(body) == "https://v/next.mp4"


# -- progress ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"data": {"progress": 40}}, 40),
        ({"progress": 55}, 55),
        ({"data": {"progress": 10}, "progress": 90}, 10),
        ({"data": {"progress": "40%"}}, 40),
        ({"data": {"progress": " 40 % "}}, 40),
        ({"data": {"progress": "75"}}, 75),
        ({"data": {"progress": 33.7}}, 33),
        ({"data": {"progress": 0}}, 0),
        ({"data": {"progress": 100}}, 100),
        ({"data": {"progress": 150}}, 100),
        ({"data": {"progress": -5}}, 0),
        ({"data": {"progress": "250%"}}, 100),
        ({"data": {"progress": "soon"}, "progress": 20}, 20),
        ({"data": {"progress": True}, "progress": 30}, 30),
    ],
)
def test_progress_is_read_and_clamped_to_0_100(body: Any, expected: int) -> None:
    assert extract_progress(body) == expected


@pytest.mark.parametrize(
    "body",
    [
        None,
        {},
        {"data": {}},
        {"data": {"progress": None}},
        {"data": {"progress": "soon"}},
        {"data": {"progress": True}},
        {"data": {"progress": [40]}},
        {"progress": float("nan")},
        {"progress": "nan"},
    ],
)
def test_absent_or_unusable_progress_is_none(body: Any) -> None:
    assert extract_progress(body) is None


# -- error messages ---------------------------------------------------------------------------

ERROR_LOCATIONS: list[tuple[str, dict[str, Any]]] = [
    ("error.message", {"error": {"message": "m-error-message"}}),
    ("data.error (string)", {"data": {"error": "m-data-error-string"}}),
    ("data.error.message", {"data": {"error": {"message": "m-data-error-message"}}}),
    ("data.failMsg", {"data": {"failMsg": "m-failMsg"}}),
    ("data.fail_message", {"data": {"fail_message": "m-fail_message"}}),
    ("data.error_message", {"data": {"error_message": "m-error_message"}}),
    ("message", {"message": "m-message"}),
    ("msg", {"msg": "m-msg"}),
]


def _only_value(part: dict[str, Any]) -> str:
    value: Any = part
    while isinstance(value, dict):
        value = next(iter(value.values()))
    return str(value)


@pytest.mark.parametrize(
    "body", [b for _, b in ERROR_LOCATIONS], ids=[loc for loc, _ in ERROR_LOCATIONS]
)
def test_error_message_is_found_at_each_documented_location(body: dict[str, Any]) -> None:
    assert extract_error_message(body) == _only_value(body)


# data.error is either a string or an object, never both, so the priority chain is checked
# twice: once with each form.
_CHAIN_WITH_STRING = [loc for loc in ERROR_LOCATIONS if loc[0] != "data.error.message"]
_CHAIN_WITH_OBJECT = [loc for loc in ERROR_LOCATIONS if loc[0] != "data.error (string)"]


@pytest.mark.parametrize(
    ("chain", "first"),
    [(_CHAIN_WITH_STRING, i) for i in range(len(_CHAIN_WITH_STRING))]
    + [(_CHAIN_WITH_OBJECT, i) for i in range(len(_CHAIN_WITH_OBJECT))],
)
def test_error_message_takes_the_highest_priority_location_present(
    chain: list[tuple[str, dict[str, Any]]], first: int
) -> None:
    body: dict[str, Any] = {}
    for _, part in chain[first:]:
        _deep_merge(body, json.loads(json.dumps(part)))
    assert extract_error_message(body) == _only_value(chain[first][1])


@pytest.mark.parametrize("word", ["success", "SUCCESS", " Success "])
@pytest.mark.parametrize("key", ["message", "msg"])
def test_a_message_that_only_says_success_is_not_an_error(key: str, word: str) -> None:
    assert extract_error_message({"code": 200, key: word}) is None


def test_msg_is_used_when_message_only_says_success() -> None:
    assert extract_error_message({"message": "success", "msg": "Not enough credits"}) == (
        "Not enough credits"
    )


def test_a_success_message_does_not_hide_a_specific_error() -> None:
    body = {"code": 402, "message": "success", "data": {"failMsg": "Insufficient credits"}}
    assert extract_error_message(body) == "Insufficient credits"


@pytest.mark.parametrize(
    "body",
    [
        None,
        {},
        [],
        "oops",
        {"data": {"error": None}},
        {"error": {"message": ""}},
        {"data": {"failMsg": "   "}},
    ],
)
def test_no_error_message_gives_none(body: Any) -> None:
    assert extract_error_message(body) is None


def test_error_message_is_stripped() -> None:
    assert extract_error_message({"data": {"failMsg": "  content policy \n"}}) == "content policy"


# -- body error code --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        (402, 402),
        (500, 500),
        (1, 1),
        (-1, -1),
        ("402", 402),
        (" 401 ", 401),
        (0, None),
        (200, None),
        ("200", None),
        ("0", None),
        (True, None),
        (False, None),
        (None, None),
        ("abc", None),
        ("", None),
        ([402], None),
    ],
)
def test_body_error_code_signals_only_codes_other_than_0_and_200(code: Any, expected: Any) -> None:
    assert body_error_code({"code": code, "message": "x"}) == expected


@pytest.mark.parametrize("body", [None, {}, [], "402", {"data": {"code": 402}}])
def test_body_without_a_top_level_code_is_not_an_error(body: Any) -> None:
    assert body_error_code(body) is None


# -- read_task --------------------------------------------------------------------------------


def test_read_task_done_snapshot() -> None:
    snap = read_task(
        {
            "code": 200,
            "message": "success",
            "data": {
                "status": "COMPLETED",
                "progress": 80,
                "output": {"video_url": "https://cdn.example/v.mp4"},
            },
        }
    )
    assert snap.state is RemoteState.DONE
    assert snap.raw_status == "COMPLETED"
    assert snap.progress == 100
    assert snap.video_url == "https://cdn.example/v.mp4"
    assert snap.error_message is None


def test_read_task_done_with_result_json() -> None:
    snap = read_task(
        {
            "data": {
                "status": "success",
                "resultJson": json.dumps({"resultUrls": ["https://cdn.example/r.mp4"]}),
            }
        }
    )
    assert snap.state is RemoteState.DONE
    assert snap.video_url == "https://cdn.example/r.mp4"


def test_read_task_failed_snapshot_carries_the_service_message() -> None:
    snap = read_task(
        {
            "code": 200,
            "message": "success",
            "data": {"status": "failed", "failMsg": "Prompt rejected by content policy"},
        }
    )
    assert snap.state is RemoteState.FAILED
    assert snap.raw_status == "failed"
    assert snap.error_message == "Prompt rejected by content policy"
    assert snap.video_url is None


def test_read_task_failed_without_a_message_still_explains() -> None:
    snap = read_task({"data": {"status": "expired"}, "message": "success"})
    assert snap.state is RemoteState.FAILED
    assert snap.error_message
    assert "expired" in snap.error_message


def test_read_task_running_snapshot() -> None:
    snap = read_task({"data": {"status": "processing", "progress": "40%"}, "message": "working"})
    assert snap.state is RemoteState.RUNNING
    assert snap.raw_status == "processing"
    assert snap.progress == 40
    assert snap.video_url is None
    assert snap.error_message is None


def test_read_task_running_without_progress_is_indeterminate() -> None:
    snap = read_task({"data": {"status": "queued"}})
    assert snap.state is RemoteState.RUNNING
    assert snap.progress is None


@pytest.mark.parametrize("body", [None, {}, [], "garbage", {"data": None}])
def test_read_task_tolerates_bodies_without_anything(body: Any) -> None:
    snap = read_task(body)
    assert snap.state is RemoteState.RUNNING
    assert snap.raw_status is None
    assert snap.progress is None
    assert snap.video_url is None
    assert snap.error_message is None
