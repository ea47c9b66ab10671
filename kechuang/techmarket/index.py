"""The matching engine wired to the database: one persistent index under `settings.VAR_DIR / "match_index"`.

- `schedule(obj)` is called by every service that creates, updates or withdraws an achievement, demand or expert;
  once the transaction commits it queues the index update on the task worker (techmarket/tasks.py), so a
  rolled-back change never reaches the index and no web process ever holds the index writer.
- The vocabulary comes from the VocabularyTerm table; the engine is re-created when the table changes, so an
  edit takes effect for the next search.
- `rebuild()` (the `rebuild_match_index` command) rebuilds the index from the database.

tantivy allows one writer per index: the writes run on the task worker (one task at a time), the web processes
only search.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Max

from kechuang.techmarket.matching import Match, MatchDoc, MatchEngine, MatchOptions
from kechuang.techmarket.models import Achievement, Demand, Expert, VocabularyTerm

log = logging.getLogger(__name__)
_cache: dict[str, Any] = {"key": None, "engine": None}

INDEXED_ACHIEVEMENT = (Achievement.Status.PUBLISHED, Achievement.Status.NEGOTIATING)
INDEXED_DEMAND = (Demand.Status.PUBLISHED, Demand.Status.NEGOTIATING)


def index_dir() -> Path:
    return Path(getattr(settings, "TECHMARKET_INDEX_DIR", None) or settings.VAR_DIR / "match_index")


def vocabulary_key() -> tuple:
    agg = VocabularyTerm.objects.filter(is_active=True).aggregate(n=Count("id"), at=Max("updated_at"))
    return (agg["n"], agg["at"].isoformat() if agg["at"] else "")


def vocabulary_pairs() -> list[tuple[str, list[str]]]:
    return [(t.lay, list(t.technical)) for t in VocabularyTerm.objects.filter(is_active=True).order_by("lay")]


def engine_options() -> MatchOptions:
    """The shipped defaults, with the dense re-ranking stage on when settings name a local model."""
    dense_path = getattr(settings, "TECHMARKET_DENSE_MODEL_PATH", "")
    return MatchOptions(dense_rerank=bool(dense_path), dense_model_path=dense_path or None)


def engine() -> MatchEngine:
    """The process's engine, re-created when the index directory or the vocabulary changed."""
    key = (str(index_dir()), vocabulary_key())
    if _cache["key"] != key or _cache["engine"] is None:
        _cache["engine"] = MatchEngine(index_dir(), vocabulary=vocabulary_pairs(), options=engine_options())
        _cache["key"] = key
    return _cache["engine"]


def reset() -> None:
    _cache["key"] = _cache["engine"] = None


# ---------------------------------------------------------------- documents
KIND_OF = {Achievement: "achievement", Demand: "demand", Expert: "expert"}
MODEL_OF = {kind: model for model, kind in KIND_OF.items()}


def doc_id(obj: Any) -> str:
    return f"{KIND_OF[type(obj)]}:{obj.pk}"


def parse_id(value: str) -> tuple[str, int]:
    kind, _sep, pk = value.partition(":")
    return kind, int(pk)


def to_doc(obj: Any) -> MatchDoc:
    if isinstance(obj, Achievement):
        return MatchDoc(
            id=doc_id(obj),
            kind="achievement",
            title=obj.title,
            text=obj.abstract,
            keywords=obj.keywords,
            field=obj.field,
        )
    if isinstance(obj, Demand):
        return MatchDoc(id=doc_id(obj), kind="demand", title=obj.title, text=obj.description, field=obj.field)
    return MatchDoc(
        id=doc_id(obj),
        kind="expert",
        title=f"{obj.name} {obj.title} {obj.institution}",
        text=f"{obj.expertise}\n{obj.past_projects}",
        field=obj.field,
    )


def query_text(obj: Any) -> str:
    """The text a record searches with (demand → achievements, achievement → demands)."""
    if isinstance(obj, Demand):
        return f"{obj.title}\n{obj.description}"
    if isinstance(obj, Achievement):
        return f"{obj.title}\n{' '.join(obj.keywords)}\n{obj.abstract}"
    return f"{obj.expertise}\n{obj.past_projects}"


def indexable(obj: Any) -> bool:
    if isinstance(obj, Achievement):
        return obj.status in INDEXED_ACHIEVEMENT
    if isinstance(obj, Demand):
        return obj.status in INDEXED_DEMAND
    return bool(obj.is_active)


def indexed_records() -> list[Any]:
    return [
        *Achievement.objects.filter(status__in=INDEXED_ACHIEVEMENT),
        *Demand.objects.filter(status__in=INDEXED_DEMAND),
        *Expert.objects.filter(is_active=True),
    ]


# ---------------------------------------------------------------- writes
def sync(model: type, pk: int) -> None:
    """Bring one record's index entry in line with the database (add, replace or remove)."""
    obj = model._default_manager.filter(pk=pk).first()
    eng = engine()
    ident = f"{KIND_OF[model]}:{pk}"
    if obj is not None and indexable(obj):
        eng.add(to_doc(obj))
    else:
        eng.delete(ident)


def schedule(obj: Any) -> None:
    """Queue the index update for `obj` once the current transaction commits (at once outside one)."""
    from kechuang.techmarket.tasks import sync_index

    kind, pk = KIND_OF[type(obj)], obj.pk

    def enqueue() -> None:
        try:
            sync_index.enqueue(kind, pk)
        except Exception:  # the index must never break a saved change; `rebuild_match_index` repairs it
            log.exception("match index update could not be queued for %s %s", kind, pk)

    transaction.on_commit(enqueue)


def rebuild() -> int:
    records = indexed_records()
    return engine().rebuild([to_doc(r) for r in records])


def ensure_built() -> bool:
    """Rebuild when the index is missing, unreadable or empty while the database has records."""
    eng = engine()
    if eng.needs_rebuild or (len(eng) == 0 and indexed_records()):
        rebuild()
        return True
    return False


# ---------------------------------------------------------------- reads
def search(
    text: str,
    *,
    kind: str | None = None,
    k: int = 10,
    exclude: list[str] | None = None,
    explain: bool = True,
    query_field: str = "",
) -> list[Match]:
    """`query_field`: the field of the record the text comes from (a demand's, an achievement's), for the badge."""
    if not text.strip():
        return []
    return engine().search(
        text, k=k, kind=kind, exclude_ids=exclude or [], explain=explain, query_field=query_field or None
    )


def resolve(matches: list[Match], user: Any) -> list[dict[str, Any]]:
    """Index hits → visible database records (with two queries at most per kind), in rank order."""
    from kechuang.techmarket import selectors

    wanted: dict[str, list[int]] = {}
    for m in matches:
        kind, pk = parse_id(m.id)
        wanted.setdefault(kind, []).append(pk)
    found: dict[str, dict[int, Any]] = {}
    for kind, pks in wanted.items():
        qs = selectors.visible(kind, user).filter(pk__in=pks).select_related("region")  # facets read the region
        found[kind] = {o.pk: o for o in qs}
    out = []
    for m in matches:
        kind, pk = parse_id(m.id)
        obj = found.get(kind, {}).get(pk)
        if obj is not None:
            out.append({"match": m, "object": obj, "kind": kind, "explanation": m.explanation})
    return out
