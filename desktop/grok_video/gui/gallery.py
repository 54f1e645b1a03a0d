"""The gallery: the search and filter bar, and the grid/list view of the library."""

from __future__ import annotations

from datetime import datetime, timedelta

from PySide6.QtCore import QSize, QTimer, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QPushButton,
    QStyle,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ..core.models import JobStatus, Kind
from ..core.store import LibraryQuery
from .library_model import GalleryDelegate

STATUS_FILTERS: tuple[tuple[str, tuple[JobStatus, ...] | None], ...] = (
    ("Any status", None),
    ("Ready", (JobStatus.COMPLETED,)),
    ("In progress", (JobStatus.SUBMITTING, JobStatus.RUNNING, JobStatus.DOWNLOADING)),
    ("Failed", (JobStatus.FAILED,)),
    ("Needs attention", (JobStatus.UNKNOWN,)),
    ("Cancelled", (JobStatus.CANCELLED,)),
)
KIND_FILTERS: tuple[tuple[str, Kind | None], ...] = (
    ("Text and picture", None),
    ("From text", Kind.TEXT),
    ("From a picture", Kind.IMAGE),
)
DATE_FILTERS: tuple[tuple[str, int | None], ...] = (
    ("Any time", None),
    ("Today", 0),
    ("Last 7 days", 7),
    ("Last 30 days", 30),
    ("Last 12 months", 365),
)
# Searching starts with the keystroke: the query runs on a worker thread, one at a time, so the
# window never waits for it (the zero timer only gathers keys that arrive together).
SEARCH_DELAY_MS = 0


def _combo(name: str, label: str, items: tuple[tuple[str, object], ...]) -> QComboBox:
    combo = QComboBox()
    combo.setObjectName(name)
    combo.setAccessibleName(label)
    combo.setToolTip(label)
    for text, value in items:
        combo.addItem(text, value)
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
    return combo


class LibraryBar(QWidget):
    """Search as you type, filters, sort, grid or list, and the way into the trash."""

    queryChanged = Signal(object)  # LibraryQuery
    modeChanged = Signal(str)  # "grid" | "list"
    emptyTrashRequested = Signal()

    def __init__(self, mode: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.search_edit = QLineEdit(self)
        self.search_edit.setObjectName("searchEdit")
        self.search_edit.setAccessibleName("Search prompts and tags")
        self.search_edit.setPlaceholderText("Search prompts and tags (Ctrl+F)")
        self.search_edit.setClearButtonEnabled(True)
        self._typing = QTimer(self)
        self._typing.setSingleShot(True)
        self._typing.setInterval(SEARCH_DELAY_MS)
        self._typing.timeout.connect(self._changed)
        self.search_edit.textChanged.connect(lambda _text: self._typing.start())
        self.search_edit.returnPressed.connect(self._changed)

        self.status_combo = _combo("statusFilter", "Status", STATUS_FILTERS)
        self.kind_combo = _combo("kindFilter", "Kind", KIND_FILTERS)
        self.date_combo = _combo("dateFilter", "Date", DATE_FILTERS)
        self.sort_combo = _combo(
            "sortOrder", "Sort", (("Newest first", True), ("Oldest first", False))
        )
        self.favourites_button = QToolButton(self)
        self.favourites_button.setObjectName("favouritesFilter")
        self.favourites_button.setText("★ Favourites")
        self.favourites_button.setCheckable(True)
        self.favourites_button.setAccessibleName("Only favourites")
        self.favourites_button.setToolTip("Show only favourites")
        self.grid_button = QToolButton(self)
        self.grid_button.setObjectName("gridViewButton")
        self.grid_button.setText("Grid")
        self.grid_button.setToolTip("Thumbnails in a grid")
        self.list_button = QToolButton(self)
        self.list_button.setObjectName("listViewButton")
        self.list_button.setText("List")
        self.list_button.setToolTip("A compact list")
        for button in (self.grid_button, self.list_button):
            button.setCheckable(True)
        group = QButtonGroup(self)
        group.setExclusive(True)
        group.addButton(self.grid_button)
        group.addButton(self.list_button)
        (self.list_button if mode == "list" else self.grid_button).setChecked(True)
        self.grid_button.toggled.connect(lambda on: self._mode_toggled(on, "grid"))
        self.list_button.toggled.connect(lambda on: self._mode_toggled(on, "list"))
        self.trash_button = QToolButton(self)
        self.trash_button.setObjectName("trashButton")
        self.trash_button.setText("Trash")
        self.trash_button.setCheckable(True)
        self.trash_button.setToolTip("Deleted videos stay here for 30 days and can be restored")
        self.empty_trash_button = QPushButton("Empty trash…", self)
        self.empty_trash_button.setObjectName("emptyTrashButton")
        self.empty_trash_button.hide()
        self.empty_trash_button.clicked.connect(self.emptyTrashRequested)
        self.count_label = QLabel(self)
        self.count_label.setObjectName("libraryCount")

        for combo in (self.status_combo, self.kind_combo, self.date_combo, self.sort_combo):
            combo.currentIndexChanged.connect(self._changed)
        self.favourites_button.toggled.connect(self._changed)
        self.trash_button.toggled.connect(self._trash_toggled)

        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        top.addWidget(self.search_edit, 1)
        top.addWidget(self.grid_button)
        top.addWidget(self.list_button)
        filters = QHBoxLayout()
        filters.setContentsMargins(0, 0, 0, 0)
        for widget in (
            self.status_combo,
            self.kind_combo,
            self.date_combo,
            self.sort_combo,
            self.favourites_button,
        ):
            filters.addWidget(widget)
        filters.addStretch(1)
        bottom = QHBoxLayout()
        bottom.setContentsMargins(0, 0, 0, 0)
        bottom.addWidget(self.count_label, 1)
        bottom.addWidget(self.empty_trash_button)
        bottom.addWidget(self.trash_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addLayout(top)
        layout.addLayout(filters)
        layout.addLayout(bottom)

    def _mode_toggled(self, on: bool, mode: str) -> None:
        if on:
            self.modeChanged.emit(mode)

    def _trash_toggled(self, on: bool) -> None:
        self.empty_trash_button.setVisible(on)
        self._changed()

    def _changed(self) -> None:
        self._typing.stop()
        self.queryChanged.emit(self.query())

    def query(self, now: datetime | None = None) -> LibraryQuery:
        days = self.date_combo.currentData()
        since = None
        if days is not None:
            local = (now or datetime.now()).astimezone()
            midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
            since = midnight - timedelta(days=int(days))
        statuses = self.status_combo.currentData()  # Qt hands enums back as plain strings
        kind = self.kind_combo.currentData()
        return LibraryQuery(
            search=self.search_edit.text().strip() or None,
            statuses=tuple(JobStatus(s) for s in statuses) if statuses is not None else None,
            kind=Kind(kind) if kind else None,
            favourites=self.favourites_button.isChecked(),
            since=since,
            trash=self.trash_button.isChecked(),
            newest_first=bool(self.sort_combo.currentData()),
        )

    def filtered(self) -> bool:
        query = self.query()
        return bool(query.search or query.statuses or query.kind or query.favourites or query.since)

    def clear_filters(self) -> None:
        for widget in (
            self.search_edit,
            self.status_combo,
            self.kind_combo,
            self.date_combo,
            self.favourites_button,
            self.trash_button,
        ):
            widget.blockSignals(True)
        self.search_edit.clear()
        for combo in (self.status_combo, self.kind_combo, self.date_combo):
            combo.setCurrentIndex(0)
        self.favourites_button.setChecked(False)
        self.trash_button.setChecked(False)
        self.empty_trash_button.hide()
        for widget in (
            self.search_edit,
            self.status_combo,
            self.kind_combo,
            self.date_combo,
            self.favourites_button,
            self.trash_button,
        ):
            widget.blockSignals(False)
        self._changed()


class GalleryView(QListView):
    """The library's view: a grid of thumbnails, or a compact list. Object name `jobsView`."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("jobsView")
        self.setAccessibleName("Videos")
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setUniformItemSizes(True)  # what lets 100,000 items lay out at once
        # ...and in batches, between which the window paints and takes input.
        self.setLayoutMode(QListView.LayoutMode.Batched)
        self.setBatchSize(2000)
        self.setMouseTracking(True)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.delegate = GalleryDelegate(self)
        self.setItemDelegate(self.delegate)

    def set_mode(self, mode: str) -> None:
        if mode == "list":
            self.setViewMode(QListView.ViewMode.ListMode)
            self.setFlow(QListView.Flow.TopToBottom)
            self.setWrapping(False)
            self.setGridSize(QSize())
            self.setSpacing(1)
        else:
            # A wrapping list, not IconMode: IconMode keeps an item object per row and asks the
            # model about each one, which takes most of a second (and 200 MB) at 100,000 jobs.
            self.setViewMode(QListView.ViewMode.ListMode)
            self.setFlow(QListView.Flow.LeftToRight)
            self.setWrapping(True)
            self.setResizeMode(QListView.ResizeMode.Adjust)
            self.setMovement(QListView.Movement.Static)
            self.setSpacing(0)
            self._fit_grid()
        self.verticalScrollBar().setSingleStep(24)
        self.doItemsLayout()

    def _fit_grid(self) -> None:
        """Tiles share the width evenly, so the grid has no ragged empty band at the right."""
        tile = GalleryDelegate.TILE
        # The width beside the scroll bar, whether it shows or not: a wrapping list lays out
        # as if it were there (it may be needed), and so the columns never change when it comes.
        bar = self.style().pixelMetric(QStyle.PixelMetric.PM_ScrollBarExtent, None, self)
        width = max(tile.width(), self.width() - 2 * self.frameWidth() - bar - 2)
        columns = max(1, width // (tile.width() + 6))
        cell = width // columns
        height = (cell - 14) * 9 // 16 + tile.height() - tile.width() * 9 // 16 + 6
        size = QSize(cell, height)
        if self.gridSize() != size:
            self.setGridSize(size)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self.mode() == "grid":
            self._fit_grid()

    def mode(self) -> str:
        return "grid" if self.isWrapping() else "list"
