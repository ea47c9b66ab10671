"""The CSL retrieval benchmarks (shared/data/README.md): tasks, relevance labels and metrics.

- T2A: query = title; searchable = abstract only; relevant = the source record (1).
- K2A: query = the keywords joined by spaces; searchable = abstract only; relevant = the source record (1).
- PK: query = 2 keywords drawn with a fixed seed; searchable = title + abstract; relevance 2 for the source, 1 for
  records sharing ≥ 2 of its keywords, or 1 keyword and the discipline.
- DISC: query = title; searchable = title + abstract; every other record of the same discipline is relevant (1);
  the source is removed from the ranking.

Metrics per query, then averaged: recall@k = relevant records in the top k / all relevant records; MRR@10 = 1 / rank of
the first relevant record (0 beyond 10); nDCG@10 with linear gains and the ideal order of all labels; MAP@100 =
Σ precision@i over relevant ranks i ≤ 100, divided by min(#relevant, 100).
"""

from __future__ import annotations

import math
import random
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from .engine import MatchDoc

TASKS = ("T2A", "K2A", "PK", "DISC")


@dataclass
class BenchQuery:
    source: str
    text: str
    relevance: dict[str, int]
    exclude: set[str] = field(default_factory=set)


def task_docs(records: Sequence[dict[str, Any]], task: str) -> list[MatchDoc]:
    """The searchable records of a task (no keywords field: no task searches keywords)."""
    abstract_only = task in ("T2A", "K2A")
    return [
        MatchDoc(
            id=r["id"],
            kind="achievement",
            title="" if abstract_only else r["title"],
            text=r["abstract"],
            keywords=[],
            field=r.get("discipline", ""),
        )
        for r in records
    ]


def task_queries(
    records: Sequence[dict[str, Any]], task: str, *, sample: int | None = None, seed: int = 20240601
) -> list[BenchQuery]:
    """Queries with their relevance labels; `sample` draws that many source records with a fixed seed."""
    if task not in TASKS:
        raise ValueError(f"unknown task {task!r}")
    sources = list(records)
    if task in ("K2A", "PK"):
        sources = [r for r in sources if len(r["keywords"]) >= (2 if task == "PK" else 1)]
    if sample is not None and sample < len(sources):
        sources = random.Random(seed).sample(sources, sample)  # nosec B311  # seeded pseudo-random draws for demo/sample data and evaluation, never for secrets
    queries = []
    if task in ("T2A", "K2A"):
        for r in sources:
            text = r["title"] if task == "T2A" else " ".join(r["keywords"])
            queries.append(BenchQuery(r["id"], text, {r["id"]: 1}))
    elif task == "DISC":
        by_disc: dict[str, list[str]] = defaultdict(list)
        for r in records:
            by_disc[r["discipline"]].append(r["id"])
        for r in sources:
            rel = {i: 1 for i in by_disc[r["discipline"]] if i != r["id"]}
            if rel:
                queries.append(BenchQuery(r["id"], r["title"], rel, exclude={r["id"]}))
    else:  # PK
        by_kw: dict[str, list[int]] = defaultdict(list)
        for pos, r in enumerate(records):
            for kw in set(r["keywords"]):
                by_kw[kw].append(pos)
        for r in sources:
            rng = random.Random(f"{seed}:{r['id']}")  # nosec B311  # seeded pseudo-random draws for demo/sample data and evaluation, never for secrets
            picked = rng.sample(sorted(set(r["keywords"])), 2) if len(set(r["keywords"])) >= 2 else None
            if not picked:
                continue
            shared: dict[int, int] = defaultdict(int)
            for kw in set(r["keywords"]):
                for pos in by_kw[kw]:
                    shared[pos] += 1
            rel = {r["id"]: 2}
            for pos, n in shared.items():
                other = records[pos]
                if other["id"] != r["id"] and (n >= 2 or other["discipline"] == r["discipline"]):
                    rel[other["id"]] = 1
            queries.append(BenchQuery(r["id"], " ".join(picked), rel))
    return queries


def query_metrics(ranked: Sequence[str], relevance: dict[str, int]) -> dict[str, float]:
    n_rel = sum(1 for g in relevance.values() if g > 0)
    if not n_rel:
        return {}
    hits = [relevance.get(doc_id, 0) for doc_id in ranked]
    first = next((i for i, g in enumerate(hits[:10]) if g > 0), None)
    dcg = sum(g / math.log2(i + 2) for i, g in enumerate(hits[:10]) if g > 0)
    ideal = sorted((g for g in relevance.values() if g > 0), reverse=True)[:10]
    idcg = sum(g / math.log2(i + 2) for i, g in enumerate(ideal))
    found, ap = 0, 0.0
    for i, g in enumerate(hits[:100]):
        if g > 0:
            found += 1
            ap += found / (i + 1)
    return {
        "recall@1": sum(1 for g in hits[:1] if g > 0) / n_rel,
        "recall@10": sum(1 for g in hits[:10] if g > 0) / n_rel,
        "mrr@10": 0.0 if first is None else 1.0 / (first + 1),
        "ndcg@10": dcg / idcg if idcg else 0.0,
        "map@100": ap / min(n_rel, 100),
    }


def evaluate(
    search: Callable[[BenchQuery, int], Sequence[str]], queries: Sequence[BenchQuery], *, depth: int = 10
) -> dict[str, float]:
    """Mean metrics of `search(query, depth) -> ranked ids` (the caller removes `query.exclude`)."""
    totals: dict[str, float] = defaultdict(float)
    n = 0
    for q in queries:
        m = query_metrics(list(search(q, depth))[:depth], q.relevance)
        if m:
            n += 1
            for key, value in m.items():
                totals[key] += value
    return {key: round(value / n, 4) for key, value in totals.items()} if n else {}


# ---------------------------------------------------------------- graded labels (the demand-style sets)
# bench/matching_sets/LABELLING.md: grade 0 = not relevant, 1 = partly, 2 = relevant. A record without a label
# counts as grade 0; `judged@10` says how much of a top 10 was labelled, so an unjudged ranking shows.


def graded_metrics(ranked: Sequence[str], grades: dict[str, int]) -> dict[str, float] | None:
    """nDCG@10 with linear gains (the grades), precision@10 with grade ≥ 1 as relevant, recall@50 of the records
    graded ≥ 1, and judged@10; None when the query has no record graded ≥ 1 (nothing to find, not a zero)."""
    relevant = sum(1 for g in grades.values() if g >= 1)
    if not relevant:
        return None
    gains = [max(grades.get(doc_id, 0), 0) for doc_id in ranked]
    dcg = sum(g / math.log2(i + 2) for i, g in enumerate(gains[:10]))
    ideal = sorted((g for g in grades.values() if g > 0), reverse=True)[:10]
    idcg = sum(g / math.log2(i + 2) for i, g in enumerate(ideal))
    return {
        "ndcg@10": dcg / idcg,
        "precision@10": sum(1 for g in gains[:10] if g >= 1) / 10,
        "recall@50": sum(1 for g in gains[:50] if g >= 1) / relevant,
        "judged@10": sum(1 for doc_id in ranked[:10] if doc_id in grades) / 10,
    }


def paired_bootstrap(
    a: Sequence[float], b: Sequence[float], *, resamples: int = 10_000, seed: int = 20240601, level: float = 0.95
) -> tuple[float, float, float]:
    """Mean of a − b over paired queries and its percentile bootstrap interval (queries resampled together)."""
    if len(a) != len(b):
        raise ValueError("paired samples must have the same length")
    if not a:
        return (float("nan"), float("nan"), float("nan"))
    diffs = [x - y for x, y in zip(a, b, strict=True)]
    n = len(diffs)
    rng = random.Random(seed)  # nosec B311  # seeded resampling for an evaluation interval, never for secrets
    means = sorted(sum(diffs[rng.randrange(n)] for _ in range(n)) / n for _ in range(resamples))
    tail = (1 - level) / 2
    lo = means[min(resamples - 1, max(0, math.floor(tail * resamples)))]
    hi = means[min(resamples - 1, max(0, math.ceil((1 - tail) * resamples) - 1))]
    return (sum(diffs) / n, lo, hi)
