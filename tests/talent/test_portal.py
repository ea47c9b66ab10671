"""The portal (全服务上网) as its users use it: an employer applies for its talent, the district recommends, the
bureau approves after 公示; the talent then sees its tier, card, services and requests — and never another's."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from kechuang.core.models import User
from kechuang.core.roles import Role
from kechuang.talent import services
from kechuang.talent.engines import requests as flow
from kechuang.talent.engines import workflow as wf
from kechuang.talent.models import Application, CardGrade, CardType, ServiceItem, ServiceRequest
from tests.talent import factories as f

pytestmark = pytest.mark.django_db
TODAY = dt.date.today()


@pytest.fixture
def world(persona, unit):
    staff = persona("bureau_staff")
    tiers = f.tiers()
    mine = f.talent(staff, unit("zhangdian"), n=1, employer=1)
    other = f.talent(staff, unit("zhangdian"), n=2, employer=2)
    prog = f.programme(objection_days=5)
    rnd = f.round_of(prog)
    rnd.deadline = TODAY + dt.timedelta(days=30)
    rnd.save()
    card = CardType.objects.create(code="zibo_elite", name="淄博精英卡", issuer=unit("science_tech"))
    CardGrade.objects.create(card_type=card, code="a", name="A卡", min_tier=tiers["C"])
    item = ServiceItem.objects.create(
        code="green", name="医疗绿色通道", category="medical", provider=unit("science_tech"), sla_days=3
    )
    item.eligible_cards.add(card)
    talent_user = User.objects.create(username="t_chen", role=Role.TALENT)
    mine.account = talent_user
    mine.save()
    employer = User.objects.create(username="e_li", role=Role.ENTERPRISE, credit_code=f.credit_code(1))
    return {
        "mine": mine,
        "other": other,
        "round": rnd,
        "card": card,
        "item": item,
        "talent_user": talent_user,
        "employer": employer,
    }


def test_employer_applies_district_recommends_bureau_approves_talent_sees_it(world, client, persona):
    client.force_login(world["employer"])
    home = client.get(reverse("talent:employer_home")).content.decode()
    assert world["mine"].name in home and world["other"].name not in home
    assert 'data-testid="policy-push"' in home  # the open round is pushed, with its reason
    client.post(
        reverse("talent:employer_apply"),
        {"round": world["round"].pk, "talent": world["mine"].pk, "requested_wan": "50"},
    )
    app = Application.objects.get(talent=world["mine"])
    assert app.state == wf.SUBMITTED
    # another firm's talent cannot be applied for
    client.post(
        reverse("talent:employer_apply"),
        {"round": world["round"].pk, "talent": world["other"].pk, "requested_wan": "50"},
    )
    assert not Application.objects.filter(talent=world["other"]).exists()
    district, dept = persona("zhangdian_officer"), persona("lead_officer")
    services.application_step(actor=district, application=app, action=wf.RECOMMEND)
    services.application_step(actor=dept, application=app, action=wf.ACCEPT_FOR_CHECK)
    services.application_step(actor=dept, application=app, action=wf.PASS_CHECK)
    services.review_submit(actor=persona("bureau_staff"), application=app, score=90)
    services.application_step(actor=dept, application=app, action=wf.PUBLISH, on=TODAY - dt.timedelta(days=6))
    services.application_step(actor=persona("bureau_staff"), application=app, action=wf.APPROVE)
    # the talent signs in: tier C, the card grade is offered, the card's service not yet (no card issued)
    client.force_login(world["talent_user"])
    page = client.get(reverse("talent:portal_home")).content.decode()
    assert "C 层次C" in page or "层次C" in page
    assert "A卡" in page
    client.post(reverse("talent:portal_card_apply"), {"grade": world["card"].grades.get().pk})
    card = world["mine"].cards.get()
    for actor, action in ((district, "review"), (dept, "recheck"), (dept, "issue")):
        services.card_step(actor=actor, card=card, action=action)
    page = client.get(reverse("talent:portal_home")).content.decode()
    assert 'data-testid="card-qr"' in page and "<svg" in page
    # the card unlocks the green channel: apply online, returned for information, answer, done, rate
    client.post(reverse("talent:portal_request"), {"item": world["item"].pk, "detail": "体检"})
    req = ServiceRequest.objects.get(talent=world["mine"])
    services.request_step(actor=dept, request=req, action=flow.ACCEPT)
    services.request_step(actor=dept, request=req, action=flow.RETURN, note="请补充病历")
    assert "clock-stopped" in client.get(reverse("talent:portal_home")).content.decode()
    client.post(reverse("talent:portal_request_step", args=[req.pk, "resubmit"]), {"note": "已上传"})
    req.refresh_from_db()
    assert req.state == flow.IN_PROGRESS
    services.request_step(actor=dept, request=req, action=flow.COMPLETE)
    client.post(reverse("talent:portal_request_step", args=[req.pk, "rate"]), {"rating": "5"})
    req.refresh_from_db()
    assert req.rating == 5


def test_a_talent_never_sees_another(world, client, persona):
    theirs = services.request_submit(
        actor=persona("bureau_staff"),
        talent=world["other"],
        item=ServiceItem.objects.create(
            code="x", name="落户", category="residence", provider=world["item"].provider, sla_days=5
        ),
    )
    client.force_login(world["talent_user"])
    page = client.get(reverse("talent:portal_home")).content.decode()
    assert world["other"].name not in page
    assert client.post(reverse("talent:portal_request_step", args=[theirs.pk, "cancel"])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.state == flow.SUBMITTED
    # staff pages stay closed to the talent account
    assert client.get(reverse("talent:list")).status_code == 403
    assert client.get(reverse("talent:detail", args=[world["other"].pk])).status_code == 403
    # an unbound talent account has no portal record
    client.force_login(User.objects.create(username="t_none", role=Role.TALENT))
    assert client.get(reverse("talent:portal_home")).status_code == 404


def test_bureau_binds_a_portal_account(world, persona, client_as):
    from django.core.exceptions import PermissionDenied, ValidationError

    account = User.objects.create(username="t_new", role=Role.TALENT)
    with pytest.raises(PermissionDenied):
        services.talent_bind_account(actor=persona("zhangdian_officer"), talent=world["other"], username="t_new")
    with pytest.raises(ValidationError):  # already bound to another talent
        services.talent_bind_account(actor=persona("bureau_staff"), talent=world["other"], username="t_chen")
    with pytest.raises(ValidationError):  # not a talent account
        services.talent_bind_account(actor=persona("bureau_staff"), talent=world["other"], username="p_leader")
    client_as("bureau_staff").post(reverse("talent:bind_account", args=[world["other"].pk]), {"username": "t_new"})
    world["other"].refresh_from_db()
    assert world["other"].account == account
