"""Register-fed indicators on the task worker: an edit in a register must not wait for every feed to be re-read
(2 s of the enterprise form's save on the demo register went there)."""

from __future__ import annotations

from django_tasks import task


@task()
def sync_feeds(years: list[int] | None = None) -> int:
    from kechuang.indicators.services import sync_feeds as sync

    return sync(years)
