"""Another city is a file, not a code change (issue 11, item 6): an invented city with its own administrative codes
and province (tests/core/fixtures/second-city.yaml) runs the demo and the main flows — its registration numbers,
credit codes and party codes carry its codes, its province is the indicators' comparison line, the ladder
evaluates its firms and supervision walks its reports."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse

from kechuang.core.models import OrgUnit, User
from kechuang.core.roles import Role
from kechuang.policy.services import policy_load_file

pytestmark = pytest.mark.django_db

SECOND_CITY = Path(__file__).resolve().parent / "fixtures" / "second-city.yaml"
POLICY_CODE = "shili-kejifa-2025-1"


@pytest.fixture
def city(settings) -> OrgUnit:
    """The second city loaded beside the bundled one, and made the platform's default policy."""
    policy_load_file(path=SECOND_CITY)
    settings.KECHUANG_DEFAULT_POLICY = POLICY_CODE
    return OrgUnit.objects.get(code="shili", parent=None)


def unit_of(city: OrgUnit, code: str) -> OrgUnit:
    return OrgUnit.objects.get(parent=city, code=code)


def user_of(city: OrgUnit, username: str, role: str, unit_code: str | None) -> User:
    user = User(username=username, role=role, org_unit=unit_of(city, unit_code) if unit_code else None)
    user.set_password("Test-Passw0rd!")
    user.save()
    return user


def test_the_policy_file_gives_every_unit_its_codes_and_the_city_its_province(city):
    assert (city.admin_code, city.province_name, city.province_code) == ("990100", "示例省", "990000")
    assert unit_of(city, "jiaqu").admin_code == "990102"
    assert unit_of(city, "shili_gaoxin").region_code == "990102"  # a zone gives its host district's code
    assert unit_of(city, "kejiju").region_code == "990100"  # departments carry their city's
    zibo = OrgUnit.objects.get(code="zibo", parent=None)
    assert (zibo.admin_code, zibo.province_name) == ("370300", "山东省")  # the bundled city is untouched


def test_load_demo_runs_for_the_second_city(city):
    from kechuang.enterprises.models import Enterprise, Qualification
    from kechuang.indicators.models import Observation
    from kechuang.supervision.models import ReportingPeriod
    from kechuang.techmarket.models import Achievement, Contract, ContractParty

    out = StringIO()
    call_command("load_demo", stdout=out)
    assert "Demo data:" in out.getvalue()
    # The demo accounts are bound to this city's units: its bureau, departments and regions.
    assert User.objects.get(username="bureau_admin").org_unit == unit_of(city, "kejiju")
    assert User.objects.get(username="officer_jiaqu").org_unit == unit_of(city, "jiaqu")
    assert User.objects.get(username="officer_yixian").display_name == "乙县 科技局"
    # The register: credit codes carry the regions' codes, the province issues the titles, names carry the city's.
    firms = Enterprise.objects.filter(region__parent=city)
    assert firms.exists() and not Enterprise.objects.exclude(region__parent=city).exists()
    assert {e.credit_code[2:8] for e in firms} <= {"990102", "990121"}
    assert all(e.name.startswith("示例") for e in firms[:50])
    issuers = set(Qualification.objects.values_list("issuer", flat=True))
    assert "示例省科学技术厅" in issuers and not any("山东" in i for i in issuers)
    # The technology market: registration numbers YY + 9901, parties in the city coded by their region.
    registered = Contract.objects.exclude(registration_number="")
    assert registered.exists()
    assert all(c.registration_number[2:6] == "9901" for c in registered)
    local = ContractParty.objects.filter(region__isnull=False)
    assert local.exists() and set(local.values_list("region_code", flat=True)) <= {"990102", "990121"}
    assert Achievement.objects.filter(owner_name__startswith="示例").exists()
    # Indicators: the city's series exist, none of them from another city's published figures.
    assert Observation.objects.filter(region=city, is_demo=True).exists()
    assert not Observation.objects.filter(region=city, source__startswith="公开数据").exists()
    # Supervision: the city's policy has its reporting periods.
    assert ReportingPeriod.objects.filter(policy__code=POLICY_CODE).exists()


def test_a_registered_contract_carries_the_city_prefix(city):
    from kechuang.techmarket import services
    from kechuang.techmarket.models import Contract, ContractParty

    staff = user_of(city, "shili_staff", Role.BUREAU_STAFF, "kejiju")
    contract = Contract.objects.create(
        contract_type="development",
        project_name="示例材料技术开发",
        subject="新型材料的配方和工艺开发",
        tech_field="new_materials",
        region=unit_of(city, "jiaqu"),
        signed_on=dt.date(2025, 3, 1),
        total_amount_wan=Decimal("100"),
        quantified_goal="强度提高20%",
        acceptance_clause=True,
    )
    for role, region in (("seller", "jiaqu"), ("buyer", "yixian")):
        ContractParty.objects.create(
            contract=contract,
            role=role,
            name=f"示例{role}有限公司",
            nature="100",
            region=unit_of(city, region),
            region_code=unit_of(city, region).region_code,
        )
    services.contract_submit(actor=staff, contract=contract, on=dt.date(2025, 3, 5))
    services.contract_accept(actor=staff, contract=contract, on=dt.date(2025, 3, 6))
    services.contract_register(
        actor=staff, contract=contract, technology_amount_wan=Decimal("100"), on=dt.date(2025, 3, 20)
    )
    contract.refresh_from_db()
    assert contract.registration_number == "25990101000001"


def test_a_party_form_fills_the_region_code_from_the_city(city):
    from kechuang.techmarket.forms import PartyForm

    form = PartyForm(
        data={"role": "buyer", "name": "示例买方有限公司", "nature": "100", "region": unit_of(city, "yixian").pk}
    )
    assert form.is_valid(), form.errors
    assert form.cleaned_data["region_code"] == "990121"


def _indicator_page(client, user: User, code: str):
    client.force_login(user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "zh-hans"
    return client.get(reverse("indicators:detail", args=[code]))


def test_the_indicators_compare_with_the_city_s_own_province(city, client):
    from kechuang.indicators.catalogue import catalogue_load
    from kechuang.indicators.models import Indicator, PublishedFigure

    catalogue_load(actor=None, city=city)
    staff = user_of(city, "shili_staff", Role.BUREAU_STAFF, "kejiju")
    indicator = Indicator.objects.get(code="high_tech_enterprises")
    # Another province's figures (the bundled city's) are no comparison for this city: no line, no note.
    PublishedFigure.objects.create(
        indicator_code="high_tech_enterprises", indicator=indicator, region_label="山东省", year=2023,
        value=Decimal("26700"), unit="家", source="other province",
    )  # fmt: skip
    response = _indicator_page(client, staff, "high_tech_enterprises")
    assert response.status_code == 200
    assert response.context["chart"]["comparison"] == []
    assert 'data-testid="comparison-note"' not in response.content.decode()
    # Its own province's published figures are the comparison line, named after the province.
    PublishedFigure.objects.create(
        indicator_code="high_tech_enterprises", indicator=indicator, region_label="示例省", year=2023,
        value=Decimal("5200"), unit="家", source="示例省科技厅公布",
    )  # fmt: skip
    response = _indicator_page(client, staff, "high_tech_enterprises")
    chart = response.context["chart"]
    assert chart["comparison"] == [[2023, 5200.0]]
    assert chart["labels"]["comparison"] == "示例省（公开数据：示例省科技厅公布）"  # labelled with its source
    assert chart["labels"]["comparison_axis"] == "示例省"
    html = response.content.decode()
    assert 'data-testid="comparison-note"' in html and "紫色虚线为示例省公开发布的数据" in html


def test_the_ladder_evaluates_the_city_s_firms(city):
    from kechuang.enterprises.demo import load_population
    from kechuang.enterprises.models import Enterprise
    from kechuang.enterprises.services import ladder_evaluate

    assert load_population(city, 40, seed=7) == 40
    evaluated = 0
    for enterprise in Enterprise.objects.filter(region__parent=city)[:10]:
        _facts, results = ladder_evaluate(enterprise)
        assert results and all(r.tier for r in results)
        evaluated += 1
    assert evaluated == 10


def test_supervision_walks_a_report_of_the_city(city):
    from kechuang.policy.models import Policy
    from kechuang.supervision import services
    from kechuang.supervision.models import ProgressReport

    policy = Policy.objects.get(code=POLICY_CODE)
    staff = user_of(city, "shili_staff", Role.BUREAU_STAFF, "kejiju")
    officer = user_of(city, "shili_officer", Role.DEPARTMENT_OFFICER, "gongxinju")
    today = dt.date.today()
    period = services.period_open(
        actor=staff, policy=policy, year=today.year, quarter=1, due_date=today + dt.timedelta(days=10)
    )
    assert period.reports.count() == 3  # task 1: lead and supporter; task 2: lead
    report = ProgressReport.objects.get(period=period, task__number=2, department=unit_of(city, "gongxinju"))
    text = {"work_done": "完成园区规划。", "problems": "无", "next_steps": "推进建设。"}
    services.report_update(actor=officer, report=report, **text)
    services.report_consolidate(actor=officer, report=report)  # a lead department reports to the bureau
    report.refresh_from_db()
    services.report_accept(actor=staff, report=report)
    report.refresh_from_db()
    assert report.state == ProgressReport.State.ACCEPTED
