"""Supervision speaks through the message centre (core.messages), its only inbox: what still needs action is
supervision's rule (registry hook `message_needs_action`), seen on the centre's page and on the module's view of it;
the old Notification rows were copied into the centre by migration supervision 0003, read state kept."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone

from kechuang.core import messages as centre
from kechuang.core.models import Liaison, Message
from kechuang.supervision import services
from kechuang.supervision.reminders import reminders_send
from kechuang.supervision.selectors import ABOUT_PERIOD, ABOUT_REPORT
from tests.conftest import migrate

CENTRE = "/accounts/messages/"


def needing_action(user) -> set[int]:
    return set(centre.with_needs_action(centre.inbox(user)).filter(needs_action=True).values_list("pk", flat=True))


@pytest.mark.django_db
def test_a_review_needs_action_until_the_lead_consolidates(report_of, written, persona, client_as):
    support, lead = report_of(3, "education"), report_of(3, "science_tech")
    written(support, "supporting_officer")
    services.report_submit(actor=persona("supporting_officer"), report=support)
    message = Message.objects.get(user=persona("lead_officer"), about_type=ABOUT_REPORT, about_id=support.pk)
    assert message.kind == Message.Kind.REVIEW and message.url == f"/supervision/reports/{support.pk}/"
    assert message.pk in needing_action(persona("lead_officer"))
    # Reading it is not handling it: it still needs action on the centre's page.
    client = client_as("lead_officer")
    client.post(f"/accounts/messages/{message.pk}/")
    page = client.get(CENTRE, {"show": "action"})
    assert message in page.context["page"].object_list and page.context["action_count"] >= 1
    assert 'data-testid="needs-action"' in page.content.decode()

    written(lead, "lead_officer")
    services.report_consolidate(actor=persona("lead_officer"), report=lead)
    assert message.pk not in needing_action(persona("lead_officer"))
    stale = client.get(CENTRE, {"show": "stale"}).context["page"].object_list
    assert message in stale


@pytest.mark.django_db
def test_a_return_needs_action_until_resubmitted_and_an_acceptance_never(report_of, written, persona):
    lead = report_of(3, "science_tech")
    written(lead, "lead_officer")
    services.report_consolidate(actor=persona("lead_officer"), report=lead)
    services.report_return(actor=persona("bureau_staff"), report=lead, comment="请补充数据")
    officer = persona("lead_officer")
    returned = Message.objects.get(user=officer, kind=Message.Kind.RETURNED, about_id=lead.pk)
    assert "请补充数据" in returned.subject + returned.body
    assert returned.pk in needing_action(officer)
    services.report_consolidate(actor=officer, report=lead)
    assert returned.pk not in needing_action(officer)
    services.report_accept(actor=persona("bureau_staff"), report=lead)
    accepted = Message.objects.get(user=officer, kind=Message.Kind.DECISION, about_id=lead.pk)
    assert accepted.read_at is None and accepted.pk not in needing_action(officer)


@pytest.mark.django_db
def test_a_notice_gets_neither_badge_nor_counts_as_handled(report_of, written, persona, client_as):
    """An acceptance tells; it asks nothing: the centre marks it neither "needs action" nor "handled", and it is
    not among the handled ones (it was never there to handle). A decision of no module neither needs action."""
    lead = report_of(3, "science_tech")
    written(lead, "lead_officer")
    services.report_consolidate(actor=persona("lead_officer"), report=lead)
    services.report_accept(actor=persona("bureau_staff"), report=lead)
    officer = persona("lead_officer")
    Message.objects.filter(user=officer).exclude(kind=Message.Kind.DECISION).delete()
    [plain] = centre.notify([officer], kind=Message.Kind.DECISION, subject="您的账号已确认")
    assert plain not in needing_action(officer)
    page = client_as("lead_officer").get(CENTRE, {"show": "all"})
    html = page.content.decode()
    assert "审核通过" in html and "您的账号已确认" in html
    assert 'data-testid="handled"' not in html and 'data-testid="needs-action"' not in html
    assert (page.context["action_count"], page.context["stale_count"]) == (0, 0)
    assert list(client_as("lead_officer").get(CENTRE, {"show": "stale"}).context["page"].object_list) == []


@pytest.mark.django_db
def test_a_reminder_needs_action_while_the_department_owes_reports_in_an_open_period(period, persona):
    reminders_send(today=period.supporters_due_date - dt.timedelta(days=1), days_before=3)
    officer = persona("supporting_officer")
    reminder = Message.objects.get(user=officer, about_type=ABOUT_PERIOD, about_id=period.pk)
    assert reminder.kind == Message.Kind.DEADLINE and reminder.key
    assert reminder.pk in needing_action(officer)
    services.period_close(actor=persona("bureau_staff"), period=period)
    assert reminder.pk not in needing_action(officer)


@pytest.mark.django_db
def test_a_message_of_no_module_needs_action_until_read(persona):
    officer = persona("zhangdian_officer")
    [pk] = centre.notify([officer], kind="reminder", subject="请更新联络员信息")
    assert pk in needing_action(officer)
    centre.message_open(user=officer, pk=pk)
    assert pk not in needing_action(officer)


@pytest.mark.django_db
def test_the_module_view_marks_read_only_its_own_messages(report_of, written, persona, client_as):
    support = report_of(3, "education")
    written(support, "supporting_officer")
    services.report_submit(actor=persona("supporting_officer"), report=support)
    officer = persona("lead_officer")
    [other] = centre.notify([officer], kind="reminder", subject="另一个模块的消息")
    client = client_as("lead_officer")
    html = client.get("/supervision/messages/").content.decode()
    assert f'href="/supervision/reports/{support.pk}/"' in html and "另一个模块的消息" not in html
    assert 'action="/accounts/messages/' in html  # a message opens through the centre, which marks it read
    client.post("/supervision/messages/")
    assert not Message.objects.filter(user=officer, about_type=ABOUT_REPORT, read_at=None).exists()
    assert Message.objects.get(pk=other).read_at is None


@pytest.mark.django_db
def test_reminder_mail_goes_once_to_an_officer_who_is_also_the_liaison(
    period, persona, unit, django_capture_on_commit_callbacks
):
    officer = persona("supporting_officer")
    officer.email = "edu@example.gov.cn"
    officer.save(update_fields=["email"])
    Liaison.objects.create(org_unit=unit("education"), name="王老师", email="edu@example.gov.cn")
    Liaison.objects.create(org_unit=unit("education"), name="李老师", email="li@example.gov.cn")
    with django_capture_on_commit_callbacks(execute=True):
        reminders_send(today=period.supporters_due_date, days_before=3)
    to_education = [m for m in mail.outbox if set(m.to) & {"edu@example.gov.cn", "li@example.gov.cn"}]
    assert sorted(address for m in to_education for address in m.to) == ["edu@example.gov.cn", "li@example.gov.cn"]
    assert Message.objects.get(user=officer, about_id=period.pk).emailed_at is not None


@pytest.mark.django_db(transaction=True)
def test_migration_copies_notifications_into_the_message_centre_and_back(seeded, period, report_of, written, persona):
    """supervision 0003, backwards then forwards, on the suite's database (SQLite here, PostgreSQL in CI)."""
    support = report_of(3, "education")
    written(support, "supporting_officer")
    services.report_submit(actor=persona("supporting_officer"), report=support)
    lead_officer, officer = persona("lead_officer"), persona("supporting_officer")

    before = [("supervision", "0002_notification_subject")]
    old = migrate(before).loader.project_state(before).apps
    Notification = old.get_model("supervision", "Notification")
    # Backwards: the message about the report went back into the module's table.
    back = Notification.objects.get(user_id=lead_officer.pk)
    assert (back.kind, back.report_id, back.period_id) == ("submitted", support.pk, period.pk)
    assert not Message.objects.filter(about_type=ABOUT_REPORT).exists()

    long_text = "退回原因：" + "数据不全。" * 60
    read_at = timezone.now() - dt.timedelta(days=40)
    created = timezone.now() - dt.timedelta(days=41)
    returned = Notification.objects.create(
        user_id=officer.pk, kind="returned", report_id=support.pk, period_id=period.pk, message=long_text, url="/x/"
    )
    reminder = Notification.objects.create(user_id=officer.pk, kind="due_soon", period_id=period.pk, message="快到期")
    Notification.objects.filter(pk=returned.pk).update(created_at=created, read_at=read_at)

    migrate()

    review = Message.objects.get(user=lead_officer, about_type=ABOUT_REPORT)
    assert review.kind == "review" and review.read_at is None and review.url == f"/supervision/reports/{support.pk}/"
    copied = Message.objects.get(user=officer, kind="returned")
    assert (copied.about_type, copied.about_id, copied.url) == (ABOUT_REPORT, support.pk, "/x/")
    assert copied.created_at == created and copied.read_at == read_at
    assert len(copied.subject) == 200 and copied.subject.endswith("…") and copied.body == long_text
    assert copied.emailed_at == created  # delivered the old way: the centre does not mail it again
    due = Message.objects.get(user=officer, kind="deadline")
    assert (due.about_type, due.about_id, due.subject, due.body, due.read_at) == (
        ABOUT_PERIOD,
        period.pk,
        "快到期",
        "",
        None,
    )
    assert centre.deliver_pending() == {"email": 0, "sms": 0}
    assert reminder.pk and "supervision_notification" not in connection.introspection.table_names()


@pytest.mark.django_db
def test_the_old_address_of_the_inbox_redirects_with_its_filters(client_as):
    response = client_as("lead_officer").get("/supervision/notifications/?show=stale&task=3")
    assert response.status_code == 302 and response["Location"] == "/supervision/messages/?show=stale&task=3"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "wording"),
    [
        ("zh-hans", "{dept}已报送{year}年第{q}季度任务{n}「{title}」的汇总报告，请审核。"),
        ("en", "{dept} submitted the consolidated report on Q{q} {year}, task {n} “{title}”."),
    ],
)
def test_a_message_subject_reads_naturally(report_of, written, persona, language, wording):
    """No stray spaces, the period written as elsewhere in the UI (2026年第3季度 / Q3 2026)."""
    from django.utils import translation

    lead = report_of(3, "science_tech")
    written(lead, "lead_officer")
    with translation.override(language):
        services.report_consolidate(actor=persona("lead_officer"), report=lead)
    message = Message.objects.filter(kind=Message.Kind.REVIEW, about_id=lead.pk).first()
    expected = wording.format(
        dept=lead.department,
        year=lead.period.year,
        q=lead.period.quarter,
        n=lead.task.number,
        title=lead.task.title,
    )
    assert message.subject == expected
