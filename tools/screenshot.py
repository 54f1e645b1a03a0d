"""Grab the real window, offscreen, with finished jobs and one playing.

    python tools/screenshot.py [OUTPUT.png]

Runs against the built-in sandbox in a throwaway library; writes docs/screenshot.png by default.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QT_LOGGING_RULES", "qt.multimedia.symbolsresolver=false")
os.environ["QT_API"] = "PySide6"

import qasync  # noqa: E402

from grok_video.core.context import AppContext  # noqa: E402
from grok_video.core.models import GenerationRequest, Params  # noqa: E402
from grok_video.gui.adapter import JobsController  # noqa: E402
from grok_video.gui.app import make_app  # noqa: E402
from grok_video.gui.main_window import MainWindow  # noqa: E402

PROMPTS = [
    ("A lighthouse on a cliff in a winter storm, waves crashing, cinematic", "16:9"),
    ("A red panda eating bamboo in soft morning light", "1:1"),
    ("Timelapse of clouds rolling over green hills", "16:9"),
]


async def until(condition: Callable[[], bool], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the window did not get there in time")
        await asyncio.sleep(0.05)


def _picture(path: Path) -> Path:
    """A colourful test picture: a sunset gradient with a sun."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (960, 640))
    draw = ImageDraw.Draw(image)
    for y in range(640):
        t = y / 639
        draw.line(
            [(0, y), (960, y)], fill=(int(250 - 120 * t), int(140 - 90 * t), int(60 + 90 * t))
        )
    draw.ellipse([380, 300, 580, 500], fill=(255, 220, 120))
    draw.rectangle([0, 520, 960, 640], fill=(30, 40, 70))
    image.save(path)
    return path


async def composer_shots(window: MainWindow, folder: Path, tmp: Path) -> None:
    """The composer with a picture loaded, and while drags hover (usable, then refused)."""
    from PySide6.QtCore import QMimeData, QPoint, Qt, QUrl
    from PySide6.QtGui import QDragEnterEvent, QDragLeaveEvent
    from PySide6.QtWidgets import QApplication

    composer = window.prompt_edit.parentWidget()
    photo = _picture(tmp / "sunset.png")
    window.prompt_edit.setPlainText("The sun slowly sets, waves roll in, gentle camera push")
    window.set_picture(str(photo))
    await asyncio.sleep(0.2)
    composer.grab().save(str(folder / "composer-picture.png"))

    def hover(*paths: Path) -> None:
        mime = QMimeData()
        mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
        event = QDragEnterEvent(
            QPoint(100, 100),
            Qt.DropAction.CopyAction,
            mime,
            Qt.MouseButton.LeftButton,
            Qt.KeyboardModifier.NoModifier,
        )
        QApplication.sendEvent(window, event)

    window.set_picture(None)
    hover(photo)
    await asyncio.sleep(0.2)
    composer.grab().save(str(folder / "composer-drag.png"))
    QApplication.sendEvent(window, QDragLeaveEvent())
    hover(photo, photo)
    await asyncio.sleep(0.2)
    composer.grab().save(str(folder / "composer-drag-refused.png"))
    QApplication.sendEvent(window, QDragLeaveEvent())
    print(f"Saved composer shots in {folder}")

    # An image-to-video job continuing the first clip, selected: the details show its picture.
    controller = window.controller
    assert controller.ctx.sandbox is not None
    controller.ctx.sandbox.task_seconds = 1.0
    first = controller.jobs()[-1]
    window.animate_last_frame(first.id)
    await until(lambda: window.picture is not None)
    window.prompt_edit.setPlainText("The storm clears and the lighthouse beam sweeps the sea")
    window.submit()
    await until(lambda: controller.jobs()[0].status.ended and controller.jobs()[0].parent_id)
    await until(lambda: window.player.video.frames_shown >= 6)
    window.player.player.pause()
    await asyncio.sleep(0.3)
    window.grab().save(str(folder / "image-job.png"))
    print(f"Saved {folder / 'image-job.png'}")


async def main(output: Path) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        Path(tmp, "settings.json").write_text('{"poll_seconds": 0.3}')
        ctx = AppContext.open(data_dir=tmp, sandbox=True, log=False)
        assert ctx.sandbox is not None
        ctx.sandbox.task_seconds = 1.5
        controller = JobsController(ctx)
        window = MainWindow(controller)
        window.resize(1280, 760)
        window.show()
        for prompt, aspect in PROMPTS:
            job = controller.submit(
                GenerationRequest(prompt=prompt, params=Params(aspect_ratio=aspect))
            )
            assert job is not None
        await until(lambda: all(j.status.ended for j in controller.jobs()))
        # one more still running, so the progress column shows
        ctx.sandbox.task_seconds = 120
        window.prompt_edit.setPlainText("Northern lights over a frozen lake, slow pan")
        window.submit()
        await until(lambda: (controller.jobs()[0].progress or 0) >= 1, timeout=30)
        first = controller.jobs()[-1]
        window.select_job(first.id)
        window.prompt_edit.setPlainText(PROMPTS[0][0])
        await until(lambda: window.player.video.frames_shown >= 12)
        window.player.player.pause()
        await asyncio.sleep(0.3)
        output.parent.mkdir(parents=True, exist_ok=True)
        window.grab().save(str(output))
        print(f"Saved {output}")
        await composer_shots(window, output.parent, Path(tmp))
        window.close()
        await controller.shutdown()
        ctx.close()


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshot.png").resolve()
    make_app()
    with asyncio.Runner(loop_factory=qasync.QEventLoop) as runner:
        runner.run(main(target))
