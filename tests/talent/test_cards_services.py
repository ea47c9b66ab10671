"""Talent cards (verification codes: tampered, expired, revoked) and service requests (time limits over weekends,
holidays and make-up days; the clock stopped while returned for information; provider queues)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from kechuang.core.workdays import Calendar
from kechuang.talent import services
from kechuang.talent.engines import cards as card_rules
from kechuang.talent.engines import requests as flow
from kechuang.talent.models import CalendarDay, CardGrade, CardType, Membership, ServiceItem
from tests.talent import factories as f

# The 2025 notice (国办发明电〔2024〕12号): Spring Festival 28 Jan – 4 Feb, make-up days Sun 26 Jan and Sat 8 Feb;
# Labour Day 1–5 May, make-up day Sun 27 Apr.
HOLIDAYS_2025 = (
    [dt.date(2025, 1, 1)]
    + [dt.date(2025, 1, 28) + dt.timedelta(days=i) for i in range(8)]
    + [dt.date(2025, 5, i) for i in range(1, 6)]
)
MAKEUP_2025 = [dt.date(2025, 1, 26), dt.date(2025, 2, 8), dt.date(2025, 4, 27)]
CAL = Calendar.of(HOLIDAYS_2025, MAKEUP_2025)


@pytest.mark.parametrize(
    ("start", "days", "due"),
    [
        (dt.date(2025, 3, 3), 5, dt.date(2025, 3, 10)),  # Monday + 5: over one weekend
        (dt.date(2025, 3, 7), 1, dt.date(2025, 3, 10)),  # Friday + 1: Monday
        (dt.date(2025, 1, 24), 1, dt.date(2025, 1, 26)),  # Friday + 1: the make-up Sunday
        (dt.date(2025, 1, 27), 1, dt.date(2025, 2, 5)),  # over the Spring Festival
        (dt.date(2025, 1, 27), 3, dt.date(2025, 2, 7)),
        (dt.date(2025, 2, 7), 1, dt.date(2025, 2, 8)),  # Friday + 1: the make-up Saturday
        (dt.date(2025, 4, 25), 1, dt.date(2025, 4, 27)),  # Friday + 1: make-up Sunday before Labour Day
        (dt.date(2025, 4, 30), 1, dt.date(2025, 5, 6)),  # over Labour Day
        (dt.date(2025, 3, 3), 0, dt.date(2025, 3, 3)),
    ],
)
def test_working_days_table(start, days, due):
    assert CAL.add(start, days) == due
    assert CAL.between(start, due) == days


def test_weekends_only_without_a_calendar():
    assert Calendar().add(dt.date(2025, 1, 27), 5) == dt.date(2025, 2, 3)


# ---------------------------------------------------------------- cards
@pytest.fixture
def elite(db, unit):
    tiers = f.tiers()
    card = CardType.objects.create(code="zibo_elite", name="淄博精英卡", issuer=unit("science_tech"), validity_years=3)
    CardGrade.objects.create(card_type=card, code="a", name="A卡", min_tier=tiers["C"])
    return card


@pytest.fixture
def holder(persona, unit, elite):
    t = f.talent(persona("bureau_staff"), unit("zhangdian"), n=1)
    prog = f.programme()
    Membership.objects.create(talent=t, programme=prog, batch_year=2025, approved_on=dt.date(2025, 6, 1))
    services.recompute_tier(t)
    return t


def issued_card(persona, holder, elite):
    card = services.card_apply(
        actor=persona("zhangdian_officer"), talent=holder, card_type=elite, grade=elite.grades.get()
    )
    services.card_step(actor=persona("zhangdian_officer"), card=card, action=card_rules.REVIEW)
    dept = persona("lead_officer")
    services.card_step(actor=dept, card=card, action=card_rules.RECHECK)
    return services.card_step(actor=dept, card=card, action=card_rules.ISSUE)


def test_card_path_and_forbidden_steps(persona, holder, elite):
    card = services.card_apply(actor=persona("bureau_staff"), talent=holder, card_type=elite, grade=elite.grades.get())
    with pytest.raises(ValidationError):
        services.card_step(actor=persona("bureau_staff"), card=card, action=card_rules.ISSUE)  # skips two reviews
    with pytest.raises(PermissionDenied):
        services.card_step(actor=persona("zichuan_officer"), card=card, action=card_rules.REVIEW)  # other district
    with pytest.raises(PermissionDenied):
        services.card_step(actor=persona("zhangdian_officer"), card=card, action=card_rules.RECHECK)  # not the dept
    with pytest.raises(ValidationError):  # already applied
        services.card_apply(actor=persona("bureau_staff"), talent=holder, card_type=elite, grade=elite.grades.get())


def test_tier_must_qualify(persona, unit, elite):
    t = f.talent(persona("bureau_staff"), unit("zhangdian"), n=2)  # no tier
    with pytest.raises(ValidationError):
        services.card_apply(actor=persona("bureau_staff"), talent=t, card_type=elite, grade=elite.grades.get())


def test_code_verifies_then_fails_when_tampered_expired_or_revoked(persona, holder, elite):
    card = issued_card(persona, holder, elite)
    code = services.card_code(card)
    assert services.card_verify(code).ok
    # tampered: another card's id under the same signature, or a flipped character
    assert services.card_verify(code[:-2] + ("AA" if code[-2:] != "AA" else "BB")).reason == "bad_signature"
    forged = signing.dumps({"c": card.pk, "n": "guess"}, salt="another.salt")
    assert services.card_verify(forged).reason == "bad_signature"
    assert services.card_verify(signing.dumps({"c": card.pk, "n": "guess"}, salt=services.CARD_SALT)).ok is False
    # expired code (older than its minutes)
    with time_machine.travel(dt.datetime.now(tz=dt.UTC) + dt.timedelta(minutes=services.CODE_MINUTES + 1)):
        assert services.card_verify(code).reason == "code_expired"
    # revoked: the very same fresh code fails at once
    services.card_step(actor=persona("lead_officer"), card=card, action=card_rules.REVOKE, note="弄虚作假")
    assert services.card_verify(code).ok is False
    assert services.card_verify(services.card_code(card)).reason == "revoked"


def test_expired_card_fails_and_renewal_reminder(persona, holder, elite):
    card = issued_card(persona, holder, elite)
    assert card.expires_on == card_rules.expiry(card.issued_on, 3)
    late = card.expires_on + dt.timedelta(days=1)
    assert services.card_verify(services.card_code(card), today=late).reason == "card_expired"
    assert card_rules.renewal_due(card.expires_on, card.expires_on - dt.timedelta(days=30), 60)
    assert not card_rules.renewal_due(card.expires_on, card.expires_on - dt.timedelta(days=90), 60)


def test_verification_page(persona, holder, elite, client_as):
    card = issued_card(persona, holder, elite)
    client = client_as("bureau_staff")
    page = client.get(reverse("talent:card", args=[card.pk])).content.decode()
    assert 'data-testid="card-qr"' in page and "<svg" in page
    ok = client.get(reverse("talent:card_verify"), {"code": services.card_code(card)}).content.decode()
    assert "status-on_track" in ok and holder.id_number not in ok
    bad = client.get(reverse("talent:card_verify"), {"code": "x:y:z"}).content.decode()
    assert "status-off_track" in bad


# ---------------------------------------------------------------- service requests
@pytest.fixture
def item(db, unit):
    for d in HOLIDAYS_2025:
        CalendarDay.objects.create(day=d, kind="holiday")
    for d in MAKEUP_2025:
        CalendarDay.objects.create(day=d, kind="makeup")
    return ServiceItem.objects.create(
        code="school", name="子女入学", category="schooling", provider=unit("education"), sla_days=5
    )


def test_request_clock_pauses_while_returned(persona, unit, item):
    t = f.talent(persona("bureau_staff"), unit("zhangdian"), n=3)
    req = services.request_submit(actor=persona("zhangdian_officer"), talent=t, item=item, on=dt.date(2025, 1, 20))
    dept = persona("supporting_officer")  # 市教育局, the provider
    with pytest.raises(PermissionDenied):
        services.request_step(actor=persona("lead_officer"), request=req, action=flow.ACCEPT)  # not the provider
    req = services.request_step(actor=dept, request=req, action=flow.ACCEPT, on=dt.date(2025, 1, 22))
    assert req.due_on == dt.date(2025, 2, 5)  # Thu 23, Fri 24, Sun 26 (make-up), Mon 27, then after the festival
    with pytest.raises(ValidationError):
        services.request_step(actor=dept, request=req, action=flow.RETURN)  # a reason is needed
    req = services.request_step(
        actor=dept, request=req, action=flow.RETURN, note="请补充户籍证明", on=dt.date(2025, 1, 24)
    )
    assert services.sla_status(req, today=dt.date(2025, 3, 1))["late"] is False  # stopped while waiting
    req = services.request_step(
        actor=persona("zhangdian_officer"), request=req, action=flow.RESUBMIT, on=dt.date(2025, 2, 6)
    )
    # working days in (24 Jan, 6 Feb]: Sun 26 Jan (make-up), Mon 27 Jan, Wed 5 and Thu 6 Feb (the answer's day
    # counts like the acceptance's: the clock restarts the next working day)
    assert req.paused_days == 4
    assert req.due_on == CAL.add(dt.date(2025, 1, 22), 5 + 4) == dt.date(2025, 2, 10)  # Sat 8 Feb is a make-up day
    req = services.request_step(actor=dept, request=req, action=flow.COMPLETE, on=req.due_on + dt.timedelta(days=1))
    assert req.breached
    with pytest.raises(ValidationError):
        services.request_step(actor=persona("zhangdian_officer"), request=req, action=flow.RATE, rating=9)
    req = services.request_step(actor=persona("zhangdian_officer"), request=req, action=flow.RATE, rating=4)
    assert req.state == flow.RATED and req.rating == 4


def test_forbidden_request_steps(persona, unit, item):
    t = f.talent(persona("bureau_staff"), unit("zhangdian"), n=4)
    req = services.request_submit(actor=persona("bureau_staff"), talent=t, item=item)
    for action in (flow.COMPLETE, flow.RATE, flow.RESUBMIT):
        with pytest.raises((ValidationError, PermissionDenied)):
            services.request_step(actor=persona("bureau_staff"), request=req, action=action)
    services.request_step(actor=persona("bureau_staff"), request=req, action=flow.CANCEL)
    with pytest.raises(ValidationError):
        services.request_step(actor=persona("bureau_staff"), request=req, action=flow.ACCEPT)


def test_provider_sees_only_its_queue(persona, unit, item, client_as):
    t = f.talent(persona("bureau_staff"), unit("zhangdian"), n=5)
    other = ServiceItem.objects.create(
        code="loan", name="人才贷", category="finance", provider=unit("finance"), sla_days=10
    )
    mine = services.request_submit(actor=persona("bureau_staff"), talent=t, item=item)
    theirs = services.request_submit(actor=persona("bureau_staff"), talent=t, item=other)
    client = client_as("supporting_officer")
    body = client.get(reverse("talent:service_requests")).content.decode()
    assert reverse("talent:service_request", args=[mine.pk]) in body
    assert reverse("talent:service_request", args=[theirs.pk]) not in body
    assert client.get(reverse("talent:service_request", args=[theirs.pk])).status_code == 404
    assert client_as("lead_officer").get(reverse("talent:service_request", args=[mine.pk])).status_code == 404


def test_flag_breaches(persona, unit, item):
    t = f.talent(persona("bureau_staff"), unit("zhangdian"), n=6)
    req = services.request_submit(actor=persona("bureau_staff"), talent=t, item=item, on=dt.date(2025, 3, 3))
    services.request_step(actor=persona("bureau_staff"), request=req, action=flow.ACCEPT, on=dt.date(2025, 3, 3))
    assert services.flag_breaches(today=dt.date(2025, 3, 10)) == 0  # due that day
    assert services.flag_breaches(today=dt.date(2025, 3, 11)) == 1


def test_daily_command_expires_cards_and_flags_late_requests(persona, holder, elite, item):
    import io

    from django.core.management import call_command

    card = issued_card(persona, holder, elite)
    req = services.request_submit(actor=persona("bureau_staff"), talent=holder, item=item, on=dt.date(2025, 3, 3))
    services.request_step(actor=persona("bureau_staff"), request=req, action=flow.ACCEPT, on=dt.date(2025, 3, 3))
    out = io.StringIO()
    call_command("talent_daily", today=card.expires_on - dt.timedelta(days=10), stdout=out)
    assert "renewal due: " + card.number in out.getvalue() and "1 requests flagged late" in out.getvalue()
    call_command("talent_daily", today=card.expires_on + dt.timedelta(days=1), stdout=io.StringIO())
    card.refresh_from_db()
    assert card.state == card_rules.EXPIRED
    assert services.card_verify(services.card_code(card)).ok is False
