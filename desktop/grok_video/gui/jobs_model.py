"""The jobs list as a Qt model. Roles carry the data, so they survive proxies."""

from __future__ import annotations

from enum import IntEnum
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    QTimer,
)
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

from ..core.models import Job, JobStatus
from .style import ERROR_COLOUR, WARNING_COLOUR

_Index = QModelIndex | QPersistentModelIndex


class Roles(IntEnum):
    Job = Qt.ItemDataRole.UserRole + 1
    JobId = Qt.ItemDataRole.UserRole + 2
    Status = Qt.ItemDataRole.UserRole + 3
    Progress = Qt.ItemDataRole.UserRole + 4
    Prompt = Qt.ItemDataRole.UserRole + 5
    Elapsed = Qt.ItemDataRole.UserRole + 6


class Column(IntEnum):
    Prompt = 0
    Status = 1
    Progress = 2
    Elapsed = 3


HEADERS = {
    Column.Prompt: "Prompt",
    Column.Status: "Status",
    Column.Progress: "Progress",
    Column.Elapsed: "Time",
}

STATUS_TEXT = {
    JobStatus.SUBMITTING: "Sending…",
    JobStatus.RUNNING: "Generating",
    JobStatus.DOWNLOADING: "Downloading",
    JobStatus.COMPLETED: "Ready",
    JobStatus.FAILED: "Failed",
    JobStatus.UNKNOWN: "Needs attention",
    JobStatus.CANCELLED: "Cancelled",
}


def format_elapsed(seconds: float) -> str:
    seconds = int(seconds)
    if seconds < 3600:
        return f"{seconds // 60}:{seconds % 60:02d}"
    return f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def one_line(text: str, limit: int = 120) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


class JobsModel(QAbstractTableModel):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._jobs: list[Job] = []
        self._rows: dict[str, int] = {}
        self._ticker = QTimer(self)
        self._ticker.setInterval(1000)
        self._ticker.timeout.connect(self._tick)
        self._ticker.start()

    # -- content ----------------------------------------------------------------------------
    def set_jobs(self, jobs: list[Job]) -> None:
        self.beginResetModel()
        self._jobs = list(jobs)
        self._reindex()
        self.endResetModel()

    def _reindex(self) -> None:
        self._rows = {job.id: row for row, job in enumerate(self._jobs)}

    def upsert(self, job: Job) -> None:
        row = self._rows.get(job.id)
        if row is None:
            self.beginInsertRows(QModelIndex(), 0, 0)
            self._jobs.insert(0, job)
            self._reindex()
            self.endInsertRows()
            return
        self._jobs[row] = job
        self.dataChanged.emit(self.index(row, 0), self.index(row, len(Column) - 1))

    def job_at(self, row: int) -> Job | None:
        return self._jobs[row] if 0 <= row < len(self._jobs) else None

    def row_of(self, job_id: str) -> int | None:
        return self._rows.get(job_id)

    def _tick(self) -> None:
        for row, job in enumerate(self._jobs):
            if job.status.active:
                index = self.index(row, Column.Elapsed)
                self.dataChanged.emit(index, index, [Qt.ItemDataRole.DisplayRole, Roles.Elapsed])

    # -- Qt model API -----------------------------------------------------------------------
    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._jobs)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(Column)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            try:
                return HEADERS[Column(section)]
            except ValueError:
                return None
        return None

    def flags(self, index: _Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return (
            Qt.ItemFlag.ItemIsEnabled
            | Qt.ItemFlag.ItemIsSelectable
            | Qt.ItemFlag.ItemNeverHasChildren
        )

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.parent().isValid():
            return None
        job = self.job_at(index.row())
        if job is None:
            return None
        column = index.column()
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
        if role == Qt.ItemDataRole.DisplayRole:
            if column == Column.Prompt:
                if job.prompt:
                    return one_line(job.prompt)
                return "(picture only)" if job.images else "(no prompt)"
            if column == Column.Status:
                return STATUS_TEXT[job.status]
            if column == Column.Progress:
                if job.status is JobStatus.COMPLETED:
                    return "100%"
                return f"{job.progress}%" if job.progress is not None else "—"
            if column == Column.Elapsed:
                return format_elapsed(job.elapsed_seconds())
        if role == Qt.ItemDataRole.ToolTipRole:
            parts = [job.prompt or "(no prompt)"]
            if job.error_message:
                parts.append(job.error_message)
            if job.note:
                parts.append(job.note)
            return "\n\n".join(parts)
        if role == Qt.ItemDataRole.ForegroundRole and column == Column.Status:
            if job.status is JobStatus.FAILED:
                return QColor(ERROR_COLOUR)
            if job.status is JobStatus.UNKNOWN:
                return QColor(WARNING_COLOUR)
            if job.status is JobStatus.COMPLETED:
                return QApplication.palette().color(QPalette.ColorRole.Text)
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (
            Column.Progress,
            Column.Elapsed,
        ):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


class JobsFilter(QSortFilterProxyModel):
    """Filters by the prompt as the user types (the library search will use FTS5)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.setFilterRole(Roles.Prompt)
        self.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.setFilterKeyColumn(Column.Prompt)
