"""Database upkeep shared by the modules."""

from __future__ import annotations

from typing import TypeVar

from django.db import connection, models
from django.db.transaction import TransactionManagementError

M = TypeVar("M", bound=models.Model)


def analyze() -> None:
    """Refresh the planner's statistics after a bulk load.

    Measured (bench/ladder.py, 100k enterprises): without statistics the list page's held/not-held filters
    ran for minutes on SQLite and ~20 s on PostgreSQL; after ANALYZE (0.5–1.5 s) they take ~0.1–0.3 s.
    """
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def lock_current(obj: M) -> M:
    """Lock `obj`'s row until the caller's transaction ends and bring `obj` up to the stored values; returns `obj`.

    A step service checks the record's state before changing it. Two requests sent together (a double click, a
    retry) each load the record before either writes, so the second one's copy still shows the state before the
    first step: checked against that copy, the step is taken twice (a contract registered and numbered twice, a
    match signed into two contract drafts). Called first thing inside the service's transaction, the second request
    waits for the first to commit and then sees its result. On SQLite, whose transactions here begin IMMEDIATE
    (settings), the transaction itself is the lock; the re-read is what matters there.
    """
    if not connection.in_atomic_block:
        raise TransactionManagementError("lock_current() needs the caller's transaction (transaction.atomic).")
    obj.refresh_from_db(from_queryset=type(obj)._default_manager.select_for_update())
    return obj
