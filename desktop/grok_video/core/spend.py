"""What the library has cost, and the two questions asked before spending more."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from .models import GenerationRequest, Job, utc_now
from .store import Store

DOUBLE_SUBMIT_SECONDS = 60
CENTS_PER_CREDIT = 1  # API in One: 24 credits, about $0.24, a video


@dataclass(frozen=True)
class Spend:
    today: int
    month: int
    all_time: int

    def describe(self) -> str:
        def money(credits: int) -> str:
            return f"{credits:,} credits (${credits * CENTS_PER_CREDIT / 100:,.2f})"

        return (
            f"Spent today {money(self.today)} · this month {money(self.month)} · "
            f"in all {money(self.all_time)}"
        )


def _local_midnight(now: datetime) -> datetime:
    local = now.astimezone()
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def totals(store: Store, now: datetime | None = None) -> Spend:
    """Credits spent (charged jobs only; trashed jobs still count: the money is gone)."""
    midnight = _local_midnight(now or utc_now())
    month_start = midnight.replace(day=1)
    return Spend(
        today=store.credits_since(midnight),
        month=store.credits_since(month_start),
        all_time=store.credits_since(None),
    )


def budget_question(
    store: Store, budget: int | None, price: int, now: datetime | None = None
) -> str | None:
    """What to ask before a submission that would pass the monthly budget; None if it would not."""
    if not budget or price <= 0:
        return None
    month = totals(store, now).month
    if month + price <= budget:
        return None
    return (
        f"This video would take this month's spending to {month + price:,} credits, over your "
        f"budget of {budget:,} (already spent: {month:,})."
    )


def recent_twin(
    store: Store, request: GenerationRequest, now: datetime | None = None
) -> Job | None:
    """A job with the same prompt, picture and settings sent in the last minute: most often
    a double click, and a second charge nobody wanted."""
    since = (now or utc_now()) - timedelta(seconds=DOUBLE_SUBMIT_SECONDS)
    for job in store.jobs_since(since):
        if (
            job.prompt.strip() == request.prompt.strip()
            and tuple(job.images) == tuple(request.images)
            and json.dumps(job.params.as_dict(), sort_keys=True)
            == json.dumps(request.params.as_dict(), sort_keys=True)
        ):
            return job
    return None
