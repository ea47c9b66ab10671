"""The matching index's writes on the task worker: tantivy allows one writer per index, and the worker is it."""

from __future__ import annotations

from django_tasks import task


@task()
def sync_index(kind: str, pk: int) -> None:
    from kechuang.techmarket import index

    index.sync(index.MODEL_OF[kind], pk)


@task()
def rebuild_index() -> int:
    from kechuang.techmarket import index

    return index.rebuild()


@task(priority=-10)  # below the record syncs (priority 0), which the worker takes first between slices
def embed_index() -> dict[str, int]:
    """One slice of the dense vectors' backfill (index.embed_slice queues the next while records remain)."""
    from kechuang.techmarket import index

    return index.embed_slice()
