"""How far a municipal platform is from the provincial criteria of its type (reserve pool), the way the enterprise
ladder shows its gaps: each numeric criterion with what the platform has, what is needed and the shortfall."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Gap:
    criterion: str
    have: float | None  # None: not reported
    need: float
    shortfall: float  # 0 when met; `need` when not reported

    @property
    def met(self) -> bool:
        return self.have is not None and self.have >= self.need

    @property
    def ratio(self) -> float:
        """Share of the criterion reached, capped at 1 (0 when not reported)."""
        if self.have is None or self.need <= 0:
            return 0.0 if self.have is None else 1.0
        return min(1.0, self.have / self.need)


@dataclass(frozen=True)
class Distance:
    gaps: tuple[Gap, ...]

    @property
    def failed(self) -> int:
        return sum(1 for g in self.gaps if not g.met)

    @property
    def closeness(self) -> float:
        """Mean share reached over the criteria (1.0: every criterion met)."""
        return sum(g.ratio for g in self.gaps) / len(self.gaps) if self.gaps else 0.0


def distance(facts: Mapping[str, float | None], criteria: Mapping[str, float]) -> Distance:
    gaps = []
    for name, need in criteria.items():
        have = facts.get(name)
        have = None if have is None else float(have)
        shortfall = float(need) if have is None else max(0.0, float(need) - have)
        gaps.append(Gap(name, have, float(need), shortfall))
    return Distance(tuple(gaps))


def rank_key(d: Distance) -> tuple[int, float]:
    """Closest first: fewest criteria failed, then the highest share reached."""
    return (d.failed, -d.closeness)
