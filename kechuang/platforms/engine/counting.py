"""Counting "省级以上创新平台 ≥ 600" (task 2; talent-platforms-projects.md §2.3).

A platform's history is its events (date, state, level). On a reference day it is counted when:
- its type counts for task 2 (a per-type flag the bureau sets),
- its level on that day is one of the counted levels (national, province),
- its state on that day holds the title (recognised, in rectification, downgraded to a counted level), or is
  being built (筹建/试点培育) when the bureau's setting counts those;
- and a platform that was revoked, merged or closed leaves the count from that day (so for the whole year, since
  a past year is counted on its 31 December).
One platform is counted once, at its highest level: records of the same lineage (a city centre later recognised
by the province is one platform) count once, at the highest counted level among them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from kechuang.platforms.engine.workflow import BUILDING, HOLDING

LEVEL_RANK = {"national": 3, "province": 2, "city": 1, "district": 0}


@dataclass(frozen=True)
class Event:
    on: dt.date
    state: str
    level: str


@dataclass(frozen=True)
class PlatformHistory:
    pk: int
    lineage: int  # the pk of the first record of the platform (itself when it continues none)
    type_code: str
    region_code: str
    events: tuple[Event, ...]  # in date order


@dataclass(frozen=True)
class CountingRule:
    counted_types: frozenset[str]
    counted_levels: frozenset[str] = frozenset({"national", "province"})
    count_under_construction: bool = False


@dataclass(frozen=True)
class Counted:
    pk: int
    lineage: int
    type_code: str
    region_code: str
    level: str
    state: str


@dataclass
class Tally:
    total: int = 0
    by_type: dict[str, int] = field(default_factory=dict)
    by_level: dict[str, int] = field(default_factory=dict)
    by_region: dict[str, int] = field(default_factory=dict)
    counted: list[Counted] = field(default_factory=list)


def state_on(history: PlatformHistory, day: dt.date) -> tuple[str, str] | None:
    """(state, level) of the platform at the end of `day`; None before its first event."""
    found = None
    for event in history.events:
        if event.on > day:
            break
        found = (event.state, event.level)
    return found


def is_counted(state: str, level: str, type_code: str, rule: CountingRule) -> bool:
    if type_code not in rule.counted_types or level not in rule.counted_levels:
        return False
    return state in HOLDING or (rule.count_under_construction and state in BUILDING)


def _better(candidate: Counted, held: Counted | None) -> bool:
    return held is None or (LEVEL_RANK[candidate.level], -candidate.pk) > (LEVEL_RANK[held.level], -held.pk)


def _tally(best: Iterable[Counted]) -> Tally:
    tally = Tally()
    for item in sorted(best, key=lambda c: c.pk):
        tally.total += 1
        tally.by_type[item.type_code] = tally.by_type.get(item.type_code, 0) + 1
        tally.by_level[item.level] = tally.by_level.get(item.level, 0) + 1
        tally.by_region[item.region_code] = tally.by_region.get(item.region_code, 0) + 1
        tally.counted.append(item)
    return tally


def count_on(histories: Iterable[PlatformHistory], day: dt.date, rule: CountingRule) -> Tally:
    """Who counts on `day`, one per lineage at its highest counted level (ties: the lower pk)."""
    best: dict[int, Counted] = {}
    for history in histories:
        now = state_on(history, day)
        if now is None or not is_counted(now[0], now[1], history.type_code, rule):
            continue
        candidate = Counted(history.pk, history.lineage, history.type_code, history.region_code, now[1], now[0])
        if _better(candidate, best.get(history.lineage)):
            best[history.lineage] = candidate
    return _tally(best.values())


def reference_day(year: int, today: dt.date) -> dt.date:
    """A past year is counted on its 31 December, this year as of today."""
    return today if year >= today.year else dt.date(year, 12, 31)


def trajectory(
    histories: Sequence[PlatformHistory], years: Iterable[int], rule: CountingRule, today: dt.date
) -> dict[int, Tally]:
    """`count_on` for each year's reference day, in one pass over each platform's steps (the records counted are
    listed for the last year only; the others carry their totals)."""
    chosen = sorted(set(years))
    days = [reference_day(y, today) for y in chosen]
    # per year: lineage → (rank, -pk, history, level, state), the best record of the lineage that year
    best: list[dict[int, tuple]] = [{} for _ in chosen]
    for history in histories:
        if history.type_code not in rule.counted_types:
            continue
        events, i, now = history.events, 0, None
        for k, day in enumerate(days):
            while i < len(events) and events[i].on <= day:
                now = (events[i].state, events[i].level)
                i += 1
            if now is None or not is_counted(now[0], now[1], history.type_code, rule):
                continue
            key = (LEVEL_RANK[now[1]], -history.pk)
            held = best[k].get(history.lineage)
            if held is None or key > held[:2]:
                best[k][history.lineage] = (*key, history, now[1], now[0])
    out: dict[int, Tally] = {}
    for k, year in enumerate(chosen):
        if k == len(chosen) - 1:
            out[year] = _tally(
                Counted(h.pk, h.lineage, h.type_code, h.region_code, lv, st) for _r, _p, h, lv, st in best[k].values()
            )
            continue
        tally = Tally()
        for _rank, _pk, h, level, _state in best[k].values():
            tally.total += 1
            tally.by_type[h.type_code] = tally.by_type.get(h.type_code, 0) + 1
            tally.by_level[level] = tally.by_level.get(level, 0) + 1
            tally.by_region[h.region_code] = tally.by_region.get(h.region_code, 0) + 1
        out[year] = tally
    return out
