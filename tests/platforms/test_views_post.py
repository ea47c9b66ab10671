"""The platform pages' POST paths as their users take them: a form with a bad field answers the form again with
the error on that field and nothing saved; a good one saves and sends on; a persona without the right is refused
and changes nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from kechuang.core.models import OrgUnit
from kechuang.platforms.models import Carrier, CarrierYear, Evaluation, Incubatee, Platform, PlatformYear

pytestmark = pytest.mark.django_db
TODAY = dt.date.today()


def region(code: str) -> OrgUnit:
    return OrgUnit.objects.get(code=code, kind="region")


def flashed(response) -> str:
    return " ".join(str(m) for m in get_messages(response.wsgi_request))


def platform_data(register, types, **changes) -> dict:
    data = {
        "name": "页面新建工程研究中心",
        "type": types["engineering_research_centre"].pk,
        "level": "province",
        "region": region("zhangdian").pk,
        "host_kind": "enterprise",
        "host_credit_code": register["a"].credit_code,
        "industry_chain": "新材料",
        "initial_state": "reserve",
        "on": TODAY.isoformat(),
    }
    return data | changes


def test_create_page_names_the_bad_field_then_saves(register, types, client_as):
    client = client_as("zhangdian_officer")
    url = reverse("platforms:create")
    assert client.get(url).status_code == 200
    response = client.post(url, platform_data(register, types, name=""))
    assert response.status_code == 200 and "name" in response.context["form"].errors
    assert not Platform.objects.filter(host_credit_code=register["a"].credit_code).exists()
    response = client.post(url, platform_data(register, types))
    created = Platform.objects.get(name="页面新建工程研究中心")
    assert response.status_code == 302 and response["Location"] == reverse("platforms:detail", args=[created.pk])
    assert created.state == "reserve" and created.region.code == "zhangdian" and created.host_name == "测试甲公司"


def test_create_page_a_district_cannot_enter_a_recognised_platform(register, types, client_as):
    response = client_as("zhangdian_officer").post(
        reverse("platforms:create"), platform_data(register, types, initial_state="recognised", document="文〔1〕号")
    )
    assert response.status_code == 200 and "initial_state" in response.context["form"].errors
    assert not Platform.objects.filter(name="页面新建工程研究中心").exists()


def test_create_page_refuses_the_leader(register, types, client_as):
    assert client_as("leader").post(reverse("platforms:create"), platform_data(register, types)).status_code == 403
    assert not Platform.objects.exists()


def test_transition_without_a_date_names_it_and_keeps_the_state(make_platform, client_as):
    platform = make_platform()
    response = client_as("bureau_staff").post(
        reverse("platforms:transition", args=[platform.pk]), {"target": "applied", "on": ""}
    )
    assert response.status_code == 302 and "on:" in flashed(response)
    platform.refresh_from_db()
    assert platform.state == "reserve"


def test_transition_out_of_the_table_is_explained(make_platform, client_as):
    platform = make_platform()
    response = client_as("bureau_staff").post(
        reverse("platforms:transition", args=[platform.pk]), {"target": "recognised", "on": TODAY.isoformat()}
    )
    assert response.status_code == 302 and flashed(response)
    platform.refresh_from_db()
    assert platform.state == "reserve"


def test_evaluation_through_the_page(make_platform, client_as):
    platform = make_platform(state="recognised", document="文〔2〕号", on=TODAY - dt.timedelta(days=30))
    client = client_as("bureau_staff")
    url = reverse("platforms:evaluate", args=[platform.pk])
    response = client.post(url, {"year": TODAY.year - 1, "score": "150", "on": TODAY.isoformat()})
    assert "score:" in flashed(response) and not Evaluation.objects.filter(platform=platform).exists()
    response = client.post(url, {"year": TODAY.year - 1, "score": "91", "on": TODAY.isoformat(), "document": "评"})
    assert response.status_code == 302 and response["Location"] == reverse("platforms:detail", args=[platform.pk])
    evaluation = Evaluation.objects.get(platform=platform)
    assert evaluation.score == 91 and evaluation.year == TODAY.year - 1


def test_evaluation_of_a_platform_in_the_pool_is_refused_with_a_reason(make_platform, client_as):
    platform = make_platform()
    response = client_as("bureau_staff").post(
        reverse("platforms:evaluate", args=[platform.pk]), {"year": TODAY.year - 1, "score": "80", "on": TODAY}
    )
    assert response.status_code == 302 and flashed(response)
    assert not Evaluation.objects.filter(platform=platform).exists()


def test_year_figures_through_the_page(make_platform, client_as):
    platform = make_platform()
    client = client_as("zhangdian_officer")
    url = reverse("platforms:year_edit", args=[platform.pk, TODAY.year - 1])
    assert client.get(url).status_code == 200
    response = client.post(url, {"rd_staff": "-3"})
    assert response.status_code == 200 and "rd_staff" in response.context["form"].errors
    assert not PlatformYear.objects.filter(platform=platform).exists()
    response = client.post(url, {"rd_staff": "12", "senior_titles": "3"})
    assert response.status_code == 302
    row = PlatformYear.objects.get(platform=platform, year=TODAY.year - 1)
    assert row.rd_staff == 12 and row.senior_titles == 3
    assert client_as("zichuan_officer").post(url, {"rd_staff": "99"}).status_code == 404
    row.refresh_from_db()
    assert row.rd_staff == 12


def carrier_data(**changes) -> dict:
    data = {
        "name": "页面孵化器",
        "stage": "incubator",
        "specialty": "general",
        "level": "city",
        "region": region("zhangdian").pk,
        "operator_name": "孵化运营公司",
        "space_total_m2": "1000",
        "space_incubatee_m2": "600",
    }
    return data | changes


def test_carrier_create_and_edit_through_the_pages(register, client_as):
    client = client_as("zhangdian_officer")
    url = reverse("platforms:carrier_create")
    assert client.get(url).status_code == 200
    response = client.post(url, carrier_data(space_incubatee_m2="2000"))
    assert response.status_code == 200 and "space_incubatee_m2" in response.context["form"].errors
    assert not Carrier.objects.filter(name="页面孵化器").exists()
    response = client.post(url, carrier_data())
    carrier = Carrier.objects.get(name="页面孵化器")
    assert response["Location"] == reverse("platforms:carrier", args=[carrier.pk])
    edit = reverse("platforms:carrier_edit", args=[carrier.pk])
    response = client.post(edit, carrier_data(name="页面孵化器（改）", space_total_m2="1200"))
    assert response.status_code == 302
    carrier.refresh_from_db()
    assert carrier.name == "页面孵化器（改）" and carrier.space_total_m2 == 1200
    assert client_as("zichuan_officer").post(edit, carrier_data(name="越权")).status_code == 404
    assert client_as("leader").post(url, carrier_data(name="领导")).status_code == 403
    assert not Carrier.objects.filter(name__in=["越权", "领导"]).exists()


def test_carrier_year_and_incubatees_through_the_pages(register, client_as):
    client = client_as("zhangdian_officer")
    client.post(reverse("platforms:carrier_create"), carrier_data())
    carrier = Carrier.objects.get(name="页面孵化器")
    year_url = reverse("platforms:carrier_year_edit", args=[carrier.pk, TODAY.year - 1])
    assert client.get(year_url).status_code == 200
    response = client.post(year_url, {"staff": "x"})
    assert response.status_code == 200 and "staff" in response.context["form"].errors
    assert client.post(year_url, {"staff": "8", "mentors": "2"}).status_code == 302
    assert CarrierYear.objects.get(carrier=carrier, year=TODAY.year - 1).staff == 8

    add = reverse("platforms:incubatee_add", args=[carrier.pk])
    response = client.post(add, {"credit_code": "", "entered_on": TODAY.isoformat()})
    assert "credit_code:" in flashed(response) and not carrier.incubatees.exists()
    response = client.post(add, {"credit_code": "91370303000000000X", "entered_on": TODAY.isoformat()})
    assert flashed(response) and not carrier.incubatees.exists()
    response = client.post(add, {"credit_code": register["a"].credit_code.lower(), "entered_on": TODAY.isoformat()})
    assert response["Location"] == reverse("platforms:carrier", args=[carrier.pk])
    incubatee = Incubatee.objects.get(carrier=carrier)
    assert incubatee.state == "entered"

    move = reverse("platforms:incubatee_move", args=[incubatee.pk])
    assert "on:" in flashed(client.post(move, {"target": "in_incubation", "on": ""}))
    assert flashed(client.post(move, {"target": "entered", "on": TODAY.isoformat()}))
    incubatee.refresh_from_db()
    assert incubatee.state == "entered"
    assert client.post(move, {"target": "in_incubation", "on": TODAY.isoformat()}).status_code == 302
    incubatee.refresh_from_db()
    assert incubatee.state == "in_incubation"
    assert client_as("leader").post(move, {"target": "graduated", "on": TODAY.isoformat()}).status_code == 403
    incubatee.refresh_from_db()
    assert incubatee.state == "in_incubation"


def test_import_page_without_a_file_asks_for_one(client_as):
    response = client_as("bureau_staff").post(reverse("platforms:import"), {})
    assert response.status_code == 200 and flashed(response)


def test_exports_hold_the_listed_rows(make_platform, register, client_as):
    make_platform("导出工程研究中心")
    client = client_as("bureau_staff")
    client.post(reverse("platforms:carrier_create"), carrier_data(name="导出孵化器"))
    for name, text in (("platforms:export", "导出工程研究中心"), ("platforms:carrier_export", "导出孵化器")):
        response = client.get(reverse(name))
        assert response.status_code == 200 and "spreadsheetml" in response["Content-Type"]
        from tests.core.walk import body_text

        assert text in body_text(response)
