"""Starting the real app (run_app with its own loop), the key at first start, settings, player."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialog, QLineEdit, QPushButton

from grok_video.core.secrets import KeyStore
from grok_video.gui.app import run_app
from grok_video.gui.main_window import MainWindow

from .test_gui import Harness, job_rows, until

pytestmark = pytest.mark.gui

Step = tuple[Callable[[], object], Callable[[], None]]


def drive(steps: list[Step], timeout_ms: int = 60_000) -> list[str]:
    """Run steps inside the app's own event loop: wait for each condition, then act."""
    queue = list(steps)
    problems: list[str] = []
    timer = QTimer()
    timer.setInterval(20)
    waited = [0]

    def tick() -> None:
        waited[0] += 20
        if not queue:
            timer.stop()
            return
        condition, action = queue[0]
        if waited[0] > timeout_ms:
            problems.append(f"timed out at step {len(steps) - len(queue) + 1}")
            timer.stop()
            for widget in QApplication.topLevelWidgets():
                widget.close()
            return
        if condition():
            queue.pop(0)
            action()

    timer.timeout.connect(tick)
    timer.start()
    return problems


def main_window() -> MainWindow | None:
    for widget in QApplication.topLevelWidgets():
        if isinstance(widget, MainWindow) and widget.isVisible():
            return widget
    return None


def visible_dialog(name: str) -> QDialog | None:
    for widget in QApplication.topLevelWidgets():
        if isinstance(widget, QDialog) and widget.objectName() == name and widget.isVisible():
            return widget
    return None


def test_first_start_asks_for_the_key_and_keeps_it_in_the_keyring(
    qapp, data_dir: Path, sandbox
) -> None:
    if not os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
        pytest.fail("needs the Secret Service: run the suite through tools/with-session")
    keys = KeyStore()
    keys.delete()
    key = "sk-first-run-4242"

    def type_key() -> None:
        dialog = visible_dialog("welcomeDialog")
        assert dialog is not None
        edit = dialog.findChild(QLineEdit, "keyEdit")
        assert edit.echoMode() == QLineEdit.EchoMode.Password
        edit.setText(key)
        [save] = [b for b in dialog.findChildren(QPushButton) if b.text() == "Check and save"]
        save.click()

    problems = drive(
        [
            (lambda: visible_dialog("welcomeDialog"), type_key),
            (lambda: visible_dialog("welcomeDialog") is None and main_window(), lambda: None),
            (lambda: True, lambda: main_window().close()),  # type: ignore[union-attr]
        ]
    )
    code = run_app(data_dir=str(data_dir), base_url=sandbox.url)
    assert problems == []
    assert code == 0
    assert keys.get() == key
    assert not [p for p in data_dir.rglob("*") if p.is_file() and key.encode() in p.read_bytes()]
    keys.delete()


def test_sandbox_start_asks_nothing_and_makes_a_video(qapp, data_dir: Path) -> None:
    state: dict[str, object] = {}

    def generate() -> None:
        window = main_window()
        assert window is not None
        state["title"] = window.windowTitle()
        state["asked"] = bool(visible_dialog("keyDialog") or visible_dialog("welcomeDialog"))
        window.prompt_edit.setPlainText("Sandbox start")
        window.generate_button.click()

    def finished() -> bool:
        window = main_window()
        return bool(window and job_rows(window) and job_rows(window)[0].status.value == "completed")

    problems = drive(
        [
            (main_window, generate),
            (finished, lambda: main_window().close()),  # type: ignore[union-attr]
        ]
    )
    code = run_app(data_dir=str(data_dir), sandbox=True)
    assert problems == []
    assert code == 0
    assert state == {"title": "Sandbox — Grok Video", "asked": False}
    videos = list((data_dir / "videos").glob("*.mp4"))
    assert len(videos) == 1


def test_a_newer_database_is_refused_with_a_message(qapp, data_dir: Path) -> None:
    import sqlite3

    con = sqlite3.connect(data_dir / "library.sqlite3")
    con.execute("PRAGMA user_version = 99")
    con.close()
    seen: list[str] = []

    def read_and_close() -> None:
        box = QApplication.activeModalWidget()
        seen.append(box.text())  # type: ignore[union-attr]
        box.close()  # type: ignore[union-attr]

    drive([(QApplication.activeModalWidget, read_and_close)])
    assert run_app(data_dir=str(data_dir), sandbox=True) == 2
    assert "newer version" in seen[0]


def test_settings_refuse_plain_http_and_keep_https(harness: Harness, qtbot, sandbox) -> None:
    window = harness.open(sandbox.url)
    window.open_settings()
    until(qtbot, lambda: visible_dialog("settingsDialog") is not None)
    dialog = visible_dialog("settingsDialog")
    edit = dialog.findChild(QLineEdit, "baseUrlEdit")
    assert "GROK_VIDEO_API_KEY" in dialog.key_label.text()  # type: ignore[attr-defined]
    edit.setText("http://api.example.com")
    [save] = [b for b in dialog.findChildren(QPushButton) if b.text() == "Save"]
    qtbot.mouseClick(save, Qt.MouseButton.LeftButton)
    assert dialog.isVisible()
    assert "https://" in dialog.error_label.text()  # type: ignore[attr-defined]
    edit.setText("https://api.example.com/")
    qtbot.mouseClick(save, Qt.MouseButton.LeftButton)
    until(qtbot, lambda: visible_dialog("settingsDialog") is None)
    saved = json.loads((harness.data_dir / "settings.json").read_text())
    assert saved["base_url"] == "https://api.example.com"
    assert window.service_label.text() == "api.example.com"


def test_player_controls(harness: Harness, qtbot, sandbox) -> None:
    window = harness.open(sandbox.url)
    window.prompt_edit.setPlainText("Controls")
    window.submit()
    until(qtbot, lambda: window.player.video.frames_shown >= 2)
    panel = window.player
    assert panel.loop_button.isChecked()
    qtbot.mouseClick(panel.mute_button, Qt.MouseButton.LeftButton)
    assert panel.audio.isMuted()
    panel.volume.setValue(30)
    assert abs(panel.audio.volume() - 0.3) < 0.01
    qtbot.mouseClick(panel.play_button, Qt.MouseButton.LeftButton)
    until(qtbot, lambda: panel.play_button.accessibleName() == "Play")  # now paused
    shown = panel.video.frames_shown
    qtbot.mouseClick(panel.play_button, Qt.MouseButton.LeftButton)
    until(qtbot, lambda: panel.video.frames_shown > shown)
    assert panel.position.maximum() > 0
    assert "/ 0:0" in panel.time_label.text()


def test_the_smoke_run_makes_plays_and_quits_cleanly(data_dir: Path) -> None:
    """What the packaged build's smoke test runs: a real start, a video made and decoded on
    screen, then a clean quit with exit code 0."""
    import subprocess
    import sys

    env = dict(os.environ, GROK_VIDEO_DATA_DIR=str(data_dir), GROK_VIDEO_SMOKE="1")
    proc = subprocess.run(
        [sys.executable, "-m", "grok_video", "--sandbox"],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "smoke: ok" in proc.stdout
    assert list((data_dir / "videos").glob("*.mp4"))


def test_sigterm_quits_the_window_cleanly(data_dir: Path) -> None:
    """A session ending sends SIGTERM: the app closes its window and exits 0."""
    import signal
    import subprocess
    import sys
    import time

    env = dict(os.environ, GROK_VIDEO_DATA_DIR=str(data_dir))
    proc = subprocess.Popen(
        [sys.executable, "-m", "grok_video", "--sandbox"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    log = data_dir / "logs" / "grok-video.log"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not (log.exists() and "Window shown" in log.read_text()):
        time.sleep(0.1)  # another process: nothing to wait on but its log
    proc.send_signal(signal.SIGTERM)
    _out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err[-2000:]
