"""The holiday calendar as shipped (data/cn_calendar.yaml): the 2026 rows as the State Council's notice of
2025-11-04 gives them, read through the same loader and working-day engine as the service desk."""

from __future__ import annotations

import datetime as dt

import pytest

from kechuang.talent import services
from kechuang.talent.demo import load_calendar

pytestmark = pytest.mark.django_db
D = dt.date


def test_2026_notice_rows():
    load_calendar()
    cal = services.calendar()
    holidays = [
        (D(2026, 1, 1), D(2026, 1, 3)),
        (D(2026, 2, 15), D(2026, 2, 23)),
        (D(2026, 4, 4), D(2026, 4, 6)),
        (D(2026, 5, 1), D(2026, 5, 5)),
        (D(2026, 6, 19), D(2026, 6, 21)),
        (D(2026, 9, 25), D(2026, 9, 27)),
        (D(2026, 10, 1), D(2026, 10, 7)),
    ]
    for first, last in holidays:
        day = first
        while day <= last:
            assert not cal.is_working_day(day), day
            day += dt.timedelta(days=1)
    for worked in (D(2026, 1, 4), D(2026, 2, 14), D(2026, 2, 28), D(2026, 5, 9), D(2026, 9, 20), D(2026, 10, 10)):
        assert cal.is_working_day(worked), worked
    # a 3-day limit accepted on Wed 30 Sep 2026: 8 Oct, 9 Oct, then Saturday 10 Oct (a make-up working day)
    assert cal.add(D(2026, 9, 30), 3) == D(2026, 10, 10)
    # 2026 has 365 − 104 weekend days − 19 holidays on weekdays + 6 make-up days = 248 working days
    assert cal.between(D(2025, 12, 31), D(2026, 12, 31)) == 248
