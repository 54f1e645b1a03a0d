"""Image-to-video through real drag-and-drop events, the real clipboard and the command line."""

from __future__ import annotations

import base64
import functools
import io
import json
import threading
import time
import zlib
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from PIL import Image
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDragLeaveEvent, QDropEvent, QImage
from PySide6.QtWidgets import QApplication

from .conftest import Cli, posts
from .test_gui import Harness, job_rows, status_of, until

pytestmark = pytest.mark.gui


# -- pictures made in the test ----------------------------------------------------------------
def png(path: Path, size: tuple[int, int] = (640, 360), colour: str = "teal") -> Path:
    Image.new("RGB", size, colour).save(path, "PNG")
    return path


def truncated_jpeg(path: Path) -> Path:
    buffer = io.BytesIO()
    Image.effect_noise((800, 600), 60).convert("RGB").save(buffer, "JPEG", quality=95)
    path.write_bytes(buffer.getvalue()[: len(buffer.getvalue()) // 2])
    return path


def png_bomb(path: Path, side: int = 40_000) -> Path:
    """A tiny PNG whose header claims side x side pixels."""
    buffer = io.BytesIO()
    Image.new("L", (1, 1)).save(buffer, "PNG")
    data = bytearray(buffer.getvalue())
    ihdr = data.index(b"IHDR")
    data[ihdr + 4 : ihdr + 12] = side.to_bytes(4, "big") * 2
    crc = zlib.crc32(bytes(data[ihdr : ihdr + 17]))
    data[ihdr + 17 : ihdr + 21] = crc.to_bytes(4, "big")
    path.write_bytes(bytes(data))
    return path


def sent_picture(post: dict) -> Image.Image:
    url = post["body"]["image_urls"][0]
    header, payload = url.split(",", 1)
    assert header.startswith("data:image/") and header.endswith(";base64")
    image = Image.open(io.BytesIO(base64.b64decode(payload)))
    image.load()
    return image


# -- real drag-and-drop events ----------------------------------------------------------------
def file_mime(*paths: Path) -> QMimeData:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    return mime


def drag_enter(window, mime: QMimeData) -> QDragEnterEvent:
    event = QDragEnterEvent(
        QPoint(200, 60),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(window, event)
    return event


def drop(window, mime: QMimeData) -> QDropEvent:
    enter = drag_enter(window, mime)
    event = QDropEvent(
        QPointF(200, 60),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(window, event)
    event.enter_accepted = enter.isAccepted()  # type: ignore[attr-defined]
    return event


@pytest.fixture
def picture_host(tmp_path: Path) -> Iterator[str]:
    """A little web server on loopback that serves pictures, like a web page would."""
    folder = tmp_path / "web"
    folder.mkdir()
    png(folder / "cat.png", (300, 200), "orange")
    handler = functools.partial(SimpleHTTPRequestHandler, directory=str(folder))
    handler.log_message = lambda *a: None  # type: ignore[attr-defined]
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join()


# -- the window -------------------------------------------------------------------------------
def test_dropping_a_file_animates_it(harness: Harness, qtbot, sandbox, tmp_path: Path) -> None:
    window = harness.open(sandbox.url)
    photo = png(tmp_path / "holiday.png", (3000, 1500), "royalblue")
    event = drop(window, file_mime(photo))
    assert event.enter_accepted and event.isAccepted()
    zone = window.drop_zone
    until(qtbot, lambda: zone.source == str(photo))
    assert "holiday.png" in zone.title.text()
    assert zone.remove_button.isVisible() and not zone.preview.pixmap().isNull()

    qtbot.keyClick(window.prompt_edit, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    until(qtbot, lambda: status_of(window) == "completed")
    [post] = posts(sandbox)
    assert post["body"]["model"] == "grok-imagine/image-to-video"
    assert "prompt" not in post["body"]  # the prompt is optional with a picture
    sent = sent_picture(post)
    assert sent.size == (2048, 1024)  # scaled down to a long edge of 2048, aspect kept
    assert len(post["body"]["image_urls"][0]) < 10 * 1024 * 1024
    [job] = job_rows(window)
    assert job.kind.value == "image-to-video"
    assert job.source_image and Path(job.source_image).is_file()
    assert Path(job.source_image).parent == harness.data_dir / "images"
    # the stored request points at the kept copy instead of holding the base64
    assert (harness.data_dir / "library.sqlite3").stat().st_size < 2 * 1024 * 1024


def test_a_small_picture_is_not_upscaled(harness: Harness, qtbot, sandbox, tmp_path) -> None:
    window = harness.open(sandbox.url)
    drop(window, file_mime(png(tmp_path / "small.png", (300, 200))))
    until(qtbot, lambda: window.picture is not None)
    window.prompt_edit.setPlainText("Gentle zoom")
    window.submit()
    until(qtbot, lambda: len(posts(sandbox)) == 1)
    assert sent_picture(posts(sandbox)[0]).size == (300, 200)
    assert posts(sandbox)[0]["body"]["prompt"] == "Gentle zoom"


def test_dropping_a_web_address_sends_it_as_is_and_keeps_a_copy(
    harness: Harness, qtbot, sandbox, picture_host: str
) -> None:
    window = harness.open(sandbox.url)
    url = f"{picture_host}/cat.png"
    mime = QMimeData()
    mime.setUrls([QUrl(url)])
    assert drop(window, mime).isAccepted()
    assert window.drop_zone.source == url
    window.submit()
    until(qtbot, lambda: status_of(window) == "completed")
    assert posts(sandbox)[0]["body"]["image_urls"] == [url]
    [job] = job_rows(window)
    assert job.source_image
    with Image.open(job.source_image) as kept:
        assert kept.size == (300, 200)


def test_dropping_plain_text_with_an_address(harness: Harness, sandbox) -> None:
    window = harness.open(sandbox.url)
    mime = QMimeData()
    mime.setText("https://example.com/pictures/dog.webp")
    drop(window, mime)
    assert window.drop_zone.source == "https://example.com/pictures/dog.webp"


def test_dropping_raw_image_data(harness: Harness, qtbot, sandbox) -> None:
    window = harness.open(sandbox.url)
    image = QImage(320, 240, QImage.Format.Format_RGB32)
    image.fill(Qt.GlobalColor.darkGreen)
    mime = QMimeData()
    mime.setImageData(image)
    assert drop(window, mime).isAccepted()
    source = Path(window.drop_zone.source)
    assert source.parent == harness.data_dir / "incoming"
    with Image.open(source) as pasted:
        assert pasted.size == (320, 240)


def test_pasting_an_image_from_the_clipboard(harness: Harness, qtbot, sandbox) -> None:
    window = harness.open(sandbox.url)
    image = QImage(200, 100, QImage.Format.Format_RGB32)
    image.fill(Qt.GlobalColor.magenta)
    QApplication.clipboard().setImage(image)
    window.prompt_edit.setFocus()
    qtbot.keyClick(window.prompt_edit, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert window.drop_zone.source is not None
    assert window.prompt_edit.toPlainText() == ""
    # Text still pastes as text.
    QApplication.clipboard().setText("a fox in the snow")
    qtbot.keyClick(window.prompt_edit, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert window.prompt_edit.toPlainText() == "a fox in the snow"


def test_pasting_an_image_address_outside_the_prompt(harness: Harness, qtbot, sandbox) -> None:
    window = harness.open(sandbox.url)
    QApplication.clipboard().setText("https://example.com/a.png")
    window.jobs_view.setFocus()
    until(qtbot, window.jobs_view.hasFocus)
    qtbot.keyClick(window.jobs_view, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert window.drop_zone.source == "https://example.com/a.png"
    qtbot.mouseClick(window.drop_zone.remove_button, Qt.MouseButton.LeftButton)
    assert window.drop_zone.source is None and window.picture is None
    assert window.drop_zone.title.text() == "Text to video"


@pytest.mark.parametrize(
    ("make", "words"),
    [
        (
            lambda d: (d / "notes.png").write_text("not a picture at all") and [d / "notes.png"],
            "not a picture",
        ),
        (lambda d: [png_bomb(d / "bomb.png")], "megapixels"),
        (lambda d: [png(d / "a.png"), png(d / "b.png")], "one picture at a time"),
        (lambda d: [d], "folder"),
        (
            lambda d: (
                (d / "clip.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 64)
                and [d / "clip.mp4"]
            ),
            "not a picture",
        ),
    ],
    ids=["text-named-png", "40000x40000-bomb", "two-files", "folder", "video"],
)
def test_unusable_drops_are_refused_in_words(
    harness: Harness, sandbox, tmp_path: Path, make, words: str
) -> None:
    window = harness.open(sandbox.url)
    folder = tmp_path / "drops"
    folder.mkdir()
    paths = make(folder)
    mime = file_mime(*paths)
    started = time.monotonic()
    enter = drag_enter(window, mime)
    assert time.monotonic() - started < 2.0  # the bomb is refused from its header
    assert not enter.isAccepted()
    assert window.drop_zone.property("state") == "refuse"
    assert words in window.drop_zone.hint.text()
    QApplication.sendEvent(window, QDragLeaveEvent())
    assert window.drop_zone.property("state") == "empty"
    assert words in window.statusBar().currentMessage()  # said while hovering, too
    dropped = drop(window, mime)  # a refused drag is never dropped: nothing happens
    assert not dropped.isAccepted()
    assert window.picture is None
    assert sandbox.requests() == []


def test_a_truncated_jpeg_is_refused_before_anything_is_sent(
    harness: Harness, qtbot, sandbox, tmp_path: Path
) -> None:
    window = harness.open(sandbox.url)
    drop(window, file_mime(truncated_jpeg(tmp_path / "half.jpg")))
    until(qtbot, lambda: "damaged or truncated" in window.statusBar().currentMessage())
    assert window.picture is None
    window.submit()  # an empty prompt and no picture: refused in words too
    assert job_rows(window) == []
    assert sandbox.requests() == []


def test_animate_the_last_frame_records_the_chain(harness: Harness, qtbot, sandbox) -> None:
    window = harness.open(sandbox.url)
    window.prompt_edit.setPlainText("A paper boat on a river")
    window.aspect_combo.setCurrentIndex(window.aspect_combo.findData("9:16"))
    window.submit()
    until(qtbot, lambda: status_of(window) == "completed")
    first = job_rows(window)[0]
    window.select_job(first.id)
    button = window.details.last_frame_button
    assert button.isVisible()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    until(qtbot, lambda: window.picture is not None)
    assert window.parent_job == first.id
    assert "last frame" in window.drop_zone.title.text()
    qtbot.keyClick(window.prompt_edit, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    until(qtbot, lambda: len(job_rows(window)) == 2 and status_of(window) == "completed")
    second = job_rows(window)[0]
    assert second.parent_id == first.id
    assert second.kind.value == "image-to-video"
    frame = sent_picture(posts(sandbox)[1])
    assert frame.size == (first.width, first.height)  # the video's own frame size
    # The chain can be followed back.
    window.select_job(second.id)
    assert window.details.parent_button.isVisible()
    qtbot.mouseClick(window.details.parent_button, Qt.MouseButton.LeftButton)
    assert window.selected_job().id == first.id
    # ...and the picture can be used again, offline, from the library's copy.
    window.select_job(second.id)
    window.set_picture(None)
    qtbot.mouseClick(window.details.reuse_button, Qt.MouseButton.LeftButton)
    assert window.picture == second.source_image


# -- the command line -------------------------------------------------------------------------
def test_cli_image_without_a_prompt(cli: Cli, sandbox, tmp_path: Path) -> None:
    photo = png(tmp_path / "p.png", (800, 800), "gold")
    result = cli("generate", "--image", str(photo), "--wait", "--json")
    assert result.code == 0, result.err
    record = result.json()
    assert record["kind"] == "image-to-video" and record["status"] == "completed"
    assert record["images"] == [str(photo)]
    assert Path(record["source_image"]).is_file()
    assert sent_picture(posts(sandbox)[0]).size == (800, 800)


@pytest.mark.parametrize(
    ("make", "words"),
    [
        (lambda d: (d / "x.png").write_text("hello") and d / "x.png", "not a picture"),
        (lambda d: truncated_jpeg(d / "t.jpg"), "damaged or truncated"),
        (lambda d: png_bomb(d / "b.png"), "megapixels"),
        (lambda d: d / "missing.png", "does not exist"),
    ],
    ids=["text", "truncated", "bomb", "missing"],
)
def test_cli_bad_picture_exits_2_and_sends_nothing(
    cli: Cli, sandbox, tmp_path: Path, make, words: str
) -> None:
    result = cli("generate", "Animate", "--image", str(make(tmp_path)), "--json")
    assert result.code == 2, result.err
    assert words in result.err
    assert json.loads(result.out)["error"]["code"] == "invalid_input"
    assert sandbox.requests() == []
    assert cli("jobs", "--json").json() == []


def test_cli_image_url_is_sent_as_is(cli: Cli, sandbox) -> None:
    result = cli("generate", "Wave", "--image", "https://example.com/wave.jpg")
    assert result.code == 0, result.err
    assert posts(sandbox)[0]["body"]["image_urls"] == ["https://example.com/wave.jpg"]


def test_choosing_a_picture_with_the_file_picker(
    harness: Harness, qtbot, sandbox, tmp_path: Path
) -> None:
    from PySide6.QtWidgets import QFileDialog

    window = harness.open(sandbox.url)
    photo = png(tmp_path / "picked.png", (500, 500), "purple")
    qtbot.mouseClick(window.drop_zone.choose_button, Qt.MouseButton.LeftButton)
    until(qtbot, lambda: window.findChild(QFileDialog, "pictureFileDialog") is not None)
    dialog = window.findChild(QFileDialog, "pictureFileDialog")
    assert dialog.isVisible()
    dialog.selectFile(str(photo))
    dialog.accept()
    until(qtbot, lambda: window.picture == str(photo))
    assert "picked.png" in window.drop_zone.title.text()
