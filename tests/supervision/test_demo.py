"""The demo data: periods across all 16 departments, some late, some returned; idempotent."""

from __future__ import annotations

import pytest

from kechuang.core.models import OrgUnit
from kechuang.supervision.demo import load_demo
from kechuang.supervision.models import Milestone, ProgressReport, ReportEvent, ReportingPeriod
from kechuang.supervision.selectors import timeliness_ranking
from tests.conftest import first

pytestmark = pytest.mark.django_db


def test_demo_fills_every_board_and_is_idempotent(policy):
    city = OrgUnit.objects.get(code="zibo", parent=None)
    summary = load_demo(city)
    assert "3 reporting periods" in summary
    assert ReportingPeriod.objects.count() == 3
    past = ProgressReport.objects.exclude(period__state="open") | ProgressReport.objects.filter(
        period__in=ReportingPeriod.objects.order_by("-year", "-quarter")[1:2]
    )
    assert past.values("department").distinct().count() == 16
    assert any(r.was_late for r in past)
    assert ReportEvent.objects.filter(action="return").exists()
    assert ProgressReport.objects.filter(state="accepted").exists()
    assert Milestone.objects.filter(completed_on__isnull=False).exists()
    ranking = timeliness_ranking(policy, __import__("django.utils.timezone").utils.timezone.localdate())
    assert len(ranking) == 16 and any(r.late or r.missing for r in ranking)
    # Officer education has drafts to write in the open period (the README walk-through).
    current = first(ReportingPeriod.objects.filter(state="open").order_by("-year", "-quarter"))
    assert ProgressReport.objects.filter(period=current, department__code="education", state="draft").exists()
    assert "0 reporting periods" in load_demo(city) and ReportingPeriod.objects.count() == 3
