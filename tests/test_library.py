"""The library on disk: trash and restore, sidecars, rebuilding a lost or damaged database."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest

from grok_video.core.context import AppContext
from grok_video.core.errors import InvalidInput
from grok_video.core.models import JobStatus, Kind, utc_now
from grok_video.core.store import LibraryQuery, Store

from .library_data import completed_job


def open_ctx(data_dir: Path) -> AppContext:
    return AppContext.open(data_dir=str(data_dir), log=False)


def files_named(root: Path, job_id: str) -> list[Path]:
    return sorted(p for p in root.rglob(f"*{job_id}*") if p.is_file())


@pytest.fixture
def ctx(data_dir: Path):  # type: ignore[no-untyped-def]
    context = open_ctx(data_dir)
    yield context
    context.close()


def with_picture(ctx: AppContext, job_id: str) -> Path:
    picture = ctx.paths.images_dir / f"{job_id}.png"
    picture.parent.mkdir(parents=True, exist_ok=True)
    picture.write_bytes(b"\x89PNG not really")
    ctx.store.update_job(job_id, source_image=str(picture), kind=Kind.IMAGE)
    return picture


def test_trash_and_restore_keep_disk_and_database_in_agreement(ctx: AppContext) -> None:
    job = completed_job(ctx, "A fox in the snow")
    picture = with_picture(ctx, job.id)
    video = Path(job.video_path or "")
    before = {p.name: p.read_bytes() for p in files_named(ctx.paths.data_dir, job.id)}
    assert set(before) == {f"{job.id}.mp4", f"{job.id}.json", f"{job.id}.png"}

    trashed = ctx.library.trash(job.id)

    assert trashed.in_trash
    assert not video.exists() and not picture.exists()
    assert Path(trashed.video_path or "").is_file()
    assert Path(trashed.source_image or "").is_file()
    assert all(
        p.parent == ctx.library.trash_dir / job.id for p in files_named(ctx.paths.data_dir, job.id)
    )
    assert ctx.store.list_jobs() == []
    assert [j.id for j in ctx.store.list_jobs(LibraryQuery(trash=True))] == [job.id]

    restored = ctx.library.restore(job.id)

    assert not restored.in_trash
    assert restored.video_path == str(video) and restored.source_image == str(picture)
    after = {p.name: p.read_bytes() for p in files_named(ctx.paths.data_dir, job.id)}
    assert after.keys() == before.keys()
    assert after[f"{job.id}.mp4"] == before[f"{job.id}.mp4"]
    assert not (ctx.library.trash_dir / job.id).exists()
    assert [j.id for j in ctx.store.list_jobs()] == [job.id]


def test_a_job_still_being_made_cannot_be_deleted(ctx: AppContext) -> None:
    job = completed_job(ctx, "Still running")
    ctx.store.update_job(job.id, status=JobStatus.RUNNING)
    with pytest.raises(InvalidInput, match="still being made"):
        ctx.library.trash(job.id)
    assert Path(job.video_path or "").exists()
    assert not ctx.store.get_job(job.id).in_trash


def test_deleting_for_good_leaves_no_file_behind(ctx: AppContext) -> None:
    keep = completed_job(ctx, "Keep me")
    gone = completed_job(ctx, "Delete me")
    with_picture(ctx, gone.id)
    thumb = ctx.library.thumbnail_path(gone.id)
    thumb.parent.mkdir(parents=True, exist_ok=True)
    thumb.write_bytes(b"jpeg")

    with pytest.raises(InvalidInput, match="in the trash"):
        ctx.library.delete_forever(gone.id)  # never straight from the library
    ctx.library.trash(gone.id)
    assert ctx.library.empty_trash() == 1

    assert files_named(ctx.paths.data_dir, gone.id) == []
    assert ctx.store.count_jobs(LibraryQuery(trash=True)) == 0
    assert [j.id for j in ctx.store.list_jobs()] == [keep.id]
    assert Path(keep.video_path or "").exists()


def test_the_trash_empties_itself_after_thirty_days(data_dir: Path) -> None:
    ctx = open_ctx(data_dir)
    old = completed_job(ctx, "Old")
    recent = completed_job(ctx, "Recent")
    for job, days in ((old, 31), (recent, 29)):
        ctx.library.trash(job.id)
        ctx.store.update_job(job.id, deleted_at=utc_now() - timedelta(days=days))
    ctx.close()

    ctx = open_ctx(data_dir)  # the next start
    try:
        assert [j.id for j in ctx.store.list_jobs(LibraryQuery(trash=True))] == [recent.id]
        assert files_named(data_dir, old.id) == []
        assert Path(ctx.store.get_job(recent.id).video_path or "").exists()
    finally:
        ctx.close()


def test_an_interrupted_move_is_finished_at_the_next_start(data_dir: Path) -> None:
    ctx = open_ctx(data_dir)
    half_trashed = completed_job(ctx, "The row says trash, the files did not move")
    half_restored = completed_job(ctx, "The row says library, the files are in the trash")
    orphan = completed_job(ctx, "The row is gone, the files are in the trash")
    ctx.store.update_job(half_trashed.id, deleted_at=utc_now())
    ctx.library.trash(half_restored.id)
    ctx.store.update_job(half_restored.id, deleted_at=None)
    ctx.library.trash(orphan.id)
    ctx.store.delete_job(orphan.id)
    ctx.close()

    ctx = open_ctx(data_dir)
    try:
        trash = ctx.library.trash_dir
        assert (trash / half_trashed.id / f"{half_trashed.id}.mp4").exists()
        assert not ctx.paths.video_path(half_trashed.id).exists()
        assert ctx.paths.video_path(half_restored.id).exists()
        assert not (trash / half_restored.id).exists()
        assert files_named(data_dir, orphan.id) == []
    finally:
        ctx.close()


def _library_snapshot(ctx: AppContext) -> dict[str, tuple[object, ...]]:
    jobs = ctx.store.list_jobs() + ctx.store.list_jobs(LibraryQuery(trash=True))
    return {
        j.id: (
            j.prompt,
            j.status,
            j.sha256,
            j.favourite,
            j.tags,
            j.in_trash,
            j.width,
            j.params,
            j.task_id,
            j.created_at,
            Path(j.video_path or "").exists(),
        )
        for j in jobs
    }


def _three_jobs(data_dir: Path) -> dict[str, tuple[object, ...]]:
    ctx = open_ctx(data_dir)
    first = completed_job(ctx, "A whale under the ice")
    second = completed_job(ctx, "Owls at dusk", aspect_ratio="9:16")
    third = completed_job(ctx, "A castle in the rain")
    ctx.library.set_favourite(first.id, True)
    ctx.library.set_tags(second.id, "birds, dusk , birds")
    ctx.library.trash(third.id)
    snapshot = _library_snapshot(ctx)
    ctx.close()
    assert len(snapshot) == 3
    return snapshot


def test_a_deleted_database_is_rebuilt_from_the_sidecars(data_dir: Path) -> None:
    before = _three_jobs(data_dir)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{data_dir / 'library.sqlite3'}{suffix}").unlink(missing_ok=True)

    ctx = open_ctx(data_dir)
    try:
        assert _library_snapshot(ctx) == before
        assert ctx.recovery is not None and "3 job(s)" in ctx.recovery
        assert [j.prompt for j in ctx.store.list_jobs(search="dus")] == ["Owls at dusk"]
    finally:
        ctx.close()


def test_a_damaged_database_is_kept_aside_and_rebuilt(data_dir: Path) -> None:
    before = _three_jobs(data_dir)
    db = data_dir / "library.sqlite3"
    data = bytearray(db.read_bytes())
    data[4096:] = bytes((i * 37 + 11) % 256 for i in range(len(data) - 4096))
    db.write_bytes(bytes(data))

    ctx = open_ctx(data_dir)
    try:
        assert _library_snapshot(ctx) == before
        [kept] = (data_dir / "backups").glob("library-damaged-*.sqlite3")
        assert kept.read_bytes() == bytes(data)  # never silently emptied: the old file is kept
        assert ctx.recovery is not None and "damaged" in ctx.recovery
    finally:
        ctx.close()


def test_the_damage_check_is_skipped_only_for_a_file_as_a_clean_close_left_it(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _three_jobs(data_dir)
    checked: list[Path] = []
    real = Store.quick_check
    monkeypatch.setattr(Store, "quick_check", staticmethod(lambda p: checked.append(p) or real(p)))
    db = data_dir / "library.sqlite3"

    open_ctx(data_dir).close()
    assert checked == []  # closed cleanly last time, untouched since: no need to read it all

    crashed = Store(db)  # opened and never closed, as when the app is killed
    try:
        open_ctx(data_dir).close()
        assert checked == [db]
    finally:
        crashed.close()

    open_ctx(data_dir).close()
    assert checked == [db]
    os.utime(db, ns=(1, 1))  # changed behind our back (same size): checked again
    open_ctx(data_dir).close()
    assert checked == [db, db]


def test_a_sound_database_is_left_alone(data_dir: Path) -> None:
    _three_jobs(data_dir)
    ctx = open_ctx(data_dir)
    try:
        assert ctx.recovery is None
        assert not (data_dir / "backups").exists() or not list(
            (data_dir / "backups").glob("library-damaged-*")
        )
    finally:
        ctx.close()


def test_unreadable_sidecars_are_skipped_not_fatal(data_dir: Path) -> None:
    before = _three_jobs(data_dir)
    (data_dir / "videos" / "0123456789abcdef0123456789abcdef.json").write_text("{not json")
    (data_dir / "library.sqlite3").unlink()
    ctx = open_ctx(data_dir)
    try:
        assert _library_snapshot(ctx) == before
    finally:
        ctx.close()


def test_favourites_tags_kind_and_dates_filter_the_library(ctx: AppContext) -> None:
    now = utc_now()
    old = completed_job(ctx, "A red kite over hills", created=now - timedelta(days=40))
    fav = completed_job(ctx, "A blue kite at sea")
    tagged = completed_job(ctx, "A train at night")
    pic = completed_job(ctx, "A picture that moves")
    with_picture(ctx, pic.id)
    ctx.library.set_favourite(fav.id, True)
    ctx.library.set_tags(tagged.id, ["Holiday", "holiday", " trains "])

    def ids(**query: object) -> set[str]:
        return {j.id for j in ctx.store.list_jobs(LibraryQuery(**query))}  # type: ignore[arg-type]

    assert ctx.store.get_job(tagged.id).tags == ("Holiday", "trains")
    assert ids(search="kite") == {old.id, fav.id}
    assert ids(search="holi") == {tagged.id}  # tags are searched too, by prefix
    assert ids(favourites=True) == {fav.id}
    assert ids(kind=Kind.IMAGE) == {pic.id}
    assert ids(since=now - timedelta(days=7)) == {fav.id, tagged.id, pic.id}
    assert ids(search="kite", since=now - timedelta(days=7)) == {fav.id}
    assert next(j.id for j in ctx.store.list_jobs(LibraryQuery(newest_first=False))) == old.id
    assert len(ctx.store.job_ids()) == 4


def test_every_finished_job_gets_a_sidecar_from_the_runner(cli, data_dir: Path) -> None:  # type: ignore[no-untyped-def]
    result = cli("generate", "Sidecar please", "--wait", "--json")
    assert result.code == 0, result.err
    record = result.json()
    sidecar = data_dir / "videos" / f"{record['id']}.json"
    assert sidecar.exists()
    import json

    saved = json.loads(sidecar.read_text())["job"]
    assert saved["prompt"] == "Sidecar please" and saved["sha256"] == record["sha256"]
    assert saved["status"] == "completed" and saved["task_id"] == record["task_id"]
    assert os.path.exists(record["video_path"])


def test_a_video_without_its_sidecar_is_recovered_from_its_own_metadata(
    cli, data_dir: Path
) -> None:  # type: ignore[no-untyped-def]
    result = cli("generate", "A lighthouse in fog", "--aspect-ratio", "9:16", "--wait", "--json")
    assert result.code == 0, result.err
    record = result.json()
    (data_dir / "videos" / f"{record['id']}.json").unlink()
    (data_dir / "library.sqlite3").unlink()
    (data_dir / "videos" / "stray.mp4").write_bytes(b"not a video")  # skipped, never fatal

    listed = cli("jobs", "--json")
    assert listed.code == 0, listed.err
    [job] = listed.json()
    assert job["id"] == record["id"] and job["prompt"] == "A lighthouse in fog"
    assert job["task_id"] == record["task_id"] and job["sha256"] == record["sha256"]
    assert job["params"] == {"aspect_ratio": "9:16"} and job["status"] == "completed"
    assert (data_dir / "videos" / f"{record['id']}.json").exists()  # the sidecar is back too


def test_rebuild_from_the_command_line_puts_lost_rows_back(cli, data_dir: Path) -> None:  # type: ignore[no-untyped-def]
    ctx = open_ctx(data_dir)
    kept = completed_job(ctx, "Kept")
    lost = completed_job(ctx, "Lost row")
    ctx.store.delete_job(lost.id)
    ctx.close()

    result = cli("rebuild", "--json")
    assert result.code == 0, result.err
    assert result.json() == {
        "from_sidecars": 1,
        "from_videos": 0,
        "already_there": 1,
        "unreadable": [],
    }
    listed = {j["id"] for j in cli("jobs", "--json").json()}
    assert listed == {kept.id, lost.id}
