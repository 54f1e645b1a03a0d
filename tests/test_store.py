"""The library's SQLite store and the job's plain data (models)."""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

import grok_video.core.store as store_mod
from grok_video.core.errors import DatabaseTooNew, InvalidInput, NotFound
from grok_video.core.models import (
    MODEL_IMAGE,
    MODEL_TEXT,
    PROMPT_LIMIT,
    GenerationRequest,
    Job,
    JobStatus,
    Kind,
    Params,
    utc_now,
)
from grok_video.core.store import SCHEMA_VERSION, Store

T0 = datetime(2026, 11, 24, 12, 0, 0, tzinfo=UTC)


def make_job(
    prompt: str = "A cat on a piano",
    *,
    job_id: str | None = None,
    created_at: datetime | None = None,
    status: JobStatus = JobStatus.RUNNING,
    **extra: Any,
) -> Job:
    return Job(
        id=job_id or uuid.uuid4().hex,
        status=status,
        kind=extra.pop("kind", Kind.TEXT),
        prompt=prompt,
        params=extra.pop("params", Params()),
        images=extra.pop("images", ()),
        created_at=created_at or T0,
        **extra,
    )


def raw_connect(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(path)


def raw_scalar(path: Path, sql: str, args: tuple[Any, ...] = ()) -> Any:
    db = raw_connect(path)
    try:
        row = db.execute(sql, args).fetchone()
        return None if row is None else row[0]
    finally:
        db.close()


def table_names(path: Path) -> set[str]:
    db = raw_connect(path)
    try:
        return {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    finally:
        db.close()


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "lib" / "library.sqlite3"


@pytest.fixture
def store(db_path: Path) -> Iterator[Store]:
    s = Store(db_path)
    yield s
    s.close()


# -- jobs: insert, get, update ----------------------------------------------------------------


def test_insert_then_get_round_trips_every_field(store: Store) -> None:
    job = Job(
        id=uuid.uuid4().hex,
        status=JobStatus.COMPLETED,
        kind=Kind.IMAGE,
        prompt="Un café à Paris, 🌧️",
        params=Params(duration=10, aspect_ratio="9:16", resolution="720p", mode="spicy"),
        images=("/home/me/cat.png", "https://example.com/dog.jpg"),
        created_at=T0,
        provider="apiinone",
        base_url="https://apiin.one",
        task_id="task-42",
        progress=100,
        video_url="https://cdn.example/v.mp4",
        video_path="/lib/videos/x.mp4",
        sha256="ab" * 32,
        bytes=123_456,
        cost_credits=24,
        error_code="content_policy",
        error_message="Refused",
        submitted_at=T0 + timedelta(seconds=1),
        finished_at=T0 + timedelta(minutes=2),
        deadline_at=T0 + timedelta(minutes=30),
        retry_of=uuid.uuid4().hex,
        note="first try",
        duration_s=6.04,
        width=1280,
        height=720,
    )
    store.insert_job(job, request_body={"model": MODEL_IMAGE})
    got = store.get_job(job.id)
    assert got == job
    assert got.created_at.tzinfo is not None
    assert isinstance(got.params, Params)
    assert isinstance(got.images, tuple)


def test_round_trip_of_a_minimal_job_keeps_nones(store: Store) -> None:
    job = make_job()
    store.insert_job(job)
    got = store.get_job(job.id)
    assert got == job
    assert got.params == Params()
    assert got.images == ()
    assert got.task_id is None and got.finished_at is None and got.bytes is None


def test_request_body_is_committed_with_the_job(store: Store, db_path: Path) -> None:
    body = {"model": MODEL_TEXT, "prompt": "A cat on a piano", "duration": 6}
    job = make_job(status=JobStatus.SUBMITTING)
    store.insert_job(job, request_body=body)
    # Another connection (another process, or this one after a crash) sees it at once.
    assert raw_scalar(db_path, "SELECT status FROM jobs WHERE id = ?", (job.id,)) == "submitting"
    assert store.request_body(job.id) == body
    reopened = Store(db_path)
    try:
        assert reopened.request_body(job.id) == body
        assert reopened.get_job(job.id).status is JobStatus.SUBMITTING
    finally:
        reopened.close()


def test_request_body_of_unknown_job_or_without_body_is_none(store: Store) -> None:
    job = make_job()
    store.insert_job(job)
    assert store.request_body(job.id) is None
    assert store.request_body("f" * 32) is None


def test_update_job_changes_fields_and_returns_the_new_job(store: Store) -> None:
    job = make_job(status=JobStatus.SUBMITTING)
    store.insert_job(job)
    finished = T0 + timedelta(minutes=3)
    updated = store.update_job(
        job.id,
        status=JobStatus.COMPLETED,
        task_id="t-1",
        progress=100,
        finished_at=finished,
        sha256="cd" * 32,
        bytes=99,
        params=Params(duration=15),
        images=("https://example.com/a.png",),
    )
    assert updated.status is JobStatus.COMPLETED
    assert updated.task_id == "t-1"
    assert updated.finished_at == finished
    assert updated.params == Params(duration=15)
    assert updated.images == ("https://example.com/a.png",)
    assert store.get_job(job.id) == updated
    assert updated.created_at == job.created_at


def test_update_job_can_store_a_request_body(store: Store) -> None:
    job = make_job()
    store.insert_job(job, request_body={"prompt": "old"})
    store.update_job(job.id, request_body={"prompt": "new"})
    assert store.request_body(job.id) == {"prompt": "new"}


@pytest.mark.parametrize("field", ["id", "created_at", "lease_owner", "no_such_column"])
def test_update_job_refuses_fields_that_are_not_updatable(store: Store, field: str) -> None:
    job = make_job()
    store.insert_job(job)
    with pytest.raises(ValueError, match=field):
        store.update_job(job.id, **{field: "x"})


def test_update_or_get_of_a_missing_job_is_not_found(store: Store) -> None:
    with pytest.raises(NotFound):
        store.update_job("0" * 32, progress=5)
    with pytest.raises(NotFound):
        store.get_job("0" * 32)


def test_inserting_the_same_id_twice_fails(store: Store) -> None:
    job = make_job()
    store.insert_job(job)
    with pytest.raises(sqlite3.IntegrityError):
        store.insert_job(job)
    assert store.count_jobs() == 1


# -- listing ----------------------------------------------------------------------------------


@pytest.fixture
def five_jobs(store: Store) -> list[Job]:
    """Five jobs, one minute apart, inserted oldest first; returned newest first."""
    statuses = [
        JobStatus.COMPLETED,
        JobStatus.FAILED,
        JobStatus.RUNNING,
        JobStatus.COMPLETED,
        JobStatus.UNKNOWN,
    ]
    jobs = [
        make_job(f"job number {i}", created_at=T0 + timedelta(minutes=i), status=statuses[i])
        for i in range(5)
    ]
    for job in jobs:
        store.insert_job(job)
    return list(reversed(jobs))


def ids(jobs: list[Job]) -> list[str]:
    return [j.id for j in jobs]


def test_list_jobs_is_newest_first(store: Store, five_jobs: list[Job]) -> None:
    assert ids(store.list_jobs()) == ids(five_jobs)


def test_list_jobs_with_equal_times_is_latest_inserted_first(store: Store) -> None:
    first, second = make_job("first"), make_job("second")
    store.insert_job(first)
    store.insert_job(second)
    assert ids(store.list_jobs()) == [second.id, first.id]


def test_list_jobs_is_newest_first_regardless_of_insert_order(store: Store) -> None:
    newer, older = make_job(created_at=T0 + timedelta(days=1)), make_job(created_at=T0)
    store.insert_job(newer)
    store.insert_job(older)
    assert ids(store.list_jobs()) == [newer.id, older.id]


@pytest.mark.parametrize(
    ("limit", "offset", "expected"),
    [
        (2, 0, slice(0, 2)),
        (2, 2, slice(2, 4)),
        (2, 4, slice(4, 5)),
        (10, 0, slice(0, 5)),
        (0, 0, slice(0, 0)),
        (3, 10, slice(5, 5)),
    ],
)
def test_list_jobs_limit_and_offset(
    store: Store, five_jobs: list[Job], limit: int, offset: int, expected: slice
) -> None:
    assert ids(store.list_jobs(limit=limit, offset=offset)) == ids(five_jobs)[expected]


def test_list_jobs_offset_without_limit_skips_the_newest(
    store: Store, five_jobs: list[Job]
) -> None:
    assert ids(store.list_jobs(offset=2)) == ids(five_jobs)[2:]


def test_list_jobs_negative_limit_is_invalid_input(store: Store, five_jobs: list[Job]) -> None:
    with pytest.raises(InvalidInput):
        store.list_jobs(limit=-1)


def test_list_jobs_status_filter(store: Store, five_jobs: list[Job]) -> None:
    completed = store.list_jobs(statuses=[JobStatus.COMPLETED])
    assert ids(completed) == [j.id for j in five_jobs if j.status is JobStatus.COMPLETED]
    assert len(completed) == 2
    either = store.list_jobs(statuses=[JobStatus.FAILED, JobStatus.UNKNOWN])
    assert {j.status for j in either} == {JobStatus.FAILED, JobStatus.UNKNOWN}
    assert store.list_jobs(statuses=[JobStatus.CANCELLED]) == []
    assert store.list_jobs(statuses=[]) == []
    assert store.count_jobs(statuses=[JobStatus.COMPLETED]) == 2


def test_unfinished_jobs_are_the_active_ones(store: Store, five_jobs: list[Job]) -> None:
    for status in (JobStatus.SUBMITTING, JobStatus.DOWNLOADING, JobStatus.CANCELLED):
        store.insert_job(make_job(status=status))
    assert {j.status for j in store.unfinished_jobs()} == {
        JobStatus.SUBMITTING,
        JobStatus.RUNNING,
        JobStatus.DOWNLOADING,
    }


# -- search -----------------------------------------------------------------------------------


@pytest.fixture
def prompts(store: Store) -> dict[str, Job]:
    out = {}
    for i, prompt in enumerate(
        ["A cat on a piano", "Un café à Paris", "Rain over Tokyo at night", "a dog and a cat"]
    ):
        job = make_job(prompt, created_at=T0 + timedelta(minutes=i))
        store.insert_job(job)
        out[prompt] = job
    return out


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("pian", ["A cat on a piano"]),
        ("piano", ["A cat on a piano"]),
        ("PIAN", ["A cat on a piano"]),
        ("cafe", ["Un café à Paris"]),
        ("café", ["Un café à Paris"]),
        ("CAFÉ", ["Un café à Paris"]),
        ("cat", ["a dog and a cat", "A cat on a piano"]),
        ("cat pia", ["A cat on a piano"]),
        ("tok nig", ["Rain over Tokyo at night"]),
        ("cat, piano!", ["A cat on a piano"]),
        ("elephant", []),
    ],
)
def test_search_matches_word_prefixes_ignoring_case_and_diacritics(
    store: Store, prompts: dict[str, Job], typed: str, expected: list[str]
) -> None:
    found = store.list_jobs(search=typed)
    assert [j.prompt for j in found] == expected
    assert store.count_jobs(search=typed) == len(expected)


@pytest.mark.parametrize(
    "typed",
    [
        "!!!",
        "...",
        "'",
        '"',
        "*",
        "()",
        "-",
        "^",
        ":",
        "_",
        "-_-",
        "\"'*",
        "NOT",
        "OR",
        "AND",
        "NEAR(",
        'a"b',
        "x*y",
        "(cat",
        "cat)",
        "\u200b",
    ],
)
def test_search_with_punctuation_or_operators_never_raises(
    store: Store, prompts: dict[str, Job], typed: str
) -> None:
    found = store.list_jobs(search=typed)
    assert store.count_jobs(search=typed) == len(found)


@pytest.mark.parametrize("typed", ["!!!", "...", "'", '"', "*", "()", "-", "^", ":"])
def test_punctuation_only_search_finds_nothing(
    store: Store, prompts: dict[str, Job], typed: str
) -> None:
    assert store.list_jobs(search=typed) == []
    assert store.count_jobs(search=typed) == 0


@pytest.mark.parametrize("typed", [None, "", "   "])
def test_empty_search_is_no_filter(
    store: Store, prompts: dict[str, Job], typed: str | None
) -> None:
    assert len(store.list_jobs(search=typed)) == len(prompts)


def test_search_combines_with_the_status_filter(store: Store, prompts: dict[str, Job]) -> None:
    store.update_job(prompts["a dog and a cat"].id, status=JobStatus.FAILED)
    found = store.list_jobs(search="cat", statuses=[JobStatus.RUNNING])
    assert [j.prompt for j in found] == ["A cat on a piano"]


def test_search_follows_a_changed_prompt(store: Store, prompts: dict[str, Job]) -> None:
    store.update_job(prompts["A cat on a piano"].id, prompt="A horse on a violin")
    assert [j.prompt for j in store.list_jobs(search="violin")] == ["A horse on a violin"]
    assert store.list_jobs(search="piano") == []


# -- resolve_id -------------------------------------------------------------------------------


@pytest.fixture
def known_ids(store: Store) -> dict[str, str]:
    named = {
        "alpha": "abcd1234" + "0" * 24,
        "beta": "abcd5678" + "0" * 24,
        "gamma": "beef0000" + "1" * 24,
    }
    for job_id in named.values():
        store.insert_job(make_job(job_id=job_id))
    return named


def test_resolve_full_id(store: Store, known_ids: dict[str, str]) -> None:
    assert store.resolve_id(known_ids["alpha"]).id == known_ids["alpha"]


def test_resolve_full_id_ignores_case_and_spaces(store: Store, known_ids: dict[str, str]) -> None:
    assert store.resolve_id(f"  {known_ids['gamma'].upper()} ").id == known_ids["gamma"]


@pytest.mark.parametrize(
    ("prefix", "name"),
    [("beef", "gamma"), ("BEEF0", "gamma"), ("abcd1", "alpha"), ("abcd56", "beta")],
)
def test_resolve_unique_prefix_of_four_or_more(
    store: Store, known_ids: dict[str, str], prefix: str, name: str
) -> None:
    assert store.resolve_id(prefix).id == known_ids[name]


def test_resolve_ambiguous_prefix_is_not_found(store: Store, known_ids: dict[str, str]) -> None:
    with pytest.raises(NotFound, match="more than one"):
        store.resolve_id("abcd")


@pytest.mark.parametrize("prefix", ["b", "be", "bee"])
def test_resolve_prefix_shorter_than_four_is_not_found(
    store: Store, known_ids: dict[str, str], prefix: str
) -> None:
    with pytest.raises(NotFound, match="4"):
        store.resolve_id(prefix)


@pytest.mark.parametrize(
    "text", ["", "   ", "beefx", "zzzz", "beef-0000", "' OR 1=1 --", "%", "abcd%", "beef_"]
)
def test_resolve_non_hex_is_not_found(store: Store, known_ids: dict[str, str], text: str) -> None:
    with pytest.raises(NotFound):
        store.resolve_id(text)


def test_resolve_unmatched_prefix_is_not_found(store: Store, known_ids: dict[str, str]) -> None:
    with pytest.raises(NotFound):
        store.resolve_id("cafe")


# -- schema and migrations --------------------------------------------------------------------


def test_fresh_database_has_current_schema_version_and_wal(store: Store, db_path: Path) -> None:
    assert raw_scalar(db_path, "PRAGMA user_version") == SCHEMA_VERSION
    assert str(raw_scalar(db_path, "PRAGMA journal_mode")).lower() == "wal"
    assert {"jobs", "jobs_fts"} <= table_names(db_path)


def test_fresh_database_is_not_backed_up(store: Store, db_path: Path) -> None:
    assert not (db_path.parent / "backups").exists()


def test_reopening_a_current_database_changes_nothing(store: Store, db_path: Path) -> None:
    job = make_job()
    store.insert_job(job)
    again = Store(db_path)
    try:
        assert again.get_job(job.id) == job
    finally:
        again.close()
    assert raw_scalar(db_path, "PRAGMA user_version") == SCHEMA_VERSION
    assert not (db_path.parent / "backups").exists()


def _write_database(path: Path, version: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path)
    try:
        db.execute("CREATE TABLE from_the_future (x TEXT)")
        db.execute("INSERT INTO from_the_future VALUES ('keep me')")
        db.execute(f"PRAGMA user_version = {version}")
        db.commit()
    finally:
        db.close()


def test_database_newer_than_the_app_is_refused_and_left_untouched(
    db_path: Path, tmp_path: Path
) -> None:
    _write_database(db_path, SCHEMA_VERSION + 1)
    before = db_path.read_bytes()
    files_before = sorted(p.name for p in db_path.parent.iterdir())
    with pytest.raises(DatabaseTooNew) as info:
        Store(db_path, backups_dir=tmp_path / "backups")
    assert info.value.exit_code == 2
    assert db_path.read_bytes() == before
    assert sorted(p.name for p in db_path.parent.iterdir()) == files_before
    assert not (tmp_path / "backups").exists()


def _v2_add_tags(db: sqlite3.Connection) -> None:
    db.execute("CREATE TABLE tags (job_id TEXT, tag TEXT)")


def test_migration_from_an_older_version_backs_up_first(
    monkeypatch: pytest.MonkeyPatch, db_path: Path, tmp_path: Path
) -> None:
    backups = tmp_path / "backups"
    old = Store(db_path, backups_dir=backups)
    job = make_job()
    old.insert_job(job)
    old.close()
    current = store_mod.SCHEMA_VERSION
    assert raw_scalar(db_path, "PRAGMA user_version") == current

    seen_when_step_ran: list[list[Path]] = []

    def step_two(db: sqlite3.Connection) -> None:
        seen_when_step_ran.append(sorted(backups.glob("*")) if backups.exists() else [])
        _v2_add_tags(db)

    monkeypatch.setattr(store_mod, "MIGRATIONS", (*store_mod.MIGRATIONS, step_two))
    monkeypatch.setattr(store_mod, "SCHEMA_VERSION", current + 1)

    upgraded = Store(db_path, backups_dir=backups)
    try:
        assert upgraded.get_job(job.id) == job
    finally:
        upgraded.close()

    assert raw_scalar(db_path, "PRAGMA user_version") == current + 1
    assert "tags" in table_names(db_path)
    # The backup existed before the step ran, and holds the library as it was (version 1).
    assert len(seen_when_step_ran) == 1
    assert len(seen_when_step_ran[0]) == 1
    backup = seen_when_step_ran[0][0]
    assert raw_scalar(backup, "PRAGMA user_version") == current
    assert "tags" not in table_names(backup)
    assert raw_scalar(backup, "SELECT prompt FROM jobs WHERE id = ?", (job.id,)) == job.prompt


def test_failing_migration_step_rolls_back(
    monkeypatch: pytest.MonkeyPatch, db_path: Path, tmp_path: Path
) -> None:
    Store(db_path, backups_dir=tmp_path / "backups").close()

    def broken_step(db: sqlite3.Connection) -> None:
        db.execute("CREATE TABLE half_made (x TEXT)")
        db.execute("INSERT INTO half_made VALUES ('partial')")
        raise RuntimeError("migration step failed halfway")

    current = store_mod.SCHEMA_VERSION
    monkeypatch.setattr(store_mod, "MIGRATIONS", (*store_mod.MIGRATIONS, broken_step))
    monkeypatch.setattr(store_mod, "SCHEMA_VERSION", current + 1)

    with pytest.raises(RuntimeError, match="halfway"):
        Store(db_path, backups_dir=tmp_path / "backups")

    assert raw_scalar(db_path, "PRAGMA user_version") == current
    assert "half_made" not in table_names(db_path)
    assert "jobs" in table_names(db_path)

    # The library still opens with the app that knows only version 1.
    monkeypatch.undo()
    again = Store(db_path, backups_dir=tmp_path / "backups")
    again.close()


def test_fresh_database_runs_every_step_in_order(
    monkeypatch: pytest.MonkeyPatch, db_path: Path, tmp_path: Path
) -> None:
    monkeypatch.setattr(store_mod, "MIGRATIONS", (store_mod._v1, _v2_add_tags))
    monkeypatch.setattr(store_mod, "SCHEMA_VERSION", 2)
    Store(db_path, backups_dir=tmp_path / "backups").close()
    assert raw_scalar(db_path, "PRAGMA user_version") == 2
    assert {"jobs", "tags"} <= table_names(db_path)
    assert not (tmp_path / "backups").exists()  # nothing to back up in a new library


# -- leases -----------------------------------------------------------------------------------


@pytest.fixture
def leased(db_path: Path) -> Iterator[tuple[Store, Store, Job]]:
    """Two Store objects on one library, as two processes would have."""
    first = Store(db_path)
    second = Store(db_path)
    second.owner = f"{socket.gethostname()}:{os.getpid()}:other"
    job = make_job()
    first.insert_job(job)
    yield first, second, job
    first.close()
    second.close()


def lease_of(path: Path, job_id: str) -> tuple[str | None, str | None]:
    db = raw_connect(path)
    try:
        row = db.execute(
            "SELECT lease_owner, lease_until FROM jobs WHERE id = ?", (job_id,)
        ).fetchone()
    finally:
        db.close()
    return row[0], row[1]


def test_two_stores_have_different_owners(leased: tuple[Store, Store, Job]) -> None:
    first, second, _ = leased
    assert first.owner != second.owner
    assert first.owner.split(":")[1] == str(os.getpid())


def test_claim_blocks_another_live_owner_until_release(
    leased: tuple[Store, Store, Job], db_path: Path
) -> None:
    first, second, job = leased
    assert first.claim(job.id) is True
    assert lease_of(db_path, job.id)[0] == first.owner
    assert second.claim(job.id) is False
    assert lease_of(db_path, job.id)[0] == first.owner
    first.release(job.id)
    assert lease_of(db_path, job.id) == (None, None)
    assert second.claim(job.id) is True
    assert lease_of(db_path, job.id)[0] == second.owner
    assert first.claim(job.id) is False


def test_claim_is_reentrant_for_its_owner(leased: tuple[Store, Store, Job]) -> None:
    first, _, job = leased
    assert first.claim(job.id) is True
    assert first.claim(job.id) is True


def test_release_by_someone_else_leaves_the_lease(
    leased: tuple[Store, Store, Job], db_path: Path
) -> None:
    first, second, job = leased
    assert first.claim(job.id)
    second.release(job.id)
    assert lease_of(db_path, job.id)[0] == first.owner
    assert second.claim(job.id) is False


def test_claim_succeeds_once_the_lease_time_has_passed(
    leased: tuple[Store, Store, Job], db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second, job = leased
    assert first.claim(job.id)
    until_text = lease_of(db_path, job.id)[1]
    assert until_text is not None and until_text.endswith("Z")
    until = datetime.fromisoformat(until_text.replace("Z", "+00:00"))
    assert timedelta(0) < until - utc_now() <= timedelta(seconds=Store.LEASE_SECONDS + 1)

    monkeypatch.setattr(store_mod, "utc_now", lambda: until - timedelta(seconds=1))
    assert second.claim(job.id) is False
    monkeypatch.setattr(store_mod, "utc_now", lambda: until + timedelta(seconds=1))
    assert second.claim(job.id) is True
    assert lease_of(db_path, job.id)[0] == second.owner


def test_an_owner_whose_process_is_dead_does_not_block(
    leased: tuple[Store, Store, Job], db_path: Path
) -> None:
    first, second, job = leased
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    first.owner = f"{socket.gethostname()}:{proc.pid}:dead"
    assert first.claim(job.id)
    owner, until = lease_of(db_path, job.id)
    assert owner == first.owner and until is not None
    assert second.claim(job.id) is True
    assert lease_of(db_path, job.id)[0] == second.owner


def test_claim_of_a_missing_job_is_not_found(leased: tuple[Store, Store, Job]) -> None:
    first, _, _ = leased
    with pytest.raises(NotFound):
        first.claim("9" * 32)


# -- models: the job record -------------------------------------------------------------------

CONTRACT_RECORD_KEYS = {
    "id",
    "task_id",
    "status",
    "kind",
    "prompt",
    "params",
    "images",
    "progress",
    "video_path",
    "sha256",
    "bytes",
    "cost_credits",
    "created_at",
    "finished_at",
    "error",
}


def test_record_has_the_contract_keys_with_z_times() -> None:
    job = make_job(
        params=Params(duration=6),
        images=("https://example.com/a.png",),
        kind=Kind.IMAGE,
        status=JobStatus.COMPLETED,
        task_id="t-9",
        progress=100,
        video_path="/abs/v.mp4",
        sha256="ef" * 32,
        bytes=123,
        cost_credits=24,
        finished_at=T0 + timedelta(minutes=1, seconds=5),
    )
    record = job.record()
    assert set(record) >= CONTRACT_RECORD_KEYS
    assert record["id"] == job.id
    assert record["task_id"] == "t-9"
    assert record["status"] == "completed"
    assert record["kind"] == "image-to-video"
    assert record["params"] == {"duration": 6}
    assert record["images"] == ["https://example.com/a.png"]
    assert record["progress"] == 100
    assert record["bytes"] == 123
    assert record["cost_credits"] == 24
    assert record["created_at"] == "2026-11-24T12:00:00Z"
    assert record["finished_at"] == "2026-11-24T12:01:05Z"
    assert record["error"] is None


def test_record_times_are_utc_whatever_the_timezone() -> None:
    plus_two = timezone(timedelta(hours=2))
    job = make_job(created_at=datetime(2026, 11, 24, 14, 0, 0, tzinfo=plus_two))
    assert job.record()["created_at"] == "2026-11-24T12:00:00Z"


def test_record_of_an_unfinished_job_has_nulls() -> None:
    record = make_job(status=JobStatus.SUBMITTING).record()
    assert record["task_id"] is None
    assert record["finished_at"] is None
    assert record["video_path"] is None
    assert record["progress"] is None
    assert record["status"] == "submitting"
    assert record["kind"] == "text-to-video"


def test_record_error_is_an_object_with_code_and_message() -> None:
    job = make_job(
        status=JobStatus.FAILED, error_code="insufficient_credits", error_message="Top up"
    )
    assert job.record()["error"] == {"code": "insufficient_credits", "message": "Top up"}


def test_record_json_is_valid_json_keeping_unicode() -> None:
    job = make_job("Un café ☕")
    text = job.record_json()
    assert "café ☕" in text
    assert json.loads(text)["prompt"] == "Un café ☕"


# -- models: Params ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "expected"),
    [("6", 6), ("10s", 10), (15, 15), (6, 6), (" 15 ", 15), ("", None), (None, None)],
)
def test_params_parse_accepts_offered_durations(given: Any, expected: int | None) -> None:
    assert Params.parse(duration=given).duration == expected


@pytest.mark.parametrize("given", [7, "7", 0, -6, "five", "6.5", 60])
def test_params_parse_rejects_other_durations(given: Any) -> None:
    with pytest.raises(InvalidInput) as info:
        Params.parse(duration=given)
    message = info.value.message
    assert all(str(n) in message for n in (6, 10, 15))


@pytest.mark.parametrize(
    ("field", "bad", "allowed"),
    [
        ("aspect_ratio", "4:3", ("16:9", "9:16", "1:1", "2:3", "3:2")),
        ("aspect_ratio", "wide", ("16:9", "9:16", "1:1", "2:3", "3:2")),
        ("resolution", "1080p", ("480p", "720p")),
        ("resolution", "hd", ("480p", "720p")),
        ("mode", "crazy", ("fun", "normal", "spicy")),
    ],
)
def test_params_parse_rejects_bad_choices_naming_the_allowed_values(
    field: str, bad: str, allowed: tuple[str, ...]
) -> None:
    with pytest.raises(InvalidInput) as info:
        Params.parse(**{field: bad})
    assert info.value.exit_code == 2
    assert bad in info.value.message
    for option in allowed:
        assert option in info.value.message


def test_params_parse_normalises_case_and_spaces() -> None:
    params = Params.parse(duration="10", aspect_ratio=" 16:9 ", resolution="720P", mode="Spicy")
    assert params == Params(duration=10, aspect_ratio="16:9", resolution="720p", mode="spicy")


def test_params_parse_with_nothing_set_is_empty() -> None:
    assert Params.parse() == Params()
    assert Params.parse().as_dict() == {}


# -- models: GenerationRequest ----------------------------------------------------------------


@pytest.mark.parametrize("prompt", ["", " ", "\n\t  "])
def test_text_to_video_rejects_an_empty_prompt(prompt: str) -> None:
    with pytest.raises(InvalidInput):
        GenerationRequest(prompt=prompt).validate()


def test_image_to_video_may_have_no_prompt() -> None:
    GenerationRequest(prompt="", images=("https://example.com/a.png",)).validate()


def test_prompt_of_exactly_the_limit_is_accepted() -> None:
    assert PROMPT_LIMIT == 5000
    GenerationRequest(prompt="x" * 5000).validate()


def test_prompt_one_over_the_limit_is_rejected() -> None:
    with pytest.raises(InvalidInput, match="5,000"):
        GenerationRequest(prompt="x" * 5001).validate()


def test_over_long_prompt_is_rejected_for_image_to_video_too() -> None:
    with pytest.raises(InvalidInput):
        GenerationRequest(prompt="x" * 5001, images=("https://example.com/a.png",)).validate()


def test_body_of_text_to_video_sends_only_the_set_params() -> None:
    request = GenerationRequest(prompt="  A cat on a piano ", params=Params(duration=6))
    assert request.kind is Kind.TEXT
    assert request.body() == {"model": MODEL_TEXT, "prompt": "A cat on a piano", "duration": 6}


def test_body_without_params_has_no_optional_fields() -> None:
    assert GenerationRequest(prompt="hello").body() == {"model": MODEL_TEXT, "prompt": "hello"}


def test_body_with_every_param() -> None:
    params = Params(duration=15, aspect_ratio="1:1", resolution="480p", mode="fun")
    body = GenerationRequest(prompt="p", params=params).body()
    assert body == {
        "model": MODEL_TEXT,
        "prompt": "p",
        "duration": 15,
        "aspect_ratio": "1:1",
        "resolution": "480p",
        "mode": "fun",
    }


def test_body_of_image_to_video_uses_the_resolved_image_urls() -> None:
    request = GenerationRequest(
        prompt="", params=Params(aspect_ratio="9:16"), images=("/home/me/cat.png",)
    )
    assert request.kind is Kind.IMAGE
    body = request.body(["data:image/png;base64,AAAA"])
    assert body == {
        "model": MODEL_IMAGE,
        "image_urls": ["data:image/png;base64,AAAA"],
        "aspect_ratio": "9:16",
    }
    assert "prompt" not in body


def test_a_version_1_library_upgrades_with_its_jobs_and_a_backup(
    monkeypatch: pytest.MonkeyPatch, db_path: Path, tmp_path: Path
) -> None:
    """The real step from the first release's schema to the image-to-video one."""
    backups = tmp_path / "backups"
    with monkeypatch.context() as m:
        m.setattr(store_mod, "MIGRATIONS", (store_mod._v1,))
        m.setattr(store_mod, "SCHEMA_VERSION", 1)
        Store(db_path, backups_dir=backups).close()
    con = sqlite3.connect(db_path)
    con.execute(
        "INSERT INTO jobs (id, status, kind, prompt, created_at, updated_at) "
        "VALUES ('a' || hex(randomblob(15)), 'completed', 'text-to-video', 'old clip', "
        "'2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')"
    )
    con.commit()
    con.close()

    upgraded = Store(db_path, backups_dir=backups)
    try:
        [job] = upgraded.list_jobs(search="old")
        assert job.prompt == "old clip" and job.parent_id is None and job.source_image is None
    finally:
        upgraded.close()
    assert raw_scalar(db_path, "PRAGMA user_version") == store_mod.SCHEMA_VERSION
    [backup] = backups.glob("library-v1-*.sqlite3")
    assert raw_scalar(backup, "PRAGMA user_version") == 1
