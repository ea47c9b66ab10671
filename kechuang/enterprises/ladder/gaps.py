"""Gap helpers for the reserve pool (后备库): how far a record is from a tier.

A record's distance to a tier = the number of failed criteria (hard conditions that fail, plus the score
line when it fails and no direct route can apply), then the sum of their relative shortfalls
(|change| ÷ |target| from each criterion's gap; 1.0 when a gap has no numeric size, e.g. a flag).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from .engine import TierResult

LADDER = ("tech_sme", "innovative_sme", "specialized_sme", "little_giant")  # high_tech runs alongside


def failed_count(result: TierResult) -> int:
    """How many criteria the record fails for this tier (0 for eligible / undecidable-only records)."""
    return len(result.failed_criteria())


def shortfall(result: TierResult) -> float:
    """Sum of relative shortfalls of the failed criteria (smaller = closer)."""
    total = 0.0
    for c in result.failed_criteria():
        rel = c.gap.get("relative") if c.gap else None
        total += 1.0 if rel is None else float(rel)
    return round(total, 6)


def next_tier(results: Sequence[TierResult]) -> str | None:
    """The first ladder tier (tech SME → innovative SME → specialized SME → little giant) not yet eligible."""
    by_tier = {r.tier: r for r in results}
    return next((t for t in LADDER if t in by_tier and by_tier[t].status != "eligible"), None)


@dataclass(frozen=True)
class ReserveEntry:
    key: Any
    tier: str
    failed: int
    shortfall: float
    score: float | None
    failing: tuple[str, ...]  # criterion ids
    texts: tuple[str, ...]  # the gap sentences


def reserve_pool(
    evaluated: Iterable[tuple[Any, Sequence[TierResult]]], tier: str, max_failed: int = 2
) -> list[ReserveEntry]:
    """Records not eligible for `tier` that fail it by 1..`max_failed` criteria, closest first.

    `evaluated`: (key, results of `engine.evaluate`) pairs, e.g. (credit_code, evaluate(record)).
    Sorted by failed count, then shortfall, then higher score.
    """
    pool: list[ReserveEntry] = []
    for key, results in evaluated:
        r = next((x for x in results if x.tier == tier), None)
        if r is None or r.status != "not_eligible":
            continue
        failing = r.failed_criteria()
        if not 1 <= len(failing) <= max_failed:
            continue
        pool.append(
            ReserveEntry(
                key=key,
                tier=tier,
                failed=len(failing),
                shortfall=shortfall(r),
                score=r.score,
                failing=tuple(c.id for c in failing),
                texts=tuple(c.gap["text"] for c in failing if c.gap),
            )
        )
    pool.sort(key=lambda e: (e.failed, e.shortfall, -(e.score or 0)))
    return pool
