"""Ladder re-evaluation on the task worker: enqueued after the commit that changed the facts."""

from __future__ import annotations

import datetime as dt

from django_tasks import task


@task()
def recompute_ladder(enterprise_ids: list[int]) -> int:
    from kechuang.enterprises.services import ladder_recompute

    return ladder_recompute(enterprise_ids=enterprise_ids)


@task()
def evaluate_register(as_of: str | None = None, region_id: int | None = None) -> dict[str, int]:
    from kechuang.core.models import OrgUnit
    from kechuang.enterprises.services import ladder_evaluate_register

    region = OrgUnit.objects.get(pk=region_id) if region_id is not None else None
    return ladder_evaluate_register(as_of=dt.date.fromisoformat(as_of) if as_of else None, region=region)
