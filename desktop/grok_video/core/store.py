"""The library's SQLite store.

One schema version in PRAGMA user_version, one transaction per migration step, a backup of the
file before any migration, and a refusal to open a database newer than this app.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import sqlite3
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from .errors import DatabaseTooNew, InvalidInput, NotFound
from .fsutil import atomic_write_text
from .models import Job, JobStatus, Kind, Params, iso, parse_iso, utc_now

log = logging.getLogger(__name__)


def _v1(db: sqlite3.Connection) -> None:
    db.execute(
        """
        CREATE TABLE jobs (
            id            TEXT PRIMARY KEY,
            status        TEXT NOT NULL,
            kind          TEXT NOT NULL,
            prompt        TEXT NOT NULL DEFAULT '',
            params        TEXT NOT NULL DEFAULT '{}',
            images        TEXT NOT NULL DEFAULT '[]',
            provider      TEXT NOT NULL DEFAULT 'apiinone',
            base_url      TEXT NOT NULL DEFAULT '',
            request_body  TEXT,
            task_id       TEXT,
            progress      INTEGER,
            video_url     TEXT,
            video_path    TEXT,
            sha256        TEXT,
            bytes         INTEGER,
            cost_credits  INTEGER,
            error_code    TEXT,
            error_message TEXT,
            created_at    TEXT NOT NULL,
            submitted_at  TEXT,
            finished_at   TEXT,
            deadline_at   TEXT,
            updated_at    TEXT NOT NULL,
            retry_of      TEXT,
            note          TEXT,
            duration_s    REAL,
            width         INTEGER,
            height        INTEGER,
            lease_owner   TEXT,
            lease_until   TEXT
        )
        """
    )
    db.execute("CREATE INDEX jobs_created ON jobs(created_at DESC)")
    db.execute("CREATE INDEX jobs_status ON jobs(status)")
    db.execute(
        "CREATE VIRTUAL TABLE jobs_fts USING fts5("
        "prompt, content='jobs', content_rowid='rowid', tokenize='unicode61 remove_diacritics 2')"
    )
    # One statement per execute(): executescript() would COMMIT the migration's transaction.
    db.execute(
        """CREATE TRIGGER jobs_ai AFTER INSERT ON jobs BEGIN
            INSERT INTO jobs_fts(rowid, prompt) VALUES (new.rowid, new.prompt);
        END"""
    )
    db.execute(
        """CREATE TRIGGER jobs_ad AFTER DELETE ON jobs BEGIN
            INSERT INTO jobs_fts(jobs_fts, rowid, prompt) VALUES ('delete', old.rowid, old.prompt);
        END"""
    )
    db.execute(
        """CREATE TRIGGER jobs_au AFTER UPDATE OF prompt ON jobs BEGIN
            INSERT INTO jobs_fts(jobs_fts, rowid, prompt) VALUES ('delete', old.rowid, old.prompt);
            INSERT INTO jobs_fts(rowid, prompt) VALUES (new.rowid, new.prompt);
        END"""
    )


def _v2(db: sqlite3.Connection) -> None:
    """Image-to-video: the parent of a last-frame chain and the kept source picture."""
    db.execute("ALTER TABLE jobs ADD COLUMN parent_id TEXT")
    db.execute("ALTER TABLE jobs ADD COLUMN source_image TEXT")
    db.execute("CREATE INDEX jobs_parent ON jobs(parent_id) WHERE parent_id IS NOT NULL")


def _v3(db: sqlite3.Connection) -> None:
    """The library: favourites, free tags (searchable with the prompt) and the trash."""
    db.execute("ALTER TABLE jobs ADD COLUMN favourite INTEGER NOT NULL DEFAULT 0")
    db.execute("ALTER TABLE jobs ADD COLUMN tags TEXT NOT NULL DEFAULT '[]'")
    db.execute("ALTER TABLE jobs ADD COLUMN deleted_at TEXT")
    db.execute("DROP INDEX jobs_created")
    # The gallery's order; the trash is a separate view, so it leads the index.
    db.execute("CREATE INDEX jobs_library ON jobs(deleted_at, created_at)")
    db.execute("CREATE INDEX jobs_favourite ON jobs(created_at DESC) WHERE favourite = 1")
    for trigger in ("jobs_ai", "jobs_ad", "jobs_au"):
        db.execute(f"DROP TRIGGER {trigger}")
    db.execute("DROP TABLE jobs_fts")
    db.execute(
        "CREATE VIRTUAL TABLE jobs_fts USING fts5(prompt, tags, content='jobs', "
        "content_rowid='rowid', tokenize='unicode61 remove_diacritics 2')"
    )
    db.execute("INSERT INTO jobs_fts(jobs_fts) VALUES ('rebuild')")
    db.execute(
        """CREATE TRIGGER jobs_ai AFTER INSERT ON jobs BEGIN
            INSERT INTO jobs_fts(rowid, prompt, tags) VALUES (new.rowid, new.prompt, new.tags);
        END"""
    )
    db.execute(
        """CREATE TRIGGER jobs_ad AFTER DELETE ON jobs BEGIN
            INSERT INTO jobs_fts(jobs_fts, rowid, prompt, tags)
                VALUES ('delete', old.rowid, old.prompt, old.tags);
        END"""
    )
    db.execute(
        """CREATE TRIGGER jobs_au AFTER UPDATE OF prompt, tags ON jobs BEGIN
            INSERT INTO jobs_fts(jobs_fts, rowid, prompt, tags)
                VALUES ('delete', old.rowid, old.prompt, old.tags);
            INSERT INTO jobs_fts(rowid, prompt, tags) VALUES (new.rowid, new.prompt, new.tags);
        END"""
    )


def _v4(db: sqlite3.Connection) -> None:
    """Spend totals (today, this month, all time) read an index, not the whole library."""
    db.execute("CREATE INDEX jobs_spend ON jobs(created_at, cost_credits) WHERE cost_credits > 0")


# Each step takes the database from version i to i + 1, inside one transaction.
MIGRATIONS: Sequence[Callable[[sqlite3.Connection], None]] = (_v1, _v2, _v3, _v4)
SCHEMA_VERSION = len(MIGRATIONS)

_JOB_COLUMNS = (
    "id",
    "status",
    "kind",
    "prompt",
    "params",
    "images",
    "provider",
    "base_url",
    "task_id",
    "progress",
    "video_url",
    "video_path",
    "sha256",
    "bytes",
    "cost_credits",
    "error_code",
    "error_message",
    "created_at",
    "submitted_at",
    "finished_at",
    "deadline_at",
    "retry_of",
    "parent_id",
    "source_image",
    "note",
    "duration_s",
    "width",
    "height",
    "favourite",
    "tags",
    "deleted_at",
)
_UPDATABLE = set(_JOB_COLUMNS) - {"id", "created_at"} | {"request_body"}


def _owner_token() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def _pid_alive(owner: str) -> bool:
    try:
        host, pid_text, _ = owner.split(":", 2)
        pid = int(pid_text)
    except ValueError:
        return False
    if host != socket.gethostname():
        return True  # cannot tell for another machine; trust the lease time
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _read_only(path: Path) -> sqlite3.Connection:
    """A read-only connection to the library (any thread may use it; one at a time)."""
    uri = path.resolve().as_uri() + "?mode=ro"  # as_uri escapes "?", "#" and spaces in the path
    return sqlite3.connect(uri, uri=True, timeout=10, check_same_thread=False)


def fts_query(text: str) -> str | None:
    """Turn what a person typed into an FTS5 prefix query; None when nothing searchable."""
    words = []
    for raw in text.split():
        word = "".join(ch for ch in raw if ch.isalnum() or ch in "_-'").strip("-'")
        if word:
            words.append('"' + word.replace('"', "") + '"*')
    return " ".join(words) if words else None


@dataclass(frozen=True)
class LibraryQuery:
    """What the gallery (and `grok-video jobs`) shows: one query, many faces."""

    search: str | None = None
    statuses: tuple[JobStatus, ...] | None = None
    kind: Kind | None = None
    favourites: bool = False
    since: datetime | None = None
    until: datetime | None = None
    trash: bool = False  # the trash instead of the library
    newest_first: bool = True

    def order_by(self) -> str:
        way = "DESC" if self.newest_first else "ASC"
        return f" ORDER BY jobs.created_at {way}, jobs.rowid {way}"


def _merge(
    query: LibraryQuery | None, search: str | None, statuses: Iterable[JobStatus] | None
) -> LibraryQuery:
    query = query or LibraryQuery()
    if search is not None:
        query = replace(query, search=search)
    if statuses is not None:
        query = replace(query, statuses=tuple(statuses))
    return query


class Store:
    """All SQL lives here. Safe to use from one thread at a time (the GUI's, or the CLI's)."""

    LEASE_SECONDS = 60

    def __init__(self, path: Path, *, backups_dir: Path | None = None) -> None:
        self.path = path
        self.backups_dir = backups_dir or path.parent / "backups"
        self.owner = _owner_token()
        self._lock = threading.RLock()
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=10)
        self._db.row_factory = sqlite3.Row
        try:
            self._db.execute("PRAGMA busy_timeout = 10000")
            self._refuse_newer()  # before anything that could write to the file
            self._db.execute("PRAGMA journal_mode = WAL")
            self._db.execute("PRAGMA synchronous = NORMAL")
            self._db.execute("PRAGMA foreign_keys = ON")
            self._migrate()
            # Open now: until a clean close notes it again, the next start checks for damage.
            self._stamp_path(path).unlink(missing_ok=True)
        except BaseException:
            self._db.close()
            raise

    # -- schema ---------------------------------------------------------------------------
    def _version(self) -> int:
        return int(self._db.execute("PRAGMA user_version").fetchone()[0])

    def _refuse_newer(self) -> None:
        version = self._version()
        if version > SCHEMA_VERSION:
            raise DatabaseTooNew(
                f"The library at {self.path} was written by a newer version of Grok Video "
                f"(schema {version}; this version knows {SCHEMA_VERSION}). Update the app; "
                "the library was left untouched."
            )

    def _migrate(self) -> None:
        self._refuse_newer()
        version = self._version()
        if version == SCHEMA_VERSION:
            return
        if version > 0:
            self._backup(version)
        while True:
            with self._transaction():
                # Re-read under the write lock: another process may have migrated meanwhile.
                current = self._version()
                if current >= SCHEMA_VERSION:
                    break
                MIGRATIONS[current](self._db)
                self._db.execute(f"PRAGMA user_version = {current + 1}")
            log.info("Library migrated to schema %d", current + 1)
        self._refuse_newer()

    def _backup(self, version: int) -> Path:
        self.backups_dir.mkdir(parents=True, exist_ok=True)
        stamp = utc_now().strftime("%Y%m%dT%H%M%SZ")
        target = self.backups_dir / f"library-v{version}-{stamp}.sqlite3"
        dest = sqlite3.connect(target)
        try:
            self._db.backup(dest)
        finally:
            dest.close()
        log.info("Backed up the library to %s before migrating", target)
        return target

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def close(self) -> None:
        with self._lock:
            self._db.close()
        self._stamp_closed(self.path)

    # -- is a check for damage needed? -----------------------------------------------------
    @staticmethod
    def _stamp_path(path: Path) -> Path:
        return path.with_name(path.name + ".closed")

    @staticmethod
    def _file_state(path: Path) -> dict[str, int] | None:
        """The database file's size and time, if nothing is left in a write-ahead log."""
        try:
            wal = path.with_name(path.name + "-wal")
            if wal.exists() and wal.stat().st_size > 0:
                return None  # still open somewhere, or not closed cleanly
            info = path.stat()
        except OSError:
            return None
        return {"size": info.st_size, "mtime_ns": info.st_mtime_ns}

    @classmethod
    def _stamp_closed(cls, path: Path) -> None:
        """Note the file as a clean close left it (when this was its last connection)."""
        state = cls._file_state(path)
        try:
            if state is None:
                cls._stamp_path(path).unlink(missing_ok=True)
            else:
                atomic_write_text(cls._stamp_path(path), json.dumps(state))
        except OSError as exc:
            log.debug("Could not note the clean close of %s: %s", path, exc)

    @classmethod
    def unchanged_since_close(cls, path: Path) -> bool:
        """The file is as a clean close left it: the check for damage can be skipped (it reads
        the whole file, which takes a while for a long library)."""
        state = cls._file_state(path)
        try:
            noted = json.loads(cls._stamp_path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return False
        return state is not None and noted == state

    # -- jobs -----------------------------------------------------------------------------
    @staticmethod
    def _row_to_job(row: sqlite3.Row) -> Job:
        return Job(
            id=row["id"],
            status=JobStatus(row["status"]),
            kind=Kind(row["kind"]),
            prompt=row["prompt"],
            params=Params.from_dict(json.loads(row["params"] or "{}")),
            images=tuple(json.loads(row["images"] or "[]")),
            created_at=parse_iso(row["created_at"]) or utc_now(),
            provider=row["provider"],
            base_url=row["base_url"],
            task_id=row["task_id"],
            progress=row["progress"],
            video_url=row["video_url"],
            video_path=row["video_path"],
            sha256=row["sha256"],
            bytes=row["bytes"],
            cost_credits=row["cost_credits"],
            error_code=row["error_code"],
            error_message=row["error_message"],
            submitted_at=parse_iso(row["submitted_at"]),
            finished_at=parse_iso(row["finished_at"]),
            deadline_at=parse_iso(row["deadline_at"]),
            retry_of=row["retry_of"],
            parent_id=row["parent_id"],
            source_image=row["source_image"],
            note=row["note"],
            duration_s=row["duration_s"],
            width=row["width"],
            height=row["height"],
            favourite=bool(row["favourite"]),
            tags=tuple(json.loads(row["tags"] or "[]")),
            deleted_at=parse_iso(row["deleted_at"]),
        )

    @staticmethod
    def _to_sql(name: str, value: Any) -> Any:
        if isinstance(value, datetime):
            return iso(value)
        if isinstance(value, Params):
            return json.dumps(value.as_dict())
        if name in ("images", "tags"):
            return json.dumps(list(value), ensure_ascii=False)
        if name == "favourite":
            return int(bool(value))
        if name == "request_body" and value is not None and not isinstance(value, str):
            return json.dumps(value)
        if isinstance(value, JobStatus | Kind):
            return value.value
        return value

    def insert_job(self, job: Job, request_body: dict[str, Any] | None = None) -> None:
        """Commit a new job (and the request it will send) before anything is sent."""
        values = {name: self._to_sql(name, getattr(job, name)) for name in _JOB_COLUMNS}
        values["request_body"] = self._to_sql("request_body", request_body)
        values["updated_at"] = iso(utc_now())
        names = ", ".join(values)
        marks = ", ".join(f":{n}" for n in values)
        with self._transaction() as db:
            db.execute(f"INSERT INTO jobs ({names}) VALUES ({marks})", values)

    def update_job(self, job_id: str, **fields: Any) -> Job:
        unknown = set(fields) - _UPDATABLE
        if unknown:
            raise ValueError(f"not updatable: {sorted(unknown)}")
        values = {name: self._to_sql(name, value) for name, value in fields.items()}
        values["updated_at"] = iso(utc_now())
        assignments = ", ".join(f"{n} = :{n}" for n in values)
        values["_id"] = job_id
        with self._transaction() as db:
            cur = db.execute(f"UPDATE jobs SET {assignments} WHERE id = :_id", values)
            if cur.rowcount != 1:
                raise NotFound(f"No job {job_id!r} in the library.")
        return self.get_job(job_id)

    def get_job(self, job_id: str) -> Job:
        with self._lock:
            row = self._db.execute("SELECT * FROM jobs WHERE id = ?", (job_id,)).fetchone()
        if row is None:
            raise NotFound(f"No job {job_id!r} in the library.")
        return self._row_to_job(row)

    def request_body(self, job_id: str) -> dict[str, Any] | None:
        with self._lock:
            row = self._db.execute(
                "SELECT request_body FROM jobs WHERE id = ?", (job_id,)
            ).fetchone()
        if row is None or row[0] is None:
            return None
        body = json.loads(row[0])
        return body if isinstance(body, dict) else None

    def resolve_id(self, text: str) -> Job:
        """A whole id, or a unique prefix of at least 4 characters (like git)."""
        ident = text.strip().lower()
        if not ident or not all(ch in "0123456789abcdef" for ch in ident):
            raise NotFound(f"{text!r} is not a job id.")
        with self._lock:
            row = self._db.execute("SELECT * FROM jobs WHERE id = ?", (ident,)).fetchone()
            if row is not None:
                return self._row_to_job(row)
            if len(ident) < 4:
                raise NotFound(f"No job {text!r}: give at least 4 characters of its id.")
            rows = self._db.execute(
                "SELECT * FROM jobs WHERE id >= ? AND id < ? LIMIT 2", (ident, ident + "g")
            ).fetchall()
        if not rows:
            raise NotFound(f"No job {text!r} in the library.")
        if len(rows) > 1:
            raise NotFound(f"{text!r} matches more than one job; give more of its id.")
        return self._row_to_job(rows[0])

    def list_jobs(
        self,
        query: LibraryQuery | None = None,
        *,
        search: str | None = None,
        statuses: Iterable[JobStatus] | None = None,
        limit: int | None = None,
        offset: int = 0,
    ) -> list[Job]:
        """Jobs matching the query (by default: everything not in the trash), newest first."""
        query = _merge(query, search, statuses)
        sql, args = self._query("SELECT jobs.*", query)
        sql += query.order_by()
        if limit is not None and limit < 0:
            raise InvalidInput("--limit must be 0 or more.")
        if limit is not None or offset:
            sql += " LIMIT ? OFFSET ?"
            args += [-1 if limit is None else limit, offset]
        with self._lock:
            rows = self._db.execute(sql, args).fetchall()
        return [self._row_to_job(r) for r in rows]

    def count_jobs(
        self,
        query: LibraryQuery | None = None,
        *,
        search: str | None = None,
        statuses: Iterable[JobStatus] | None = None,
    ) -> int:
        sql, args = self._query("SELECT count(*)", _merge(query, search, statuses))
        with self._lock:
            return int(self._db.execute(sql, args).fetchone()[0])

    def job_ids(self, query: LibraryQuery | None = None, *, limit: int | None = None) -> list[str]:
        """Just the ids, in order (the first `limit` of them), so views can load lazily."""
        sql, args = self._ids_sql(query, limit)
        with self._lock:
            return [row[0] for row in self._db.execute(sql, args)]

    def job_ids_apart(self, query: LibraryQuery | None = None) -> list[str]:
        """job_ids() on a read-only connection of its own, for a worker thread: the store's
        connection (and its lock) stay free for the caller's thread meanwhile."""
        sql, args = self._ids_sql(query, None)
        db = _read_only(self.path)
        try:
            return [row[0] for row in db.execute(sql, args)]
        finally:
            db.close()

    def _ids_sql(self, query: LibraryQuery | None, limit: int | None) -> tuple[str, list[Any]]:
        query = query or LibraryQuery()
        sql, args = self._query("SELECT jobs.id", query)
        sql += query.order_by()
        if limit is not None:
            sql += " LIMIT ?"
            args.append(max(0, limit))
        return sql, args

    def matches(self, job_id: str, query: LibraryQuery) -> bool:
        sql, args = self._query("SELECT 1", query)
        with self._lock:
            row = self._db.execute(sql + " AND jobs.id = ?", [*args, job_id]).fetchone()
        return row is not None

    def get_jobs(self, ids: Sequence[str]) -> dict[str, Job]:
        """The jobs with these ids (missing ones are simply absent)."""
        out: dict[str, Job] = {}
        for start in range(0, len(ids), 500):
            chunk = list(ids[start : start + 500])
            marks = ", ".join("?" for _ in chunk)
            with self._lock:
                rows = self._db.execute(
                    f"SELECT * FROM jobs WHERE id IN ({marks})", chunk
                ).fetchall()
            for row in rows:
                job = self._row_to_job(row)
                out[job.id] = job
        return out

    def all_ids(self) -> set[str]:
        with self._lock:
            return {row[0] for row in self._db.execute("SELECT id FROM jobs")}

    def delete_job(self, job_id: str) -> None:
        """Remove the row for good (the library deletes the files)."""
        with self._transaction() as db:
            db.execute("DELETE FROM jobs WHERE id = ?", (job_id,))

    def credits_since(self, since: datetime | None) -> int:
        """Credits charged for jobs created since then (all time for None), trash included."""
        sql = "SELECT COALESCE(SUM(cost_credits), 0) FROM jobs WHERE cost_credits > 0"
        args: list[Any] = []
        if since is not None:
            sql += " AND created_at >= ?"
            args.append(iso(since))
        with self._lock:
            return int(self._db.execute(sql, args).fetchone()[0])

    def jobs_since(self, since: datetime) -> list[Job]:
        with self._lock:
            rows = self._db.execute(
                "SELECT * FROM jobs WHERE created_at >= ? ORDER BY created_at DESC",
                (iso(since),),
            ).fetchall()
        return [self._row_to_job(r) for r in rows]

    def trashed_before(self, cutoff: datetime) -> list[Job]:
        with self._lock:
            rows = self._db.execute(
                "SELECT * FROM jobs WHERE deleted_at IS NOT NULL AND deleted_at < ?",
                (iso(cutoff),),
            ).fetchall()
        return [self._row_to_job(r) for r in rows]

    @staticmethod
    def _query(select: str, query: LibraryQuery) -> tuple[str, list[Any]]:
        sql = f"{select} FROM jobs"
        where: list[str] = [
            "jobs.deleted_at IS NOT NULL" if query.trash else "jobs.deleted_at IS NULL"
        ]
        args: list[Any] = []
        if query.search is not None and query.search.strip():
            match = fts_query(query.search)
            if match is None:
                where.append("0")
            else:
                sql += " JOIN jobs_fts ON jobs_fts.rowid = jobs.rowid"
                where.append("jobs_fts MATCH ?")
                args.append(match)
        if query.statuses is not None:
            wanted = [s.value for s in query.statuses]
            where.append(f"jobs.status IN ({', '.join('?' for _ in wanted)})" if wanted else "0")
            args += wanted
        if query.kind is not None:
            where.append("jobs.kind = ?")
            args.append(query.kind.value)
        if query.favourites:
            where.append("jobs.favourite = 1")
        if query.since is not None:
            where.append("jobs.created_at >= ?")
            args.append(iso(query.since))
        if query.until is not None:
            where.append("jobs.created_at < ?")
            args.append(iso(query.until))
        sql += " WHERE " + " AND ".join(where)
        return sql, args

    def unfinished_jobs(self) -> list[Job]:
        """Jobs still under way, the library's first (newest first), then the trash's.

        One query on the status index: at start-up, a long library must not be read whole.
        """
        active = [s.value for s in JobStatus if s.active]
        marks = ", ".join("?" for _ in active)
        with self._lock:
            rows = self._db.execute(
                f"SELECT * FROM jobs INDEXED BY jobs_status WHERE status IN ({marks}) "
                "ORDER BY deleted_at IS NOT NULL, created_at DESC, rowid DESC",
                active,
            ).fetchall()
        return [self._row_to_job(r) for r in rows]

    @staticmethod
    def quick_check(path: Path) -> str | None:
        """What is wrong with the file, in words, if it is damaged; None if sound.

        Only damage counts: a busy, locked or unreadable file is not damaged, and opening it
        normally will say what is really the matter.
        """
        try:
            db = _read_only(path)
            try:
                rows = db.execute("PRAGMA quick_check").fetchall()
            finally:
                db.close()
        except sqlite3.OperationalError:
            return None
        except sqlite3.DatabaseError as exc:
            return str(exc)
        verdict = "; ".join(str(r[0]) for r in rows[:5])
        return None if verdict == "ok" else verdict

    # -- leases: one process works a job at a time ----------------------------------------
    def claim(self, job_id: str) -> bool:
        """Take the job for this process unless another live process holds it."""
        now = utc_now()
        until = iso(now + timedelta(seconds=self.LEASE_SECONDS))
        with self._transaction() as db:
            row = db.execute(
                "SELECT lease_owner, lease_until FROM jobs WHERE id = ?", (job_id,)
            ).fetchone()
            if row is None:
                raise NotFound(f"No job {job_id!r} in the library.")
            owner, lease_until = row["lease_owner"], parse_iso(row["lease_until"])
            held_elsewhere = (
                owner is not None
                and owner != self.owner
                and lease_until is not None
                and lease_until > now
                and _pid_alive(owner)
            )
            if held_elsewhere:
                return False
            db.execute(
                "UPDATE jobs SET lease_owner = ?, lease_until = ? WHERE id = ?",
                (self.owner, until, job_id),
            )
        return True

    def release(self, job_id: str) -> None:
        with self._transaction() as db:
            db.execute(
                "UPDATE jobs SET lease_owner = NULL, lease_until = NULL "
                "WHERE id = ? AND lease_owner = ?",
                (job_id, self.owner),
            )
