"""Derived values and roll-ups from entered observations (plain Python, no Django).

Rules (innovative-city-indicators.md §4, §5):

* ``sum`` indicators add up over the city's **partition** (regions with ``in_partition``; functional zones that
  overlap their host districts are left out). The city value is the entered city total when there is one,
  otherwise the sum of the partition regions when every one of them has a value.
* Derived indicators have a formula ``numerator / denominator [* factor]`` (or ``numerator / (denominator *
  factor)``); their value at any level is computed from the components **at that level**, so the city's
  R&D intensity is (city R&D spending) / (city GDP) — a ratio of sums across regions, never an average of
  the regions' ratios. Derived values are never entered.
* ``not_additive`` and ``max_or_flag`` indicators are never rolled up: the city figure must be entered.
* Consistency check: when the city total of a ``sum`` indicator is entered and every partition region is
  entered too, the two must agree within ``TOLERANCE`` (0.1 % of the city value, at least 0.01); otherwise
  the pair is flagged.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

TOLERANCE_RELATIVE = 0.001
TOLERANCE_ABSOLUTE = 0.01

_CODE = r"([a-z][a-z0-9_]*)"
_NUM = r"(\d+(?:\.\d+)?)"
_FORMULAS = (
    re.compile(rf"^{_CODE}\s*/\s*{_CODE}\s*\*\s*{_NUM}$"),  # a / b * k
    re.compile(rf"^{_CODE}\s*/\s*{_CODE}$"),  # a / b
    re.compile(rf"^{_CODE}\s*/\s*\(\s*{_CODE}\s*\*\s*{_NUM}\s*\)$"),  # a / (b * k)
)


@dataclass(frozen=True)
class Formula:
    numerator: str
    denominator: str
    factor: float = 1.0  # value = numerator / denominator * factor

    def apply(self, numerator: float, denominator: float) -> float | None:
        if denominator == 0:
            return None
        return numerator / denominator * self.factor


def parse_formula(text: str) -> Formula | None:
    """``"rd_expenditure / gdp * 100"`` → Formula; None when the text is not a ratio formula (a definition note)."""
    text = (text or "").strip()
    for i, pattern in enumerate(_FORMULAS):
        match = pattern.match(text)
        if match:
            if i == 0:
                return Formula(match[1], match[2], float(match[3]))
            if i == 1:
                return Formula(match[1], match[2])
            return Formula(match[1], match[2], 1.0 / float(match[3]))
    return None


@dataclass(frozen=True)
class Spec:
    code: str
    aggregation: str  # sum / ratio_of_sums / not_additive / max_or_flag
    formula: Formula | None = None


@dataclass(frozen=True)
class Resolved:
    value: float
    how: str  # entered / sum_of_regions / formula
    detail: str = ""


@dataclass(frozen=True)
class Mismatch:
    code: str
    year: int
    city_value: float
    regions_sum: float

    @property
    def difference(self) -> float:
        return self.city_value - self.regions_sum


class Resolver:
    """Values of every indicator at every level and year, computed from the entered ones.

    ``values`` maps ``(code, region_code, year)`` to the entered annual value; ``city`` is the city's code and
    ``partition`` the codes of the regions that add up to it.
    """

    def __init__(
        self,
        values: Mapping[tuple[str, str, int], float],
        specs: Mapping[str, Spec],
        city: str,
        partition: Iterable[str],
    ):
        self.values = dict(values)
        self.specs = dict(specs)
        self.city = city
        self.partition = list(partition)
        self._cache: dict[tuple[str, str, int], Resolved | None] = {}

    def years(self, code: str) -> list[int]:
        """Every year in which the indicator or (for a derived one) its components have any value."""
        codes = self._leaves(code, set())
        return sorted({y for (c, _, y) in self.values if c in codes})

    def _leaves(self, code: str, seen: set[str]) -> set[str]:
        if code in seen:
            return set()
        seen.add(code)
        spec = self.specs.get(code)
        if spec is None or spec.formula is None:
            return {code}
        return self._leaves(spec.formula.numerator, seen) | self._leaves(spec.formula.denominator, seen)

    def get(self, code: str, region: str, year: int) -> Resolved | None:
        key = (code, region, year)
        if key not in self._cache:
            self._cache[key] = None  # guards against a formula that refers to itself
            self._cache[key] = self._compute(code, region, year)
        return self._cache[key]

    def value(self, code: str, region: str, year: int) -> float | None:
        found = self.get(code, region, year)
        return None if found is None else found.value

    def _compute(self, code: str, region: str, year: int) -> Resolved | None:
        spec = self.specs.get(code, Spec(code, "sum"))
        if spec.formula is not None:
            num = self.get(spec.formula.numerator, region, year)
            den = self.get(spec.formula.denominator, region, year)
            if num is None or den is None:
                return None
            result = spec.formula.apply(num.value, den.value)
            if result is None:
                return None
            return Resolved(result, "formula", f"{spec.formula.numerator} / {spec.formula.denominator}")
        entered = self.values.get((code, region, year))
        if entered is not None:
            return Resolved(float(entered), "entered")
        if region == self.city and spec.aggregation in ("sum", "ratio_of_sums") and self.partition:
            parts = [self.values.get((code, r, year)) for r in self.partition]
            if all(p is not None for p in parts):
                return Resolved(float(sum(parts)), "sum_of_regions", f"{len(parts)}")
        return None

    def series(self, code: str, region: str) -> list[tuple[int, float]]:
        out = []
        for year in self.years(code):
            value = self.value(code, region, year)
            if value is not None:
                out.append((year, value))
        return out

    def mismatches(self, code: str) -> list[Mismatch]:
        """Years where the entered city total of a sum indicator disagrees with its complete regional sum."""
        spec = self.specs.get(code)
        if spec is None or spec.formula is not None or spec.aggregation != "sum" or not self.partition:
            return []
        found = []
        for year in self.years(code):
            city_value = self.values.get((code, self.city, year))
            parts = [self.values.get((code, r, year)) for r in self.partition]
            if city_value is None or any(p is None for p in parts):
                continue
            total = float(sum(parts))
            if abs(float(city_value) - total) > max(TOLERANCE_ABSOLUTE, TOLERANCE_RELATIVE * abs(float(city_value))):
                found.append(Mismatch(code, year, float(city_value), total))
        return found

    def coverage(self, code: str, year: int) -> tuple[int, int]:
        """(partition regions with an entered value, partition size) for a non-derived indicator."""
        return sum(1 for r in self.partition if (code, r, year) in self.values), len(self.partition)
