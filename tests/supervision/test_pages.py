"""Pages: every board renders for every role, in bounded queries; forms, exports and cockpit cards."""

from __future__ import annotations

import datetime as dt
import io
import subprocess

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from kechuang.core.models import AuditEntry
from kechuang.supervision import services
from kechuang.supervision.apps import SupervisionConfig
from kechuang.supervision.models import Milestone, ProgressReport
from tests.conftest import first

pytestmark = pytest.mark.django_db
PERSONAS = ("bureau_admin", "bureau_staff", "lead_officer", "supporting_officer", "zhangdian_officer", "leader")


@pytest.fixture
def busy_period(period, persona, report_of, written):
    """Task 3 walked to acceptance, task 2 consolidated, the rest in draft."""
    support = report_of(3, "education")
    written(support, "supporting_officer")
    services.report_submit(actor=persona("supporting_officer"), report=support)
    for number in (2, 3):
        lead = report_of(number, "science_tech")
        written(lead, "lead_officer")
        services.report_consolidate(actor=persona("lead_officer"), report=lead)
    services.report_accept(actor=persona("bureau_staff"), report=report_of(3, "science_tech"))
    return period


@pytest.mark.parametrize("name", PERSONAS)
def test_boards_render_for_every_role(busy_period, client_as, name):
    client = client_as(name)
    for url in (
        "/supervision/",
        f"/supervision/?period={busy_period.code}",
        "/supervision/periods/",
        "/supervision/ranking/",
        "/supervision/tasks/3/",
        "/supervision/messages/",
        "/",
    ):
        assert client.get(url).status_code == 200, url
    assert client.get("/supervision/mine/").status_code == 302


def test_matrix_25_tasks_by_16_departments_in_under_20_queries(busy_period, client_as, django_assert_max_num_queries):
    client = client_as("bureau_staff")
    # 19 for the page, plus one to read the session's second-factor device (django-otp) and one for the top bar's
    # unread-message badge when its minute-long cache is cold (core.messages.badge_count), not counted in the name
    with django_assert_max_num_queries(21):
        response = client.get(f"/supervision/?period={busy_period.code}")
    html = response.content.decode()
    assert html.count('data-testid="matrix-row"') == 25
    assert html.count('data-testid="cell"') == 65
    assert html.count('data-status="accepted"') == 2  # task 3: lead and its supporter
    assert html.count('data-status="with_bureau"') == 1


def test_other_boards_in_bounded_queries(busy_period, client_as, django_assert_max_num_queries):
    client = client_as("lead_officer")
    for url in ("/supervision/departments/science_tech/", "/supervision/ranking/", "/supervision/tasks/3/"):
        with django_assert_max_num_queries(25):
            assert client.get(url).status_code == 200


def test_department_page_lists_what_it_owes_and_what_to_consolidate(period, client_as, persona, report_of, written):
    support = report_of(3, "education")
    written(support, "supporting_officer")
    services.report_submit(actor=persona("supporting_officer"), report=support)
    html = client_as("lead_officer").get("/supervision/departments/science_tech/").content.decode()
    assert 'data-testid="owed"' in html and 'data-testid="to-consolidate"' in html
    assert "加强应用导向的基础研究" in html


def test_report_form_saves_text_and_figures_then_consolidates(period, client_as, report_of, unchanged_db):
    lead = report_of(2, "science_tech")
    target = first(lead.task.targets.exclude(comparator="achieved"))
    client = client_as("lead_officer")
    response = client.post(
        f"/supervision/reports/{lead.pk}/",
        {
            "work_done": "新认定省级以上平台12家",
            "figures_text": "",
            "problems": "",
            "next_steps": "",
            f"figure_{target.pk}": "512",
        },
    )
    assert response.status_code == 302
    lead.refresh_from_db()
    assert lead.work_done == "新认定省级以上平台12家" and lead.figures.get().value == 512
    client.post(f"/supervision/reports/{lead.pk}/transition/", {"action": "consolidate"})
    lead.refresh_from_db()
    assert lead.state == "with_bureau"
    # Not editable any more: a POST of the form is refused.
    with unchanged_db():
        assert client.post(f"/supervision/reports/{lead.pk}/", {"work_done": "x"}).status_code == 403


def test_lead_sees_supporters_reports_beside_its_own(period, client_as, persona, report_of, written):
    support = report_of(8, "education")
    written(support, "supporting_officer")
    services.report_submit(actor=persona("supporting_officer"), report=support)
    lead = report_of(8, "science_tech")
    html = client_as("lead_officer").get(f"/supervision/reports/{lead.pk}/").content.decode()
    assert 'data-testid="supporters"' in html and "本季度召开专题会议2次" in html
    assert html.count('data-testid="missing-supporter"') == 2  # 市工业和信息化局 and 市财政局 still drafting


def test_transition_refusal_is_shown_not_raised(busy_period, client_as, report_of):
    accepted = report_of(3, "science_tech")
    response = client_as("bureau_staff").post(
        f"/supervision/reports/{accepted.pk}/transition/", {"action": "return", "comment": "x"}, follow=True
    )
    assert response.status_code == 200 and "msg-error" in response.content.decode()
    accepted.refresh_from_db()
    assert accepted.state == "accepted"


def test_bureau_adds_a_milestone_on_the_task_page(period, client_as, unit, unchanged_db):
    client = client_as("bureau_staff")
    response = client.post(
        "/supervision/tasks/3/",
        {"title": "出台基础研究实施意见", "due_date": "2026-12-31", "department": unit("science_tech").pk},
    )
    assert response.status_code == 302
    assert Milestone.objects.get(title="出台基础研究实施意见").task.number == 3
    with unchanged_db():
        assert client_as("lead_officer").post("/supervision/tasks/3/", {"title": "x"}).status_code == 403


def test_bureau_opens_a_period_on_the_page(policy, client_as, unchanged_db):
    client = client_as("bureau_staff")
    response = client.post("/supervision/periods/", {"year": 2027, "quarter": 1, "due_date": "2027-03-25"})
    assert response.status_code == 302
    assert ProgressReport.objects.filter(period__code="2027-Q1").count() == 65
    with unchanged_db():
        refused = client_as("lead_officer").post("/supervision/periods/", {"year": 2027, "quarter": 2})
        assert refused.status_code == 403


def test_excel_export_grouped_by_section_with_overdue_list(busy_period, client_as):
    response = client_as("bureau_staff").get(f"/supervision/periods/{busy_period.code}/report.xlsx")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    assert len(book.sheetnames) == 3
    tasks = book.worksheets[0]
    values = [row[1] for row in tasks.iter_rows(min_row=2, values_only=True)]
    assert sum(1 for v in values if v) == 25
    assert tasks.cell(row=2, column=1).value.startswith("1.")  # a section heading row first
    assert AuditEntry.objects.filter(action="export", object_type="supervision.reportingperiod").exists()


def test_pdf_export_has_the_tasks_in_chinese(busy_period, client_as, tmp_path, pdf_tools):
    response = client_as("bureau_staff").get(f"/supervision/periods/{busy_period.code}/report.pdf")
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    path = tmp_path / "r.pdf"
    path.write_bytes(response.content)
    text = subprocess.run([pdf_tools, str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert "加强应用导向的基础研究" in text and busy_period.label in text


def test_district_officer_cannot_export(busy_period, client_as):
    assert client_as("zhangdian_officer").get(f"/supervision/periods/{busy_period.code}/report.pdf").status_code == 403


def test_cockpit_cards(busy_period, persona):
    cards = SupervisionConfig.cockpit_cards(None, persona("bureau_staff"))
    assert len(cards) == 3
    rate, overdue, delayed = cards
    assert rate.value == f"{round(3 * 100 / 65)}%"  # task 3 (lead and supporter) and task 2 handed on
    assert overdue.value == "0"
    # no report is overdue yet (due in 10 days), so a task is delayed exactly when one of its milestones is late
    late = Milestone.objects.filter(task__policy=busy_period.policy, completed_on=None)
    late = late.filter(due_date__lt=timezone.localdate()).values("task").distinct()
    assert delayed.value == str(late.count())


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_cockpit_cards_write_the_period_as_the_rest_of_the_ui(busy_period, persona, language):
    from django.utils import translation

    with translation.override(language):
        rate, overdue, _delayed = SupervisionConfig.cockpit_cards(None, persona("bureau_staff"))
        label = busy_period.label
    assert label == {"zh-hans": "2026年第3季度", "en": "Q3 2026"}[language]
    for card in (rate, overdue):
        assert label in card.title and busy_period.code not in card.title


def test_task_page_shows_derived_status_and_timeline(busy_period, client_as):
    html = client_as("bureau_staff").get("/supervision/tasks/3/").content.decode()
    assert 'data-testid="timeline"' in html and busy_period.label in html
    assert 'data-testid="task-status"' in html


def _exported_reports(client, period) -> list[tuple]:
    response = client.get(f"/supervision/periods/{period.code}/report.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[2]  # all reports: task, department, role, …
    return [row[:3] for row in sheet.iter_rows(min_row=2, values_only=True)]


def test_supervision_export_keeps_to_the_data_scope(busy_period, client_as):
    everything = _exported_reports(client_as("bureau_staff"), busy_period)
    assert len(everything) == 65
    # 市教育局 supports task 3 (and others) and leads task 12, whose supporters are still in draft: only its own.
    mine = _exported_reports(client_as("supporting_officer"), busy_period)
    assert mine and {department for _task, department, _role in mine} == {"市教育局"}
    assert len(mine) == ProgressReport.objects.filter(period=busy_period, department__code="education").count()
    # the lead sees its own reports and its supporters' submitted report on task 3, never a draft
    lead = _exported_reports(client_as("lead_officer"), busy_period)
    assert (3, "市教育局", "配合单位") in lead
    assert {department for task, department, _role in lead if task != 3} == {"市科技局"}


def test_export_times_are_shanghai_time_not_utc(busy_period, client_as):
    """Defect 14: a report first submitted at 17:30 UTC was exported as 17:30; in Zibo it was 01:30 next day."""
    report = ProgressReport.objects.filter(period=busy_period, accepted_at__isnull=False).first()
    assert report is not None
    utc = dt.datetime(2026, 3, 1, 17, 30, tzinfo=dt.UTC)
    ProgressReport.objects.filter(pk=report.pk).update(first_submitted_at=utc, accepted_at=utc)
    response = client_as("bureau_staff").get(f"/supervision/periods/{busy_period.code}/report.xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[2]  # all reports
    rows = [r for r in sheet.iter_rows(min_row=2, values_only=True) if r[5]]
    assert rows and {r[5] for r in rows} >= {"2026-03-02 01:30"}, rows
    assert all("17:30" not in str(r[5]) and "17:30" not in str(r[7]) for r in rows)


@pytest.mark.parametrize(
    "name, openable",
    [("bureau_staff", 16), ("leader", 16), ("supporting_officer", 1), ("zhangdian_officer", 0)],
)
def test_a_department_is_a_link_only_where_its_page_opens(busy_period, client_as, name, openable):
    """The matrix and the ranking name every department; each is a link only for a reader who may open its page
    (a district officer none, a department officer its own), so no link leads to a page that answers 404."""
    import re

    client = client_as(name)
    for url in (f"/supervision/?period={busy_period.code}", "/supervision/ranking/"):
        links = set(re.findall(r'href="(/supervision/departments/[^"]+)"', client.get(url).content.decode()))
        assert len(links) == openable, (url, links)
        assert all(client.get(link).status_code == 200 for link in links)
