"""Background work of the core: an import job (core/imports.py) runs on the task worker, never in the request."""

from __future__ import annotations

from django_tasks import task


@task()
def run_import(job_id: int) -> None:
    from kechuang.core.imports import run

    run(job_id)


@task()
def purge_personal_data() -> dict[str, int]:
    """The retention job on the task worker (schedule it daily)."""
    from kechuang.core.retention import purge

    return purge()
