"""Dialogs. Never exec() inside a coroutine: open() the dialog and await a future."""

from __future__ import annotations

import asyncio
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from .. import APP_DISPLAY_NAME
from ..core.errors import GrokVideoError
from ..core.runner import keep_task
from .adapter import JobsController
from .style import error_label

KEY_HELP_URL = "https://apiin.one"


def dialog_result(dialog: QDialog) -> asyncio.Future[int]:
    """Open the dialog (window-modal, non-blocking) and return a future of its result code."""
    loop = asyncio.get_event_loop()
    future: asyncio.Future[int] = loop.create_future()

    def finished(code: int) -> None:
        if not future.done():
            future.set_result(code)

    dialog.finished.connect(finished)
    dialog.open()
    return future


async def confirm(parent: QWidget, title: str, text: str, accept_text: str) -> bool:
    box = QMessageBox(
        QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.Cancel, parent
    )
    box.setObjectName("confirmDialog")
    accept = box.addButton(accept_text, QMessageBox.ButtonRole.AcceptRole)
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)
    await dialog_result(box)
    return box.clickedButton() is accept


class KeyDialog(QDialog):
    """Asks for the API in One key, checks it with the service, and keeps it in the keyring.

    At first start it is the welcome screen (`welcomeDialog`), which also offers the sandbox.
    """

    def __init__(
        self, controller: JobsController, parent: QWidget | None = None, *, first_run: bool = False
    ) -> None:
        super().__init__(parent)
        self.controller = controller
        self.used_sandbox = False
        self._tasks: set[asyncio.Task[Any]] = set()
        self.setObjectName("welcomeDialog" if first_run else "keyDialog")
        self.setWindowTitle(f"Welcome to {APP_DISPLAY_NAME}" if first_run else "API key")
        self.setMinimumWidth(500)
        title = QLabel(f"<h2>Welcome to {APP_DISPLAY_NAME}</h2>", self)
        title.setVisible(first_run)
        intro = QLabel(
            (
                "Make short videos from a sentence or a picture with Grok Imagine. "
                if first_run
                else ""
            )
            + "Paste your API in One key: it is checked with the service, then kept in your "
            "system keyring, never in a file. "
            f'Keys come from <a href="{KEY_HELP_URL}">apiin.one</a>; each video costs about $0.24.',
            self,
        )
        intro.setObjectName("welcomeText")
        intro.setWordWrap(True)
        intro.setOpenExternalLinks(True)
        intro.setTextFormat(Qt.TextFormat.RichText)

        self.key_edit = QLineEdit(self)
        self.key_edit.setObjectName("keyEdit")
        self.key_edit.setAccessibleName("API key")
        self.key_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.key_edit.setPlaceholderText("Paste the key here")
        self.show_button = QPushButton("Show", self)
        self.show_button.setCheckable(True)
        self.show_button.setAccessibleName("Show the key")
        self.show_button.toggled.connect(
            lambda on: self.key_edit.setEchoMode(
                QLineEdit.EchoMode.Normal if on else QLineEdit.EchoMode.Password
            )
        )
        row = QHBoxLayout()
        row.addWidget(self.key_edit, 1)
        row.addWidget(self.show_button)

        self.status_label = QLabel("", self)
        self.status_label.setObjectName("keyStatus")
        self.status_label.setWordWrap(True)
        self.error_label = error_label(self, "keyError")

        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self
        )
        if first_run:
            buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("Later")
        buttons.accepted.connect(self._save)
        buttons.rejected.connect(self.reject)
        self.save_button = buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setText("Check and save")
        self.save_button.setObjectName("checkKeyButton")
        self.save_button.setEnabled(False)
        self.key_edit.textChanged.connect(lambda t: self.save_button.setEnabled(bool(t.strip())))

        self.sandbox_button = QPushButton("Try it in the sandbox — free, no key", self)
        self.sandbox_button.setObjectName("sandboxButton")
        self.sandbox_button.setToolTip(
            "Practice videos made on this computer: nothing is sent and nothing is charged."
        )
        self.sandbox_button.clicked.connect(self._use_sandbox)
        self.sandbox_button.setVisible(first_run)

        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(intro)
        layout.addLayout(row)
        layout.addWidget(self.status_label)
        layout.addWidget(self.error_label)
        layout.addWidget(buttons)
        if first_run:
            layout.addSpacing(8)
            layout.addWidget(self.sandbox_button, 0, Qt.AlignmentFlag.AlignLeft)

    def _save(self) -> None:
        if not self.save_button.isEnabled():
            return
        keep_task(self._tasks, self._check_and_save())

    async def _check_and_save(self) -> None:
        self.save_button.setEnabled(False)
        self.error_label.hide()
        self.status_label.setText("Checking the key with the service…")
        try:
            await self.controller.check_and_store_key(self.key_edit.text())
        except GrokVideoError as exc:
            self.status_label.setText("")
            self.error_label.setText(exc.message)
            self.error_label.show()
            self.save_button.setEnabled(bool(self.key_edit.text().strip()))
            return
        self.key_edit.clear()
        self.accept()

    def _use_sandbox(self) -> None:
        self.controller.use_sandbox()
        self.used_sandbox = True
        self.accept()

    def done(self, code: int) -> None:
        for task in list(self._tasks):
            task.cancel()
        super().done(code)


class SettingsDialog(QDialog):
    """The service's address and the key (replace, delete)."""

    def __init__(self, controller: JobsController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.setObjectName("settingsDialog")
        self.setWindowTitle("Settings")
        self.setMinimumWidth(520)

        self.base_url_edit = QLineEdit(controller.ctx.settings.base_url, self)
        self.base_url_edit.setObjectName("baseUrlEdit")
        self.base_url_edit.setAccessibleName("Service address")
        if controller.is_sandbox:
            self.base_url_edit.setToolTip(
                "The sandbox is in use now; this applies to normal starts."
            )

        self.key_label = QLabel(self)
        self.key_label.setObjectName("keyStatusLabel")
        self.key_label.setWordWrap(True)
        self.replace_button = QPushButton("Replace key…", self)
        self.replace_button.setObjectName("replaceKeyButton")
        self.delete_button = QPushButton("Delete key", self)
        self.delete_button.setObjectName("deleteKeyButton")
        self.replace_button.clicked.connect(self._replace_key)
        self.delete_button.clicked.connect(self._delete_key)
        key_row = QHBoxLayout()
        key_row.addWidget(self.key_label, 1)
        key_row.addWidget(self.replace_button)
        key_row.addWidget(self.delete_button)

        self.error_label = error_label(self, "settingsError")

        self.budget_spin = QSpinBox(self)
        self.budget_spin.setObjectName("budgetSpin")
        self.budget_spin.setAccessibleName("Monthly budget in credits")
        self.budget_spin.setRange(0, 10_000_000)
        self.budget_spin.setSingleStep(240)
        self.budget_spin.setSpecialValueText("No budget")
        self.budget_spin.setSuffix(" credits")
        self.budget_spin.setValue(controller.ctx.settings.monthly_budget_credits or 0)
        self.budget_spin.setToolTip(
            "Ask before a video that would take this month's spending past this "
            "(a video is 24 credits, about $0.24)."
        )

        form = QFormLayout()
        form.addRow("Service address", self.base_url_edit)
        form.addRow("API key", key_row)
        form.addRow("Monthly budget", self.budget_spin)

        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self._save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error_label)
        layout.addWidget(buttons)
        self._refresh_key()

    def _refresh_key(self) -> None:
        try:
            status = self.controller.key_status()
        except GrokVideoError as exc:
            self.key_label.setText(exc.message)
            self.replace_button.setEnabled(False)
            self.delete_button.setEnabled(False)
            return
        if status.source == "environment":
            text = f"From GROK_VIDEO_API_KEY (ending …{status.hint}); not stored."
        elif status.source == "keyring":
            text = f"Stored in the system keyring (ending …{status.hint})."
        else:
            text = "No key stored."
        self.key_label.setText(text)
        self.delete_button.setEnabled(status.source == "keyring")

    def _replace_key(self) -> None:
        dialog = KeyDialog(self.controller, self)
        dialog.finished.connect(lambda _code: self._refresh_key())
        dialog.open()

    def _delete_key(self) -> None:
        try:
            self.controller.delete_key()
        except GrokVideoError as exc:
            self.error_label.setText(exc.message)
            self.error_label.show()
        self._refresh_key()

    def _save(self) -> None:
        try:
            self.controller.set_base_url(self.base_url_edit.text())
        except GrokVideoError as exc:
            self.error_label.setText(exc.message)
            self.error_label.show()
            return
        self.controller.set_budget(self.budget_spin.value())
        self.accept()
