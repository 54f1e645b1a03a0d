"""The real window, offscreen, driven by real key and mouse events against the sandbox."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import pytest
import shiboken6
from PySide6.QtCore import QEvent, Qt
from PySide6.QtWidgets import QApplication, QListView, QMessageBox, QPlainTextEdit, QPushButton

from grok_video.core.context import AppContext
from grok_video.core.models import JobStatus
from grok_video.gui.adapter import JobsController
from grok_video.gui.library_model import LibraryModel, Roles
from grok_video.gui.main_window import MainWindow

from .conftest import posts

pytestmark = pytest.mark.gui


class Harness:
    """Opens windows on one library, the way the app does, and closes them cleanly."""

    def __init__(self, qtbot, qloop, data_dir: Path) -> None:
        self.qtbot = qtbot
        self.loop = qloop
        self.data_dir = data_dir
        self.opened: list[tuple[AppContext, JobsController, MainWindow]] = []
        # Closed windows stay referenced until teardown: a Qt object collected by Python while
        # Qt still dispatches to it crashes the process.
        self.retired: list[tuple[AppContext, JobsController, MainWindow]] = []

    def open(self, base_url: str) -> MainWindow:
        ctx = AppContext.open(data_dir=str(self.data_dir), base_url=base_url, log=False)
        controller = JobsController(ctx)
        window = MainWindow(controller)
        self.qtbot.addWidget(window)
        window.present()
        self.qtbot.waitActive(window)
        controller.resume_all()
        self.opened.append((ctx, controller, window))
        return window

    def close(self, window: MainWindow) -> None:
        for entry in list(self.opened):
            ctx, controller, win = entry
            if win is window:
                win.close()
                done = asyncio.ensure_future(controller.shutdown())
                self.qtbot.waitUntil(done.done, timeout=10_000)
                done.result()
                ctx.close()
                self.opened.remove(entry)
                self.retired.append(entry)

    def close_all(self) -> None:
        for _, _, window in list(self.opened):
            self.close(window)
        # Delete every Qt object here, on the GUI thread, not whenever (and wherever) the
        # garbage collector would get to it.
        for _, controller, window in self.retired:
            for obj in (window, controller):
                if shiboken6.isValid(obj):  # qtbot may have deleted the window already
                    obj.deleteLater()
        QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        self.retired.clear()


def job_rows(window: MainWindow) -> list:
    model = window.jobs_view.model()
    return [model.index(r, 0).data(Roles.Job) for r in range(model.rowCount())]


def status_of(window: MainWindow, row: int = 0) -> str | None:
    rows = job_rows(window)
    return rows[row].status.value if len(rows) > row else None


def until(qtbot, condition: Callable[[], bool], timeout: int = 30_000) -> None:
    qtbot.waitUntil(condition, timeout=timeout)


def test_prompt_to_playing_video_with_ctrl_return(harness: Harness, qtbot, sandbox) -> None:
    window = harness.open(sandbox.url)
    prompt = window.findChild(QPlainTextEdit, "promptEdit")
    until(qtbot, lambda: QApplication.focusWidget() is prompt, timeout=5000)
    qtbot.keyClicks(prompt, "A lighthouse in a storm")
    assert window.count_label.text() == "23 / 5,000"
    qtbot.keyClick(prompt, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)

    until(qtbot, lambda: status_of(window) == "completed")
    [job] = job_rows(window)
    assert job.prompt == "A lighthouse in a storm"
    assert Path(job.video_path).is_file()
    assert prompt.toPlainText() == "A lighthouse in a storm"  # kept, to tweak and go again
    # The finished job is selected and plays: decoded frames reach the video sink.
    until(qtbot, lambda: window.player.video.frames_shown >= 3)
    assert not window.player.video.current_image().isNull()
    assert "Ready" in window.details.meta.text()
    assert len(posts(sandbox)) == 1


def test_generate_button_and_the_finished_tile(harness: Harness, qtbot, sandbox) -> None:
    window = harness.open(sandbox.url)
    window.prompt_edit.setPlainText("Clouds over hills")
    window.aspect_combo.setCurrentIndex(window.aspect_combo.findData("1:1"))
    qtbot.mouseClick(window.findChild(QPushButton, "generateButton"), Qt.MouseButton.LeftButton)
    until(qtbot, lambda: status_of(window) == "completed")
    assert posts(sandbox)[0]["body"]["aspect_ratio"] == "1:1"
    model = window.jobs_view.model()
    index = model.index(0, 0)
    assert index.data() == "Clouds over hills"
    assert index.data(Qt.ItemDataRole.AccessibleTextRole) == "Clouds over hills, Ready"
    assert index.data(Roles.Progress) == 100
    # The tile's thumbnail is made from the real clip, once, and kept on disk.
    until(qtbot, lambda: index.data(Roles.Thumbnail) is not None)
    thumb = index.data(Roles.Thumbnail)
    assert thumb.width() == thumb.height() > 0  # the 1:1 clip, never stretched
    job = index.data(Roles.Job)
    assert (harness.data_dir / "thumbnails" / f"{job.id}.jpg").exists()


def test_over_long_prompt_is_refused_in_words(harness: Harness, qtbot, sandbox) -> None:
    window = harness.open(sandbox.url)
    window.prompt_edit.setPlainText("z" * 5001)
    assert window.count_label.text() == "5,001 / 5,000"
    assert "over the limit" in window.count_label.toolTip()
    qtbot.keyClick(window.prompt_edit, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert "5,001 characters" in window.statusBar().currentMessage()
    assert job_rows(window) == []
    assert sandbox.requests() == []


def test_empty_prompt_is_refused_in_words(harness: Harness, qtbot, sandbox) -> None:
    window = harness.open(sandbox.url)
    qtbot.mouseClick(window.generate_button, Qt.MouseButton.LeftButton)
    assert "prompt is empty" in window.statusBar().currentMessage()
    assert sandbox.requests() == []


def test_service_error_shows_in_words(harness: Harness, qtbot, sandbox) -> None:
    sandbox.configure(create_faults=[{"status": 402, "message": "Insufficient credits: 0 left"}])
    window = harness.open(sandbox.url)
    window.prompt_edit.setPlainText("Costs money")
    window.submit()
    until(qtbot, lambda: status_of(window) == "failed")
    assert "Insufficient credits: 0 left" in window.statusBar().currentMessage()
    window.select_job(job_rows(window)[0].id)
    assert window.details.error.text() == "Insufficient credits: 0 left"
    assert window.details.retry_button.isHidden()


def test_unknown_job_offers_retry_that_may_charge_again(harness: Harness, qtbot, sandbox) -> None:
    sandbox.configure(create_faults=[{"status": 500}])
    window = harness.open(sandbox.url)
    window.prompt_edit.setPlainText("Did it go through?")
    window.submit()
    until(qtbot, lambda: status_of(window) == "unknown")
    first = job_rows(window)[0]
    window.select_job(first.id)
    retry = window.details.retry_button
    assert retry.isVisible() and "may charge again" in retry.text()
    assert window.jobs_view.model().index(0, 0).data(Roles.Status) == "unknown"

    qtbot.mouseClick(retry, Qt.MouseButton.LeftButton)
    until(qtbot, lambda: isinstance(QApplication.activeModalWidget(), QMessageBox))
    box = QApplication.activeModalWidget()
    assert "charged" in box.text()
    [accept] = [b for b in box.buttons() if "may charge again" in b.text()]
    qtbot.mouseClick(accept, Qt.MouseButton.LeftButton)

    until(qtbot, lambda: status_of(window, 0) == "completed")
    rows = job_rows(window)
    assert rows[0].retry_of == first.id
    assert rows[1].status is JobStatus.CANCELLED
    keys = [p["headers"]["idempotency-key"] for p in posts(sandbox)]
    assert keys == [first.id, rows[0].id]


def test_cancelling_the_retry_sends_nothing(harness: Harness, qtbot, sandbox) -> None:
    sandbox.configure(create_faults=[{"reset": True}])
    window = harness.open(sandbox.url)
    window.prompt_edit.setPlainText("Reset")
    window.submit()
    until(qtbot, lambda: status_of(window) == "unknown")
    window.select_job(job_rows(window)[0].id)
    qtbot.mouseClick(window.details.retry_button, Qt.MouseButton.LeftButton)
    until(qtbot, lambda: isinstance(QApplication.activeModalWidget(), QMessageBox))
    box = QApplication.activeModalWidget()
    qtbot.mouseClick(box.button(QMessageBox.StandardButton.Cancel), Qt.MouseButton.LeftButton)
    until(qtbot, lambda: QApplication.activeModalWidget() is None)
    assert len(posts(sandbox)) == 1
    assert status_of(window) == "unknown"


def test_closing_mid_job_then_restart_carries_it_on_and_plays_offline(
    harness: Harness, qtbot, sandbox, data_dir: Path
) -> None:
    sandbox.configure(poll_faults=[{"status": 503}] * 3)
    window = harness.open(sandbox.url)
    window.prompt_edit.setPlainText("Survives a restart")
    window.submit()
    until(qtbot, lambda: status_of(window) == "running")
    harness.close(window)

    second = harness.open(sandbox.url)
    assert status_of(second) in ("running", "downloading", "completed")
    until(qtbot, lambda: status_of(second) == "completed")
    assert len(posts(sandbox)) == 1
    job_id = job_rows(second)[0].id
    harness.close(second)

    # The network is gone: the library still opens and plays.
    offline = harness.open("http://127.0.0.1:9")
    offline.select_job(job_id)
    until(qtbot, lambda: offline.player.video.frames_shown >= 3)
    assert status_of(offline) == "completed"


def test_search_filters_the_jobs_list(harness: Harness, qtbot, sandbox) -> None:
    window = harness.open(sandbox.url)
    for prompt in ("Red balloon", "Blue whale", "Red panda"):
        window.prompt_edit.setPlainText(prompt)
        window.submit()
    until(qtbot, lambda: len(job_rows(window)) == 3)
    until(qtbot, lambda: all(j.status.ended for j in job_rows(window)))
    qtbot.keyClicks(window.search_edit, "red")
    until(qtbot, lambda: sorted(j.prompt for j in job_rows(window)) == ["Red balloon", "Red panda"])


def test_jobs_model_passes_the_model_tester(
    qtmodeltester, harness: Harness, qtbot, sandbox
) -> None:
    window = harness.open(sandbox.url)
    window.prompt_edit.setPlainText("Model check")
    window.submit()
    until(qtbot, lambda: status_of(window) == "completed")
    qtmodeltester.check(window.model)
    empty = LibraryModel(lambda _q: [], lambda _ids: {})
    qtmodeltester.check(empty)
    assert isinstance(window.findChild(QListView, "jobsView"), QListView)


def test_a_failing_window_task_reaches_the_one_error_handler(harness: Harness, qtbot, sandbox):
    window = harness.open(sandbox.url)
    seen: list[BaseException] = []
    loop = asyncio.get_event_loop()
    loop.set_exception_handler(lambda _loop, context: seen.append(context["exception"]))

    async def broken() -> None:
        raise RuntimeError("a bug in a window task")

    window.spawn(broken())
    until(qtbot, lambda: bool(seen), timeout=5000)
    assert str(seen[0]) == "a bug in a window task"
    loop.set_exception_handler(None)


def test_every_visible_control_has_a_name_for_screen_readers(harness: Harness) -> None:
    from PySide6.QtWidgets import (
        QAbstractButton,
        QAbstractItemView,
        QAbstractSlider,
        QComboBox,
        QLineEdit,
    )

    window = harness.open("https://api.invalid")
    nameless = []
    for kind in (QAbstractButton, QComboBox, QLineEdit, QAbstractSlider, QPlainTextEdit):
        for widget in window.findChildren(kind):
            if not widget.isVisibleTo(window):
                continue
            text = widget.text() if isinstance(widget, QAbstractButton) else ""
            if not (widget.accessibleName() or text):
                nameless.append(f"{type(widget).__name__} {widget.objectName()!r}")
    for view in window.findChildren(QAbstractItemView):
        if view.isVisibleTo(window) and not view.accessibleName():
            nameless.append(f"{type(view).__name__} {view.objectName()!r}")
    assert nameless == []
    assert window.minimumSize().width() >= 900  # sensible minimum: composer, gallery, player
