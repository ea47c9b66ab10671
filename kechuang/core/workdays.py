"""Working days over a holiday calendar (China's official holidays and the weekend days made working days, 调休).

Pure Python on plain dates: callers pass the calendar (`Calendar(holidays, makeup_days)`) that they keep as data.
A day is a working day when it is Monday–Friday and not a holiday, or when it is a make-up working day."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

ONE = dt.timedelta(days=1)


@dataclass(frozen=True)
class Calendar:
    holidays: frozenset[dt.date] = field(default_factory=frozenset)
    makeup_days: frozenset[dt.date] = field(default_factory=frozenset)

    @classmethod
    def of(cls, holidays: Iterable[dt.date] = (), makeup_days: Iterable[dt.date] = ()) -> Calendar:
        return cls(frozenset(holidays), frozenset(makeup_days))

    def is_working_day(self, day: dt.date) -> bool:
        if day in self.makeup_days:
            return True
        return day.weekday() < 5 and day not in self.holidays

    def add(self, start: dt.date, days: int) -> dt.date:
        """The day on which `days` working days after `start` have passed (`start` itself not counted); 0: `start`."""
        day, left = start, days
        while left > 0:
            day += ONE
            if self.is_working_day(day):
                left -= 1
        return day

    def between(self, start: dt.date, end: dt.date) -> int:
        """Working days after `start` up to and including `end` (0 when `end` is not after `start`)."""
        n, day = 0, start
        while day < end:
            day += ONE
            if self.is_working_day(day):
                n += 1
        return n
