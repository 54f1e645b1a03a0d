"""The welcome screen: a key checked with the service before it is kept, or the sandbox."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialog, QLabel, QPushButton

from grok_video.core.secrets import KeyStore
from grok_video.gui.dialogs import KeyDialog

from .conftest import polls, posts
from .test_gui import Harness, job_rows, until

pytestmark = pytest.mark.gui


@pytest.fixture
def keys() -> KeyStore:
    store = KeyStore()
    store.delete()
    yield store
    store.delete()


def stored(keys: KeyStore) -> str | None:
    """What the keyring itself holds (the harness also sets GROK_VIDEO_API_KEY)."""
    import keyring

    return keyring.get_password(keys.service, keys.account)


def welcome(window, qtbot) -> KeyDialog:  # type: ignore[no-untyped-def]
    window.spawn(window.ask_for_key(first_run=True))
    until(qtbot, lambda: isinstance(QApplication.activeModalWidget(), KeyDialog))
    dialog = QApplication.activeModalWidget()
    assert dialog.objectName() == "welcomeDialog"
    return dialog


def type_and_check(qtbot, dialog: KeyDialog, key: str) -> None:  # type: ignore[no-untyped-def]
    dialog.key_edit.setFocus()
    qtbot.keyClicks(dialog.key_edit, key)
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)


def test_a_good_key_is_checked_then_kept(harness: Harness, qtbot, sandbox, keys) -> None:
    window = harness.open(sandbox.url)
    dialog = welcome(window, qtbot)
    link = dialog.findChild(QLabel, "welcomeText")
    assert "apiin.one" in link.text() and link.openExternalLinks()
    type_and_check(qtbot, dialog, "sk-good-key-2024")
    until(qtbot, lambda: not dialog.isVisible())
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert stored(keys) == "sk-good-key-2024"
    [check] = [r for r in sandbox.requests() if "grok-video-key-check" in str(r["path"])]
    assert check["headers"]["authorization"] == "Bearer sk-good-key-2024"
    assert posts(sandbox) == []  # checking a key never makes (or pays for) a video


def test_a_refused_key_is_said_and_not_kept(harness: Harness, qtbot, sandbox, keys) -> None:
    sandbox.configure(rejected_keys=["sk-wrong"])
    window = harness.open(sandbox.url)
    dialog = welcome(window, qtbot)
    type_and_check(qtbot, dialog, "sk-wrong")
    until(qtbot, lambda: dialog.error_label.isVisible())
    assert "refused this key" in dialog.error_label.text()
    assert dialog.isVisible() and stored(keys) is None
    dialog.reject()


def test_no_network_is_said_and_nothing_is_kept(harness: Harness, qtbot, sandbox, keys) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{probe.getsockname()[1]}"
    window = harness.open(dead)
    dialog = welcome(window, qtbot)
    type_and_check(qtbot, dialog, "sk-offline-1")
    until(qtbot, lambda: dialog.error_label.isVisible())
    assert "Could not reach the service" in dialog.error_label.text()
    assert stored(keys) is None
    dialog.reject()


def test_no_keyring_is_said_before_asking_the_service(
    harness: Harness, qtbot, sandbox, monkeypatch
) -> None:
    window = harness.open(sandbox.url)
    monkeypatch.delenv("GROK_VIDEO_API_KEY")
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus")
    dialog = welcome(window, qtbot)
    type_and_check(qtbot, dialog, "sk-nowhere-1")
    until(qtbot, lambda: dialog.error_label.isVisible())
    assert "keyring" in dialog.error_label.text().lower()
    assert not [r for r in sandbox.requests() if "key-check" in str(r["path"])]
    dialog.reject()


def test_try_it_in_the_sandbox_needs_no_key(harness: Harness, qtbot, sandbox, keys) -> None:
    window = harness.open("https://api.invalid")
    dialog = welcome(window, qtbot)
    qtbot.mouseClick(dialog.findChild(QPushButton, "sandboxButton"), Qt.MouseButton.LeftButton)
    until(qtbot, lambda: not dialog.isVisible())
    assert window.windowTitle() == "Sandbox — Grok Video"
    window.prompt_edit.setPlainText("A sandbox try")
    window.submit()
    until(qtbot, lambda: job_rows(window) and job_rows(window)[0].status.value == "completed")
    assert job_rows(window)[0].cost_credits == 0
    assert stored(keys) is None
    assert polls(sandbox) == []  # the built-in sandbox, not the test's
    assert Path(job_rows(window)[0].video_path).exists()
