"""Check queries: demand-style questions the bureau keeps to see that matching still answers them.

A check is a colloquial query plus a rule saying which records answer it, written from the question's meaning
(not from any engine's output): a record is relevant when its title or keywords contain every term of `all`
and at least one term of `any`. Because relevance is a rule, not a list of ids, the same checks run on any
corpus: the live index, the demo data or a CSL-shaped JSONL file. A check with no relevant record in the
corpus at hand is reported as such and left out of the averages.

File format (JSONL, one check per line): {"query": "...", "any": ["..."], "all": ["..."], "note": "..."}.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .engine import MatchDoc, MatchEngine
from .segmenter import normalize

BUNDLED_CHECKS = Path(__file__).resolve().parent / "data" / "check_queries.jsonl"


@dataclass(frozen=True)
class CheckQuery:
    query: str
    any_terms: tuple[str, ...]
    all_terms: tuple[str, ...] = ()
    note: str = ""

    def answers(self, doc: MatchDoc) -> bool:
        """Whether `doc` answers the question: its title or keywords hold the rule's terms."""
        haystack = normalize(doc.title + " " + " ".join(doc.keywords)).lower()
        return all(t.lower() in haystack for t in self.all_terms) and (
            not self.any_terms or any(t.lower() in haystack for t in self.any_terms)
        )


@dataclass
class CheckResult:
    check: CheckQuery
    relevant: int  # records in the corpus that answer the check
    ranks: list[int] = field(default_factory=list)  # 1-based ranks of relevant records in the top k
    top: list[dict[str, Any]] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return bool(self.ranks)

    def as_dict(self) -> dict[str, Any]:
        return {
            "query": self.check.query,
            "note": self.check.note,
            "relevant_in_corpus": self.relevant,
            "relevant_ranks": self.ranks,
            "passed": self.passed if self.relevant else None,
            "top": self.top,
        }


def load_checks(path: str | Path) -> list[CheckQuery]:
    """Read a JSONL check file; ValueError names the line of a bad check."""
    checks = []
    with Path(path).open(encoding="utf-8") as fh:
        for line_no, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                data = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ValueError(f"{path}:{line_no}: not a JSON object ({exc.msg})") from exc
            query = str(data.get("query") or "").strip() if isinstance(data, dict) else ""
            any_terms = tuple(str(t) for t in data.get("any") or ()) if query else ()
            all_terms = tuple(str(t) for t in data.get("all") or ()) if query else ()
            if not query:
                raise ValueError(f'{path}:{line_no}: a check needs a non-empty "query"')
            if not any_terms and not all_terms:
                raise ValueError(f'{path}:{line_no}: a check needs "any" or "all" terms saying what answers it')
            checks.append(CheckQuery(query, any_terms, all_terms, str(data.get("note") or "")))
    return checks


def score_checks(
    checks: Sequence[CheckQuery],
    docs: Iterable[MatchDoc],
    search: Callable[[str, int], Sequence[tuple[str, str]]],
    *,
    k: int = 10,
) -> dict[str, Any]:
    """Score `search(query, k) -> [(id, title)]` on each check against its rule over `docs` (the searchable set)."""
    answering: dict[int, set[str]] = {i: set() for i in range(len(checks))}
    for doc in docs:
        for i, check in enumerate(checks):
            if check.answers(doc):
                answering[i].add(doc.id)
    results = []
    for i, check in enumerate(checks):
        relevant = answering[i]
        result = CheckResult(check, len(relevant))
        for rank, (doc_id, title) in enumerate(list(search(check.query, k))[:k], 1):
            hit = doc_id in relevant
            if hit:
                result.ranks.append(rank)
            result.top.append({"rank": rank, "id": doc_id, "title": title, "relevant": hit})
        results.append(result)
    scored = [r for r in results if r.relevant]
    n = len(scored)
    return {
        "k": k,
        "checks": len(results),
        "checks_with_relevant_records": n,
        "passed": sum(r.passed for r in scored),
        f"hit_rate@{k}": round(sum(r.passed for r in scored) / n, 4) if n else None,
        f"mrr@{k}": round(sum(1 / r.ranks[0] for r in scored if r.ranks) / n, 4) if n else None,
        f"precision@{k}": round(sum(len(r.ranks) / k for r in scored) / n, 4) if n else None,
        "results": [r.as_dict() for r in results],
    }


def run_checks(
    engine: MatchEngine, checks: Sequence[CheckQuery], *, k: int = 10, kind: str | None = "achievement"
) -> dict[str, Any]:
    """Run the checks on the engine's records of `kind`."""
    docs = [d for d in engine.iter_docs() if not kind or d.kind == kind]
    return score_checks(
        checks, docs, lambda text, n: [(m.id, m.title) for m in engine.search(text, k=n, kind=kind, explain=False)], k=k
    )
