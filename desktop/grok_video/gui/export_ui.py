"""Exporting from the window: choose where, then a progress dialog that can cancel.

The work runs in a thread (core/export.py); progress comes back through the event loop.
"""

from __future__ import annotations

import asyncio
import re
import threading
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QProgressDialog,
    QWidget,
)

from ..core.errors import GrokVideoError
from ..core.export import (
    GIF_FPS,
    GIF_WIDTHS,
    ExportCancelled,
    check_output_path,
    export_gif,
    export_mp4,
    export_png,
    job_metadata,
)
from ..core.media import NotAVideo
from ..core.models import Job
from .dialogs import dialog_result

SUFFIX = {"mp4": ".mp4", "gif": ".gif", "png-current": ".png", "png-last": ".png"}
FILTERS = {
    "mp4": "MP4 video (*.mp4)",
    "gif": "Animated GIF (*.gif)",
    "png-current": "PNG picture (*.png)",
    "png-last": "PNG picture (*.png)",
}


def suggested_name(job: Job, key: str, at_ms: int = 0) -> str:
    words = re.sub(r"[^\w]+", "-", " ".join(job.prompt.split()[:6]).lower()).strip("-")
    stem = f"{words or 'grok-video'}-{job.id[:8]}"
    if key == "png-current":
        stem += f"-{at_ms / 1000:.2f}s"
    elif key == "png-last":
        stem += "-last"
    return stem + SUFFIX[key]


class GifOptions(QDialog):
    """Size and frame rate of an animated GIF."""

    def __init__(self, parent: QWidget, width: int, fps: int, video_width: int | None) -> None:
        super().__init__(parent)
        self.setObjectName("gifOptionsDialog")
        self.setWindowTitle("Animated GIF")
        self.width_combo = QComboBox(self)
        self.width_combo.setObjectName("gifWidthCombo")
        for choice in GIF_WIDTHS:
            if video_width is None or choice <= video_width:
                self.width_combo.addItem(f"{choice} pixels wide", choice)
        self.width_combo.addItem(
            f"Full size ({video_width} pixels)" if video_width else "Full size", 0
        )
        index = self.width_combo.findData(width)
        self.width_combo.setCurrentIndex(max(0, index))
        self.fps_combo = QComboBox(self)
        self.fps_combo.setObjectName("gifFpsCombo")
        for choice in GIF_FPS:
            self.fps_combo.addItem(f"{choice} frames a second", choice)
        self.fps_combo.setCurrentIndex(max(0, self.fps_combo.findData(fps)))
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Choose file…")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        form.addRow("Size", self.width_combo)
        form.addRow("Smoothness", self.fps_combo)
        form.addRow(buttons)

    def choice(self) -> tuple[int, int]:
        return int(self.width_combo.currentData()), int(self.fps_combo.currentData())


async def choose_output(parent: QWidget, folder: str, name: str, key: str) -> Path | None:
    dialog = QFileDialog(parent, "Export")
    dialog.setObjectName("exportFileDialog")
    dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
    dialog.setFileMode(QFileDialog.FileMode.AnyFile)
    dialog.setNameFilter(FILTERS[key])
    dialog.setDefaultSuffix(SUFFIX[key].lstrip("."))
    dialog.setOption(
        QFileDialog.Option.DontUseNativeDialog,
        QGuiApplication.platformName() in ("offscreen", "minimal"),
    )
    if folder and Path(folder).is_dir():
        dialog.setDirectory(folder)
    else:
        dialog.setDirectory(str(Path.home()))
    dialog.selectFile(name)
    code = await dialog_result(dialog)
    files = dialog.selectedFiles()
    dialog.deleteLater()
    if code != QDialog.DialogCode.Accepted or not files:
        return None
    return Path(files[0])


class ExportJob:
    """One export running in a thread, with a progress dialog that can stop it."""

    def __init__(self, parent: QWidget, label: str) -> None:
        self.cancel_flag = threading.Event()
        self.dialog = QProgressDialog(label, "Cancel", 0, 1000, parent)
        self.dialog.setObjectName("exportProgress")
        self.dialog.setWindowTitle("Exporting")
        self.dialog.setWindowModality(Qt.WindowModality.WindowModal)
        self.dialog.setMinimumDuration(400)  # quick exports never flash a dialog
        self.dialog.setAutoClose(False)
        self.dialog.setAutoReset(False)
        self.dialog.canceled.connect(self.cancel_flag.set)
        self.dialog.setValue(0)
        self._loop = asyncio.get_event_loop()
        self.closed = False

    def progress(self, fraction: float) -> None:
        """Called from the worker thread."""
        value = int(max(0.0, min(1.0, fraction)) * 1000)
        self._loop.call_soon_threadsafe(self._show, value)

    def _show(self, value: int) -> None:
        if not self.cancel_flag.is_set() and not self.closed:
            self.dialog.setValue(value)

    def cancelled(self) -> bool:
        return self.cancel_flag.is_set()

    def close(self) -> None:
        self.closed = True
        self.dialog.canceled.disconnect(self.cancel_flag.set)
        self.dialog.reset()
        self.dialog.hide()
        self.dialog.deleteLater()


async def run_export(
    parent: QWidget,
    job: Job,
    key: str,
    target: Path,
    *,
    at_ms: int = 0,
    gif: tuple[int, int] = (480, 12),
) -> Path | None:
    """Export the job's video; None if cancelled. Raises GrokVideoError with a message."""
    if not job.video_path or not Path(job.video_path).exists():
        raise GrokVideoError("The video file is missing from the library.")
    source = Path(job.video_path)
    fmt = "png" if key.startswith("png") else key
    target = check_output_path(target, fmt)
    if target == source.resolve():
        raise GrokVideoError("Choose another file: that is the library's own copy.")
    work = ExportJob(parent, f"Exporting {target.name}…")
    kwargs: dict[str, Any] = {"progress": work.progress, "cancelled": work.cancelled}
    try:
        if fmt == "mp4":
            await asyncio.to_thread(
                export_mp4, source, target, metadata=job_metadata(job), **kwargs
            )
        elif fmt == "gif":
            width, fps = gif
            await asyncio.to_thread(
                export_gif, source, target, width=width or None, fps=fps, **kwargs
            )
        else:
            at: float | str = "last" if key == "png-last" else at_ms / 1000
            await asyncio.to_thread(export_png, source, target, at=at, **kwargs)  # type: ignore[arg-type]
    except ExportCancelled:
        return None
    except NotAVideo as exc:
        raise GrokVideoError(f"The video could not be read: {exc}") from exc
    except OSError as exc:
        raise GrokVideoError(f"Could not write {target}: {exc.strerror or exc}") from exc
    finally:
        work.close()
    return target
