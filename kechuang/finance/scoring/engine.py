"""Score one firm (`score`) or many at once (`score_batch`); both give the same points, criterion by criterion.

Points are kept as whole tenths of a point (int) so that an explanation's parts add up to its line, and the
lines to the total, exactly.

Two kinds of criterion:
- `bands`: a number (R&D intensity %, R&D staff share %, revenue growth %) earns the points of the highest band
  whose threshold it reaches; no number, no points ("no data" is said);
- `items`: counts of things (patents by kind, tiers held, R&D institutions by level) earn so many points each,
  summed, then capped at the criterion's maximum (the cut is shown).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

BANDS = "bands"
ITEMS = "items"


class SchemeError(ValueError):
    """A scheme that cannot score: `field` names where (e.g. "criteria[2].bands")."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def tenths(value: Any, field: str) -> int:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise SchemeError(field, "not a number") from None
    if not math.isfinite(number) or number < 0:
        raise SchemeError(field, "must be a number ≥ 0")
    scaled = round(number * 10)
    if abs(scaled - number * 10) > 1e-6:
        raise SchemeError(field, "at most one decimal place")
    return scaled


@dataclass(frozen=True)
class Criterion:
    code: str
    kind: str
    max_points: int  # tenths
    bands: tuple[tuple[float, int], ...] = ()  # (threshold, points in tenths), thresholds increasing
    items: tuple[tuple[str, int], ...] = ()  # (item key, points each in tenths)
    unit: str = ""


@dataclass(frozen=True)
class Scheme:
    version: str
    criteria: tuple[Criterion, ...]
    grades: tuple[tuple[int, str], ...]  # (minimum total in tenths, grade), highest first
    source: str = ""
    verified: bool = False

    @property
    def max_total(self) -> int:
        return sum(c.max_points for c in self.criteria)

    def grade(self, total: int) -> str:
        for minimum, grade in self.grades:
            if total >= minimum:
                return grade
        return ""


def parse_scheme(data: Mapping[str, Any]) -> Scheme:
    """The scheme from its data (YAML/JSON shape); SchemeError naming the field when it does not hold."""
    if not isinstance(data, Mapping):
        raise SchemeError("scheme", "must be a mapping")
    version = str(data.get("version") or "").strip()
    if not version:
        raise SchemeError("version", "required")
    raw_criteria = data.get("criteria")
    if not isinstance(raw_criteria, list) or not raw_criteria:
        raise SchemeError("criteria", "a non-empty list is required")
    criteria: list[Criterion] = []
    seen: set[str] = set()
    for i, raw in enumerate(raw_criteria):
        where = f"criteria[{i}]"
        if not isinstance(raw, Mapping):
            raise SchemeError(where, "must be a mapping")
        code = str(raw.get("code") or "").strip()
        if not code or code in seen:
            raise SchemeError(f"{where}.code", "required and unique")
        seen.add(code)
        kind = raw.get("kind")
        max_points = tenths(raw.get("max"), f"{where}.max")
        if kind == BANDS:
            bands_raw = raw.get("bands")
            if not isinstance(bands_raw, list) or not bands_raw:
                raise SchemeError(f"{where}.bands", "a non-empty list of [threshold, points] is required")
            bands: list[tuple[float, int]] = []
            for j, band in enumerate(bands_raw):
                if not isinstance(band, list | tuple) or len(band) != 2:
                    raise SchemeError(f"{where}.bands[{j}]", "must be [threshold, points]")
                try:
                    at = float(band[0])
                except (TypeError, ValueError):
                    raise SchemeError(f"{where}.bands[{j}]", "threshold is not a number") from None
                if not math.isfinite(at):
                    raise SchemeError(f"{where}.bands[{j}]", "threshold is not a number")
                points = tenths(band[1], f"{where}.bands[{j}]")
                if bands and at <= bands[-1][0]:
                    raise SchemeError(f"{where}.bands[{j}]", "thresholds must increase")
                if points > max_points:
                    raise SchemeError(f"{where}.bands[{j}]", "points above the criterion's maximum")
                bands.append((at, points))
            criteria.append(Criterion(code, BANDS, max_points, bands=tuple(bands), unit=str(raw.get("unit", ""))))
        elif kind == ITEMS:
            items_raw = raw.get("items")
            if not isinstance(items_raw, Mapping) or not items_raw:
                raise SchemeError(f"{where}.items", "a non-empty mapping of item → points each is required")
            items = tuple((str(k), tenths(v, f"{where}.items.{k}")) for k, v in items_raw.items())
            criteria.append(Criterion(code, ITEMS, max_points, items=items, unit=str(raw.get("unit", ""))))
        else:
            raise SchemeError(f"{where}.kind", "must be 'bands' or 'items'")
    grades_raw = data.get("grades") or []
    if not isinstance(grades_raw, list):
        raise SchemeError("grades", "must be a list of [minimum, grade]")
    grades: list[tuple[int, str]] = []
    for j, g in enumerate(grades_raw):
        if not isinstance(g, list | tuple) or len(g) != 2 or not str(g[1]).strip():
            raise SchemeError(f"grades[{j}]", "must be [minimum, grade]")
        grades.append((tenths(g[0], f"grades[{j}]"), str(g[1]).strip()))
    grades.sort(key=lambda g: -g[0])
    return Scheme(
        version=version,
        criteria=tuple(criteria),
        grades=tuple(grades),
        source=str(data.get("source", "")),
        verified=bool(data.get("verified", False)),
    )


@dataclass(frozen=True)
class Part:
    """One item of an `items` criterion: count × each = subtotal (tenths)."""

    item: str
    count: int
    each: int
    subtotal: int


@dataclass(frozen=True)
class Line:
    """One criterion of one firm's score, with everything needed to explain it."""

    code: str
    kind: str
    max_points: int
    value: float | None  # bands: the measured number (None: no data)
    band: tuple[float, int] | None  # bands: the band reached (None: below the first, or no data)
    next_band: tuple[float, int] | None  # bands: the next band up, what it would take
    parts: tuple[Part, ...]  # items: the counted items
    raw: int  # before the cap
    cut: int  # taken off by the cap
    points: int  # raw - cut

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "kind": self.kind,
            "max": self.max_points / 10,
            "value": self.value,
            "band": list(self.band) if self.band else None,
            "next_band": list(self.next_band) if self.next_band else None,
            "parts": [
                {"item": p.item, "count": p.count, "each": p.each / 10, "subtotal": p.subtotal / 10} for p in self.parts
            ],
            "raw": self.raw / 10,
            "cut": self.cut / 10,
            "points": self.points / 10,
        }


@dataclass(frozen=True)
class Score:
    total: int  # tenths
    grade: str
    lines: tuple[Line, ...]

    @property
    def points(self) -> float:
        return self.total / 10


def _number(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _count(value: Any) -> int:
    try:
        number = int(value or 0)
    except (TypeError, ValueError):
        return 0
    return max(0, number)


def score_line(criterion: Criterion, measure: Any) -> Line:
    if criterion.kind == BANDS:
        value = _number(measure)
        band = None
        next_band = criterion.bands[0] if criterion.bands else None
        if value is not None:
            for i, (at, points) in enumerate(criterion.bands):
                if value >= at:
                    band = (at, points)
                    next_band = criterion.bands[i + 1] if i + 1 < len(criterion.bands) else None
        raw = band[1] if band else 0
        return Line(criterion.code, BANDS, criterion.max_points, value, band, next_band, (), raw, 0, raw)
    counts = measure if isinstance(measure, Mapping) else {}
    parts = tuple(
        Part(item, n, each, n * each) for item, each in criterion.items if (n := _count(counts.get(item))) > 0
    )
    raw = sum(p.subtotal for p in parts)
    points = min(raw, criterion.max_points)
    return Line(criterion.code, ITEMS, criterion.max_points, None, None, None, parts, raw, raw - points, points)


def score(measures: Mapping[str, Any], scheme: Scheme) -> Score:
    """One firm: `measures` maps each criterion's code to its number (bands) or its counts (items)."""
    lines = tuple(score_line(c, measures.get(c.code)) for c in scheme.criteria)
    total = sum(line.points for line in lines)
    return Score(total, scheme.grade(total), lines)


@dataclass(frozen=True)
class Batch:
    """Many firms at once: `points[code][i]` (tenths) per criterion, `totals[i]`, `grades[i]`."""

    points: dict[str, list[int]]
    totals: list[int]
    grades: list[str]


def score_batch(measures: Sequence[Mapping[str, Any]], scheme: Scheme) -> Batch:
    """The whole register in one pass, column by column (numpy): the same points as `score` firm by firm."""
    import numpy as np

    n = len(measures)
    points: dict[str, list[int]] = {}
    total = np.zeros(n, dtype=np.int64)
    for c in scheme.criteria:
        column = [m.get(c.code) for m in measures]
        if c.kind == BANDS:
            values = np.array(
                [v if (v := _number(x)) is not None else -np.inf for x in column], dtype=np.float64
            ).reshape(n)
            thresholds = np.array([b[0] for b in c.bands], dtype=np.float64)
            band_points = np.array([0] + [b[1] for b in c.bands], dtype=np.int64)
            got = band_points[np.searchsorted(thresholds, values, side="right")]
        else:
            keys = [k for k, _each in c.items]
            each = np.array([e for _k, e in c.items], dtype=np.int64)
            empty = [0] * len(keys)
            counts = np.array(
                [[_count(d.get(k)) for k in keys] if isinstance(d, dict | Mapping) else empty for d in column],
                dtype=np.int64,
            ).reshape(n, len(keys))
            got = np.minimum(counts @ each, c.max_points)
        points[c.code] = got.tolist()
        total += got
    totals = total.tolist()
    return Batch(points, totals, [scheme.grade(t) for t in totals])


# ------------------------------------------------------------------------------------------ from the register
def _latest_two(years: Mapping[Any, Mapping[str, Any]]) -> tuple[Mapping[str, Any] | None, Mapping[str, Any] | None]:
    ordered = sorted(((int(y), v) for y, v in years.items()), key=lambda yv: yv[0])
    if not ordered:
        return None, None
    latest = ordered[-1]
    before = ordered[-2] if len(ordered) > 1 and ordered[-2][0] == latest[0] - 1 else None
    return latest[1], (before[1] if before else None)


def _ratio_pct(numerator: Any, denominator: Any) -> float | None:
    num, den = _number(numerator), _number(denominator)
    if num is None or den is None or den <= 0:
        return None
    return round(num / den * 100, 4)


def measures_from_profile(profile: Mapping[str, Any]) -> dict[str, Any]:
    """A firm's measures from its register profile (plain data from the register and the ladder):

    - `rd_intensity`: R&D expense / operating revenue, latest year, %;
    - `ip`: valid Class I IP (`class_i`), of which high-value patents (`high_value`), and Class II (`class_ii`);
    - `qualifications`: each tier held on the day (1 each), and tiers the ladder finds eligible but not held
      (`eligible`, a count);
    - `platforms`: R&D institutions by level, not revoked;
    - `talents`: R&D staff / employees, latest year, %;
    - `growth`: operating revenue growth over the year before, %.
    """
    latest, before = _latest_two(profile.get("years") or {})
    growth = None
    if latest and before:
        now, then = _number(latest.get("operating_revenue")), _number(before.get("operating_revenue"))
        if now is not None and then is not None and then > 0:
            growth = round((now - then) / then * 100, 4)
    held = dict.fromkeys(profile.get("tiers_held") or {}, 1)
    eligible = [t for t in profile.get("tiers_eligible") or () if t not in held]
    return {
        "rd_intensity": _ratio_pct(latest.get("rd_expense"), latest.get("operating_revenue")) if latest else None,
        "ip": dict(profile.get("ip") or {}),
        "qualifications": {**held, "eligible": len(eligible)},
        "platforms": dict(profile.get("institutions") or {}),
        "talents": _ratio_pct(latest.get("rd_staff"), latest.get("employees")) if latest else None,
        "growth": growth,
    }
