"""The offline library in the window: a big library, search and filters, keep, trash, export."""

from __future__ import annotations

import time
from pathlib import Path

import av
import pytest
from PySide6.QtCore import QObject, Qt, QUrl, Slot
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QApplication, QDialog, QFileDialog, QLineEdit, QMessageBox

from grok_video.core.context import AppContext
from grok_video.core.models import JobStatus, Kind
from grok_video.core.store import LibraryQuery
from grok_video.gui.library_model import LibraryModel, Roles

from .conftest import posts
from .library_data import completed_job, synthetic_library
from .test_gui import Harness, job_rows, until

pytestmark = pytest.mark.gui

BIG = 100_000


def rows(window) -> int:  # type: ignore[no-untyped-def]
    return window.jobs_view.model().rowCount()


def modal(qtbot, kind: type = QMessageBox):  # type: ignore[no-untyped-def]
    until(qtbot, lambda: isinstance(QApplication.activeModalWidget(), kind))
    return QApplication.activeModalWidget()


def press(qtbot, box: QMessageBox, words: str) -> None:  # type: ignore[no-untyped-def]
    [button] = [b for b in box.buttons() if words in b.text()]
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    until(qtbot, lambda: QApplication.activeModalWidget() is None)


def clips(data_dir: Path, *prompts: str) -> list[str]:
    """Finished jobs with real clips, written before the window opens (no network)."""
    ctx = AppContext.open(data_dir=str(data_dir), log=False)
    try:
        return [completed_job(ctx, prompt).id for prompt in prompts]
    finally:
        ctx.close()


# -- a library of 100,000 --------------------------------------------------------------------
def test_a_hundred_thousand_jobs_open_scroll_and_search_in_the_window(
    harness: Harness, qtbot, sandbox, data_dir: Path
) -> None:
    started = time.perf_counter()
    synthetic_library(data_dir / "library.sqlite3", BIG)
    built = time.perf_counter()
    window = harness.open(sandbox.url)
    opened = time.perf_counter()
    assert rows(window) == BIG
    assert window.library_bar.count_label.text() == "100,000 videos"
    model = window.jobs_view.model()
    assert model.index(0, 0).data(Roles.Prompt).startswith(f"Clip {BIG - 1}:")  # newest first

    # The first screen came at once; the rest of the ids follow from a worker thread, and the
    # view lays the items out in batches, painting in between.
    until(qtbot, lambda: not model.loading)
    last = model.index(BIG - 1, 0)
    assert last.data(Roles.Prompt).startswith("Clip 0:")
    view = window.jobs_view

    def at_the_end() -> bool:
        view.scrollToBottom()
        return view.visualRect(last).intersects(view.viewport().rect())

    until(qtbot, at_the_end)

    window.search_edit.setFocus()
    qtbot.keyClicks(window.search_edit, "viol")
    expected = window.controller.count(LibraryQuery(search="viol"))
    assert 0 < expected < BIG
    until(qtbot, lambda: rows(window) == expected)
    assert all("violin" in model.index(r, 0).data(Roles.Prompt) for r in range(0, expected, 997))
    searched = time.perf_counter()

    window.library_bar.status_combo.setCurrentIndex(
        window.library_bar.status_combo.findText("Failed")
    )
    failed = window.controller.count(LibraryQuery(search="viol", statuses=(JobStatus.FAILED,)))
    until(qtbot, lambda: rows(window) == failed)
    assert {model.index(r, 0).data(Roles.Status) for r in range(rows(window))} == {"failed"}
    qtbot.mouseClick(window.library_bar.favourites_button, Qt.MouseButton.LeftButton)
    until(
        qtbot,
        lambda: (
            rows(window)
            == window.controller.count(
                LibraryQuery(search="viol", statuses=(JobStatus.FAILED,), favourites=True)
            )
        ),
    )
    window.library_bar.clear_filters()
    until(qtbot, lambda: rows(window) == BIG)
    print(
        f"\n100k library: built {built - started:.2f} s, window open {opened - built:.2f} s, "
        f"search {searched - opened:.2f} s"
    )


def test_the_library_model_passes_the_model_tester(
    qtmodeltester, harness: Harness, qtbot, sandbox, data_dir: Path
) -> None:
    synthetic_library(data_dir / "library.sqlite3", 450)
    window = harness.open(sandbox.url)
    qtmodeltester.check(window.model)
    window.search_edit.setText("owl")
    until(qtbot, lambda: 0 < rows(window) < 450)
    qtmodeltester.check(window.model)
    window.library_bar.kind_combo.setCurrentIndex(2)  # from a picture
    until(qtbot, lambda: all(j.kind is Kind.IMAGE for j in job_rows(window)))
    qtmodeltester.check(window.model)
    qtmodeltester.check(LibraryModel(lambda _q: [], lambda _ids: {}))


# -- keep: details, favourites, tags ------------------------------------------------------------
def test_details_favourites_and_tags(harness: Harness, qtbot, sandbox, data_dir: Path) -> None:
    first, second = clips(data_dir, "A whale under the ice", "Owls at dusk")
    window = harness.open(sandbox.url)
    assert window.select_job(first)
    details = window.details
    job = window.controller.job(first)
    info = details.info.text()
    for fact in (job.id, job.task_id, job.sha256, "320 × 180", "Credits", "File size"):
        assert str(fact) in info
    until(qtbot, lambda: window.player.video.frames_shown > 0)  # selecting previews the clip

    qtbot.mouseClick(details.favourite_button, Qt.MouseButton.LeftButton)
    assert window.controller.job(first).favourite
    details.tags_edit.setFocus()
    qtbot.keyClicks(details.tags_edit, "arctic, Sea")
    qtbot.keyClick(details.tags_edit, Qt.Key.Key_Return)
    assert window.controller.job(first).tags == ("arctic", "Sea")

    qtbot.mouseClick(window.library_bar.favourites_button, Qt.MouseButton.LeftButton)
    until(qtbot, lambda: [j.id for j in job_rows(window)] == [first])
    qtbot.mouseClick(window.library_bar.favourites_button, Qt.MouseButton.LeftButton)
    window.search_edit.setText("arct")
    until(qtbot, lambda: [j.id for j in job_rows(window)] == [first])
    window.search_edit.clear()
    until(qtbot, lambda: rows(window) == 2)

    window.select_job(second)
    window.copy_prompt(second)
    assert QApplication.clipboard().text() == "Owls at dusk"


def test_edit_and_rerun_fill_the_composer_and_rerun_sends_the_same_request(
    harness: Harness, qtbot, sandbox
) -> None:
    window = harness.open(sandbox.url)
    window.prompt_edit.setPlainText("A kite over the sea")
    window.aspect_combo.setCurrentIndex(window.aspect_combo.findData("9:16"))
    window.submit()
    until(qtbot, lambda: job_rows(window)[0].status is JobStatus.COMPLETED)
    job = job_rows(window)[0]
    window.prompt_edit.clear()
    window.aspect_combo.setCurrentIndex(0)

    qtbot.mouseClick(window.details.edit_button, Qt.MouseButton.LeftButton)
    assert window.prompt_edit.toPlainText() == "A kite over the sea"
    assert window.aspect_combo.currentData() == "9:16"
    assert len(posts(sandbox)) == 1  # editing sends nothing

    qtbot.mouseClick(window.details.rerun_button, Qt.MouseButton.LeftButton)
    press(qtbot, modal(qtbot), "Cancel")
    assert len(posts(sandbox)) == 1
    qtbot.mouseClick(window.details.rerun_button, Qt.MouseButton.LeftButton)
    press(qtbot, modal(qtbot), "Make again")
    until(qtbot, lambda: len(job_rows(window)) == 2 and job_rows(window)[0].status.ended)
    first, again = posts(sandbox)
    assert again["body"] == first["body"]
    assert again["headers"]["idempotency-key"] != first["headers"]["idempotency-key"]
    assert job_rows(window)[0].id != job.id


def test_reveal_opens_the_folder_with_the_file(harness: Harness, qtbot, sandbox, data_dir) -> None:
    [job_id] = clips(data_dir, "Reveal me")
    opened: list[str] = []

    class Handler(QObject):
        @Slot(QUrl)
        def open(self, url: QUrl) -> None:
            opened.append(url.toLocalFile())

    handler = Handler()
    QDesktopServices.setUrlHandler("file", handler, "open")
    try:
        window = harness.open(sandbox.url)
        window.select_job(job_id)
        qtbot.mouseClick(window.details.reveal_button, Qt.MouseButton.LeftButton)
        until(qtbot, lambda: opened == [str(data_dir / "videos")])
    finally:
        QDesktopServices.unsetUrlHandler("file")


# -- delete safely ---------------------------------------------------------------------------
def test_delete_key_moves_to_trash_undo_and_restore_bring_it_back(
    harness: Harness, qtbot, sandbox, data_dir: Path
) -> None:
    keep, gone = clips(data_dir, "Keep", "Delete with the key")
    window = harness.open(sandbox.url)
    video = data_dir / "videos" / f"{gone}.mp4"
    window.select_job(gone)
    # (Once the preview plays: a file moved away while the player opens it makes it warn.)
    until(qtbot, lambda: window.player.video.frames_shown > 0)
    # Typing Delete in the search field edits the text; it never deletes a video.
    window.search_edit.setFocus()
    qtbot.keyClick(window.search_edit, Qt.Key.Key_Delete)
    assert video.exists() and rows(window) == 2

    window.jobs_view.setFocus()
    until(qtbot, window.jobs_view.hasFocus)
    qtbot.keyClick(window.jobs_view, Qt.Key.Key_Delete)
    until(qtbot, lambda: rows(window) == 1)
    assert not video.exists()
    assert (data_dir / "trash" / gone / f"{gone}.mp4").exists()
    assert "Undo" in window.statusBar().currentMessage()

    qtbot.keyClick(window.jobs_view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    until(qtbot, lambda: rows(window) == 2)
    assert video.exists() and not (data_dir / "trash" / gone).exists()

    window.select_job(gone)
    until(qtbot, lambda: window.player.video.frames_shown > 0)
    qtbot.keyClick(window.jobs_view, Qt.Key.Key_Delete)
    until(qtbot, lambda: rows(window) == 1)
    qtbot.mouseClick(window.library_bar.trash_button, Qt.MouseButton.LeftButton)
    until(qtbot, lambda: [j.id for j in job_rows(window)] == [gone])
    assert window.library_bar.count_label.text() == "1 in the trash"
    window.select_job(gone)
    # In the trash, Delete asks first; cancelling keeps everything.
    qtbot.keyClick(window.jobs_view, Qt.Key.Key_Delete)
    press(qtbot, modal(qtbot), "Cancel")
    assert (data_dir / "trash" / gone / f"{gone}.mp4").exists()
    qtbot.mouseClick(window.details.restore_button, Qt.MouseButton.LeftButton)
    until(qtbot, lambda: rows(window) == 0)
    qtbot.mouseClick(window.library_bar.trash_button, Qt.MouseButton.LeftButton)
    until(qtbot, lambda: {j.id for j in job_rows(window)} == {keep, gone})
    assert video.exists()


def test_emptying_the_trash_asks_and_leaves_no_file_behind(
    harness: Harness, qtbot, sandbox, data_dir: Path
) -> None:
    keep, gone = clips(data_dir, "Keep", "Gone for good")
    window = harness.open(sandbox.url)
    window.move_to_trash(gone)
    qtbot.mouseClick(window.library_bar.trash_button, Qt.MouseButton.LeftButton)
    until(qtbot, lambda: rows(window) == 1)
    qtbot.mouseClick(window.library_bar.empty_trash_button, Qt.MouseButton.LeftButton)
    press(qtbot, modal(qtbot), "Empty trash")
    until(qtbot, lambda: rows(window) == 0)
    assert [p for p in data_dir.rglob(f"*{gone}*")] == []
    assert (data_dir / "videos" / f"{keep}.mp4").exists()


def test_a_running_job_cannot_be_deleted(harness: Harness, qtbot, sandbox) -> None:
    sandbox.configure(never_finish=True)
    window = harness.open(sandbox.url)
    window.prompt_edit.setPlainText("Still cooking")
    window.submit()
    until(qtbot, lambda: job_rows(window)[0].status is JobStatus.RUNNING)
    window.jobs_view.setFocus()
    qtbot.keyClick(window.jobs_view, Qt.Key.Key_Delete)
    assert "still being made" in window.statusBar().currentMessage()
    assert rows(window) == 1


# -- files: missing, rebuilt ---------------------------------------------------------------------
def test_a_missing_file_is_marked_not_crashed_on(
    harness: Harness, qtbot, sandbox, data_dir: Path
) -> None:
    [job_id] = clips(data_dir, "Where did it go")
    (data_dir / "videos" / f"{job_id}.mp4").unlink()
    window = harness.open(sandbox.url)
    index = window.jobs_view.model().index(0, 0)
    assert index.data(Roles.Missing) is True
    window.select_job(job_id)
    assert "missing" in window.details.error.text()
    assert window.details.export_button.isHidden()
    assert "missing" in window.player.video.placeholder


def test_rebuild_from_the_menu_puts_lost_rows_back(
    harness: Harness, qtbot, sandbox, data_dir: Path
) -> None:
    ids = clips(data_dir, "One", "Two", "Three")
    window = harness.open(sandbox.url)
    window.controller.ctx.store.delete_job(ids[1])  # a row lost, its files still here
    window.model.reload()
    assert rows(window) == 2
    window.rebuild_library()
    press(qtbot, modal(qtbot), "Rebuild")
    until(qtbot, lambda: rows(window) == 3)
    assert "1 video(s) put back" in window.statusBar().currentMessage()


def test_a_damaged_database_is_rebuilt_and_the_window_says_so(
    harness: Harness, qtbot, sandbox, data_dir: Path
) -> None:
    ids = clips(data_dir, "Survivor one", "Survivor two")
    db = data_dir / "library.sqlite3"
    db.write_bytes(db.read_bytes()[:4096] + b"\x00garbage" * 2000)
    window = harness.open(sandbox.url)
    box = modal(qtbot)
    assert box.objectName() == "recoveryDialog" and "damaged" in box.text()
    press(qtbot, box, "OK")
    assert {j.id for j in job_rows(window)} == set(ids)


# -- export from the window ----------------------------------------------------------------------
def _save_as(qtbot, target: Path) -> None:  # type: ignore[no-untyped-def]
    dialog = modal(qtbot, QFileDialog)
    assert dialog.objectName() == "exportFileDialog"
    # The file name box; set whole (typing would open the completer's popup, which the
    # offscreen platform cannot raise), then Return as a person would.
    name = dialog.findChild(QLineEdit, "fileNameEdit")
    name.setText(str(target))
    qtbot.keyClick(name, Qt.Key.Key_Return)


def test_export_png_of_the_current_frame_and_a_gif(
    harness: Harness, qtbot, sandbox, data_dir: Path, tmp_path: Path
) -> None:
    [job_id] = clips(data_dir, "Export me")
    window = harness.open(sandbox.url)
    window.select_job(job_id)
    until(qtbot, lambda: window.player.video.frames_shown > 0)

    window.export(job_id, "png-current")
    _save_as(qtbot, tmp_path / "frame.png")
    until(qtbot, lambda: (tmp_path / "frame.png").exists())
    with av.open(str(tmp_path / "frame.png")) as png:
        frame = next(png.decode(video=0))
        assert (frame.width, frame.height) == (320, 180)

    window.export(job_id, "gif")
    options = modal(qtbot, QDialog)
    assert options.objectName() == "gifOptionsDialog"
    options.width_combo.setCurrentIndex(options.width_combo.findData(0))  # full size
    options.fps_combo.setCurrentIndex(options.fps_combo.findData(10))
    options.accept()
    _save_as(qtbot, tmp_path / "clip.gif")
    until(qtbot, lambda: (tmp_path / "clip.gif").exists())
    with av.open(str(tmp_path / "clip.gif")) as gif:
        frames = list(gif.decode(video=0))
    assert (frames[0].width, frames[0].height) == (320, 180)
    assert len(frames) == 10  # one second of clip at 10 frames a second
    assert "Exported" in window.statusBar().currentMessage()
    assert window.controller.ctx.settings.export_dir == str(tmp_path)


@pytest.mark.parametrize("count", [3, 40])
def test_the_grid_fills_its_width_with_or_without_a_scroll_bar(qtbot, count: int) -> None:
    from PySide6.QtGui import QStandardItem, QStandardItemModel

    from grok_video.gui.gallery import GalleryView

    view = GalleryView()
    qtbot.addWidget(view)
    model = QStandardItemModel(view)
    for n in range(count):
        model.appendRow(QStandardItem(str(n)))
    view.setModel(model)
    view.set_mode("grid")
    view.resize(672, 500)  # room for three tiles a row, and two rows
    view.show()
    qtbot.waitExposed(view)
    QApplication.processEvents()  # the delayed layout, and a scroll bar if it is needed
    view.doItemsLayout()  # then the layout the view would settle on
    row = [view.visualRect(model.index(n, 0)) for n in range(3)]
    assert [r.top() for r in row] == [0, 0, 0]  # three side by side, the same with few or many
    assert row[2].right() < view.viewport().width()
    assert view.verticalScrollBar().isVisible() == (count > 6)
