"""Scoring the whole register on the task worker (queued after the commit that asked for it)."""

from __future__ import annotations

import datetime as dt

from django_tasks import task


@task()
def compute_scores(as_of: str | None = None, actor_id: int | None = None) -> dict[str, int]:
    from kechuang.core.models import User
    from kechuang.finance.services import scores_compute

    actor = User.objects.filter(pk=actor_id).first() if actor_id is not None else None
    return scores_compute(actor=actor, as_of=dt.date.fromisoformat(as_of) if as_of else None)
