"""The main window: composer, jobs list, player and the selected job's details."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QItemSelection,
    QMimeData,
    QModelIndex,
    QPersistentModelIndex,
    QSize,
    Qt,
    QTimer,
    QUrl,
    Signal,
    SignalInstance,
)
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QDragEnterEvent,
    QDragLeaveEvent,
    QDragMoveEvent,
    QDropEvent,
    QGuiApplication,
    QKeyEvent,
    QKeySequence,
    QPainter,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QComboBox,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMainWindow,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionProgressBar,
    QStyleOptionViewItem,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from .. import APP_DISPLAY_NAME
from ..core.errors import GrokVideoError
from ..core.images import is_web_url, prepare_local_image
from ..core.models import (
    ASPECT_RATIOS,
    DURATIONS,
    MODES,
    PROMPT_LIMIT,
    RESOLUTIONS,
    GenerationRequest,
    Job,
    JobStatus,
    Params,
)
from ..core.runner import keep_task
from .adapter import JobsController
from .dialogs import KeyDialog, SettingsDialog, confirm, dialog_result
from .jobs_model import STATUS_TEXT, Column, JobsFilter, JobsModel, Roles, one_line
from .picture import PREVIEW, ImageDropZone, Offer, preview_pixmap, read_offer
from .player import PlayerPanel
from .style import ERROR_COLOUR, error_label

log = logging.getLogger(__name__)

DEFAULT = "Default"


def _use_qt_dialogs() -> bool:
    """Qt's own file dialog where no platform dialog exists (offscreen, tests)."""
    return QGuiApplication.platformName() in ("offscreen", "minimal")


class PromptEdit(QPlainTextEdit):
    """The prompt editor: Ctrl+Return (or Ctrl+Enter) submits; pictures go to the window."""

    submitRequested = Signal()
    pictureOffered = Signal(object)  # Offer

    @staticmethod
    def _is_picture_data(source: QMimeData) -> bool:
        if source.hasUrls() or source.hasImage():
            return True
        text = source.text().strip() if source.hasText() else ""
        return is_web_url(text) and not any(ch.isspace() for ch in text)

    def canInsertFromMimeData(self, source: QMimeData) -> bool:
        # Dragged pictures are ignored here, so the drag reaches the window's drop handling.
        if source.hasUrls() or source.hasImage():
            return False
        return super().canInsertFromMimeData(source)

    def insertFromMimeData(self, source: QMimeData) -> None:
        if self._is_picture_data(source):
            self.pictureOffered.emit(read_offer(source))
            return
        super().insertFromMimeData(source)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and (
            event.modifiers() & Qt.KeyboardModifier.ControlModifier
        ):
            self.submitRequested.emit()
            event.accept()
            return
        super().keyPressEvent(event)


class ProgressDelegate(QStyledItemDelegate):
    """Draws a progress bar in the Progress column while a job is active."""

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        hint = super().sizeHint(option, index)
        return QSize(hint.width(), max(hint.height(), option.fontMetrics.height() + 12))

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        status = index.data(Roles.Status)
        if status not in (
            JobStatus.RUNNING.value,
            JobStatus.DOWNLOADING.value,
            JobStatus.SUBMITTING.value,
        ):
            super().paint(painter, option, index)
            return
        progress = index.data(Roles.Progress)
        bar = QStyleOptionProgressBar()
        bar.rect = option.rect.adjusted(4, 3, -4, -3)
        bar.minimum = 0
        bar.maximum = 100 if progress is not None else 0  # 0..0 is indeterminate
        bar.progress = int(progress or 0)
        bar.textVisible = True
        bar.text = f"{progress}%" if progress is not None else "…"
        bar.state = option.state | QStyle.StateFlag.State_Horizontal
        style = option.widget.style() if option.widget else QApplication.style()
        if option.state & QStyle.StateFlag.State_Selected:
            painter.fillRect(option.rect, option.palette.highlight())
        style.drawControl(QStyle.ControlElement.CE_ProgressBar, bar, painter, option.widget)


def _combo(name: str, label: str, values: list[str], current: str | None) -> QComboBox:
    combo = QComboBox()
    combo.setObjectName(name)
    combo.setAccessibleName(label)
    combo.addItem(DEFAULT, None)
    for value in values:
        combo.addItem(value, value)
    if current is not None:
        index = combo.findData(current)
        if index >= 0:
            combo.setCurrentIndex(index)
    return combo


class DetailsPanel(QFrame):
    """What the selected job is, and the actions it allows."""

    retryRequested = Signal(str)
    dismissRequested = Signal(str)
    reusePictureRequested = Signal(str)
    lastFrameRequested = Signal(str)
    showParentRequested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("detailsPanel")
        self.job: Job | None = None
        self.title = QLabel(self)
        self.title.setObjectName("detailsTitle")
        self.title.setWordWrap(True)
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.meta = QLabel(self)
        self.meta.setObjectName("detailsMeta")
        self.meta.setWordWrap(True)
        self.meta.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error = error_label(self, "detailsError")
        self.retry_button = QPushButton("Retry — may charge again", self)
        self.retry_button.setObjectName("retryButton")
        self.retry_button.setToolTip(
            "We cannot tell whether the service started this video. Retrying sends a new "
            "request, which is charged if it succeeds — even if the first one also did."
        )
        self.dismiss_button = QPushButton("Dismiss", self)
        self.dismiss_button.setObjectName("dismissButton")
        self.picture = QLabel(self)
        self.picture.setObjectName("detailsPicture")
        self.picture.setFixedSize(PREVIEW)
        self.picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.picture.setToolTip("The picture this video animates")
        self.reuse_button = QPushButton("Use this picture again", self)
        self.reuse_button.setObjectName("reusePictureButton")
        self.reuse_button.clicked.connect(lambda: self._emit_for_job(self.reusePictureRequested))
        self.last_frame_button = QPushButton("Animate the last frame", self)
        self.last_frame_button.setObjectName("lastFrameButton")
        self.last_frame_button.setToolTip("Continue this clip: its final frame becomes the picture")
        self.last_frame_button.clicked.connect(lambda: self._emit_for_job(self.lastFrameRequested))
        self.parent_button = QPushButton("Show the clip it continues", self)
        self.parent_button.setObjectName("parentButton")
        self.parent_button.setFlat(True)
        self.parent_button.clicked.connect(
            lambda: (
                self.job
                and self.job.parent_id
                and self.showParentRequested.emit(self.job.parent_id)
            )
        )
        self.retry_button.clicked.connect(
            lambda: self.job and self.retryRequested.emit(self.job.id)
        )
        self.dismiss_button.clicked.connect(
            lambda: self.job and self.dismissRequested.emit(self.job.id)
        )
        buttons = QHBoxLayout()
        buttons.addWidget(self.retry_button)
        buttons.addWidget(self.dismiss_button)
        buttons.addWidget(self.last_frame_button)
        buttons.addWidget(self.reuse_button)
        buttons.addWidget(self.parent_button)
        buttons.addStretch(1)
        text = QVBoxLayout()
        text.addWidget(self.title)
        text.addWidget(self.meta)
        text.addWidget(self.error)
        text.addLayout(buttons)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 6, 0, 0)
        layout.addWidget(self.picture, 0, Qt.AlignmentFlag.AlignTop)
        layout.addLayout(text, 1)
        self.show_job(None)

    def _emit_for_job(self, signal: SignalInstance) -> None:
        if self.job is not None:
            signal.emit(self.job.id)

    def show_job(self, job: Job | None) -> None:
        self.job = job
        if job is None:
            self.title.setText("Select a job to see it here.")
            self.meta.setText("")
            self.error.hide()
            self.retry_button.hide()
            self.dismiss_button.hide()
            self.picture.hide()
            self.reuse_button.hide()
            self.last_frame_button.hide()
            self.parent_button.hide()
            return
        self.title.setText(job.prompt or ("(picture only)" if job.images else "(no prompt)"))
        source = job.source_image if job.source_image and Path(job.source_image).exists() else None
        if source:
            self.picture.setPixmap(preview_pixmap(source))
        self.picture.setVisible(source is not None)
        self.reuse_button.setVisible(source is not None or bool(job.images))
        self.last_frame_button.setVisible(
            job.status is JobStatus.COMPLETED
            and bool(job.video_path)
            and Path(job.video_path or "").exists()
        )
        self.parent_button.setVisible(job.parent_id is not None)
        bits = [STATUS_TEXT[job.status]]
        params = job.params.as_dict()
        if params:
            bits.append(", ".join(f"{k.replace('_', ' ')} {v}" for k, v in params.items()))
        if job.width and job.height:
            bits.append(f"{job.width}×{job.height}")
        if job.duration_s:
            bits.append(f"{job.duration_s:.1f} s")
        if job.bytes:
            bits.append(f"{job.bytes / 1e6:.1f} MB")
        if job.cost_credits is not None:
            bits.append(f"{job.cost_credits} credits")
        bits.append(job.created_at.astimezone().strftime("%Y-%m-%d %H:%M"))
        self.meta.setText(" · ".join(bits))
        message = job.error_message or job.note or ""
        self.error.setText(message)
        self.error.setVisible(bool(message))
        unknown = job.status is JobStatus.UNKNOWN
        self.retry_button.setVisible(unknown)
        self.dismiss_button.setVisible(unknown)


class MainWindow(QMainWindow):
    closed = Signal()

    def __init__(self, controller: JobsController) -> None:
        super().__init__()
        self.controller = controller
        self._tasks: set[asyncio.Task[Any]] = set()
        self.setObjectName("mainWindow")
        title = APP_DISPLAY_NAME + (" — Sandbox" if controller.is_sandbox else "")
        self.setWindowTitle(title)
        self.setMinimumSize(900, 560)
        self.resize(1200, 720)
        settings = controller.ctx.settings

        # -- composer ---------------------------------------------------------------------
        self.prompt_edit = PromptEdit(self)
        self.prompt_edit.setObjectName("promptEdit")
        self.prompt_edit.setAccessibleName("Prompt")
        self.prompt_edit.setPlaceholderText(
            "Describe the video: a cat walking across a piano keyboard, cinematic lighting…"
        )
        self.prompt_edit.setTabChangesFocus(True)
        self.prompt_edit.setMinimumHeight(90)
        self.prompt_edit.setMaximumHeight(160)
        self.prompt_edit.submitRequested.connect(self.submit)
        self.prompt_edit.textChanged.connect(self._update_count)

        self.picture: str | None = None  # a local path or a web address
        self.parent_job: str | None = None  # set when animating a video's last frame
        self.drop_zone = ImageDropZone(self)
        self.drop_zone.chooseRequested.connect(self.choose_picture)
        self.drop_zone.removeRequested.connect(lambda: self.set_picture(None))
        self.prompt_edit.pictureOffered.connect(self.take_offer)
        self.setAcceptDrops(True)

        self.count_label = QLabel(self)
        self.count_label.setObjectName("promptCount")
        self.count_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)

        self.duration_combo = _combo(
            "durationCombo",
            "Duration",
            [f"{d} s" for d in DURATIONS],
            f"{settings.last_duration} s" if settings.last_duration else None,
        )
        self.aspect_combo = _combo(
            "aspectCombo", "Aspect ratio", list(ASPECT_RATIOS), settings.last_aspect_ratio
        )
        self.resolution_combo = _combo(
            "resolutionCombo", "Resolution", list(RESOLUTIONS), settings.last_resolution
        )
        self.mode_combo = _combo("modeCombo", "Mode", list(MODES), settings.last_mode)

        self.generate_button = QPushButton("Generate", self)
        self.generate_button.setObjectName("generateButton")
        self.generate_button.setDefault(True)
        self.generate_button.setToolTip("Make the video (Ctrl+Return). About $0.24 a video.")
        if controller.is_sandbox:
            self.generate_button.setToolTip("Make the video (Ctrl+Return). Sandbox: free.")
        self.generate_button.clicked.connect(self.submit)

        options = QHBoxLayout()
        for label, combo in (
            ("Duration", self.duration_combo),
            ("Aspect", self.aspect_combo),
            ("Resolution", self.resolution_combo),
            ("Mode", self.mode_combo),
        ):
            caption = QLabel(label, self)
            caption.setBuddy(combo)
            options.addWidget(caption)
            options.addWidget(combo)
        options.addStretch(1)
        options.addWidget(self.count_label)
        options.addWidget(self.generate_button)

        # -- jobs -------------------------------------------------------------------------
        self.search_edit = QLineEdit(self)
        self.search_edit.setObjectName("searchEdit")
        self.search_edit.setAccessibleName("Search prompts")
        self.search_edit.setPlaceholderText("Search prompts")
        self.search_edit.setClearButtonEnabled(True)

        self.model = JobsModel(self)
        self.proxy = JobsFilter(self)
        self.proxy.setSourceModel(self.model)
        self.search_edit.textChanged.connect(self.proxy.setFilterFixedString)

        self.jobs_view = QTreeView(self)
        self.jobs_view.setObjectName("jobsView")
        self.jobs_view.setAccessibleName("Jobs")
        self.jobs_view.setModel(self.proxy)
        self.jobs_view.setRootIsDecorated(False)
        self.jobs_view.setUniformRowHeights(True)
        self.jobs_view.setAlternatingRowColors(True)
        self.jobs_view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.jobs_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.jobs_view.setItemDelegateForColumn(Column.Progress, ProgressDelegate(self.jobs_view))
        header = self.jobs_view.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(Column.Prompt, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(Column.Status, QHeaderView.ResizeMode.ResizeToContents)
        header.resizeSection(Column.Progress, 110)
        header.setSectionResizeMode(Column.Elapsed, QHeaderView.ResizeMode.ResizeToContents)
        self.jobs_view.selectionModel().selectionChanged.connect(self._selection_changed)

        left = QWidget(self)
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.prompt_edit)
        left_layout.addWidget(self.drop_zone)
        left_layout.addLayout(options)
        left_layout.addSpacing(6)
        left_layout.addWidget(self.search_edit)
        left_layout.addWidget(self.jobs_view, 1)

        # -- player and details ------------------------------------------------------------
        self.player = PlayerPanel(self)
        self.player.set_volume(settings.volume)
        self.player.loop_button.setChecked(settings.loop_playback)
        self.player.errorOccurred.connect(lambda text: self.show_error(f"Playback: {text}"))
        self.details = DetailsPanel(self)
        self.details.retryRequested.connect(self.retry_job)
        self.details.dismissRequested.connect(self.controller.dismiss)
        self.details.reusePictureRequested.connect(self.reuse_picture)
        self.details.lastFrameRequested.connect(self.animate_last_frame)
        self.details.showParentRequested.connect(self.select_job)

        right = QWidget(self)
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(self.player, 1)
        right_layout.addWidget(self.details)

        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([560, 640])
        splitter.setChildrenCollapsible(False)

        central = QWidget(self)
        layout = QVBoxLayout(central)
        layout.setContentsMargins(10, 10, 10, 4)
        layout.addWidget(splitter)
        self.setCentralWidget(central)

        # -- status bar and menus ------------------------------------------------------------
        self._error_colour = QTimer(self)  # owned by the window: never outlives it
        self._error_colour.setSingleShot(True)
        self._error_colour.timeout.connect(lambda: self.statusBar().setStyleSheet(""))
        self.service_label = QLabel(self)
        self.service_label.setObjectName("serviceLabel")
        self.statusBar().addPermanentWidget(self.service_label)
        self._update_service_label()
        self._build_menus()

        controller.jobChanged.connect(self._job_changed)
        controller.message.connect(self.show_message)
        controller.errorRaised.connect(self.show_error)
        self.model.set_jobs(controller.jobs())
        self._update_count()
        self.prompt_edit.setFocus(Qt.FocusReason.OtherFocusReason)

    # -- menus --------------------------------------------------------------------------------
    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        settings_action = QAction("&Settings…", self)
        settings_action.setShortcut(QKeySequence.StandardKey.Preferences)
        settings_action.triggered.connect(self.open_settings)
        file_menu.addAction(settings_action)
        file_menu.addSeparator()
        quit_action = QAction("&Quit", self)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        file_menu.addAction(quit_action)

        self.generate_action = QAction("&Generate", self)
        self.generate_action.setShortcuts([QKeySequence("Ctrl+Return"), QKeySequence("Ctrl+Enter")])
        self.generate_action.triggered.connect(self.submit)
        job_menu = self.menuBar().addMenu("&Job")
        job_menu.addAction(self.generate_action)
        paste = QAction("&Paste picture", self)
        paste.setShortcut(QKeySequence.StandardKey.Paste)  # the prompt editor pastes text itself
        paste.triggered.connect(self.paste_picture)
        job_menu.addAction(paste)
        choose = QAction("&Choose picture…", self)
        choose.setShortcut(QKeySequence.StandardKey.Open)
        choose.triggered.connect(self.choose_picture)
        job_menu.addAction(choose)
        find = QAction("&Find", self)
        find.setShortcut(QKeySequence.StandardKey.Find)
        find.triggered.connect(
            lambda: self.search_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        )
        job_menu.addAction(find)

    def _update_service_label(self) -> None:
        if self.controller.is_sandbox:
            self.service_label.setText("Sandbox service — free, nothing leaves this computer")
        else:
            self.service_label.setText(self.controller.base_url.split("://", 1)[-1])

    # -- composer -------------------------------------------------------------------------------
    def _update_count(self) -> None:
        length = len(self.prompt_edit.toPlainText().strip())  # what is sent
        self.count_label.setText(f"{length:,} / {PROMPT_LIMIT:,}")
        over = length > PROMPT_LIMIT
        self.count_label.setStyleSheet(f"color: {ERROR_COLOUR}; font-weight: bold" if over else "")
        self.count_label.setToolTip(
            f"{length - PROMPT_LIMIT:,} characters over the limit" if over else "Characters used"
        )

    def current_params(self) -> Params:
        duration = self.duration_combo.currentData()
        return Params.parse(
            duration=duration.split()[0] if duration else None,
            aspect_ratio=self.aspect_combo.currentData(),
            resolution=self.resolution_combo.currentData(),
            mode=self.mode_combo.currentData(),
        )

    def submit(self) -> None:
        try:
            params = self.current_params()
            images = (self.picture,) if self.picture else ()
            request = GenerationRequest(
                prompt=self.prompt_edit.toPlainText(), params=params, images=images
            )
            request.validate()
        except GrokVideoError as exc:
            self.show_error(exc.message)
            return
        if self.controller.needs_key():
            self.show_error("Add your API key first (File → Settings).")
            self.spawn(self.ask_for_key())
            return
        job = self.controller.submit(request, parent_id=self.parent_job if images else None)
        if job is None:
            return
        self.controller.remember_choices(
            last_duration=params.duration,
            last_aspect_ratio=params.aspect_ratio,
            last_resolution=params.resolution,
            last_mode=params.mode,
        )
        self.show_message("Sent. The video usually takes a minute or two.")
        self.select_job(job.id)

    # -- pictures -------------------------------------------------------------------------------
    def set_picture(
        self, source: str | None, *, label: str | None = None, parent_job: str | None = None
    ) -> None:
        """Switch the composer to image-to-video with this picture (None: back to text)."""
        self.picture = source
        self.parent_job = parent_job if source else None
        self.drop_zone.show_picture(source, label)

    def take_offer(self, offer: Offer) -> bool:
        """Use what a drop or paste offers, or say in words why not. Nothing is sent."""
        if not offer.usable:
            self.show_error(offer.refusal or "That cannot be used as a picture.")
            return False
        if offer.image is not None:
            path = self.controller.incoming_path(".png")
            if not offer.image.save(str(path)):  # PNG, from the suffix
                self.show_error("The pasted picture could not be saved.")
                return False
            self.set_picture(str(path), label="pasted picture")
        elif offer.path is not None:
            # The header was fine; now decode it all (truncation shows only then), off this thread.
            self.spawn(self._check_then_use(offer.path))
            return True
        elif offer.url is not None:
            self.set_picture(offer.url, label=offer.url)
        self.show_message("Image to video: the picture will be animated.")
        return True

    async def _check_then_use(self, path: Path) -> None:
        self.drop_zone.hint.setText("Checking the picture…")
        try:
            await asyncio.to_thread(prepare_local_image, path)
        except GrokVideoError as exc:
            self.drop_zone.show_picture(self.picture)
            self.show_error(exc.message)
            return
        self.set_picture(str(path))
        self.show_message("Image to video: the picture will be animated.")

    def paste_picture(self) -> None:
        mime = QApplication.clipboard().mimeData()
        if mime is None or not (mime.hasImage() or mime.hasUrls() or mime.hasText()):
            self.show_error("The clipboard holds no picture.")
            return
        self.take_offer(read_offer(mime))

    def choose_picture(self) -> None:
        dialog = QFileDialog(self, "Choose a picture to animate")
        dialog.setObjectName("pictureFileDialog")
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
        dialog.setNameFilter("Pictures (*.png *.jpg *.jpeg *.webp *.gif)")
        dialog.setOption(QFileDialog.Option.DontUseNativeDialog, _use_qt_dialogs())

        def chosen(path: str) -> None:
            mime = QMimeData()
            mime.setUrls([QUrl.fromLocalFile(path)])
            self.take_offer(read_offer(mime))

        dialog.fileSelected.connect(chosen)
        dialog.finished.connect(lambda _code: dialog.deleteLater())
        dialog.open()

    def reuse_picture(self, job_id: str) -> None:
        job = self.controller.job(job_id)
        source = job.source_image if job.source_image and Path(job.source_image).exists() else None
        if source is None and job.images:
            source = job.images[0]
        if source is None:
            self.show_error("This job's picture is not in the library.")
            return
        self.set_picture(source, label=f"picture of “{one_line(job.prompt, 40) or 'a clip'}”")
        self.prompt_edit.setFocus(Qt.FocusReason.OtherFocusReason)

    def animate_last_frame(self, job_id: str) -> None:
        self.spawn(self._animate_last_frame(job_id))

    async def _animate_last_frame(self, job_id: str) -> None:
        try:
            frame = await self.controller.last_frame(job_id)
        except GrokVideoError as exc:
            self.show_error(exc.message)
            return
        parent = self.controller.job(job_id)
        self.set_picture(str(frame), label="last frame of the selected clip", parent_job=job_id)
        self.prompt_edit.setPlainText(parent.prompt)
        self.prompt_edit.setFocus(Qt.FocusReason.OtherFocusReason)
        self.show_message("The last frame is ready: adjust the prompt and press Ctrl+Return.")

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        offer = read_offer(event.mimeData())
        self.drop_zone.show_hover(offer)
        if offer.usable:
            event.acceptProposedAction()
        else:
            event.ignore()  # the cursor says no; the zone and the status bar say why
            self.show_error(offer.refusal or "That cannot be animated.")

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        if self.drop_zone.property("state") == "hover":
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragLeaveEvent(self, event: QDragLeaveEvent) -> None:
        self.drop_zone.end_hover()
        event.accept()

    def dropEvent(self, event: QDropEvent) -> None:
        self.drop_zone.end_hover()
        if self.take_offer(read_offer(event.mimeData())):
            event.acceptProposedAction()
        else:
            event.ignore()

    # -- jobs ---------------------------------------------------------------------------------
    def _job_changed(self, job: Job) -> None:
        self.model.upsert(job)
        if self.details.job is not None and self.details.job.id == job.id:
            previous = self.details.job
            self.details.show_job(job)
            if job.status is JobStatus.COMPLETED and previous.status is not JobStatus.COMPLETED:
                self._play(job)

    def selected_job(self) -> Job | None:
        indexes = self.jobs_view.selectionModel().selectedRows()
        if not indexes:
            return None
        job = indexes[0].data(Roles.Job)
        return job if isinstance(job, Job) else None

    def select_job(self, job_id: str) -> None:
        row = self.model.row_of(job_id)
        if row is None:
            return
        index = self.proxy.mapFromSource(self.model.index(row, 0))
        if index.isValid():
            self.jobs_view.setCurrentIndex(index)
            self.jobs_view.scrollTo(index)

    def _selection_changed(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        job = self.selected_job()
        self.details.show_job(job)
        if job is None:
            self.player.load(None)
            return
        self._play(job)

    def _play(self, job: Job) -> None:
        if job.status is JobStatus.COMPLETED and job.video_path:
            path = Path(job.video_path)
            if path.exists():
                self.player.load(path)
                return
            self.player.load(None, placeholder="The video file is missing from the library.")
            return
        placeholder = {
            JobStatus.SUBMITTING: "Sending the request…",
            JobStatus.RUNNING: "The service is making this video…",
            JobStatus.DOWNLOADING: "Downloading the video…",
            JobStatus.FAILED: "This job failed.",
            JobStatus.UNKNOWN: "This job needs your attention.",
            JobStatus.CANCELLED: "This job was cancelled.",
        }.get(job.status, "")
        self.player.load(None, placeholder=placeholder)

    def retry_job(self, job_id: str) -> None:
        self.spawn(self._retry(job_id))

    async def _retry(self, job_id: str) -> None:
        ok = await confirm(
            self,
            "Retry and maybe pay twice?",
            "We could not tell whether the service started this video. If it did, it will be "
            "charged, and retrying sends a new request that is charged too.\n\n"
            "Retry only if you are sure the first attempt did not go through.",
            "Retry — may charge again",
        )
        if ok:
            job = self.controller.retry(job_id)
            if job is not None:
                self.select_job(job.id)

    # -- messages -------------------------------------------------------------------------------
    def show_message(self, text: str) -> None:
        self.statusBar().setStyleSheet("")
        self.statusBar().showMessage(text, 8000)

    def show_error(self, text: str) -> None:
        self.statusBar().setStyleSheet(f"QStatusBar {{ color: {ERROR_COLOUR}; }}")
        self.statusBar().showMessage(text, 15000)
        self._error_colour.start(15000)

    # -- dialogs --------------------------------------------------------------------------------
    def spawn(self, coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        return keep_task(self._tasks, coro)

    async def ask_for_key(self, *, first_run: bool = False) -> bool:
        dialog = KeyDialog(self.controller, self, first_run=first_run)
        code = await dialog_result(dialog)
        dialog.deleteLater()
        return code == KeyDialog.DialogCode.Accepted

    def open_settings(self) -> None:
        dialog = SettingsDialog(self.controller, self)

        def finished(_code: int) -> None:
            self._update_service_label()
            dialog.deleteLater()

        dialog.finished.connect(finished)
        dialog.open()

    def present(self) -> None:
        """Show the window in front with the prompt ready for typing."""
        self.show()
        if QGuiApplication.platformName() not in ("offscreen", "minimal"):
            self.raise_()  # the offscreen platform cannot raise and warns about it
        self.activateWindow()
        self.prompt_edit.setFocus(Qt.FocusReason.ActiveWindowFocusReason)

    # -- closing --------------------------------------------------------------------------------
    def closeEvent(self, event: QCloseEvent) -> None:
        self.controller.remember_choices(
            volume=self.player.volume.value() / 100,
            loop_playback=self.player.loop_button.isChecked(),
        )
        self.player.shut_down()
        for task in list(self._tasks):
            task.cancel()
        event.accept()
        self.closed.emit()
