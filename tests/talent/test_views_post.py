"""The talent card's steps through its page, as the district and the issuing department take them: a step out of
the card's order is flashed and changes nothing; a good step moves the card and sends back to it; a read-only or
out-of-scope persona is refused and changes nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from kechuang.talent import services
from kechuang.talent.engines import cards as card_rules
from kechuang.talent.models import CardGrade, CardType, Membership, TalentCard
from tests.talent import factories as f

pytestmark = pytest.mark.django_db


def flashed(response) -> str:
    return " ".join(str(m) for m in get_messages(response.wsgi_request))


@pytest.fixture
def card(persona, unit):
    tiers = f.tiers()
    elite = CardType.objects.create(code="page_elite", name="页面精英卡", issuer=unit("science_tech"), validity_years=3)
    CardGrade.objects.create(card_type=elite, code="a", name="A卡", min_tier=tiers["C"])
    holder = f.talent(persona("bureau_staff"), unit("zhangdian"), n=1)
    Membership.objects.create(talent=holder, programme=f.programme(), batch_year=2025, approved_on=dt.date(2025, 6, 1))
    services.recompute_tier(holder)
    return services.card_apply(
        actor=persona("zhangdian_officer"), talent=holder, card_type=elite, grade=elite.grades.get()
    )


def test_card_steps_through_the_page(card, client_as):
    def step(action: str) -> str:
        return reverse("talent:card_step", args=[card.pk, action])

    state = TalentCard.objects.get(pk=card.pk).state
    response = client_as("bureau_staff").post(step(card_rules.ISSUE))  # skips the two reviews
    assert response["Location"] == reverse("talent:card", args=[card.pk]) and flashed(response)
    assert TalentCard.objects.get(pk=card.pk).state == state
    assert client_as("leader").post(step(card_rules.REVIEW)).status_code == 403
    assert client_as("zichuan_officer").post(step(card_rules.REVIEW)).status_code == 404
    assert TalentCard.objects.get(pk=card.pk).state == state
    response = client_as("zhangdian_officer").post(step(card_rules.REVIEW), {"note": "材料齐全"})
    assert response["Location"] == reverse("talent:card", args=[card.pk]) and flashed(response)
    assert TalentCard.objects.get(pk=card.pk).state != state
