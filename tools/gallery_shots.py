"""Grab the library with about a hundred real sandbox clips: grid, list, details, trash, help.

    tools/with-session python tools/gallery_shots.py [FOLDER]   (default: docs/)

Runs against the built-in sandbox in a throwaway library, offscreen.
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

import qasync

from grok_video.core.context import AppContext
from grok_video.core.models import ASPECT_RATIOS, GenerationRequest, JobStatus, Params
from grok_video.gui.adapter import JobsController
from grok_video.gui.app import make_app
from grok_video.gui.main_window import MainWindow

SUBJECTS = (
    "a lighthouse in a winter storm",
    "a red panda eating bamboo",
    "clouds rolling over green hills",
    "a neon city street in the rain",
    "an owl taking off at dusk",
    "a paper boat on a puddle",
    "a violinist on a rooftop",
    "a whale breaching at sunrise",
    "a fox running through snow",
    "a train crossing a stone bridge",
    "lanterns floating over a lake",
    "a robot watering a garden",
)
STYLES = ("cinematic", "watercolour", "slow motion", "drone shot", "macro lens", "film grain")


async def until(condition: Callable[[], bool], timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the window did not get there in time")
        await asyncio.sleep(0.05)


async def main(folder: Path, count: int = 100) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        Path(tmp, "settings.json").write_text('{"poll_seconds": 0.2, "poll_max_seconds": 0.5}')
        ctx = AppContext.open(data_dir=tmp, sandbox=True, log=False)
        assert ctx.sandbox is not None
        ctx.sandbox.task_seconds = 0.3
        controller = JobsController(ctx)
        window = MainWindow(controller)
        window.resize(1440, 900)
        window.show()
        started = time.monotonic()
        for n in range(count - 4):
            prompt = f"{SUBJECTS[n % len(SUBJECTS)].capitalize()}, {STYLES[n % len(STYLES)]}"
            aspect = ASPECT_RATIOS[n % 3]
            controller.submit(GenerationRequest(prompt=prompt, params=Params(aspect_ratio=aspect)))
            if n % 8 == 7:
                await until(lambda: not any(j.status.active for j in controller.jobs()))
        await until(lambda: not any(j.status.active for j in controller.jobs()))
        ctx.sandbox.configure(fail_tasks=True)
        for prompt in ("A dragon made of smoke", "A city built on clouds"):
            controller.submit(GenerationRequest(prompt=prompt))
        await until(lambda: not any(j.status.active for j in controller.jobs()))
        ctx.sandbox.configure(fail_tasks=False, never_finish=True)
        controller.submit(GenerationRequest(prompt="Northern lights over a frozen lake"))
        print(f"{count - 1} jobs made in {time.monotonic() - started:.1f} s")
        jobs = controller.jobs()
        for job in jobs[5:40:6]:
            controller.set_favourite(job.id, True)
        controller.set_tags(jobs[3].id, "holiday, sea")
        await until(lambda: window.model.rowCount() == count - 1)
        # Let the visible thumbnails be made.
        window.jobs_view.viewport().update()
        await asyncio.sleep(0.5)
        await until(lambda: len(list(Path(tmp, "thumbnails").glob("*.jpg"))) >= 20)
        window.jobs_view.viewport().update()
        pick = next(j for j in jobs[3:] if j.status is JobStatus.COMPLETED)
        window.select_job(jobs[3].id)
        await until(lambda: window.player.video.frames_shown >= 6)
        window.player.player.pause()
        await asyncio.sleep(0.4)
        folder.mkdir(parents=True, exist_ok=True)
        window.grab().save(str(folder / "gallery.png"))
        window.details.parentWidget().parentWidget().grab().save(str(folder / "details.png"))
        window.library_bar.list_button.setChecked(True)
        await asyncio.sleep(0.4)
        window.grab().save(str(folder / "gallery-list.png"))
        window.library_bar.grid_button.setChecked(True)
        window.move_to_trash(pick.id)
        window.library_bar.trash_button.setChecked(True)
        await until(lambda: window.model.rowCount() == 1)
        window.select_job(pick.id)
        await asyncio.sleep(0.4)
        window.grab().save(str(folder / "trash.png"))
        window.library_bar.trash_button.setChecked(False)
        window.show_shortcuts()
        await asyncio.sleep(0.3)
        window.grab().save(str(folder / "shortcuts.png"))
        print(f"Saved gallery shots in {folder}")
        window.close()
        await controller.shutdown()
        ctx.close()


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "docs").resolve()
    make_app()
    with asyncio.Runner(loop_factory=qasync.QEventLoop) as runner:
        runner.run(main(target))
