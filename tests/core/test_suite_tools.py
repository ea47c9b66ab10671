"""The suite's own tools catch what they exist to catch (a checker that never fails checks nothing)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from kechuang.core.models import OrgUnit
from tests.conftest import first, moved_clock


def test_unchanged_db_catches_a_write(unchanged_db):
    with pytest.raises(AssertionError, match=r"core\.orgunit"), unchanged_db():
        OrgUnit.objects.filter(code="zhangdian").update(name="改名区")


def test_unchanged_db_passes_a_read(unchanged_db):
    with unchanged_db():
        assert OrgUnit.objects.filter(code="zhangdian").exists()


def test_first_fails_on_an_unmet_precondition(db):
    with pytest.raises(AssertionError, match="test precondition"):
        first(OrgUnit.objects.filter(code="no-such-unit"))


def test_moved_clock_is_the_clock_the_suite_runs_on(monkeypatch):
    moment = moved_clock()
    if moment is not None:  # KECHUANG_TEST_CLOCK set: the whole session travels there
        assert abs(timezone.localdate() - moment.date()) <= dt.timedelta(days=1)
    monkeypatch.setenv("KECHUANG_TEST_CLOCK", "2028-03-15")
    assert moved_clock() == dt.datetime(2028, 3, 15, 2, 0, tzinfo=dt.UTC)
