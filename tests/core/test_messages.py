"""The message centre: stored with the caller's transaction, delivered after the commit, once per key, only to
its own account; e-mail always, text messages only when a gateway is configured."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import transaction
from django.test.utils import override_settings
from django.urls import reverse

from kechuang.core import messages as centre
from kechuang.core.models import Message


@pytest.fixture
def officer(persona):
    user = persona("zhangdian_officer")
    user.email = "officer@example.gov.cn"
    user.save(update_fields=["email"])
    return user


@pytest.fixture(autouse=True)
def _empty_sms_outbox():
    centre.MemorySms.outbox.clear()


def test_a_message_is_stored_and_mailed_after_the_commit(officer, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        ids = centre.notify(
            [officer], kind="deadline", subject="报告即将到期", body="请于三日内提交", url="/supervision/"
        )
    assert len(ids) == 1
    message = Message.objects.get(pk=ids[0])
    assert (message.user, message.kind, message.read_at) == (officer, "deadline", None)
    assert message.emailed_at is not None and message.texted_at is None
    assert [m.subject for m in mail.outbox] == ["报告即将到期"]
    assert mail.outbox[0].to == ["officer@example.gov.cn"]
    assert "http://127.0.0.1:8000/supervision/" in mail.outbox[0].body


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_write_sends_nothing(persona):
    from kechuang.core.models import User

    user = User.objects.create_user("mailed", email="m@example.cn", role="bureau_staff")

    class Boom(Exception):
        pass

    with pytest.raises(Boom), transaction.atomic():
        centre.notify([user], kind="reminder", subject="x")
        raise Boom
    assert not Message.objects.filter(user=user).exists()
    assert mail.outbox == []


def test_the_same_key_is_sent_once(officer, persona, django_capture_on_commit_callbacks):
    other = persona("zichuan_officer")
    with django_capture_on_commit_callbacks(execute=True):
        first = centre.notify([officer], kind="reminder", subject="第一次", key="period-7-due")
        second = centre.notify([officer, other], kind="reminder", subject="第二次", key="period-7-due")
    assert len(first) == 1 and len(second) == 1
    assert Message.objects.filter(user=officer, key="period-7-due").count() == 1
    assert Message.objects.get(user=other, key="period-7-due").subject == "第二次"
    assert len(mail.outbox) == 1  # the second officer has no e-mail address: stored, not mailed


def test_inactive_accounts_and_foreign_links_are_refused(officer):
    officer.is_active = False
    officer.save(update_fields=["is_active"])
    assert centre.notify([officer], kind="reminder", subject="x") == []
    with pytest.raises(ValueError, match="kind"):
        centre.notify([officer], kind="spam", subject="x")
    for url in ("https://evil.example/", "//evil.example/"):
        with pytest.raises(ValueError, match="page of this site"):
            centre.notify([officer], kind="reminder", subject="x", url=url)


def test_text_messages_only_with_a_gateway(officer, django_capture_on_commit_callbacks):
    officer.mobile = "13800138000"
    officer.save(update_fields=["mobile"])
    with django_capture_on_commit_callbacks(execute=True):
        centre.notify([officer], kind="expiring", subject="资质即将到期")
    assert centre.MemorySms.outbox == []
    with (
        override_settings(KECHUANG_SMS_BACKEND="kechuang.core.messages.MemorySms"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        ids = centre.notify([officer], kind="expiring", subject="资质即将到期（短信）")
    assert centre.MemorySms.outbox == [("13800138000", "资质即将到期（短信）")]
    assert Message.objects.get(pk=ids[0]).texted_at is not None


def test_a_failed_mail_is_kept_and_sent_again(officer, django_capture_on_commit_callbacks):
    with (
        override_settings(EMAIL_BACKEND="tests.core.test_messages.FailingBackend"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        ids = centre.notify([officer], kind="deadline", subject="未送达")
    assert Message.objects.get(pk=ids[0]).emailed_at is None
    call_command("deliver_messages")
    assert Message.objects.get(pk=ids[0]).emailed_at is not None
    assert [m.subject for m in mail.outbox] == ["未送达"]


class FailingBackend:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise OSError("mail server down")


def test_the_page_lists_only_ones_own_messages(client_as, officer, persona):
    other = persona("zichuan_officer")
    mine = centre.notify([officer], kind="returned", subject="申请已退回", url="/supervision/")[0]
    theirs = centre.notify([other], kind="returned", subject="别人的消息")[0]
    client = client_as("zhangdian_officer")
    page = client.get(reverse("message_list"))
    assert page.status_code == 200
    assert "申请已退回" in page.text and "别人的消息" not in page.text
    # Another account's message cannot be opened (or marked read) by id.
    assert client.post(reverse("message_open", args=[theirs])).status_code == 404
    assert Message.objects.get(pk=theirs).read_at is None
    opened = client.post(reverse("message_open", args=[mine]))
    assert opened.status_code == 302 and opened.url == "/supervision/"
    assert Message.objects.get(pk=mine).read_at is not None
    # Read messages leave the default (unread) view, and stay under "all".
    assert "申请已退回" not in client.get(reverse("message_list")).text
    assert "申请已退回" in client.get(reverse("message_list"), {"show": "all"}).text


def test_mark_all_read_and_the_unread_count(client_as, officer):
    centre.notify([officer], kind="deadline", subject="一")
    centre.notify([officer], kind="overdue", subject="二")
    client = client_as("zhangdian_officer")
    page = client.get(reverse("message_list"), {"kind": "overdue"})
    assert "二" in page.text and ">一<" not in page.text
    assert centre.unread_count(officer) == 2
    client.post(reverse("message_list"))
    assert centre.unread_count(officer) == 0
    assert 'data-testid="empty"' in client.get(reverse("message_list")).text
