"""A talent's derived tier: the highest tier among the talent's live memberships (rank 1 is the highest)."""

from __future__ import annotations

from collections.abc import Iterable


def derived_tier(memberships: Iterable[tuple[str, int]]) -> str | None:
    """`memberships`: (tier code, tier rank) of each live membership. The code of the smallest rank; None: none."""
    best: tuple[int, str] | None = None
    for code, rank in memberships:
        if code and (best is None or (rank, code) < best):
            best = (rank, code)
    return best[1] if best else None
