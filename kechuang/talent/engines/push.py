"""Policy push (政策推送): which programmes a talent qualifies for now, each with the reason, from the programme
rules (an open round, the age limit, the tier the programme grants against the talent's own, not already in it)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class ProgrammeRule:
    code: str
    name: str
    tier_code: str
    tier_rank: int
    max_age: int | None
    round_deadline: dt.date | None  # the open round's deadline (None: no open round)


@dataclass(frozen=True)
class TalentFacts:
    birth_date: dt.date | None
    tier_code: str | None
    tier_rank: int | None  # None: no tier yet
    in_city: bool
    programmes_held: frozenset[str]
    applied: frozenset[str]  # programmes with an application in the open round


@dataclass(frozen=True)
class Pushed:
    code: str
    name: str
    reasons: tuple[str, ...]  # codes with values, rendered by the page: ("round_open", date), …


def age_on(birth: dt.date, day: dt.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def qualifying(
    talent: TalentFacts, programmes: list[ProgrammeRule], today: dt.date
) -> list[tuple[ProgrammeRule, list[tuple[str, object]]]]:
    """The programmes the talent may apply for today and why (each reason a (code, value) pair)."""
    out = []
    if not talent.in_city:
        return out
    for p in programmes:
        if p.round_deadline is None or p.round_deadline < today:
            continue
        if p.code in talent.programmes_held or p.code in talent.applied:
            continue
        reasons: list[tuple[str, object]] = [("round_open", p.round_deadline)]
        if p.max_age is not None:
            if talent.birth_date is None:
                continue
            age = age_on(talent.birth_date, today)
            if age > p.max_age:
                continue
            reasons.append(("age", (age, p.max_age)))
        if talent.tier_rank is not None and p.tier_rank >= talent.tier_rank:
            continue  # the programme would not raise the talent's tier
        reasons.append(("raises_tier", (talent.tier_code, p.tier_code)))
        out.append((p, reasons))
    return out
