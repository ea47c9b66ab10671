"""A reporting period reads as its label wherever a person reads it (2026年第3季度 / Q3 2026, the one
quarter_label): the supervision pages, notices and briefing wrote its code, 2026-Q3, which stays in links, form
values and file names only."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
from django.utils import translation

from kechuang.supervision import services
from kechuang.supervision.briefing import digest

pytestmark = pytest.mark.django_db
LABEL = {"zh-hans": "2026年第3季度", "en": "Q3 2026"}
CODE = "2026-Q3"
TAG = re.compile(r"<[^>]*>")


@pytest.fixture(autouse=True)
def language_restored():
    """A request in English leaves English active in the thread: the tests after these would read English."""
    with translation.override(translation.get_language()):
        yield


def shown(response) -> str:
    """What the reader sees: the text outside tags (attributes — hrefs, values — are not read)."""
    return html.unescape(TAG.sub(" ", response.content.decode()))


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_pages_write_the_period_label(period, report_of, written, persona, client_as, language):
    support = report_of(3, "education")
    written(support, "supporting_officer")
    services.report_submit(actor=persona("supporting_officer"), report=support)
    bureau, lead = client_as("bureau_staff"), client_as("lead_officer")
    pages = [
        (bureau, f"/supervision/?period={CODE}"),
        (bureau, "/supervision/periods/"),
        (bureau, f"/supervision/periods/?period={CODE}"),
        (bureau, "/supervision/ranking/"),
        (bureau, "/supervision/tasks/3/"),
        (lead, f"/supervision/reports/{support.pk}/"),
        (lead, "/supervision/departments/science_tech/"),
        (lead, "/supervision/messages/"),
    ]
    for client, url in pages:
        text = shown(client.get(url, HTTP_ACCEPT_LANGUAGE=language))
        assert LABEL[language] in text and CODE not in text, url


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_period_opened_and_closed_notices_write_the_label(policy, client_as, language):
    client = client_as("bureau_staff")
    opened = client.post(
        "/supervision/periods/",
        {"year": 2026, "quarter": 3, "due_date": "2026-09-25"},
        HTTP_ACCEPT_LANGUAGE=language,
        follow=True,
    )
    again = client.post(
        "/supervision/periods/",
        {"year": 2026, "quarter": 3, "due_date": "2026-09-25"},
        HTTP_ACCEPT_LANGUAGE=language,
    )
    closed = client.post(f"/supervision/periods/{CODE}/close/", HTTP_ACCEPT_LANGUAGE=language, follow=True)
    notices = {
        "opened": [str(m) for m in opened.context["messages"]],
        "refused": [str(e) for e in again.context["form"].errors.get("quarter", [])],
        "closed": [str(m) for m in closed.context["messages"]],
    }
    for kind, texts in notices.items():
        assert texts and LABEL[language] in texts[0] and CODE not in texts[0], (kind, texts)
    if language == "zh-hans":
        assert notices["opened"][0].startswith("2026年第3季度报送期已开启")


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_briefing_writes_the_period_label(period, persona, policy, language):
    today = period.due_date + dt.timedelta(days=3)  # overdue reports: the table has rows
    start, end = dt.date(2026, 7, 1), dt.date(2026, 9, 30)  # the period's quarter: its summary table is there
    with translation.override(language):
        brief = digest(persona("leader"), policy, cadence="quarterly", start=start, end=end, today=today)
    overdue = brief.tables[0]
    assert overdue.rows and {row[0] for row in overdue.rows} == {LABEL[language]}
    [summary] = [t for t in brief.tables if LABEL[language] in t.caption]
    assert CODE not in summary.caption
