"""Evaluation grades per platform type, from bands kept as data (the type's `grade_bands`).

A band list is [(min_score, grade), ...]: the grade of the highest band whose minimum the score reaches.
Engineering research centres (鲁发改高技〔2021〕427号): ≥ 85 excellent, 60–85 pass, < 60 fail."""

from __future__ import annotations

from collections.abc import Sequence

EXCELLENT, GOOD, PASS, FAIL = "excellent", "good", "pass", "fail"
GRADES = (EXCELLENT, GOOD, PASS, FAIL)
DEFAULT_BANDS: tuple[tuple[float, str], ...] = ((85.0, EXCELLENT), (60.0, PASS), (0.0, FAIL))


class BandsError(ValueError):
    pass


def check_bands(bands: Sequence[Sequence]) -> list[tuple[float, str]]:
    """The bands sorted from the highest minimum; BandsError when a grade is unknown, a minimum is not a number
    between 0 and 100, two minima repeat, or no band starts at 0 (a score would have no grade)."""
    out: list[tuple[float, str]] = []
    for band in bands:
        if len(band) != 2:
            raise BandsError(f"a band is [minimum score, grade], not {band!r}")
        low, grade = band
        if grade not in GRADES:
            raise BandsError(f"unknown grade {grade!r}")
        try:
            low = float(low)
        except (TypeError, ValueError):
            raise BandsError(f"minimum score {low!r} is not a number") from None
        if not 0 <= low <= 100:
            raise BandsError(f"minimum score {low} is outside 0–100")
        out.append((low, grade))
    out.sort(key=lambda b: -b[0])
    if len({b[0] for b in out}) != len(out):
        raise BandsError("two bands share a minimum score")
    if not out or out[-1][0] != 0:
        raise BandsError("the lowest band must start at 0")
    return out


def grade_for(score: float, bands: Sequence[Sequence] = DEFAULT_BANDS) -> str:
    if not 0 <= score <= 100:
        raise ValueError("score outside 0–100")
    for low, grade in check_bands(bands):
        if score >= low:
            return grade
    raise AssertionError("unreachable: the lowest band starts at 0")
