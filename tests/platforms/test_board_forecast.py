"""The platform board's forecast of the count never goes below zero (a register losing platforms year after year
drew a band down to negative counts)."""

from __future__ import annotations

import datetime as dt

import pytest

from kechuang.platforms import selectors
from kechuang.platforms.models import PlatformEvent

pytestmark = pytest.mark.django_db


def test_a_shrinking_register_is_forecast_down_to_zero_never_below(make_platform, persona):
    today = dt.date(2026, 6, 30)
    made = [
        make_platform(f"测试平台{i}", state="recognised", document="鲁科字〔2017〕1号", on=dt.date(2017, 1, 10))
        for i in range(20)
    ]
    # two platforms revoked each year from 2018: 20, 18, 16, … 4 at the end of 2025
    for i, platform in enumerate(made[:16]):
        PlatformEvent.objects.create(
            platform=platform, on=dt.date(2018 + i // 2, 6, 1), source_state="recognised", state="revoked",
            level="province",
        )  # fmt: skip
    board = selectors.board(persona("bureau_staff"), today=today)
    assert [v for y, v in board.series if 2017 <= y <= 2025] == [20, 18, 16, 14, 12, 10, 8, 6, 4]
    rows = board.forecast["forecast"]
    assert rows[-1]["year"] == board.deadline and board.forecast["floor"] == 0.0
    assert all(min(r["lower"], r["value"]) >= 0 for r in rows), rows
    assert rows[-1]["lower"] == 0.0
