"""The incubation chain: incubatees of the register from entry to graduation, cultivated high-tech enterprises read
through the registry, the reward rule as data."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from kechuang.core.models import OrgUnit
from kechuang.platforms import selectors, services
from kechuang.platforms.models import PlatformSettings

pytestmark = pytest.mark.django_db
TODAY = dt.date.today()


@pytest.fixture
def carrier(persona):
    return services.carrier_save(
        actor=persona("zhangdian_officer"),
        data={
            "name": "测试孵化器",
            "stage": "incubator",
            "specialty": "general",
            "level": "province",
            "region": OrgUnit.objects.get(code="zhangdian", kind="region"),
            "operator_name": "测试运营公司",
            "space_total_m2": Decimal("12000"),
            "space_incubatee_m2": Decimal("9000"),
        },
    )


def test_an_incubatee_graduates_becomes_high_tech_and_the_carrier_count_moves(carrier, register, persona):
    officer = persona("zhangdian_officer")
    entered = dt.date(TODAY.year - 3, 1, 10)
    incubatee = services.incubatee_add(
        actor=officer, carrier=carrier, credit_code=register["b"].credit_code, entered_on=entered
    )
    assert incubatee.name == "测试乙公司"
    services.incubatee_move(actor=officer, incubatee=incubatee, target="in_incubation", on=entered)
    services.incubatee_move(actor=officer, incubatee=incubatee, target="graduated", on=dt.date(TODAY.year - 2, 6, 1))
    assert selectors.carrier_stats(carrier).hte_count == 0
    from kechuang.enterprises.models import Qualification

    Qualification.objects.create(
        enterprise=register["b"],
        tier="high_tech",
        certificate_number="GR-TEST-2",
        issue_date=dt.date(TODAY.year - 1, 11, 1),
        expiry_date=dt.date(TODAY.year + 2, 11, 1),
    )
    stats = selectors.carrier_stats(carrier)
    assert stats.hte_count == 1 and stats.reward_by_year == {TODAY.year - 1: Decimal("10")}
    assert selectors.carrier_rows(type(carrier).objects.filter(pk=carrier.pk))[0]["stats"]["hte"] == 1


def test_a_title_from_before_the_entry_or_after_the_window_does_not_count(carrier, register, persona):
    officer = persona("zhangdian_officer")
    # 丁 holds the title since last March: it entered after that
    late = services.incubatee_add(
        actor=officer, carrier=carrier, credit_code=register["d"].credit_code, entered_on=TODAY - dt.timedelta(days=30)
    )
    assert selectors.carrier_stats(carrier).hte_count == 0
    services.incubatee_move(actor=officer, incubatee=late, target="left", on=TODAY)
    settings = PlatformSettings.current()
    settings.hte_window_years = 1
    settings.save()
    early = services.incubatee_add(
        actor=officer, carrier=carrier, credit_code=register["d"].credit_code, entered_on=dt.date(TODAY.year - 6, 1, 1)
    )
    services.incubatee_move(actor=officer, incubatee=early, target="in_incubation", on=dt.date(TODAY.year - 6, 1, 1))
    services.incubatee_move(actor=officer, incubatee=early, target="graduated", on=dt.date(TODAY.year - 5, 1, 1))
    assert selectors.carrier_stats(carrier).hte_count == 0  # title 4 years after graduating, window 1 year


def test_the_reward_rule_is_data_with_a_yearly_cap():
    settings = PlatformSettings.current()
    assert selectors.reward(3, settings) == Decimal("30")
    assert selectors.reward(11, settings) == Decimal("100")
    settings.reward_cap_wan = Decimal("50")
    assert selectors.reward(11, settings) == Decimal("50")


def test_incubatee_refusals(carrier, register, persona):
    officer = persona("zhangdian_officer")
    with pytest.raises(ValidationError) as refused:
        services.incubatee_add(actor=officer, carrier=carrier, credit_code="91370303MA3C00000X", entered_on=TODAY)
    assert "credit_code" in refused.value.message_dict
    incubatee = services.incubatee_add(
        actor=officer, carrier=carrier, credit_code=register["a"].credit_code, entered_on=TODAY
    )
    with pytest.raises(ValidationError):  # entered → graduated skips the incubation
        services.incubatee_move(actor=officer, incubatee=incubatee, target="graduated", on=TODAY)
    with pytest.raises(ValidationError):  # already in the carrier
        services.incubatee_add(actor=officer, carrier=carrier, credit_code=register["a"].credit_code, entered_on=TODAY)
    with pytest.raises(PermissionDenied):
        services.incubatee_move(actor=persona("zichuan_officer"), incubatee=incubatee, target="in_incubation", on=TODAY)
    with pytest.raises(ValidationError):
        services.carrier_save(actor=officer, carrier=carrier, data={"space_incubatee_m2": Decimal("99999")})


def test_funnel_counts_by_stage_in_scope(carrier, register, persona):
    services.incubatee_add(
        actor=persona("zhangdian_officer"), carrier=carrier, credit_code=register["a"].credit_code, entered_on=TODAY
    )
    stages, _year = selectors.funnel(persona("zhangdian_officer"))
    incubator = next(s for s in stages if s["stage"] == "incubator")
    assert (incubator["carriers"], incubator["now"]) == (1, 1)
    stages, _year = selectors.funnel(persona("zichuan_officer"))
    assert all(s["carriers"] == 0 and s["now"] == 0 for s in stages)
