"""Defect 19 (issue #10): the inbox, the reports still to write and the overdue list, on the demo data.

The demo data is the one a new user sees: a closed period, a past period with stragglers and the current one.
"""

from __future__ import annotations

import re

import pytest
from django.utils import timezone

from kechuang.core.models import Message, OrgUnit
from kechuang.supervision import selectors
from kechuang.supervision.demo import load_demo
from kechuang.supervision.models import ProgressReport, ReportingPeriod

pytestmark = pytest.mark.django_db
State = ProgressReport.State


@pytest.fixture
def demo(policy):
    load_demo(OrgUnit.objects.get(code="zibo", parent=None))
    return policy


def _report_ids(html: str, testid: str) -> list[int]:
    table = re.search(rf'<table[^>]*data-testid="{testid}".*?</table>', html, re.S)
    assert table, f"no table {testid}"
    return [int(pk) for pk in re.findall(r'href="/supervision/reports/(\d+)/"', table.group(0))]


def test_inbox_shows_what_needs_action_with_paging_and_filters(demo, client_as, persona):
    bureau = persona("bureau_staff")
    everything = Message.objects.filter(user=bureau, about_type__in=selectors.ABOUT_TYPES)
    assert everything.count() > 25  # the demo's history: most of it handled long ago
    client = client_as("bureau_staff")

    html = client.get("/supervision/messages/").content.decode()
    shown = _report_ids(html, "report-messages")
    # Needs action now: a report handed to the bureau and not yet reviewed, in an open period.
    waiting = set(
        ProgressReport.objects.filter(state=State.WITH_BUREAU, period__state=ReportingPeriod.State.OPEN).values_list(
            "pk", flat=True
        )
    )
    assert waiting and set(shown) == waiting
    assert not ProgressReport.objects.filter(pk__in=shown, state=State.ACCEPTED).exists()

    # The stale items are one filter away, paged.
    stale_html = client.get("/supervision/messages/?show=stale").content.decode()
    stale = _report_ids(stale_html, "report-messages")
    assert len(stale) == 25 and 'class="pagination"' in stale_html
    assert ProgressReport.objects.filter(pk__in=stale, state=State.ACCEPTED).exists()
    assert not set(stale) & waiting
    page2 = _report_ids(client.get("/supervision/messages/?show=stale&page=2").content.decode(), "report-messages")
    assert page2 and not set(page2) & set(stale)

    # Filters: period, status, task, department; and sorting.
    closed = ReportingPeriod.objects.get(state=ReportingPeriod.State.CLOSED)
    in_closed = _report_ids(
        client.get(f"/supervision/messages/?show=all&period={closed.code}&size=100").content.decode(),
        "report-messages",
    )
    assert in_closed and set(ProgressReport.objects.filter(pk__in=in_closed).values_list("period", flat=True)) == {
        closed.pk
    }
    accepted = _report_ids(
        client.get("/supervision/messages/?show=all&status=accepted&size=100").content.decode(), "report-messages"
    )
    assert accepted and set(ProgressReport.objects.filter(pk__in=accepted).values_list("state", flat=True)) == {
        State.ACCEPTED
    }
    task8 = _report_ids(client.get("/supervision/messages/?show=all&task=8").content.decode(), "report-messages")
    assert task8 and set(ProgressReport.objects.filter(pk__in=task8).values_list("task__number", flat=True)) == {8}
    dept = _report_ids(
        client.get("/supervision/messages/?show=all&department=science_tech&size=100").content.decode(),
        "report-messages",
    )
    assert dept and set(ProgressReport.objects.filter(pk__in=dept).values_list("department__code", flat=True)) == {
        "science_tech"
    }
    by_task = _report_ids(
        client.get("/supervision/messages/?show=all&sort=task&size=100").content.decode(), "report-messages"
    )
    numbers = list(ProgressReport.objects.filter(pk__in=by_task).values_list("pk", "task__number"))
    order = dict(numbers)
    assert [order[pk] for pk in by_task] == sorted(order[pk] for pk in by_task)


def test_reports_to_write_lists_only_reports_still_to_submit(demo, client_as):
    html = client_as("lead_officer").get("/supervision/departments/science_tech/").content.decode()
    owed = _report_ids(html, "owed")
    assert owed
    states = set(ProgressReport.objects.filter(pk__in=owed).values_list("state", flat=True))
    assert states <= {State.DRAFT, State.RETURNED}, states
    # Reports already handed on are listed apart, not as owed.
    handed = ProgressReport.objects.filter(
        department__code="science_tech", period__state=ReportingPeriod.State.OPEN, state=State.ACCEPTED
    )
    assert handed.exists() and not set(handed.values_list("pk", flat=True)) & set(owed)
    consolidate = _report_ids(html, "to-consolidate") if 'data-testid="to-consolidate"' in html else []
    assert not ProgressReport.objects.filter(pk__in=consolidate).exclude(state=State.WITH_LEAD).exists()


def test_overdue_list_defaults_to_the_period_with_overdue_reports(demo, client_as):
    today = timezone.localdate()
    late = ProgressReport.objects.filter(state__in=(State.DRAFT, State.RETURNED), due_date__lt=today)
    expected = ReportingPeriod.objects.filter(reports__in=late).distinct().order_by("-year", "-quarter").first()
    assert expected is not None and expected != selectors.current_period(demo)
    response = client_as("bureau_staff").get("/supervision/periods/")
    assert response.context["period"] == expected
    overdue = response.context["overdue"]
    assert overdue and overdue == selectors.overdue_reports(response.context["user"], expected, today)
    html = response.content.decode()
    assert 'data-testid="overdue-list"' in html
    assert f'data-testid="overdue-period">{expected.label}<' in html
