"""The library as a lazy Qt model, its thumbnails, and the gallery's painting.

The model holds only the ordered ids of the current query (cheap even for 100,000 jobs) and
loads the jobs themselves in blocks as the view asks for them. Roles carry the data, so they
survive proxies.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from enum import IntEnum
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QRect,
    QSize,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPalette, QPen
from PySide6.QtWidgets import (
    QApplication,
    QListView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
)

from ..core.library import Library
from ..core.media import NotAVideo, make_thumbnail
from ..core.models import Job, JobStatus
from ..core.runner import keep_task
from ..core.store import LibraryQuery
from .style import ERROR_COLOUR, WARNING_COLOUR
from .wording import STATUS_TEXT, format_elapsed, one_line

log = logging.getLogger(__name__)

_Index = QModelIndex | QPersistentModelIndex

BLOCK = 200  # jobs loaded at a time
FIRST_PAGE = 400  # ids read at once when a window opens; the rest come from a worker thread
CACHED_BLOCKS = 64


class Roles(IntEnum):
    Job = Qt.ItemDataRole.UserRole + 1
    JobId = Qt.ItemDataRole.UserRole + 2
    Status = Qt.ItemDataRole.UserRole + 3
    Progress = Qt.ItemDataRole.UserRole + 4
    Prompt = Qt.ItemDataRole.UserRole + 5
    Elapsed = Qt.ItemDataRole.UserRole + 6
    Favourite = Qt.ItemDataRole.UserRole + 7
    Missing = Qt.ItemDataRole.UserRole + 8  # a finished job whose video file is not there
    Thumbnail = Qt.ItemDataRole.UserRole + 9  # QImage or None (not made yet / no video)
    Created = Qt.ItemDataRole.UserRole + 10
    Tags = Qt.ItemDataRole.UserRole + 11


def video_missing(job: Job) -> bool:
    return job.status is JobStatus.COMPLETED and not (
        job.video_path and Path(job.video_path).exists()
    )


class Thumbnails(QObject):
    """Thumbnails made once with PyAV (a frame from the start), cached on disk and in memory."""

    ready = Signal(str)  # job id

    def __init__(self, library: Library, parent: QObject | None = None, limit: int = 160) -> None:
        super().__init__(parent)
        self.library = library
        self._images: OrderedDict[str, QImage] = OrderedDict()
        self._limit = limit  # a few screens' worth: 160 of them take about 37 MB
        self._pending: set[str] = set()
        self._failed: set[str] = set()
        self._dropped: set[str] = set()  # deleted while its thumbnail was being made
        self._tasks: set[asyncio.Task[Any]] = set()
        self._workers = asyncio.Semaphore(2)

    def path(self, job_id: str) -> Path:
        return self.library.thumbnail_path(job_id)

    def get(self, job: Job) -> QImage | None:
        """The thumbnail if it is at hand; otherwise None, and it is made in the background."""
        image = self._images.get(job.id)
        if image is not None:
            self._images.move_to_end(job.id)
            return image
        if job.id in self._failed or job.id in self._pending:
            return None
        path = self.path(job.id)
        if path.exists():
            loaded = QImage(str(path))
            if not loaded.isNull():
                self._keep(job.id, loaded)
                return loaded
        if job.status is JobStatus.COMPLETED and job.video_path and Path(job.video_path).exists():
            self._pending.add(job.id)
            keep_task(self._tasks, self._make(job.id, Path(job.video_path)))
        return None

    def _keep(self, job_id: str, image: QImage) -> None:
        self._images[job_id] = image
        while len(self._images) > self._limit:
            self._images.popitem(last=False)

    async def _make(self, job_id: str, video: Path) -> None:
        try:
            async with self._workers:
                await asyncio.to_thread(make_thumbnail, video, self.path(job_id))
        except (NotAVideo, OSError) as exc:
            log.info("No thumbnail for %s: %s", job_id, exc)
            self._failed.add(job_id)
            return
        finally:
            self._pending.discard(job_id)
        if job_id in self._dropped:
            self.path(job_id).unlink(missing_ok=True)
            return
        self.ready.emit(job_id)

    def drop(self, job_id: str) -> None:
        """The job was deleted for good: no thumbnail of it may stay behind."""
        self._images.pop(job_id, None)
        if job_id in self._pending:
            self._dropped.add(job_id)
        self.path(job_id).unlink(missing_ok=True)

    def cancel(self) -> None:
        """Stop making thumbnails (the window is closing); files half-made are never kept."""
        for task in list(self._tasks):
            task.cancel()


class LibraryModel(QAbstractListModel):
    """Every job the current query matches, newest first, loaded block by block."""

    countChanged = Signal(int)
    loaded = Signal()  # the results of a load() are in

    def __init__(
        self,
        ids_for: Callable[[LibraryQuery], list[str]],
        jobs_for: Callable[[Sequence[str]], dict[str, Job]],
        thumbnails: Thumbnails | None = None,
        parent: QObject | None = None,
        *,
        ids_later: Callable[[LibraryQuery], Awaitable[list[str]]] | None = None,
        first_for: Callable[[LibraryQuery, int], tuple[list[str], int]] | None = None,
    ) -> None:
        super().__init__(parent)
        self._ids_for = ids_for
        self._jobs_for = jobs_for
        self._ids_later = ids_later
        self._first_for = first_for
        self.thumbnails = thumbnails
        self.query = LibraryQuery()  # what is asked for (its results may still be on the way)
        self._ids: list[str] = []  # in order; only the first page while _total says more
        self._total = 0
        self._rows: dict[str, int] | None = {}  # id -> row, built when first asked for
        self._blocks: OrderedDict[int, dict[str, Job]] = OrderedDict()
        self._extra: dict[str, Job] = {}  # jobs changed since their block was loaded
        self._generation = 0  # of the newest load; older loads' answers are dropped
        self._loading = False
        self._stale = False  # the library changed while a load was under way
        self._in_flight = False  # a load's query is on the worker thread
        self._tasks: set[asyncio.Task[Any]] = set()
        self._ticker = QTimer(self)
        self._ticker.setInterval(1000)
        self._ticker.timeout.connect(self._tick)
        self._ticker.start()
        if thumbnails is not None:
            thumbnails.ready.connect(self._thumbnail_ready)

    # -- content ------------------------------------------------------------------------------
    def set_query(self, query: LibraryQuery) -> None:
        """Show what the query matches, now (on this thread)."""
        self.query = query
        self.reload()

    def reload(self) -> None:
        self._generation += 1
        self._loading = self._stale = False
        self._reset(self._ids_for(self.query))

    def load(self, query: LibraryQuery | None = None, *, first_page: bool = False) -> None:
        """Show what the query matches without holding up the window: the ids are read on a
        worker thread, and the current rows stay until they are in (`loaded` then). With
        first_page, the first screen's worth is read at once and the rest follows."""
        if query is not None:
            self.query = query
        if self._ids_later is None:
            self.reload()
            self.loaded.emit()
            return
        self._generation += 1
        self._loading, self._stale = True, False
        if first_page and self._first_for is not None:
            first, total = self._first_for(self.query, FIRST_PAGE)
            self._reset(first, total)
        if not self._in_flight:  # (otherwise the load under way asks again when it is done)
            self._in_flight = True
            keep_task(self._tasks, self._load())

    @property
    def loading(self) -> bool:
        """Results for the query are still on the way."""
        return self._loading

    async def _load(self) -> None:
        """One query at a time on the worker thread; typing faster than the answers come
        skips the queries nobody waits for any more."""
        assert self._ids_later is not None
        try:
            while True:
                generation, query = self._generation, self.query
                ids = await self._ids_later(query)
                if not self._loading:
                    return  # a reload() answered meanwhile
                if generation == self._generation and not self._stale:
                    break
                self._stale = False  # a newer query, or the library changed: ask again
        except BaseException:
            self._loading = False  # (the error goes to the one handler; the rows shown stay)
            raise
        finally:
            self._in_flight = False
        self._loading = False
        first = len(self._ids)
        if len(ids) == self._total and ids[:first] == self._ids:
            # The same rows, or the rest of a first page: the rows shown stay as they are (and
            # so does the selection).
            if first < self._total:
                self._ids, self._rows = ids, None
                self._blocks.clear()
                self.dataChanged.emit(self.index(first, 0), self.index(self._total - 1, 0))
        else:
            self._reset(ids)
        self.loaded.emit()

    def _reset(self, ids: list[str], total: int | None = None) -> None:
        self.beginResetModel()
        self._ids = ids
        self._total = len(ids) if total is None else max(total, len(ids))
        self._rows = None
        self._blocks.clear()
        self._extra.clear()
        self.endResetModel()
        self.countChanged.emit(self._total)

    def cancel(self) -> None:
        """Stop loading (the window is closing)."""
        self._generation += 1
        for task in list(self._tasks):
            task.cancel()

    def ids(self) -> list[str]:
        return list(self._ids)

    def row_of(self, job_id: str) -> int | None:
        if self._rows is None:
            self._rows = {job_id: row for row, job_id in enumerate(self._ids)}
        return self._rows.get(job_id)

    def job_at(self, row: int) -> Job | None:
        if not 0 <= row < len(self._ids):
            return None  # (or not read yet: the rest of a first page is on its way)
        job_id = self._ids[row]
        job = self._extra.get(job_id)
        if job is not None:
            return job
        block = row // BLOCK
        jobs = self._blocks.get(block)
        if jobs is None:
            jobs = self._jobs_for(self._ids[block * BLOCK : (block + 1) * BLOCK])
            self._blocks[block] = jobs
            while len(self._blocks) > CACHED_BLOCKS:
                self._blocks.popitem(last=False)
        else:
            self._blocks.move_to_end(block)
        return jobs.get(job_id)

    def _reindex_from(self, start: int) -> None:
        if self._rows is not None:
            for row in range(start, len(self._ids)):
                self._rows[self._ids[row]] = row
        self._blocks.clear()  # block boundaries moved

    def upsert(self, job: Job, *, belongs: bool) -> None:
        """A job changed: show the change, add it, or drop it, as the query says."""
        if self._loading:
            self._stale = True  # the answer on its way may not have the change: ask again
        row = self.row_of(job.id)
        if row is not None and not belongs:
            self.beginRemoveRows(QModelIndex(), row, row)
            del self._ids[row]
            self._total -= 1
            if self._rows is not None:
                del self._rows[job.id]
            self._extra.pop(job.id, None)
            self._reindex_from(row)
            self.endRemoveRows()
            self.countChanged.emit(self._total)
            return
        if row is not None:
            self._extra[job.id] = job
            index = self.index(row, 0)
            self.dataChanged.emit(index, index)
            return
        if not belongs or len(self._ids) < self._total:
            return  # (beyond a first page: the load under way, or the next, brings it)
        row = self._insertion_row(job)
        self.beginInsertRows(QModelIndex(), row, row)
        self._ids.insert(row, job.id)
        self._total += 1
        self._extra[job.id] = job
        self._reindex_from(row)
        self.endInsertRows()
        self.countChanged.emit(self._total)

    def _insertion_row(self, job: Job) -> int:
        """New jobs are the newest: the top of a newest-first list, the end of the other."""
        return 0 if self.query.newest_first else len(self._ids)

    def _tick(self) -> None:
        for job_id, job in self._extra.items():
            if job.status.active:
                row = self.row_of(job_id)
                if row is not None:
                    index = self.index(row, 0)
                    self.dataChanged.emit(index, index, [Roles.Elapsed])

    def _thumbnail_ready(self, job_id: str) -> None:
        row = self.row_of(job_id)
        if row is not None:
            index = self.index(row, 0)
            self.dataChanged.emit(index, index, [Roles.Thumbnail, Qt.ItemDataRole.DecorationRole])

    # -- Qt model API -------------------------------------------------------------------------
    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self._total

    def flags(self, index: _Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return (
            Qt.ItemFlag.ItemIsEnabled
            | Qt.ItemFlag.ItemIsSelectable
            | Qt.ItemFlag.ItemNeverHasChildren
        )

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.parent().isValid() or index.column() != 0:
            return None
        job = self.job_at(index.row())
        if job is None:
            return None
        if role == Roles.Job:
            return job
        if role == Roles.JobId:
            return job.id
        if role == Roles.Status:
            return job.status.value
        if role == Roles.Progress:
            return job.progress
        if role == Roles.Prompt:
            return job.prompt
        if role == Roles.Elapsed:
            return job.elapsed_seconds()
        if role == Roles.Favourite:
            return job.favourite
        if role == Roles.Missing:
            return video_missing(job)
        if role == Roles.Created:
            return job.created_at
        if role == Roles.Tags:
            return list(job.tags)
        if role in (Roles.Thumbnail, Qt.ItemDataRole.DecorationRole):
            return self.thumbnails.get(job) if self.thumbnails is not None else None
        if role == Qt.ItemDataRole.DisplayRole:
            return title_of(job)
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return f"{title_of(job)}, {STATUS_TEXT[job.status]}"
        if role == Qt.ItemDataRole.ToolTipRole:
            return tooltip_of(job, self.thumbnails)
        return None


def title_of(job: Job) -> str:
    if job.prompt:
        return one_line(job.prompt)
    return "(picture only)" if job.images else "(no prompt)"


def tooltip_of(job: Job, thumbnails: Thumbnails | None) -> str:
    """The hover preview: a larger picture of the clip, the prompt, and what went wrong."""
    from html import escape

    parts = []
    if thumbnails is not None and thumbnails.path(job.id).exists():
        parts.append(f'<img src="{thumbnails.path(job.id).as_uri()}" width="320">')
    parts.append(escape(job.prompt or title_of(job)))
    if job.tags:
        parts.append("<i>" + escape(", ".join(job.tags)) + "</i>")
    if video_missing(job):
        parts.append("<b>The video file is missing from the library.</b>")
    if job.error_message:
        parts.append(escape(job.error_message))
    return "<br>".join(parts)


def badge_for(job: Job, missing: bool) -> tuple[str, str] | None:
    """The corner badge: text and colour, for anything that is not simply ready."""
    if missing:
        return "Missing", ERROR_COLOUR
    if job.status is JobStatus.FAILED:
        return "Failed", ERROR_COLOUR
    if job.status is JobStatus.UNKNOWN:
        return "Needs attention", WARNING_COLOUR
    if job.status is JobStatus.CANCELLED:
        return "Cancelled", "#666666"
    if job.status.active:
        progress = f" {job.progress}%" if job.progress is not None else ""
        return STATUS_TEXT[job.status] + progress, "#2d6cdf"
    return None


class GalleryDelegate(QStyledItemDelegate):
    """Paints a tile (grid) or a row (list): thumbnail, badge, star, prompt, duration."""

    TILE = QSize(168, 144)
    ROW_HEIGHT = 52

    def __init__(self, view: QListView) -> None:
        super().__init__(view)
        self.view = view

    def grid_mode(self) -> bool:
        return self.view.isWrapping()  # the grid is a wrapping list (see GalleryView.set_mode)

    def sizeHint(self, option: QStyleOptionViewItem, index: _Index) -> QSize:
        if self.grid_mode():
            grid = self.view.gridSize()
            return QSize(grid.width() - 6, grid.height() - 6) if grid.isValid() else self.TILE
        return QSize(200, self.ROW_HEIGHT)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: _Index) -> None:
        job = index.data(Roles.Job)
        if not isinstance(job, Job):
            return
        painter.save()
        style = option.widget.style() if option.widget else QApplication.style()
        style.drawPrimitive(
            QStyle.PrimitiveElement.PE_PanelItemViewItem, option, painter, option.widget
        )
        rect = option.rect.adjusted(4, 4, -4, -4)
        if self.grid_mode():
            thumb_rect = QRect(rect.left(), rect.top(), rect.width(), rect.width() * 9 // 16)
            text_rect = QRect(
                rect.left(),
                thumb_rect.bottom() + 4,
                rect.width(),
                rect.bottom() - thumb_rect.bottom() - 4,
            )
        else:
            thumb_rect = QRect(rect.left(), rect.top(), rect.height() * 16 // 9, rect.height())
            text_rect = QRect(
                thumb_rect.right() + 8,
                rect.top(),
                rect.right() - thumb_rect.right() - 8,
                rect.height(),
            )
        missing = bool(index.data(Roles.Missing))
        self._paint_thumbnail(painter, thumb_rect, index.data(Roles.Thumbnail), job)
        badge = badge_for(job, missing)
        grid = self.grid_mode()
        if grid and badge is not None:
            self._paint_badge(painter, thumb_rect, *badge)
        elif grid and job.duration_s:
            self._paint_badge(painter, thumb_rect, f"{job.duration_s:.0f} s", "#000000", right=True)
        elif badge is not None:  # the list: a coloured edge; the words are in the subtitle
            painter.fillRect(
                QRect(thumb_rect.left(), thumb_rect.top(), 4, thumb_rect.height()), QColor(badge[1])
            )
        if job.favourite:
            star = QRect(thumb_rect.right() - 22, thumb_rect.top() + 2, 20, 20)
            painter.setPen(QColor("#f5c518"))
            font = QFont(option.font)
            font.setPointSizeF(font.pointSizeF() * 1.3)
            painter.setFont(font)
            painter.drawText(star, Qt.AlignmentFlag.AlignCenter, "★")
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        colour = option.palette.color(
            QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        )
        painter.setPen(colour)
        painter.setFont(option.font)
        title = title_of(job)
        flags = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop | Qt.TextFlag.TextWordWrap
        if self.grid_mode():
            metrics = option.fontMetrics
            elided = metrics.elidedText(
                title, Qt.TextElideMode.ElideRight, text_rect.width() * 2 - 12
            )
            painter.drawText(text_rect, int(flags), elided)
        else:
            metrics = option.fontMetrics
            line = metrics.elidedText(title, Qt.TextElideMode.ElideRight, text_rect.width())
            painter.drawText(
                text_rect, int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop), line
            )
            status = STATUS_TEXT[job.status]
            if missing:
                status = "Video file missing"
            sub = [status, job.created_at.astimezone().strftime("%Y-%m-%d %H:%M")]
            if job.duration_s:
                sub.append(f"{job.duration_s:.0f} s")
            if job.status.active:
                sub.append(format_elapsed(job.elapsed_seconds()))
            if job.tags:
                sub.append(", ".join(job.tags))
            faded = QColor(colour)
            faded.setAlpha(170)
            painter.setPen(faded)
            painter.drawText(
                text_rect.adjusted(0, metrics.height() + 4, 0, 0),
                int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop),
                metrics.elidedText(" · ".join(sub), Qt.TextElideMode.ElideRight, text_rect.width()),
            )
        painter.restore()

    def _paint_thumbnail(self, painter: QPainter, rect: QRect, image: Any, job: Job) -> None:
        painter.fillRect(rect, QColor("#1d1f24"))
        if isinstance(image, QImage) and not image.isNull():
            size = image.size().scaled(rect.size(), Qt.AspectRatioMode.KeepAspectRatio)
            target = QRect(
                rect.left() + (rect.width() - size.width()) // 2,
                rect.top() + (rect.height() - size.height()) // 2,
                size.width(),
                size.height(),
            )
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
            painter.drawImage(target, image)
            return
        painter.setPen(QColor("#8a8f98"))
        text = "▶" if job.status is JobStatus.COMPLETED else "…" if job.status.active else "—"
        painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)

    def _paint_badge(
        self, painter: QPainter, rect: QRect, text: str, colour: str, *, right: bool = False
    ) -> None:
        metrics = painter.fontMetrics()
        width = metrics.horizontalAdvance(text) + 10
        height = metrics.height() + 2
        left = rect.right() - width - 3 if right else rect.left() + 3
        box = QRect(left, rect.bottom() - height - 3, width, height)
        background = QColor(colour)
        background.setAlpha(215)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(background)
        painter.drawRoundedRect(box, 4, 4)
        painter.setPen(QPen(QColor("#ffffff")))
        painter.drawText(box, Qt.AlignmentFlag.AlignCenter, text)
