"""Commissioners end to end: a visit logged through the page shows in the region view and the yearly statistics;
scope per role; forbidden writes; assessment grades; the API."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from kechuang.core.models import AuditEntry
from kechuang.outreach import selectors, services
from kechuang.outreach.models import ServiceLog
from tests.outreach.conftest import TODAY

pytestmark = pytest.mark.django_db

VISIT = {
    "date": (TODAY - dt.timedelta(days=1)).isoformat(),
    "place": "东庄村党群服务中心",
    "content": "苹果矮砧密植现场指导",
    "people_trained": "35",
    "technologies_introduced": "2",
    "technologies": "矮砧密植、水肥一体化",
    "income_effect_wan": "12.5",
}


def test_a_logged_village_visit_shows_in_the_region_view_and_the_statistics(make, client_as):
    commissioner = make.commissioner()
    dispatch = make.dispatch(commissioner)
    client = client_as("zhangdian_officer")
    year = TODAY.year if (TODAY - dt.timedelta(days=1)).year == TODAY.year else TODAY.year - 1
    before = client.get(reverse("outreach:stats"), {"year": year}).context["total"]["visits"]

    response = client.post(reverse("outreach:log_create", args=[dispatch.pk]), VISIT)
    assert response.status_code == 302, response.content.decode()[:2000]
    log = ServiceLog.objects.get(dispatch=dispatch)
    assert AuditEntry.objects.filter(object_type="outreach.servicelog", object_id=str(log.pk), action="create").exists()

    page = client.get(reverse("outreach:regions"), {"year": year})
    assert page.status_code == 200
    text = page.content.decode()
    assert "中埠镇" in text and "东庄村" in text
    [group] = [g for g in page.context["groups"] if g["code"] == "zhangdian"]
    [town] = group["towns"]
    assert town["places"][0]["visits"] == 1 and town["places"][0]["trained"] == 35

    stats = client.get(reverse("outreach:stats"), {"year": year}).context
    assert stats["total"]["visits"] == before + 1
    [row] = [r for r in stats["rows"] if r["code"] == "zhangdian"]
    assert (row["people_trained"], row["technologies"], row["income_wan"], row["villages"]) == (
        35,
        2,
        Decimal("12.5"),
        1,
    )
    export = client.get(reverse("outreach:stats_export"), {"year": year})
    assert export.status_code == 200 and export["Content-Type"].startswith("application/vnd.openxml")


def test_other_districts_and_read_only_roles_cannot_log(make, client_as):
    dispatch = make.dispatch(make.commissioner())
    url = reverse("outreach:log_create", args=[dispatch.pk])
    assert client_as("zichuan_officer").post(url, VISIT).status_code == 404
    assert client_as("leader").post(url, VISIT).status_code == 403
    assert client_as("supporting_officer").post(url, VISIT).status_code == 404  # another department's programme
    assert client_as("lead_officer").post(url, VISIT).status_code == 302  # the programme's department
    assert ServiceLog.objects.count() == 1


@pytest.mark.parametrize(
    ("day", "field"),
    [(TODAY + dt.timedelta(days=1), "date"), (TODAY - dt.timedelta(days=300), "date")],
    ids=["future", "outside-term"],
)
def test_a_visit_outside_the_term_or_in_the_future_is_refused(make, persona, day, field):
    dispatch = make.dispatch(make.commissioner())
    with pytest.raises(ValidationError) as exc:
        services.servicelog_create(
            actor=persona("bureau_staff"), dispatch=dispatch, data={**VISIT, "date": day, "income_effect_wan": 1}
        )
    assert field in exc.value.message_dict
    assert not ServiceLog.objects.exists()


def test_district_sees_its_own_and_dispatches_into_it(make, persona):
    own = make.commissioner("zhangdian", name="张店特派员")
    other = make.commissioner("zichuan", name="淄川特派员")
    into_zhangdian = make.dispatch(other, "zhangdian")
    elsewhere = make.dispatch(other, "zichuan")
    officer = persona("zhangdian_officer")
    assert set(selectors.commissioners(officer)) == {own}
    assert set(selectors.dispatches(officer)) == {into_zhangdian}
    zichuan = persona("zichuan_officer")
    assert set(selectors.dispatches(zichuan)) == {into_zhangdian, elsewhere}  # its commissioner's, read only
    assert set(selectors.dispatches(zichuan).model.objects.writable_by(zichuan)) == {elsewhere}


def test_district_officer_dispatches_only_into_own_region(make, persona):
    commissioner = make.commissioner("zhangdian")
    data = {"kind": "village", "village": "西庄村", "town": "房镇镇", "start": TODAY, "end": TODAY}
    officer = persona("zhangdian_officer")
    with pytest.raises(ValidationError) as exc:
        services.dispatch_create(
            actor=officer, commissioner=commissioner, data={**data, "region": make_unit("zichuan")}
        )
    assert "region" in exc.value.message_dict
    made = services.dispatch_create(
        actor=officer, commissioner=commissioner, data={**data, "region": make_unit("zhangdian")}
    )
    assert made.served_name == "西庄村"


def make_unit(code):
    from kechuang.core.models import OrgUnit

    return OrgUnit.objects.get(code=code, kind="region")


def test_assessment_grades_by_band_and_districts_do_not_assess(make, persona):
    commissioner = make.commissioner()
    with pytest.raises(PermissionDenied):
        services.assessment_record(actor=persona("zhangdian_officer"), commissioner=commissioner, year=2025, score=95)
    a = services.assessment_record(
        actor=persona("lead_officer"), commissioner=commissioner, year=2025, score=Decimal(76)
    )
    assert a.grade == "良好"
    again = services.assessment_record(actor=persona("bureau_staff"), commissioner=commissioner, year=2025, score=59)
    assert again.pk == a.pk and again.grade == "不合格"
    with pytest.raises(ValidationError):
        services.assessment_record(actor=persona("bureau_staff"), commissioner=commissioner, year=2025, score=101)


def test_enterprise_employer_needs_a_credit_code(persona, unit):
    data = {
        "name": "李强",
        "field": "processing",
        "expertise": "果蔬保鲜",
        "employer_kind": "enterprise",
        "employer_name": "某食品有限公司",
        "region": unit("zhangdian"),
        "department": unit("science_tech"),
    }
    with pytest.raises(ValidationError) as exc:
        services.commissioner_create(actor=persona("bureau_staff"), data=data)
    assert "employer_credit_code" in exc.value.message_dict


def test_api_lists_in_scope_and_logs_a_visit(make, client, token_for):
    mine = make.dispatch(make.commissioner("zhangdian"))
    theirs = make.dispatch(make.commissioner("zichuan", name="赵六"), "zichuan")
    headers = token_for("zhangdian_officer")
    response = client.post(
        f"/api/outreach/dispatches/{mine.pk}/logs",
        json.dumps({**VISIT, "people_trained": 35, "technologies_introduced": 2, "income_effect_wan": "12.5"}),
        content_type="application/json",
        **headers,
    )
    assert response.status_code == 201, response.content
    refused = client.post(
        f"/api/outreach/dispatches/{theirs.pk}/logs", json.dumps(VISIT), content_type="application/json", **headers
    )
    assert refused.status_code == 404
    listed = client.get("/api/outreach/logs", **headers).json()
    assert [r["served"] for r in listed["items"]] == ["东庄村"]
    assert client.get("/api/outreach/logs?year=abc", **headers).status_code == 422
    names = [c["name"] for c in client.get("/api/outreach/commissioners", **headers).json()["items"]]
    assert names == ["王明"]


def test_list_pages_have_bounded_queries(make, client_as, django_assert_max_num_queries):
    for i in range(12):
        c = make.commissioner(name=f"特派员{i}")
        d = make.dispatch(c, served_name=f"村{i}", village=f"村{i}")
        ServiceLog.objects.create(dispatch=d, date=TODAY, place="p", content="c")
    client = client_as("bureau_staff")
    for name in ("outreach:commissioners", "outreach:logs", "outreach:regions", "outreach:stats"):
        with django_assert_max_num_queries(25):
            assert client.get(reverse(name)).status_code == 200
    with django_assert_max_num_queries(25):
        assert client.get(reverse("outreach:commissioner", args=[c.pk])).status_code == 200
