"""The main window: composer, jobs list, player and the selected job's details."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from html import escape
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QItemSelection,
    QMimeData,
    QModelIndex,
    Qt,
    QTimer,
    QUrl,
    Signal,
)
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QDesktopServices,
    QDragEnterEvent,
    QDragLeaveEvent,
    QDragMoveEvent,
    QDropEvent,
    QGuiApplication,
    QKeyEvent,
    QKeySequence,
    QShortcut,
)
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QDialog,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSplitter,
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
from ..core.store import LibraryQuery
from .adapter import JobsController
from .details import EXPORTS, DetailsPanel
from .dialogs import KeyDialog, SettingsDialog, confirm, dialog_result
from .export_ui import GifOptions, choose_output, run_export, suggested_name
from .gallery import GalleryView, LibraryBar
from .library_model import LibraryModel, Roles, Thumbnails
from .notify import Notifier
from .picture import ImageDropZone, Offer, read_offer
from .player import SHORTCUTS, PlayerPanel
from .reveal import reveal_file
from .style import ERROR_COLOUR
from .wording import one_line

log = logging.getLogger(__name__)

DEFAULT = "Default"

WINDOW_SHORTCUTS: list[tuple[str, str]] = [
    ("Ctrl+Return", "Make the video"),
    ("Ctrl+O / Ctrl+V", "Choose / paste a picture"),
    ("Ctrl+F", "Search the library"),
    ("Enter", "Play the selected video from the start"),
    ("Delete", "Move the selected video to the trash"),
    ("Ctrl+Z", "Undo the last delete"),
    ("Ctrl+D", "Favourite on / off"),
    ("Ctrl+E", "Export the video"),
]


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


class MainWindow(QMainWindow):
    closed = Signal()

    def __init__(self, controller: JobsController) -> None:
        super().__init__()
        self.controller = controller
        self._tasks: set[asyncio.Task[Any]] = set()
        self.setObjectName("mainWindow")
        # Ending with the app's display name: X11 and Windows would append it otherwise.
        title = ("Sandbox — " if controller.is_sandbox else "") + APP_DISPLAY_NAME
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

        # -- the library ----------------------------------------------------------------------
        self.library_bar = LibraryBar(settings.gallery_mode, self)
        self.search_edit = self.library_bar.search_edit
        self.thumbnails = Thumbnails(controller.library, self)
        self.model = LibraryModel(
            controller.job_ids,
            controller.jobs_by_id,
            self.thumbnails,
            parent=self,
            ids_later=controller.job_ids_later,
            first_for=controller.first_ids,
        )
        self.model.countChanged.connect(self._update_count_label)
        self.model.loaded.connect(self._library_loaded)
        self._reselect: str | None = None  # the job to select again once a search is in
        self.jobs_view = GalleryView(self)
        self.jobs_view.setModel(self.model)
        self.jobs_view.set_mode(settings.gallery_mode)
        self.jobs_view.selectionModel().selectionChanged.connect(self._selection_changed)
        self.jobs_view.activated.connect(self._play_from_start)
        self.jobs_view.doubleClicked.connect(self._play_from_start)
        self.library_bar.queryChanged.connect(self._query_changed)
        self.library_bar.modeChanged.connect(self._mode_changed)
        self.library_bar.emptyTrashRequested.connect(self.empty_trash)

        left = QWidget(self)
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.prompt_edit)
        left_layout.addWidget(self.drop_zone)
        left_layout.addLayout(options)
        left_layout.addSpacing(6)
        left_layout.addWidget(self.library_bar)
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
        self.details.showParentRequested.connect(self.show_parent)
        self.details.favouriteToggled.connect(self.controller.set_favourite)
        self.details.tagsEdited.connect(self.controller.set_tags)
        self.details.copyPromptRequested.connect(self.copy_prompt)
        self.details.rerunRequested.connect(self.rerun)
        self.details.editRerunRequested.connect(self.edit_and_rerun)
        self.details.revealRequested.connect(self.reveal)
        self.details.exportRequested.connect(self.export)
        self.details.deleteRequested.connect(self.move_to_trash)
        self.details.restoreRequested.connect(self.restore)
        self.details.deleteForeverRequested.connect(self.delete_forever)
        details_scroll = QScrollArea(self)
        details_scroll.setObjectName("detailsScroll")
        details_scroll.setWidget(self.details)
        details_scroll.setWidgetResizable(True)
        details_scroll.setFrameShape(QFrame.Shape.NoFrame)
        details_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)

        right = QSplitter(Qt.Orientation.Vertical, self)
        right.setObjectName("playerSplitter")
        right.addWidget(self.player)
        right.addWidget(details_scroll)
        right.setStretchFactor(0, 3)
        right.setStretchFactor(1, 2)
        right.setSizes([460, 300])
        right.setChildrenCollapsible(False)

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
        self.spend_label = QLabel(self)
        self.spend_label.setObjectName("spendLabel")
        self.statusBar().addPermanentWidget(self.spend_label)
        self.statusBar().addPermanentWidget(self.service_label)
        self._update_service_label()
        self._build_menus()

        controller.jobChanged.connect(self._job_changed)
        controller.message.connect(self.show_message)
        controller.errorRaised.connect(self.show_error)
        controller.jobRemoved.connect(self._job_removed)
        controller.providerChanged.connect(self._provider_changed)
        self.notifier = Notifier(self, self.windowIcon())
        self.notifier.showRequested.connect(self.present)
        controller.libraryReset.connect(lambda: self.model.load())
        self.player.help_shortcuts = [*SHORTCUTS, *WINDOW_SHORTCUTS]
        self._last_trashed: list[str] = []
        self._active_jobs: dict[str, Job] = {
            job.id: job for job in controller.ctx.store.unfinished_jobs()
        }
        self._update_title()
        self.model.load(self.library_bar.query(), first_page=True)
        self._update_count()
        self.update_spend()
        if controller.ctx.recovery:
            QTimer.singleShot(0, self, lambda: self.tell_recovery(controller.ctx.recovery or ""))
        self.prompt_edit.setFocus(Qt.FocusReason.OtherFocusReason)

    # -- menus --------------------------------------------------------------------------------
    def _action(
        self,
        menu: QMenu,
        text: str,
        slot: Any,
        keys: QKeySequence | QKeySequence.StandardKey | str | None = None,
        *,
        name: str = "",
    ) -> QAction:
        action = QAction(text, self)
        if keys is not None:
            action.setShortcut(keys if isinstance(keys, QKeySequence) else QKeySequence(keys))
        if name:
            action.setObjectName(name)
        action.triggered.connect(lambda _checked=False: slot())
        menu.addAction(action)
        return action

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        export_menu = file_menu.addMenu("&Export")
        for key, label in EXPORTS:
            action = self._action(
                export_menu, label, lambda k=key: self.export_selected(k), name=f"menu-export-{key}"
            )
            if key == "mp4":
                action.setShortcut(QKeySequence("Ctrl+E"))
        self._action(file_menu, "Show file in folder", self.reveal, "Ctrl+Shift+R")
        file_menu.addSeparator()
        self._action(file_menu, "Rebuild library from files…", self.rebuild_library)
        self._action(
            file_menu, "&Settings…", self.open_settings, QKeySequence.StandardKey.Preferences
        )
        file_menu.addSeparator()
        self._action(file_menu, "&Quit", self.close, QKeySequence.StandardKey.Quit)

        edit_menu = bar.addMenu("&Edit")
        self.undo_action = self._action(
            edit_menu, "&Undo delete", self.undo_delete, QKeySequence.StandardKey.Undo
        )
        self.undo_action.setEnabled(False)
        self._action(edit_menu, "&Copy prompt", self.copy_prompt, "Ctrl+Shift+C")
        self._action(edit_menu, "&Favourite", self.toggle_favourite, "Ctrl+D")
        # Delete acts on the gallery only, so it never deletes while someone edits text.
        delete = QAction("Move to &trash", self.jobs_view)
        delete.setShortcuts(
            [QKeySequence(QKeySequence.StandardKey.Delete), QKeySequence("Backspace")]
        )
        delete.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        delete.triggered.connect(lambda: self.move_to_trash())
        self.jobs_view.addAction(delete)
        edit_menu.addAction(delete)
        for keys, slot in (
            ("Space", self.player.toggle_play),
            ("F", self.player.toggle_fullscreen),
        ):
            shortcut = QShortcut(QKeySequence(keys), self.jobs_view)
            shortcut.setContext(Qt.ShortcutContext.WidgetShortcut)
            shortcut.activated.connect(slot)

        self.generate_action = QAction("&Generate", self)
        self.generate_action.setShortcuts([QKeySequence("Ctrl+Return"), QKeySequence("Ctrl+Enter")])
        self.generate_action.triggered.connect(self.submit)
        job_menu = bar.addMenu("&Job")
        job_menu.addAction(self.generate_action)
        paste = QAction("&Paste picture", self)
        paste.setShortcut(QKeySequence.StandardKey.Paste)  # the prompt editor pastes text itself
        paste.triggered.connect(self.paste_picture)
        job_menu.addAction(paste)
        self._action(
            job_menu, "&Choose picture…", self.choose_picture, QKeySequence.StandardKey.Open
        )

        view_menu = bar.addMenu("&View")
        self._action(
            view_menu,
            "&Find",
            lambda: self.search_edit.setFocus(Qt.FocusReason.ShortcutFocusReason),
            QKeySequence.StandardKey.Find,
        )
        self._action(view_menu, "&Grid", lambda: self.library_bar.grid_button.setChecked(True))
        self._action(view_menu, "&List", lambda: self.library_bar.list_button.setChecked(True))
        self._action(view_menu, "&Trash", self.library_bar.trash_button.toggle)
        self._action(view_menu, "&Full screen", self.player.toggle_fullscreen)
        help_menu = bar.addMenu("&Help")
        self._action(
            help_menu,
            "&Keyboard shortcuts",
            self.show_shortcuts,
            QKeySequence.StandardKey.HelpContents,
            name="shortcutsAction",
        )
        help_menu.addSeparator()
        self._action(help_menu, "Open the &library folder", self.open_library_folder)
        self._action(help_menu, "Open the l&og folder", self.open_log_folder)
        help_menu.addSeparator()
        self._action(help_menu, f"&About {APP_DISPLAY_NAME}", self.show_about, name="aboutAction")
        # The window's F1 serves everywhere; the player keeps "?" for itself.
        self.player.shortcuts["help"].setKeys([QKeySequence("?")])

    def _base_title(self) -> str:
        return ("Sandbox — " if self.controller.is_sandbox else "") + APP_DISPLAY_NAME

    def _update_title(self) -> None:
        """Progress where it shows from another window: the title (and the tray's tip)."""
        active = list(self._active_jobs.values())
        if not active:
            self.setWindowTitle(self._base_title())
            self.notifier.set_busy("")
            return
        known = [j.progress for j in active if j.progress is not None]
        percent = f", {sum(known) // len(known)}%" if known else ""
        busy = f"{len(active)} making{percent}"
        self.setWindowTitle(f"({busy}) {self._base_title()}")
        self.notifier.set_busy(f"{APP_DISPLAY_NAME}: {busy}")

    def _tell_if_away(self, job: Job) -> None:
        """A job ended while the person was elsewhere: a desktop notice."""
        if self.isActiveWindow() and not self.isMinimized():
            return
        what = one_line(job.prompt, 80) or "Your video"
        if job.status is JobStatus.COMPLETED:
            self.notifier.notify("Your video is ready", what)
        elif job.status is JobStatus.FAILED:
            self.notifier.notify("A video failed", f"{what}: {job.error_message}", failed=True)
        elif job.status is JobStatus.UNKNOWN:
            self.notifier.notify(
                "A video needs your attention", f"{what}: {job.error_message}", failed=True
            )

    def _provider_changed(self) -> None:
        sandbox = self.controller.is_sandbox
        self.setWindowTitle(self._base_title())
        self.generate_button.setToolTip(
            "Make the video (Ctrl+Return). "
            + ("Sandbox: free." if sandbox else "About $0.24 a video.")
        )
        self._update_service_label()

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
        questions = self.controller.questions_before(request)
        if questions:
            # Nothing is sent until the person says so (the dialog is not a blocking exec()).
            self.generate_button.setEnabled(False)
            self.spawn(self._submit_after_asking(request, params, questions))
            return
        self._send(request, params)

    async def _submit_after_asking(
        self, request: GenerationRequest, params: Params, questions: list[str]
    ) -> None:
        try:
            ok = await confirm(
                self,
                "Send this video?",
                "\n\n".join(questions),
                "Send anyway",
            )
        finally:
            self.generate_button.setEnabled(True)
        if ok:
            self._send(request, params)
        else:
            self.show_message("Not sent.")

    def _send(self, request: GenerationRequest, params: Params) -> None:
        job = self.controller.submit(request, parent_id=self.parent_job if request.images else None)
        if job is None:
            return
        self.controller.remember_choices(
            last_duration=params.duration,
            last_aspect_ratio=params.aspect_ratio,
            last_resolution=params.resolution,
            last_mode=params.mode,
        )
        self.show_message("Sent. The video usually takes a minute or two.")
        if not self.select_job(job.id):
            self.library_bar.clear_filters()
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

    # -- the library ----------------------------------------------------------------------------
    def _query_changed(self, query: LibraryQuery) -> None:
        current = self.selected_job()
        if current is not None:
            self._reselect = current.id
        self.model.load(query)  # the results follow on `loaded`; the window stays live

    def _library_loaded(self) -> None:
        keep, self._reselect = self._reselect, None
        if keep is not None and self.select_job(keep):
            return
        if self.selected_job() is None and self.details.job is not None:
            self.details.show_job(None)
            self.player.load(None)

    def _mode_changed(self, mode: str) -> None:
        current = self.selected_job()
        self.jobs_view.set_mode(mode)
        self.controller.remember_choices(gallery_mode=mode)
        if current is not None:
            self.select_job(current.id)

    def _update_count_label(self, count: int) -> None:
        query = self.model.query
        if query.trash:
            text = f"{count:,} in the trash" if count else "The trash is empty"
        elif self.library_bar.filtered():
            text = f"{count:,} found"
        else:
            text = f"{count:,} video{'' if count == 1 else 's'}"
        self.library_bar.count_label.setText(text)
        self.library_bar.empty_trash_button.setEnabled(bool(count))

    def update_spend(self) -> None:
        totals = self.controller.spend()
        budget = self.controller.ctx.settings.monthly_budget_credits
        self.spend_label.setText(
            f"Spent: {totals.today:,} today · {totals.month:,} this month"
            + (f" of {budget:,}" if budget else "")
            + f" · {totals.all_time:,} in all (credits)"
        )
        self.spend_label.setToolTip(totals.describe())
        self.spend_label.setAccessibleName(totals.describe())

    def _job_changed(self, job: Job) -> None:
        if not job.status.active:
            self.update_spend()
        previous = self._active_jobs.pop(job.id, None)
        if job.status.active:
            self._active_jobs[job.id] = job
        elif previous is not None:
            self._tell_if_away(job)
        self._update_title()
        self.model.upsert(job, belongs=self.controller.matches(job, self.model.query))
        if self.details.job is not None and self.details.job.id == job.id:
            previous = self.details.job
            if self.model.row_of(job.id) is None:
                self.details.show_job(None)
                self.player.load(None)
                return
            self.details.show_job(job)
            if job.status is JobStatus.COMPLETED and previous.status is not JobStatus.COMPLETED:
                self._play(job)

    def _job_removed(self, job_id: str) -> None:
        self.thumbnails.drop(job_id)
        row = self.model.row_of(job_id)
        if row is not None:
            self.model.load()
        if self.details.job is not None and self.details.job.id == job_id:
            self.details.show_job(None)
            self.player.load(None)

    def selected_job(self) -> Job | None:
        indexes = self.jobs_view.selectionModel().selectedIndexes()
        if not indexes:
            return None
        job = indexes[0].data(Roles.Job)
        return job if isinstance(job, Job) else None

    def select_job(self, job_id: str) -> bool:
        row = self.model.row_of(job_id)
        if row is None:
            return False
        index = self.model.index(row, 0)
        self.jobs_view.setCurrentIndex(index)
        self.jobs_view.scrollTo(index)
        return True

    def show_parent(self, job_id: str) -> None:
        """Select a job even when the filters hide it: clear them first."""
        if not self.select_job(job_id):
            self.library_bar.clear_filters()
            if not self.select_job(job_id):
                self.show_error("That clip is no longer in the library.")

    def _selection_changed(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        job = self.selected_job()
        self.details.show_job(job)
        if job is None:
            self.player.load(None)
            return
        self._play(job)

    def _play_from_start(self, index: QModelIndex) -> None:
        job = index.data(Roles.Job)
        if isinstance(job, Job):
            self._play(job)
            if self.player.source_path is not None:
                self.player.seek(0)
                self.player.player.play()

    def _job_for_action(self, job_id: str | None = None) -> Job | None:
        if job_id is not None:
            try:
                return self.controller.job(job_id)
            except GrokVideoError as exc:
                self.show_error(exc.message)
                return None
        job = self.selected_job()
        if job is None:
            self.show_error("Select a video first.")
        return job

    def copy_prompt(self, job_id: str | None = None) -> None:
        job = self._job_for_action(job_id)
        if job is not None:
            QApplication.clipboard().setText(job.prompt)
            self.show_message("The prompt is on the clipboard.")

    def toggle_favourite(self) -> None:
        job = self._job_for_action()
        if job is not None:
            self.controller.set_favourite(job.id, not job.favourite)

    def rerun(self, job_id: str) -> None:
        self.spawn(self._rerun(job_id))

    async def _rerun(self, job_id: str) -> None:
        cost = "free in the sandbox" if self.controller.is_sandbox else "about $0.24"
        ok = await confirm(
            self,
            "Make this video again?",
            "The same prompt and settings are sent again as a new video. "
            f"It is charged like any other ({cost}).",
            "Make again",
        )
        if not ok:
            return
        job = self.controller.rerun(job_id)
        if job is not None:
            self.show_message("Sent again. The new video appears at the top.")
            if not self.select_job(job.id):
                self.library_bar.clear_filters()
                self.select_job(job.id)

    def edit_and_rerun(self, job_id: str) -> None:
        """Put the job's prompt, settings and picture in the composer; nothing is sent."""
        try:
            request = self.controller.request_of(job_id)
        except GrokVideoError as exc:
            self.show_error(exc.message)
            return
        self.prompt_edit.setPlainText(request.prompt)
        params = request.params
        for combo, value in (
            (self.duration_combo, f"{params.duration} s" if params.duration else None),
            (self.aspect_combo, params.aspect_ratio),
            (self.resolution_combo, params.resolution),
            (self.mode_combo, params.mode),
        ):
            combo.setCurrentIndex(max(0, combo.findData(value)))
        job = self.controller.job(job_id)
        if request.images:
            self.set_picture(
                request.images[0],
                label=f"picture of “{one_line(job.prompt, 40) or 'a clip'}”",
                parent_job=job.parent_id,
            )
        else:
            self.set_picture(None)
        self.prompt_edit.setFocus(Qt.FocusReason.OtherFocusReason)
        self.show_message("Edit the prompt, then press Ctrl+Return to make it.")

    def reveal(self, job_id: str | None = None) -> None:
        job = self._job_for_action(job_id)
        if job is None:
            return
        if not job.video_path or not Path(job.video_path).exists():
            self.show_error("The video file is missing from the library.")
            return
        reveal_file(Path(job.video_path))

    def export(self, job_id: str, key: str) -> None:
        self.spawn(self._export(job_id, key))

    async def _export(self, job_id: str, key: str) -> None:
        job = self._job_for_action(job_id)
        if job is None:
            return
        at_ms = 0
        if key == "png-current" and self.player.source_path == Path(job.video_path or ""):
            at_ms = self.player.player.position()
        settings = self.controller.ctx.settings
        gif = (settings.gif_width, settings.gif_fps)
        if key == "gif":
            options = GifOptions(self, settings.gif_width, settings.gif_fps, job.width)
            code = await dialog_result(options)
            gif = options.choice()
            options.deleteLater()
            if code != QDialog.DialogCode.Accepted:
                return
            self.controller.remember_choices(gif_width=gif[0], gif_fps=gif[1])
        target = await choose_output(
            self, settings.export_dir, suggested_name(job, key, at_ms), key
        )
        if target is None:
            return
        try:
            done = await run_export(self, job, key, target, at_ms=at_ms, gif=gif)
        except GrokVideoError as exc:
            self.show_error(f"Export failed: {exc.message}")
            return
        if done is None:
            self.show_message("Export cancelled; nothing was written.")
            return
        self.controller.remember_choices(export_dir=str(done.parent))
        self.show_message(f"Exported {done}")

    def export_selected(self, key: str) -> None:
        job = self._job_for_action()
        if job is not None:
            self.export(job.id, key)

    def move_to_trash(self, job_id: str | None = None) -> None:
        job = self._job_for_action(job_id)
        if job is None:
            return
        if job.in_trash:
            self.delete_forever(job.id)
            return
        row = self.model.row_of(job.id)
        if self.controller.trash(job.id) is None:
            return
        self._last_trashed.append(job.id)
        self.undo_action.setEnabled(True)
        self.show_message("Moved to the trash. Undo with Ctrl+Z, or restore it from the trash.")
        if row is not None and self.model.rowCount():
            index = self.model.index(min(row, self.model.rowCount() - 1), 0)
            self.jobs_view.setCurrentIndex(index)

    def undo_delete(self) -> None:
        while self._last_trashed:
            job_id = self._last_trashed.pop()
            try:
                job = self.controller.job(job_id)
            except GrokVideoError:
                continue
            if job.in_trash and self.controller.restore(job_id) is not None:
                self.select_job(job_id)
                self.show_message("Restored from the trash.")
                break
        self.undo_action.setEnabled(bool(self._last_trashed))

    def restore(self, job_id: str) -> None:
        if self.controller.restore(job_id) is not None:
            self.show_message("Restored to the library.")

    def delete_forever(self, job_id: str) -> None:
        self.spawn(self._delete_forever(job_id))

    async def _delete_forever(self, job_id: str) -> None:
        ok = await confirm(
            self,
            "Delete for good?",
            "The video and its files are deleted from this computer. This cannot be undone.",
            "Delete for good",
        )
        if ok and self.controller.delete_forever(job_id):
            self.show_message("Deleted for good.")

    def empty_trash(self) -> None:
        self.spawn(self._empty_trash())

    async def _empty_trash(self) -> None:
        count = self.controller.count(LibraryQuery(trash=True))
        if not count:
            self.show_message("The trash is empty.")
            return
        ok = await confirm(
            self,
            "Empty the trash?",
            f"{count:,} video(s) and their files are deleted from this computer. "
            "This cannot be undone.",
            "Empty trash",
        )
        if ok:
            removed = self.controller.empty_trash()
            self.model.load()
            self.show_message(f"Emptied the trash: {removed:,} deleted for good.")

    def rebuild_library(self) -> None:
        self.spawn(self._rebuild_library())

    async def _rebuild_library(self) -> None:
        ok = await confirm(
            self,
            "Rebuild the library from its files?",
            "Every video in the library folder that the list does not show is put back, "
            "from its sidecar file or its own metadata. Nothing is deleted.",
            "Rebuild",
        )
        if not ok:
            return
        try:
            report = self.controller.rebuild()
        except OSError as exc:
            self.show_error(f"The library could not be rebuilt: {exc}")
            return
        skipped = (
            f"; {len(report.unreadable)} unreadable file(s) skipped" if report.unreadable else ""
        )
        self.show_message(f"Rebuilt: {report.recovered:,} video(s) put back{skipped}.")

    def tell_recovery(self, text: str) -> None:
        """The library was rebuilt at start: say so once, plainly, without blocking."""
        self.show_error(text)
        box = QMessageBox(QMessageBox.Icon.Warning, "The library was rebuilt", text, parent=self)
        box.setObjectName("recoveryDialog")
        box.setInformativeText(
            "Your videos are back in the list. The old database file was kept, not deleted."
            if "damaged" in text
            else "Your videos are back in the list."
        )
        box.finished.connect(lambda _code: box.deleteLater())
        box.open()

    def open_library_folder(self) -> None:
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.controller.ctx.paths.data_dir)))

    def open_log_folder(self) -> None:
        folder = self.controller.ctx.paths.log_dir
        folder.mkdir(parents=True, exist_ok=True)
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))

    def show_about(self) -> None:
        from PySide6 import __version__ as pyside_version
        from PySide6.QtCore import qVersion

        from .. import __version__

        paths = self.controller.ctx.paths
        box = QMessageBox(self)
        box.setObjectName("aboutDialog")
        box.setWindowTitle(f"About {APP_DISPLAY_NAME}")
        box.setIconPixmap(self.windowIcon().pixmap(64, 64))
        box.setTextFormat(Qt.TextFormat.RichText)
        box.setText(
            f"<h3>{APP_DISPLAY_NAME} {__version__}</h3>"
            "<p>Short AI videos with xAI's Grok Imagine, through the API in One service, "
            "kept in a library on this computer.</p>"
        )
        box.setInformativeText(
            f"Library: {escape(str(paths.data_dir))}<br>Logs: {escape(str(paths.log_dir))}<br>"
            f"Qt {qVersion()} · PySide6 {pyside_version} · MIT licence"
        )
        box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        box.finished.connect(lambda _code: box.deleteLater())
        box.open()

    def show_shortcuts(self) -> None:
        self.player.show_shortcuts()

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
            self.update_spend()
            dialog.deleteLater()

        dialog.finished.connect(finished)
        dialog.open()

    def receive_launch(self, message: dict[str, Any]) -> None:
        """Another launch handed over: come forward, and take the picture it was given."""
        self.present()
        if message.get("sandbox") and not self.controller.is_sandbox:
            self.show_error(
                "Grok Video is already open with the real service. Quit it first to start the "
                "sandbox."
            )
        files = [str(f) for f in message.get("files") or []]
        if files:
            mime = QMimeData()
            if "://" in files[0] and not files[0].startswith("file:"):
                mime.setText(files[0])
            else:
                mime.setUrls([QUrl.fromLocalFile(files[0])])
            self.take_offer(read_offer(mime))
            if len(files) > 1:
                self.show_message("Only the first picture was taken.")

    def present(self) -> None:
        """Show the window in front with the prompt ready for typing."""
        if self.isMinimized():
            self.setWindowState(
                (self.windowState() & ~Qt.WindowState.WindowMinimized) | Qt.WindowState.WindowActive
            )
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
        self.thumbnails.cancel()
        self.model.cancel()
        self.notifier.close()
        for task in list(self._tasks):
            task.cancel()
        event.accept()
        self.closed.emit()
