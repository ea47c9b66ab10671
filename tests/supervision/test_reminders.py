"""send_reminders: N days before the due date and once overdue; a message of the message centre (mailed by it
after the commit) and an e-mail to the liaisons; never twice."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command

from kechuang.core.models import Liaison, Message
from kechuang.supervision import services
from kechuang.supervision.models import ReminderSent
from kechuang.supervision.reminders import reminders_send

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def liaison(unit):
    return Liaison.objects.create(org_unit=unit("education"), name="王老师", email="edu@example.gov.cn")


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    """The daily command on `today`, with what the message centre delivers once its transaction commits."""

    def command(today: dt.date, days: int = 3) -> str:
        out = StringIO()
        with django_capture_on_commit_callbacks(execute=True):
            call_command("send_reminders", "--today", today.isoformat(), "--days", str(days), stdout=out)
        return out.getvalue()

    return command


def reminders(user, kind: str):
    return Message.objects.filter(user=user, kind=kind, about_type="supervision.reportingperiod")


def test_nothing_before_the_window(period, run):
    run(period.supporters_due_date - dt.timedelta(days=4))
    assert not ReminderSent.objects.exists() and len(mail.outbox) == 0


def test_due_soon_sent_once_in_app_and_by_mail(period, persona, run):
    day = period.supporters_due_date - dt.timedelta(days=3)
    output = run(day)
    assert "due_soon" in output
    education = ReminderSent.objects.get(department__code="education", kind="due_soon")
    assert education.recipients == ["edu@example.gov.cn"]
    message = reminders(persona("supporting_officer"), "deadline").get()
    assert message.about_id == period.pk and period.label in message.subject
    sent = [m for m in mail.outbox if "edu@example.gov.cn" in m.to]
    assert len(sent) == 1 and period.label in sent[0].subject
    # Again the same day and the next day: nothing new.
    before = len(mail.outbox)
    run(day)
    run(day + dt.timedelta(days=1))
    assert len(mail.outbox) == before
    assert reminders(persona("supporting_officer"), "deadline").count() == 1
    assert "already sent before" in run(day)


def test_overdue_sent_the_day_after_the_due_date_only_for_unsubmitted(period, report_of, written, persona, run):
    # 市教育局 submits task 3 but not its other reports; only those are named.
    support = report_of(3, "education")
    written(support, "supporting_officer")
    services.report_submit(actor=persona("supporting_officer"), report=support)
    run(period.supporters_due_date)  # the due day itself: still "due soon"
    assert not ReminderSent.objects.filter(kind="overdue").exists()
    run(period.supporters_due_date + dt.timedelta(days=1))
    note = reminders(persona("supporting_officer"), "overdue").get()
    tasks_named = note.body
    assert "Task 3" not in tasks_named and "任务 3、" not in tasks_named
    run(period.supporters_due_date + dt.timedelta(days=2))
    run(period.supporters_due_date + dt.timedelta(days=3))
    assert ReminderSent.objects.filter(department__code="education", kind="overdue").count() == 1
    assert reminders(persona("supporting_officer"), "overdue").count() == 1


def test_a_reminder_writes_the_period_as_the_rest_of_the_ui(period, persona):
    """2026年第3季度 (ReportingPeriod.label), never the code 2026-Q3, in the subject and the text (reminders are
    written in the site's language, whoever runs the command)."""
    reminders_send(today=period.supporters_due_date - dt.timedelta(days=3), days_before=3)
    message = reminders(persona("supporting_officer"), "deadline").get()
    assert message.subject == f"【督查督办】2026年第3季度进展报告将于 {period.supporters_due_date.isoformat()} 截止"
    assert message.body.startswith("市教育局：2026年第3季度任务 3、") and period.code not in message.body


def test_nothing_for_departments_that_have_submitted_everything(period, persona, report_of, written):
    # 市委组织部 leads or shares tasks 11 and 14 and supports 12; submit them all and it gets no reminder.
    from kechuang.supervision.models import ProgressReport

    officer = organization_officer()
    for report in ProgressReport.objects.filter(period=period, department__code="organization"):
        services.report_update(actor=officer, report=report, work_done="已完成")
        action = services.report_consolidate if report.role == "lead" else services.report_submit
        action(actor=officer, report=report)
    reminders_send(today=period.due_date + dt.timedelta(days=1), days_before=3)
    assert not ReminderSent.objects.filter(department__code="organization").exists()
    assert ReminderSent.objects.filter(department__code="science_tech", kind="overdue").exists()


def test_dry_run_sends_nothing(period):
    out = StringIO()
    call_command("send_reminders", "--today", period.supporters_due_date.isoformat(), "--dry-run", stdout=out)
    assert "would send" in out.getvalue()
    assert not ReminderSent.objects.exists() and len(mail.outbox) == 0


def organization_officer():
    from kechuang.core.models import OrgUnit, User
    from kechuang.core.roles import Role

    user, _ = User.objects.get_or_create(
        username="p_organization_officer",
        defaults={
            "role": Role.DEPARTMENT_OFFICER,
            "org_unit": OrgUnit.objects.get(parent__code="zibo", code="organization"),
        },
    )
    return user
