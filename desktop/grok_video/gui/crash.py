"""What the person sees when something unexpected breaks: a short report they can copy."""

from __future__ import annotations

import platform
import traceback

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import qVersion
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from .. import APP_DISPLAY_NAME, __version__
from ..core.context import redact

FRAMES = 8  # the innermost frames are what a bug report needs


def crash_report(exc: BaseException | None, context: str = "") -> str:
    """Versions, the error and its innermost frames; redacted (no key, no signed URLs)."""
    lines = [
        f"{APP_DISPLAY_NAME} {__version__}",
        f"Python {platform.python_version()} · Qt {qVersion()} · PySide6 {pyside_version}",
        f"{platform.system()} {platform.release()} ({platform.machine()})",
        "",
    ]
    if context:
        lines.append(f"Where: {context}")
    if exc is not None:
        lines.append(f"Error: {type(exc).__name__}: {exc}")
        frames = traceback.extract_tb(exc.__traceback__)[-FRAMES:]
        lines.append("")
        lines += [line.rstrip() for line in traceback.format_list(frames)]
    return redact("\n".join(lines))


class CrashDialog(QDialog):
    """Says what happened in words, with the report to copy; the app keeps running."""

    def __init__(self, report: str, log_folder: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("crashDialog")
        self.setWindowTitle("Something went wrong")
        self.setMinimumSize(560, 360)
        intro = QLabel(
            f"{APP_DISPLAY_NAME} hit an unexpected error. Your videos and jobs are safe: "
            "everything was saved before this happened, and jobs carry on.\n\n"
            "If you report it, include the text below (it holds no key and no private links). "
            f"The full details are in the log, in {log_folder}.",
            self,
        )
        intro.setWordWrap(True)
        self.report = QPlainTextEdit(report, self)
        self.report.setObjectName("crashReport")
        self.report.setReadOnly(True)
        self.report.setAccessibleName("Error report")
        font = self.report.font()
        font.setFamily("monospace")
        self.report.setFont(font)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.copy_button = QPushButton("Copy report", self)
        self.copy_button.setObjectName("copyReportButton")
        buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.copy_button.clicked.connect(self.copy)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.report, 1)
        layout.addWidget(buttons)

    def copy(self) -> None:
        QApplication.clipboard().setText(self.report.toPlainText())
        self.copy_button.setText("Copied")
