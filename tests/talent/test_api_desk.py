"""The API of the card desk and the service desk: scoped like the pages (a district its talents, a provider
department its own queue, a talent account only its own records), and writing through the same services, so the
transitions and the forbidden ones answer as on the pages."""

from __future__ import annotations

import json

import pytest

from kechuang.core.models import User
from kechuang.core.roles import Role
from kechuang.talent import services
from kechuang.talent.engines import requests as flow
from kechuang.talent.models import CardGrade, CardType, ServiceItem, ServiceRequest, TalentCard
from tests.talent import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(persona, unit):
    staff = persona("bureau_staff")
    tiers = f.tiers()
    mine = f.talent(staff, unit("zhangdian"), n=1, employer=1)
    neighbour = f.talent(staff, unit("zhangdian"), n=2, employer=2)
    far = f.talent(staff, unit("zichuan"), n=3, employer=3)
    card = CardType.objects.create(code="zibo_elite", name="淄博精英卡", issuer=unit("science_tech"))
    grade = CardGrade.objects.create(card_type=card, code="a", name="A卡", min_tier=tiers["E"])
    tech = ServiceItem.objects.create(
        code="green", name="医疗绿色通道", category="medical", provider=unit("science_tech"), sla_days=3
    )
    school = ServiceItem.objects.create(
        code="school", name="子女入学", category="schooling", provider=unit("education"), sla_days=5
    )
    for t in (mine, neighbour, far):  # tier E, so every talent qualifies for the grade
        t.tier = tiers["E"]
        t.save()
    account = User.objects.create(username="t_api", role=Role.TALENT)
    mine.account = account
    mine.save()
    reqs = {
        "mine": services.request_submit(actor=staff, talent=mine, item=tech),
        "neighbour": services.request_submit(actor=staff, talent=neighbour, item=tech),
        "far": services.request_submit(actor=staff, talent=far, item=school),
    }
    cards = {
        "mine": services.card_apply(actor=staff, talent=mine, card_type=card, grade=grade),
        "far": services.card_apply(actor=staff, talent=far, card_type=card, grade=grade),
    }
    return (
        {"mine": mine, "neighbour": neighbour, "far": far, "grade": grade, "tech": tech, "school": school},
        reqs,
        cards,
    )


@pytest.fixture
def api():
    """api(user)(method, path, body) → (status, json), signed in as that user (its own session: tokens are for
    government accounts, a portal account uses the API from its signed-in browser session)."""

    def as_user(user):
        from tests.conftest import Client

        client = Client()
        client.force_login(user)

        def call(method: str, path: str, body: dict | None = None):
            url = "/api" + path
            if method == "get":
                r = client.get(url)
            else:
                r = client.post(url, data=json.dumps(body or {}), content_type="application/json")
            return r.status_code, (r.json() if r.get("Content-Type", "").startswith("application/json") else None)

        return call

    return as_user


def _ids(payload) -> set[int]:
    return {row["id"] for row in payload["items"]}


def test_a_talent_reads_and_writes_only_its_own_records(world, api):
    w, reqs, cards = world
    me = api(w["mine"].account)
    status, body = me("get", "/talent-service-requests")
    assert status == 200 and _ids(body) == {reqs["mine"].pk}
    status, body = me("get", "/talent-cards")
    assert status == 200 and _ids(body) == {cards["mine"].pk}
    # another talent's records are a 404, never a 403 that would tell they exist
    assert me("get", f"/talent-service-requests/{reqs['neighbour'].pk}")[0] == 404
    assert me("get", f"/talent-cards/{cards['far'].pk}")[0] == 404
    assert me("get", f"/talent-service-requests?talent={w['neighbour'].pk}")[1]["items"] == []
    # asking for a service or a card for someone else: 404, nothing written
    before = ServiceRequest.objects.count()
    assert me("post", "/talent-service-requests", {"item_id": w["tech"].pk, "talent_id": w["neighbour"].pk})[0] == 404
    assert me("post", f"/talent-service-requests/{reqs['neighbour'].pk}/steps/cancel", {})[0] == 404
    assert ServiceRequest.objects.count() == before
    assert ServiceRequest.objects.get(pk=reqs["neighbour"].pk).state == flow.SUBMITTED
    # for itself: the talent id may be left out
    status, body = me("post", "/talent-service-requests", {"item_id": w["tech"].pk, "detail": "体检预约"})
    assert status == 201 and body["talent_id"] == w["mine"].pk and body["state"] == "submitted"
    # the provider's steps are not the talent's
    status, body = me("post", f"/talent-service-requests/{body['id']}/steps/accept", {})
    assert status == 403
    # nor the card desk's
    assert me("post", f"/talent-cards/{cards['mine'].pk}/steps/review", {})[0] == 403
    # the catalogue says what is open to the talent and why
    status, items = me("get", "/talent-service-items")
    assert status == 200 and {i["code"]: i["open_to_me"] for i in items} == {"green": True, "school": True}


def test_district_reads_its_talents_only(world, api, persona):
    w, reqs, cards = world
    officer = api(persona("zhangdian_officer"))
    assert _ids(officer("get", "/talent-service-requests")[1]) == {reqs["mine"].pk, reqs["neighbour"].pk}
    assert _ids(officer("get", "/talent-cards")[1]) == {cards["mine"].pk}
    assert officer("get", f"/talent-service-requests/{reqs['far'].pk}")[0] == 404
    assert officer("get", f"/talent-cards/{cards['far'].pk}")[0] == 404
    # the district applies for its own talents, not another district's
    assert officer("post", "/talent-service-requests", {"item_id": w["tech"].pk, "talent_id": w["far"].pk})[0] == 404


def test_a_provider_department_sees_only_its_own_queue(world, api, persona):
    _w, reqs, _cards = world
    education = api(persona("supporting_officer"))  # 市教育局 provides school places only
    assert _ids(education("get", "/talent-service-requests")[1]) == {reqs["far"].pk}
    assert education("get", f"/talent-service-requests/{reqs['mine'].pk}")[0] == 404
    tech = api(persona("lead_officer"))
    assert _ids(tech("get", "/talent-service-requests")[1]) == {reqs["mine"].pk, reqs["neighbour"].pk}
    # another department cannot take the step on a queue it cannot see
    assert education("post", f"/talent-service-requests/{reqs['mine'].pk}/steps/accept", {})[0] == 404


def test_the_desk_through_the_api_with_a_return_for_information(world, api, persona):
    w, reqs, _cards = world
    desk, me = api(persona("lead_officer")), api(w["mine"].account)
    rid = reqs["mine"].pk
    path = f"/talent-service-requests/{rid}/steps/"
    # forbidden transitions: complete before accepting; a return without its reason
    status, body = desk("post", path + "complete", {})
    assert status == 422 and "action" in body["error"]["fields"]
    status, body = desk("post", path + "reject", {})
    assert status == 422 and "note" in body["error"]["fields"]
    assert desk("post", path + "no-such-step", {})[0] == 404
    # a district officer does not take the provider's steps
    assert api(persona("zhangdian_officer"))("post", path + "accept", {})[0] == 403
    status, body = desk("post", path + "accept", {})
    assert status == 200 and body["state"] == "accepted" and body["due_on"] and body["sla"]["started"]
    status, body = desk("post", path + "return", {"note": "请补充病历"})
    assert body["state"] == "returned_for_info" and body["sla"]["paused"]
    status, body = me("post", path + "resubmit", {"note": "已补充"})
    assert status == 200 and body["state"] == "in_progress"
    status, body = desk("post", path + "complete", {})
    assert body["state"] == "completed"
    status, body = me("post", path + "rate", {"rating": 9})
    assert status == 422 and "rating" in body["error"]["fields"]
    status, body = me("post", path + "rate", {"rating": 5})
    assert status == 200 and body["rating"] == 5 and body["state"] == "rated"
    # the filters of the page, on the API; a bad value is named
    assert _ids(desk("get", "/talent-service-requests?state=rated")[1]) == {rid}
    status, body = desk("get", "/talent-service-requests?talent=abc")
    assert status == 422 and "talent" in body["error"]["fields"]
    # the leader reads but never writes
    assert api(persona("leader"))("post", path + "cancel", {})[0] == 403


def test_card_desk_through_the_api_and_verification(world, api, persona):
    _w, _reqs, cards = world
    district, dept = api(persona("zhangdian_officer")), api(persona("lead_officer"))
    cid = cards["mine"].pk
    # issue before the reviews: refused by the table
    status, body = dept("post", f"/talent-cards/{cid}/steps/issue", {})
    assert status == 422
    # the department does not take the district's review
    assert dept("post", f"/talent-cards/{cid}/steps/review", {})[0] == 403
    assert district("post", f"/talent-cards/{cid}/steps/review", {})[1]["state"] == "district_reviewed"
    assert dept("post", f"/talent-cards/{cid}/steps/recheck", {})[1]["state"] == "approved"
    status, body = dept("post", f"/talent-cards/{cid}/steps/issue", {})
    assert status == 200 and body["state"] == "issued" and body["expires_on"]
    code = services.card_code(TalentCard.objects.get(pk=cid))
    status, body = dept("post", "/talent-card-verifications", {"code": code})
    assert body["ok"] and body["card_number"] == cards["mine"].number and "*" in body["holder"]
    status, body = dept("post", "/talent-card-verifications", {"code": code[:-2] + "xx"})
    assert not body["ok"] and body["reason"] == "bad_signature"
    # revoking needs the reason; once revoked the code fails at once
    assert dept("post", f"/talent-cards/{cid}/steps/revoke", {})[0] == 422
    assert dept("post", f"/talent-cards/{cid}/steps/revoke", {"note": "离开本市"})[1]["state"] == "revoked"
    status, body = dept("post", "/talent-card-verifications", {"code": code})
    assert not body["ok"] and body["reason"] == "revoked" and body["card_number"] == ""


def test_a_talent_applies_for_a_card_through_the_api(world, api):
    w, _reqs, cards = world
    me = api(w["mine"].account)
    # already applied for this card type: refused naming the field
    status, body = me("post", "/talent-cards", {"grade_id": w["grade"].pk})
    assert status == 422 and "card_type" in body["error"]["fields"]
    TalentCard.objects.filter(pk=cards["mine"].pk).update(state="rejected")
    status, body = me("post", "/talent-cards", {"grade_id": w["grade"].pk})
    assert status == 201 and body["talent_id"] == w["mine"].pk and body["state"] == "submitted"
    assert me("post", "/talent-cards", {"grade_id": w["grade"].pk, "talent_id": w["far"].pk})[0] == 404
