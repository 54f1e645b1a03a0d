"""What it costs: totals, the monthly budget, and the double-click guard. Nothing is sent
until the person says so."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox

from grok_video.core import spend
from grok_video.core.context import AppContext
from grok_video.core.models import GenerationRequest, JobStatus, Params, utc_now

from .conftest import posts
from .library_data import completed_job
from .test_gui import Harness, job_rows, until

pytestmark = pytest.mark.gui


def question(qtbot) -> QMessageBox:  # type: ignore[no-untyped-def]
    until(qtbot, lambda: isinstance(QApplication.activeModalWidget(), QMessageBox))
    box = QApplication.activeModalWidget()
    assert isinstance(box, QMessageBox)
    return box


def answer(qtbot, box: QMessageBox, words: str) -> None:  # type: ignore[no-untyped-def]
    [button] = [b for b in box.buttons() if words in b.text()]
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    until(qtbot, lambda: QApplication.activeModalWidget() is None)


def test_totals_count_charged_jobs_today_this_month_and_ever(data_dir: Path) -> None:
    ctx = AppContext.open(data_dir=str(data_dir), log=False)
    try:
        now = utc_now()
        today = completed_job(ctx, "Today")
        old = completed_job(ctx, "Long ago", created=now - timedelta(days=400))
        failed = completed_job(ctx, "Failed")
        ctx.store.update_job(failed.id, status=JobStatus.FAILED, cost_credits=0)
        ctx.library.trash(today.id)  # deleting a video does not give the money back
        totals = spend.totals(ctx.store, now)
        assert totals.today == 24 and totals.all_time == 48
        assert totals.month == 24
        assert "$0.48" in totals.describe()
        assert old.cost_credits == 24
    finally:
        ctx.close()


def test_the_same_prompt_twice_within_a_minute_asks_before_sending(
    harness: Harness, qtbot, sandbox
) -> None:
    window = harness.open(sandbox.url)
    window.prompt_edit.setPlainText("A double click")
    qtbot.mouseClick(window.generate_button, Qt.MouseButton.LeftButton)
    until(qtbot, lambda: len(posts(sandbox)) == 1)

    window.prompt_edit.setPlainText("A double click")
    qtbot.mouseClick(window.generate_button, Qt.MouseButton.LeftButton)
    box = question(qtbot)
    assert "less than a minute ago" in box.text()
    assert len(posts(sandbox)) == 1 and len(job_rows(window)) == 1  # nothing sent, nothing stored
    answer(qtbot, box, "Cancel")
    assert len(posts(sandbox)) == 1 and len(job_rows(window)) == 1

    qtbot.keyClick(window.prompt_edit, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    answer(qtbot, question(qtbot), "Send anyway")
    until(qtbot, lambda: len(posts(sandbox)) == 2)

    window.prompt_edit.setPlainText("Something else")  # a different prompt is not asked about
    window.submit()
    until(qtbot, lambda: len(posts(sandbox)) == 3)
    assert QApplication.activeModalWidget() is None


def test_a_submission_past_the_monthly_budget_asks_first(
    harness: Harness, qtbot, sandbox, data_dir: Path
) -> None:
    settings = json.loads((data_dir / "settings.json").read_text())
    settings["monthly_budget_credits"] = 30
    (data_dir / "settings.json").write_text(json.dumps(settings))
    window = harness.open(sandbox.url)  # the real provider's prices: 24 credits a video
    window.prompt_edit.setPlainText("Within budget")
    window.submit()
    until(qtbot, lambda: job_rows(window)[0].status is JobStatus.COMPLETED)
    until(qtbot, lambda: "24 this month of 30" in window.spend_label.text())

    window.prompt_edit.setPlainText("Over budget")
    window.submit()
    box = question(qtbot)
    assert "over your budget of 30" in box.text() and "already spent: 24" in box.text()
    assert len(posts(sandbox)) == 1
    answer(qtbot, box, "Send anyway")
    until(
        qtbot,
        lambda: len(job_rows(window)) == 2 and job_rows(window)[0].status is JobStatus.COMPLETED,
    )
    assert len(posts(sandbox)) == 2
    until(qtbot, lambda: "48 this month of 30" in window.spend_label.text())


def test_the_budget_is_set_in_settings(harness: Harness, qtbot, sandbox) -> None:
    from grok_video.gui.dialogs import SettingsDialog

    window = harness.open(sandbox.url)
    window.open_settings()
    until(qtbot, lambda: isinstance(QApplication.activeModalWidget(), SettingsDialog))
    dialog = QApplication.activeModalWidget()
    assert dialog.budget_spin.text() == "No budget"
    dialog.budget_spin.setValue(480)
    dialog._save()
    assert window.controller.ctx.settings.monthly_budget_credits == 480
    request = GenerationRequest(prompt="x", params=Params())
    assert window.controller.questions_before(request) == []


def test_spend_from_the_command_line(cli, data_dir: Path) -> None:  # type: ignore[no-untyped-def]
    ctx = AppContext.open(data_dir=str(data_dir), log=False)
    try:
        completed_job(ctx, "One")
        completed_job(ctx, "Two")
    finally:
        ctx.close()
    result = cli("spend", "--json")
    assert result.code == 0, result.err
    assert result.json() == {
        "today": 48,
        "month": 48,
        "all_time": 48,
        "monthly_budget": None,
        "unit": "credits",
    }
    assert "$0.48" in cli("spend").out
