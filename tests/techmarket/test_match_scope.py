"""Defect 7: a district officer's match step never writes outside their scope.

A match's draft contract belongs to the seller's district (registration is seller-side, 按地域一次登记), or to
the demand's district when the seller is outside the city; the achievement library is the bureau's. A step that
would change a record the actor may not write is refused as a whole, and the database is unchanged."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied

from kechuang.core.models import AuditEntry
from kechuang.techmarket import services
from kechuang.techmarket.models import Achievement, Contract, Demand, MatchCase, MatchEvent
from tests.techmarket import factories as f

pytestmark = pytest.mark.django_db


def _state(case: MatchCase, achievement: Achievement | None) -> tuple:
    case.refresh_from_db()
    return (
        case.stage,
        Demand.objects.get(pk=case.demand_id).status,
        achievement and Achievement.objects.get(pk=achievement.pk).status,
        Contract.objects.count(),
        MatchEvent.objects.count(),
        AuditEntry.objects.count(),
    )


def _negotiating(staff, demand, **kw) -> MatchCase:
    case = services.match_recommend(actor=staff, demand=demand, on=dt.date(2025, 1, 5), **kw)
    services.match_contact(actor=staff, case=case, on=dt.date(2025, 1, 10))
    services.match_negotiate(actor=staff, case=case, on=dt.date(2025, 2, 1))
    return case


def test_district_officer_sign_never_writes_outside_scope(persona):
    staff, officer = persona("bureau_staff"), persona("zhangdian_officer")
    achievement = f.achievement(region=f.region("zichuan"))  # the library's record, seller in 淄川区
    case = _negotiating(staff, f.demand("zhangdian"), achievement=achievement)
    before = _state(case, achievement)
    with pytest.raises(PermissionDenied, match="市科技局"):
        services.match_sign(actor=officer, case=MatchCase.objects.get(pk=case.pk), on=dt.date(2025, 3, 1))
    assert _state(case, achievement) == before
    assert Achievement.objects.get(pk=achievement.pk).status == Achievement.Status.NEGOTIATING


def test_district_officer_sign_with_an_out_of_district_expert_is_refused(persona):
    staff, officer = persona("bureau_staff"), persona("zhangdian_officer")
    case = _negotiating(staff, f.demand("zhangdian"), expert=f.expert(region=f.region("zichuan")))
    before = _state(case, None)
    with pytest.raises(PermissionDenied, match="淄川区"):
        services.match_sign(actor=officer, case=MatchCase.objects.get(pk=case.pk), on=dt.date(2025, 3, 1))
    assert _state(case, None) == before


def test_district_officer_signs_within_their_district(persona):
    staff, officer = persona("bureau_staff"), persona("zhangdian_officer")
    case = _negotiating(staff, f.demand("zhangdian"), expert=f.expert(region=f.region("zhangdian")))
    services.match_sign(actor=officer, case=MatchCase.objects.get(pk=case.pk), on=dt.date(2025, 3, 1))
    draft = Contract.objects.get(match=case)
    assert draft.region == f.region("zhangdian") and draft.status == Contract.Status.DRAFT


def test_match_contract_belongs_to_the_sellers_district(persona):
    staff = persona("bureau_staff")
    achievement = f.achievement(region=f.region("zichuan"))
    case = _negotiating(staff, f.demand("zhangdian"), achievement=achievement)
    services.match_sign(actor=staff, case=case, on=dt.date(2025, 3, 1))
    assert Contract.objects.get(match=case).region == f.region("zichuan")
    outside = _negotiating(staff, f.demand("zhangdian", title="外地成果的需求对接"), achievement=f.achievement())
    services.match_sign(actor=staff, case=outside, on=dt.date(2025, 3, 1))
    assert Contract.objects.get(match=outside).region == f.region("zhangdian")


def test_match_page_offers_only_steps_the_officer_may_take(persona, client_as):
    staff = persona("bureau_staff")
    case = _negotiating(staff, f.demand("zhangdian"), achievement=f.achievement(region=f.region("zichuan")))
    client = client_as("zhangdian_officer")
    page = client.get(f"/techmarket/matches/{case.pk}/")
    assert page.status_code == 200
    assert "sign" not in page.context["actions"]
    before = _state(case, None)
    response = client.post(f"/techmarket/matches/{case.pk}/sign/", {"on": "2025-03-01"})
    assert response.status_code == 302
    assert "市科技局" in " ".join(str(m) for m in response.wsgi_request._messages)
    assert _state(case, None) == before
