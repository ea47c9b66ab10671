"""A firm's register region is looked up once (core.registry.registered_firms / register_region) for every module:
a firm's portal account (core.firm_accounts), an application to a call and the project import (projects), a firm's
demand on its portal (techmarket), the calls a firm is told about (projects.notices). Each caller is driven here
with the same two firms — one whose register row names the city instead of a district, one the register places in
淄川区 — so a caller that looked the region up its own way again would answer differently from the others."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from kechuang.core import firm_accounts, imports, registry
from kechuang.core.models import OrgUnit, User
from kechuang.core.roles import Role
from kechuang.enterprises.models import Enterprise
from kechuang.enterprises.population import credit_code
from kechuang.projects import notices, services
from kechuang.projects.models import Project
from kechuang.techmarket.models import Demand
from kechuang.techmarket.services import demand_save_for_firm
from tests.projects.test_import import errors_of, good_file

pytestmark = pytest.mark.django_db

AT_CITY = credit_code("370302", 530_001)  # in the register, but its row names the city, not a district
IN_ZICHUAN = credit_code("370303", 530_002)  # in the register, in 淄川区
UNKNOWN = credit_code("370302", 530_099)  # not in the register


@pytest.fixture
def odd_register(unit):
    city = OrgUnit.objects.get(kind=OrgUnit.Kind.CITY)
    # written past enterprise_create, which refuses a unit that is not a district, county or zone
    Enterprise.objects.create(credit_code=AT_CITY, name="市级登记企业", region=city)
    Enterprise.objects.create(credit_code=IN_ZICHUAN, name="淄川登记企业", region=unit("zichuan"))


def test_the_lookup_places_a_firm_in_its_district_only(odd_register, unit):
    assert registry.register_region(IN_ZICHUAN) == unit("zichuan")
    assert registry.register_region(f"  {IN_ZICHUAN.lower()} ") == unit("zichuan")
    assert registry.register_region(AT_CITY) is None  # a register row naming no district places the firm nowhere
    assert registry.register_region(UNKNOWN) is None
    assert set(registry.registered_firms([AT_CITY, IN_ZICHUAN, UNKNOWN])) == {IN_ZICHUAN}


def _portal_account(staff, _call) -> None:
    with pytest.raises(ValidationError) as refused:
        firm_accounts.invitation_issue(actor=staff, credit_code=AT_CITY, valid_days=30)
    assert "credit_code" in refused.value.message_dict


def _own_application(_staff, call) -> None:
    account = User.objects.create(username="t_city_firm", role=Role.ENTERPRISE, credit_code=AT_CITY)
    with pytest.raises(ValidationError) as refused:
        services.application_submit(
            actor=account, call=call, project_title="膜", requested_wan=Decimal(100), self_raised_wan=Decimal(0)
        )
    assert "credit_code" in refused.value.message_dict


def _project_import(staff, _call) -> None:
    job = imports.import_now("projects", actor=staff, filename="p.xlsx", data=good_file("XM-CITY", firm=AT_CITY))
    assert not Project.objects.filter(code="XM-CITY").exists()
    assert any(column == "承担单位统一社会信用代码" for _sheet, _row, column in errors_of(job)), job.errors


def _portal_demand(_staff, _call) -> None:
    account = User.objects.create(username="t_city_firm", role=Role.ENTERPRISE, credit_code=AT_CITY)
    with pytest.raises(ValidationError) as refused:
        demand_save_for_firm(actor=account, demand=Demand(title="膜材料需求"))
    assert "credit_code" in refused.value.message_dict
    assert not Demand.objects.filter(credit_code=AT_CITY).exists()


def _call_notices(_staff, call) -> None:
    told = notices.firm_notices(dt.date.today(), {AT_CITY})
    assert not [n for n in told if f"call.{call.pk}." in n.key]


@pytest.mark.parametrize("caller", [_portal_account, _own_application, _project_import, _portal_demand, _call_notices])
def test_a_firm_the_register_places_in_no_district_is_unknown_to_every_caller(
    odd_register, persona, open_call, unit, caller
):
    """The portal account and the firm's own application refuse it as not in the register, the import names its
    credit code as not in the register; none files it under the city. A call of the city's own regions is news to
    none of its firms (the call is 淄川区's here)."""
    open_call.region = unit("zichuan")
    open_call.save()
    caller(persona("bureau_staff"), open_call)


def test_a_registered_firm_has_one_district_for_every_caller(odd_register, persona, open_call, unit):
    staff = persona("bureau_staff")
    invitation, _code = firm_accounts.invitation_issue(actor=staff, credit_code=IN_ZICHUAN.lower(), valid_days=30)
    assert invitation.region == unit("zichuan")
    # staff entering the firm's application under another district is told where the register places it
    with pytest.raises(ValidationError) as refused:
        services.application_submit(
            actor=staff,
            call=open_call,
            applicant="淄川登记企业",
            credit_code=IN_ZICHUAN,
            region=unit("zhangdian"),
            project_title="膜",
            requested_wan=Decimal(100),
            self_raised_wan=Decimal(0),
        )
    assert "region" in refused.value.message_dict, refused.value.message_dict
    # a call of 淄川区 is news to the firm, and to no firm the register places nowhere
    open_call.region = unit("zichuan")
    open_call.save()
    told = notices.firm_notices(dt.date.today(), {IN_ZICHUAN, AT_CITY})
    assert {n.credit_code for n in told if f"call.{open_call.pk}." in n.key} == {IN_ZICHUAN}
