"""Daily reminders of the projects module: monitoring reports due soon or overdue, open correction orders due soon
or overdue; sent once per key, only to the project's own firm's enterprise accounts and its district's officers,
linking officers to the project page and the firm to its portal."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from kechuang.core.models import Message, User
from kechuang.core.roles import Role
from kechuang.projects import services
from kechuang.projects.models import Correction, MonitoringReport, Project
from kechuang.projects.reminders import add_months, send_project_reminders
from tests.projects.conftest import FIRM_A, FIRM_B, approved_project, make_expert, sign

pytestmark = pytest.mark.django_db


@pytest.fixture
def project(staff, open_call, unit) -> Project:
    # Starts 2026-01-01: with the default 6 months, the first monitoring report is due 2026-07-01.
    return sign(staff, approved_project(staff, open_call, unit, make_expert("e1")))


@pytest.fixture
def people(unit):
    def make(username: str, role: str, **extra) -> User:
        return User.objects.create(username=username, role=role, display_name=username, **extra)

    return {
        "firm": make("firm_a", Role.ENTERPRISE, credit_code=FIRM_A),
        "other_firm": make("firm_b", Role.ENTERPRISE, credit_code=FIRM_B),
        "officer": make("zd_off", Role.DISTRICT_OFFICER, org_unit=unit("zhangdian")),
        "other_officer": make("zc_off", Role.DISTRICT_OFFICER, org_unit=unit("zichuan")),
    }


def _audience(project: Project) -> set[int]:
    """Who should hear: the region's district officers (the demo personas among them) and the firm's accounts."""
    officers = User.objects.filter(role=Role.DISTRICT_OFFICER, org_unit=project.region, is_active=True)
    firm = User.objects.filter(role=Role.ENTERPRISE, credit_code=project.credit_code, is_active=True)
    return set(officers.values_list("pk", flat=True)) | set(firm.values_list("pk", flat=True))


def _inbox(user: User) -> list[Message]:
    return list(Message.objects.filter(user=user).order_by("id"))


def _order(staff, project, due: dt.date) -> Correction:
    report = services.monitoring_file(
        actor=staff,
        project=project,
        period="2026-H1",
        progress="滞后",
        budget_execution=Decimal(10),
        planned_execution=Decimal(60),
        action="correct",
        correction="补齐支出凭证",
    )
    # Filed today (the service's clock); the due day is set to the case under test.
    Correction.objects.filter(pk=report.correction.pk).update(due_on=due)
    return Correction.objects.get(pk=report.correction.pk)


def test_add_months_clamps_to_the_months_end():
    assert add_months(dt.date(2026, 1, 1), 6) == dt.date(2026, 7, 1)
    assert add_months(dt.date(2026, 8, 31), 6) == dt.date(2027, 2, 28)
    assert add_months(dt.date(2026, 11, 15), 2) == dt.date(2027, 1, 15)


def test_monitoring_not_yet_due_sends_nothing(project, people):
    sent = send_project_reminders(dt.date(2026, 6, 1))  # due 2026-07-01: 30 days ahead
    assert sent.monitoring == 0 and not _inbox(people["officer"])


def test_monitoring_due_soon_reaches_firm_and_district_only(project, people):
    sent = send_project_reminders(dt.date(2026, 6, 20))
    audience = _audience(project)
    assert {people["firm"].pk, people["officer"].pk} <= audience
    assert sent.monitoring == len(audience)
    assert set(Message.objects.values_list("user_id", flat=True)) == audience
    (officer_msg,) = _inbox(people["officer"])
    (firm_msg,) = _inbox(people["firm"])
    assert officer_msg.kind == firm_msg.kind == Message.Kind.DEADLINE
    assert "2026-07-01" in officer_msg.subject and project.code in officer_msg.subject
    assert "监控报告" in officer_msg.subject  # written in the platform's language, whatever the caller's
    assert officer_msg.url == reverse("projects:project", args=[project.pk])
    assert firm_msg.url == reverse("projects:portal")
    assert (officer_msg.about_type, officer_msg.about_id) == ("projects.project", project.pk)
    assert str(project.pk) in officer_msg.key and "2026-07-01" in officer_msg.key
    assert not _inbox(people["other_firm"]) and not _inbox(people["other_officer"])


def test_monitoring_overdue_then_a_new_report_moves_the_due_day(staff, project, people):
    send_project_reminders(dt.date(2026, 7, 10))
    assert [m.kind for m in _inbox(people["officer"])] == [Message.Kind.OVERDUE]
    services.monitoring_file(
        actor=staff,
        project=project,
        period="2026-H1",
        progress="按计划",
        budget_execution=Decimal(50),
        planned_execution=Decimal(50),
    )
    MonitoringReport.objects.filter(project=project).update(reported_on=dt.date(2026, 7, 11))
    # Next due 2027-01-11: nothing on the 12th, a new reminder two weeks before.
    assert send_project_reminders(dt.date(2026, 7, 12)).monitoring == 0
    assert send_project_reminders(dt.date(2027, 1, 1)).monitoring == len(_audience(project))
    assert "2027-01-11" in _inbox(people["firm"])[-1].subject


def test_running_twice_sends_once(project, people):
    assert send_project_reminders(dt.date(2026, 6, 20)).monitoring == len(_audience(project))
    assert send_project_reminders(dt.date(2026, 6, 21)).monitoring == 0
    assert len(_inbox(people["officer"])) == len(_inbox(people["firm"])) == 1


def test_correction_due_soon_and_overdue(staff, project, people):
    today = dt.date(2026, 3, 1)  # monitoring not due before June
    order = _order(staff, project, today + dt.timedelta(days=5))
    MonitoringReport.objects.filter(pk=order.report_id).update(reported_on=dt.date(2026, 2, 1))
    sent = send_project_reminders(today)
    assert (sent.monitoring, sent.corrections) == (0, len(_audience(project)))
    (msg,) = _inbox(people["firm"])
    assert msg.kind == Message.Kind.DEADLINE and (msg.about_type, msg.about_id) == ("projects.correction", order.pk)
    assert msg.body == "补齐支出凭证"
    assert _inbox(people["officer"])[0].url == reverse("projects:project", args=[project.pk])
    assert send_project_reminders(today).corrections == 0  # once
    later = today + dt.timedelta(days=6)
    assert send_project_reminders(later).corrections == len(_audience(project))
    assert [m.kind for m in _inbox(people["officer"])] == [Message.Kind.DEADLINE, Message.Kind.OVERDUE]
    assert not _inbox(people["other_firm"]) and not _inbox(people["other_officer"])


def test_correction_far_off_or_answered_sends_nothing(staff, project, people):
    today = dt.date(2026, 3, 1)
    order = _order(staff, project, today + dt.timedelta(days=8))
    MonitoringReport.objects.filter(pk=order.report_id).update(reported_on=dt.date(2026, 2, 1))
    assert send_project_reminders(today).corrections == 0
    Correction.objects.filter(pk=order.pk).update(state="responded", due_on=today - dt.timedelta(days=1))
    assert send_project_reminders(today).corrections == 0


def test_command_runs_for_the_given_day(project, people):
    out = StringIO()
    call_command("project_reminders", "--today", "2026-06-20", stdout=out)
    assert f"{len(_audience(project))} monitoring" in out.getvalue()
    assert len(_inbox(people["officer"])) == 1
