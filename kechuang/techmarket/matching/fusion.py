"""Reciprocal rank fusion (Cormack, Clarke & Büttcher, SIGIR 2009): score(d) = Σ over rankings of 1 / (k + rank).

No weights and the paper's k = 60: the lexical and dense rankings are fused without anything tuned on our data.
"""

from __future__ import annotations

from collections.abc import Sequence

RRF_K = 60


def reciprocal_rank_fusion(rankings: Sequence[Sequence[str]], k: int = RRF_K) -> list[tuple[str, float]]:
    """Ids of every ranking (best first, ranks from 1), fused: best first with their RRF scores.

    A tie keeps the better best rank, then the earlier ranking (the lexical one comes first), then the id.
    An id repeated within one ranking counts once, at its best rank.
    """
    if k < 0:
        raise ValueError("k must be non-negative")
    scores: dict[str, float] = {}
    best: dict[str, tuple[int, int]] = {}
    for which, ranking in enumerate(rankings):
        seen: set[str] = set()
        for rank, doc_id in enumerate(ranking, 1):
            if doc_id in seen:
                continue
            seen.add(doc_id)
            scores[doc_id] = scores.get(doc_id, 0.0) + 1.0 / (k + rank)
            best[doc_id] = min(best.get(doc_id, (rank, which)), (rank, which))
    return sorted(scores.items(), key=lambda kv: (-kv[1], best[kv[0]], kv[0]))
