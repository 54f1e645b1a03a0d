"""The selected job: everything known about it, and what can be done with it."""

from __future__ import annotations

from html import escape
from pathlib import Path

from PySide6.QtCore import Qt, Signal, SignalInstance
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ..core.models import Job, JobStatus
from .library_model import title_of, video_missing
from .picture import PREVIEW, preview_pixmap
from .style import error_label
from .wording import STATUS_TEXT

EXPORTS = (
    ("mp4", "Video (MP4)…"),
    ("gif", "Animated GIF…"),
    ("png-current", "Picture of the current frame (PNG)…"),
    ("png-last", "Picture of the last frame (PNG)…"),
)


def _size(n: int) -> str:
    if n >= 1_000_000:
        return f"{n / 1e6:.1f} MB"
    return f"{n / 1e3:.0f} kB"


def _when(job_time: object) -> str:
    from datetime import datetime

    if isinstance(job_time, datetime):
        return job_time.astimezone().strftime("%Y-%m-%d %H:%M:%S")
    return "—"


class DetailsPanel(QFrame):
    """What the selected job is, and the actions it allows."""

    retryRequested = Signal(str)
    dismissRequested = Signal(str)
    reusePictureRequested = Signal(str)
    lastFrameRequested = Signal(str)
    showParentRequested = Signal(str)
    favouriteToggled = Signal(str, bool)
    tagsEdited = Signal(str, str)
    copyPromptRequested = Signal(str)
    rerunRequested = Signal(str)
    editRerunRequested = Signal(str)
    revealRequested = Signal(str)
    exportRequested = Signal(str, str)  # job id, one of EXPORTS' keys
    deleteRequested = Signal(str)
    restoreRequested = Signal(str)
    deleteForeverRequested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("detailsPanel")
        self.job: Job | None = None
        self.title = QLabel(self)
        self.title.setObjectName("detailsTitle")
        self.title.setWordWrap(True)
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        font = self.title.font()
        font.setBold(True)
        self.title.setFont(font)
        self.meta = QLabel(self)
        self.meta.setObjectName("detailsMeta")
        self.meta.setWordWrap(True)
        self.meta.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.info = QLabel(self)
        self.info.setObjectName("detailsInfo")
        self.info.setTextFormat(Qt.TextFormat.RichText)
        self.info.setWordWrap(True)
        self.info.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.info.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.error = error_label(self, "detailsError")

        # -- what an unfinished or image job allows (as before) ---------------------------------
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
        self.last_frame_button = QPushButton("Animate the last frame", self)
        self.last_frame_button.setObjectName("lastFrameButton")
        self.last_frame_button.setToolTip("Continue this clip: its final frame becomes the picture")
        self.parent_button = QPushButton("Show the clip it continues", self)
        self.parent_button.setObjectName("parentButton")
        self.parent_button.setFlat(True)

        # -- keeping ------------------------------------------------------------------------------
        self.favourite_button = QToolButton(self)
        self.favourite_button.setObjectName("favouriteButton")
        self.favourite_button.setCheckable(True)
        self.favourite_button.setAccessibleName("Favourite")
        self.favourite_button.setToolTip("Favourite (Ctrl+D)")
        self.favourite_button.toggled.connect(self._favourite_toggled)
        self.tags_edit = QLineEdit(self)
        self.tags_edit.setObjectName("tagsEdit")
        self.tags_edit.setAccessibleName("Tags")
        self.tags_edit.setPlaceholderText("Tags, separated by commas")
        self.tags_edit.editingFinished.connect(self._tags_edited)
        self.copy_button = self._button("Copy prompt", "copyPromptButton", self.copyPromptRequested)
        self.rerun_button = self._button("Make again", "rerunButton", self.rerunRequested)
        self.rerun_button.setToolTip("The same prompt and settings, as a new video (charged)")
        self.edit_button = self._button(
            "Edit and make again", "editRerunButton", self.editRerunRequested
        )
        self.edit_button.setToolTip("Put the prompt, settings and picture in the composer")
        self.reveal_button = self._button("Show file", "revealButton", self.revealRequested)
        self.reveal_button.setToolTip("Show the video file in the file manager")
        self.export_button = QToolButton(self)
        self.export_button.setObjectName("exportButton")
        self.export_button.setText("Export")
        self.export_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.export_menu = QMenu(self.export_button)
        self.export_menu.setObjectName("exportMenu")
        for key, label in EXPORTS:
            action = self.export_menu.addAction(label)
            action.setObjectName(f"export-{key}")
            action.triggered.connect(lambda _=False, k=key: self._emit_export(k))
        self.export_button.setMenu(self.export_menu)
        self.delete_button = self._button("Move to trash", "deleteButton", self.deleteRequested)
        self.delete_button.setToolTip("Move to the trash (Delete); it can be restored")
        self.restore_button = self._button("Restore", "restoreButton", self.restoreRequested)
        self.delete_forever_button = self._button(
            "Delete for good…", "deleteForeverButton", self.deleteForeverRequested
        )

        self.reuse_button.clicked.connect(lambda: self._emit_for_job(self.reusePictureRequested))
        self.last_frame_button.clicked.connect(lambda: self._emit_for_job(self.lastFrameRequested))
        self.retry_button.clicked.connect(lambda: self._emit_for_job(self.retryRequested))
        self.dismiss_button.clicked.connect(lambda: self._emit_for_job(self.dismissRequested))
        self.parent_button.clicked.connect(
            lambda: (
                self.job
                and self.job.parent_id
                and self.showParentRequested.emit(self.job.parent_id)
            )
        )

        attention = QHBoxLayout()
        for widget in (
            self.retry_button,
            self.dismiss_button,
            self.last_frame_button,
            self.reuse_button,
            self.parent_button,
        ):
            attention.addWidget(widget)
        attention.addStretch(1)
        keep = QHBoxLayout()
        keep.addWidget(self.favourite_button)
        keep.addWidget(self.tags_edit, 1)
        actions = QHBoxLayout()
        for button in (
            self.copy_button,
            self.rerun_button,
            self.edit_button,
            self.export_button,
            self.reveal_button,
        ):
            actions.addWidget(button)
        actions.addStretch(1)
        for widget in (self.delete_button, self.restore_button, self.delete_forever_button):
            actions.addWidget(widget)

        text = QVBoxLayout()
        text.addWidget(self.title)
        text.addWidget(self.meta)
        text.addWidget(self.error)
        text.addLayout(attention)
        text.addLayout(keep)
        text.addLayout(actions)
        text.addWidget(self.info)
        text.addStretch(1)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 6, 0, 0)
        layout.addWidget(self.picture, 0, Qt.AlignmentFlag.AlignTop)
        layout.addLayout(text, 1)
        self.show_job(None)

    def _button(self, text: str, name: str, signal: SignalInstance) -> QPushButton:
        button = QPushButton(text, self)
        button.setObjectName(name)
        button.clicked.connect(lambda: self._emit_for_job(signal))
        return button

    def _emit_for_job(self, signal: SignalInstance) -> None:
        if self.job is not None:
            signal.emit(self.job.id)

    def _emit_export(self, key: str) -> None:
        if self.job is not None:
            self.exportRequested.emit(self.job.id, key)

    def _favourite_toggled(self, on: bool) -> None:
        self.favourite_button.setText("★ Favourite" if on else "☆ Favourite")
        if self.job is not None and self.job.favourite != on:
            self.favouriteToggled.emit(self.job.id, on)

    def _tags_edited(self) -> None:
        if self.job is not None and self.tags_edit.text() != ", ".join(self.job.tags):
            self.tagsEdited.emit(self.job.id, self.tags_edit.text())

    def show_job(self, job: Job | None) -> None:
        self.job = job
        library_widgets: tuple[QWidget, ...] = (
            self.favourite_button,
            self.tags_edit,
            self.copy_button,
            self.rerun_button,
            self.edit_button,
            self.export_button,
            self.reveal_button,
            self.delete_button,
            self.restore_button,
            self.delete_forever_button,
            self.info,
        )
        if job is None:
            self.title.setText("Select a video to see it here.")
            self.meta.setText("")
            self.error.hide()
            for widget in (
                self.retry_button,
                self.dismiss_button,
                self.picture,
                self.reuse_button,
                self.last_frame_button,
                self.parent_button,
                *library_widgets,
            ):
                widget.hide()
            return
        self.title.setText(job.prompt or title_of(job))
        source = job.source_image if job.source_image and Path(job.source_image).exists() else None
        if source:
            self.picture.setPixmap(preview_pixmap(source))
        self.picture.setVisible(source is not None)
        has_video = (
            bool(job.video_path) and not video_missing(job) and job.status is JobStatus.COMPLETED
        )
        trash = job.in_trash
        self.reuse_button.setVisible((source is not None or bool(job.images)) and not trash)
        self.last_frame_button.setVisible(has_video and not trash)
        self.parent_button.setVisible(job.parent_id is not None and not trash)
        bits = [("In the trash · " if trash else "") + STATUS_TEXT[job.status]]
        params = job.params.as_dict()
        if params:
            bits.append(", ".join(f"{k.replace('_', ' ')} {v}" for k, v in params.items()))
        if job.width and job.height:
            bits.append(f"{job.width}×{job.height}")
        if job.duration_s:
            bits.append(f"{job.duration_s:.1f} s")
        if job.bytes:
            bits.append(_size(job.bytes))
        if job.cost_credits is not None:
            bits.append(f"{job.cost_credits} credits")
        bits.append(job.created_at.astimezone().strftime("%Y-%m-%d %H:%M"))
        self.meta.setText(" · ".join(bits))
        message = job.error_message or job.note or ""
        if video_missing(job):
            message = "The video file is missing from the library. " + message
        self.error.setText(message.strip())
        self.error.setVisible(bool(message))
        unknown = job.status is JobStatus.UNKNOWN and not trash
        self.retry_button.setVisible(unknown)
        self.dismiss_button.setVisible(unknown)

        for widget in library_widgets:
            widget.show()
        self.favourite_button.blockSignals(True)
        self.favourite_button.setChecked(job.favourite)
        self.favourite_button.blockSignals(False)
        self.favourite_button.setText("★ Favourite" if job.favourite else "☆ Favourite")
        self.tags_edit.setText(", ".join(job.tags))
        ended = not job.status.active
        self.rerun_button.setVisible(ended and not trash)
        self.edit_button.setVisible(not trash)
        self.export_button.setVisible(has_video)
        self.reveal_button.setVisible(has_video)
        self.delete_button.setVisible(ended and not trash)
        self.restore_button.setVisible(trash)
        self.delete_forever_button.setVisible(trash)
        self.info.setText(self._info_html(job))

    @staticmethod
    def _info_html(job: Job) -> str:
        rows = [
            ("Job", job.id),
            ("Task", job.task_id or "—"),
            ("Created", _when(job.created_at)),
            ("Finished", _when(job.finished_at)),
            ("Duration", f"{job.duration_s:.2f} s" if job.duration_s else "—"),
            ("Resolution", f"{job.width} × {job.height}" if job.width and job.height else "—"),
            ("File size", f"{_size(job.bytes)} ({job.bytes:,} bytes)" if job.bytes else "—"),
            ("SHA-256", job.sha256 or "—"),
            ("Credits", str(job.cost_credits) if job.cost_credits is not None else "—"),
        ]
        if job.images:
            rows.append(
                ("Picture", ", ".join(Path(i).name if "://" not in i else i for i in job.images))
            )
        if job.deleted_at is not None:
            rows.append(("In the trash since", _when(job.deleted_at)))
        cells = "".join(
            f"<tr><td style='color:#7a7f88; padding-right:10px'>{escape(k)}</td>"
            f"<td>{escape(v)}</td></tr>"
            for k, v in rows
        )
        return f"<table cellspacing='0' cellpadding='1'>{cells}</table>"
