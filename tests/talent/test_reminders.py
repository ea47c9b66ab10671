"""The daily reminders through the message centre: card renewals to the holder and the issuing department, time
limits exceeded to the provider department only; once each, however often the day's run repeats."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command

from kechuang.core.models import Message, User
from kechuang.core.roles import Role
from kechuang.talent import services
from kechuang.talent.engines import requests as flow
from kechuang.talent.models import ServiceItem
from tests.talent.test_cards_services import elite, holder, issued_card  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db


def _inbox(user) -> list[Message]:
    return list(Message.objects.filter(user=user).order_by("id"))


def test_card_renewal_reminder_goes_to_the_holder_and_the_issuer_once(persona, holder, elite):  # noqa: F811
    account = User.objects.create(username="t_holder", role=Role.TALENT)
    holder.account = account
    holder.save()
    card = issued_card(persona, holder, elite)
    early = card.expires_on - dt.timedelta(days=elite.reminder_days + 1)
    call_command("talent_daily", today=early, stdout=io.StringIO())
    assert not _inbox(account)  # not yet within the reminder period
    day = card.expires_on - dt.timedelta(days=10)
    out = io.StringIO()
    call_command("talent_daily", today=day, stdout=out)
    mine = _inbox(account)
    assert len(mine) == 1 and mine[0].kind == "expiring" and str(card.expires_on) in mine[0].subject
    issuer = _inbox(persona("lead_officer"))  # 市科技局 issues the card
    assert len(issuer) == 1 and issuer[0].url.endswith(f"/cards/{card.pk}/")
    assert not _inbox(persona("supporting_officer")) and not _inbox(persona("zhangdian_officer"))
    assert "2 renewal reminders" in out.getvalue()
    # the next day's run (and a rerun) sends nothing again for the same expiry
    call_command("talent_daily", today=day + dt.timedelta(days=1), stdout=io.StringIO())
    assert len(_inbox(account)) == 1 and len(_inbox(persona("lead_officer"))) == 1
    # renewed: a new expiry is a new reminder when its time comes
    services.card_step(actor=persona("lead_officer"), card=card, action="renew", on=day)
    card.refresh_from_db()
    call_command("talent_daily", today=card.expires_on - dt.timedelta(days=5), stdout=io.StringIO())
    assert len(_inbox(account)) == 2


def test_time_limit_reminder_to_the_provider_only(persona, holder, unit):  # noqa: F811
    school = ServiceItem.objects.create(
        code="school", name="子女入学", category="schooling", provider=unit("education"), sla_days=2
    )
    staff = persona("bureau_staff")
    req = services.request_submit(actor=staff, talent=holder, item=school, on=dt.date(2025, 3, 3))
    services.request_step(actor=staff, request=req, action=flow.ACCEPT, on=dt.date(2025, 3, 3))
    call_command("talent_daily", today=dt.date(2025, 3, 5), stdout=io.StringIO())  # due 5 March: not late
    assert not _inbox(persona("supporting_officer"))
    call_command("talent_daily", today=dt.date(2025, 3, 6), stdout=io.StringIO())
    call_command("talent_daily", today=dt.date(2025, 3, 7), stdout=io.StringIO())
    late = _inbox(persona("supporting_officer"))  # 市教育局 provides the school places
    assert len(late) == 1 and late[0].kind == "overdue" and "子女入学" in late[0].subject
    assert not _inbox(persona("lead_officer")) and not _inbox(persona("zhangdian_officer"))
    # completed: no further reminder
    services.request_step(actor=staff, request=req, action=flow.COMPLETE, on=dt.date(2025, 3, 9))
    call_command("talent_daily", today=dt.date(2025, 3, 10), stdout=io.StringIO())
    assert len(_inbox(persona("supporting_officer"))) == 1
