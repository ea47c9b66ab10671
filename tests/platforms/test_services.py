"""The platform services as users use them: the road of §2.5 with its documents, the refusals (a jump from the
pool to the title, a district officer recognising, an evaluation on a revoked platform), the scope, the grades, and
what the 600 board and the indicator module then count."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import TestCase

from kechuang.core.models import AuditEntry, OrgUnit
from kechuang.platforms import selectors, services
from kechuang.platforms.models import Platform, PlatformEvent, PlatformSettings, PlatformType

pytestmark = pytest.mark.django_db
TODAY = dt.date.today()


def step(platform, actor, target, document="", on=None, **kw):
    return services.platform_transition(
        actor=actor, platform=platform, target=target, document=document, on=on or TODAY, **kw
    )


def road_to_recognition(platform, persona, document="鲁发改高技〔测试〕1号"):
    step(platform, persona("zhangdian_officer"), "applied")
    step(platform, persona("zhangdian_officer"), "district_recommended")
    bureau = persona("bureau_staff")
    for target in ("formal_check", "expert_review", "publicity"):
        step(platform, bureau, target)
    step(platform, bureau, "under_construction", document="筹建文号")
    step(platform, bureau, "acceptance_review")
    return step(platform, bureau, "recognised", document=document)


def test_the_bureau_recognises_a_centre_from_the_reserve_pool_and_every_step_keeps_its_document(make_platform, persona):
    platform = make_platform()
    entries = AuditEntry.objects.filter(object_type="platforms.platform", object_id=str(platform.pk))
    before = entries.count()
    with TestCase.captureOnCommitCallbacks(execute=True):
        road_to_recognition(platform, persona)
    platform.refresh_from_db()
    assert platform.state == "recognised"
    assert (platform.recognition_document, platform.recognition_date) == ("鲁发改高技〔测试〕1号", TODAY)
    steps = list(platform.events.order_by("id").values_list("state", "document"))
    assert steps[0] == ("reserve", "") and steps[-1] == ("recognised", "鲁发改高技〔测试〕1号")
    assert ("under_construction", "筹建文号") in steps and len(steps) == 9
    assert entries.count() - before == 8  # one entry per step
    # the board counts it this year, and the list behind the number shows it with its document number
    board = selectors.board(persona("bureau_staff"))
    assert board.tally.total == 1 and board.by_type[0]["code"] == "engineering_research_centre"
    assert selectors.counted_pks(persona("bureau_staff"), TODAY.year) == [platform.pk]
    # the indicator module counts it too, through the registry feed
    from kechuang.indicators.models import Observation
    from kechuang.indicators.services import sync_feeds

    sync_feeds([TODAY.year])
    city = Observation.objects.get(
        indicator__code="innovation_platforms_provincial_plus",
        region__code="zibo",
        year=TODAY.year,
        source__contains="创新平台库",
    )
    assert city.value == 1


def test_a_jump_from_the_pool_to_the_title_is_refused(make_platform, persona, unchanged_db):
    platform = make_platform()
    with unchanged_db(), pytest.raises(ValidationError) as refused:
        step(platform, persona("bureau_admin"), "recognised", document="文号")
    assert "target" in refused.value.message_dict


def test_a_district_officer_recognises_nothing(make_platform, persona, unchanged_db):
    platform = make_platform()
    step(platform, persona("zhangdian_officer"), "applied")
    step(platform, persona("zhangdian_officer"), "district_recommended")
    bureau = persona("bureau_staff")
    for target in ("formal_check", "expert_review", "publicity"):
        step(platform, bureau, target)
    with unchanged_db(), pytest.raises(PermissionDenied):
        step(platform, persona("zhangdian_officer"), "recognised", document="文号")
    with pytest.raises(PermissionDenied):  # nor may the leader, read-only
        step(platform, persona("leader"), "recognised", document="文号")
    # nor enter a platform as already recognised
    with pytest.raises(PermissionDenied):
        services.platform_create(
            actor=persona("zhangdian_officer"),
            data={
                "name": "x",
                "type": platform.type,
                "level": "province",
                "region": platform.region,
                "host_kind": "university",
                "host_name": "某大学",
            },
            initial_state="recognised",
            document="文号",
        )


def test_another_district_cannot_touch_the_platform(make_platform, persona, unchanged_db):
    platform = make_platform()
    with unchanged_db(), pytest.raises(PermissionDenied):
        step(platform, persona("zichuan_officer"), "applied")
    assert not Platform.objects.visible_to(persona("zichuan_officer")).filter(pk=platform.pk).exists()
    assert Platform.objects.visible_to(persona("zhangdian_officer")).filter(pk=platform.pk).exists()
    # the competent department (发改 for engineering research centres) sees it; the science bureau's officer does not
    assert not Platform.objects.visible_to(persona("lead_officer")).filter(pk=platform.pk).exists()


def test_the_host_is_a_firm_of_the_register(make_platform, persona, types):
    with pytest.raises(ValidationError) as refused:
        services.platform_create(
            actor=persona("bureau_staff"),
            data={
                "name": "x",
                "type": types["key_lab"],
                "level": "city",
                "region": OrgUnit.objects.get(code="zhangdian", kind="region"),
                "host_kind": "enterprise",
                "host_credit_code": "91370303MA3C00000X",
            },
        )
    assert "host_credit_code" in refused.value.message_dict
    platform = make_platform(firm="b")
    assert platform.host_name == "测试乙公司"  # filled from the register


def test_a_level_the_type_has_not_is_refused(make_platform):
    with pytest.raises(ValidationError) as refused:
        make_platform(type_code="provincial_lab", level="city")
    assert "level" in refused.value.message_dict


def test_evaluations_follow_the_type_bands_and_a_fail_puts_the_platform_under_rectification(make_platform, persona):
    bureau = persona("bureau_staff")
    good = make_platform("甲", state="recognised", document="文号1")
    bad = make_platform("乙", state="recognised", document="文号2")
    assert (
        services.evaluation_record(actor=bureau, platform=good, year=TODAY.year - 1, score=Decimal("85")).grade
        == "excellent"
    )
    assert (
        services.evaluation_record(actor=bureau, platform=bad, year=TODAY.year - 1, score=Decimal("59.5")).grade
        == "fail"
    )
    bad.refresh_from_db()
    assert bad.state == "rectification"
    with pytest.raises(ValidationError):  # one evaluation a year
        services.evaluation_record(actor=bureau, platform=good, year=TODAY.year - 1, score=Decimal("70"))
    with pytest.raises(PermissionDenied):  # only the bureau evaluates
        services.evaluation_record(actor=persona("zhangdian_officer"), platform=good, year=TODAY.year, score=70)


def test_an_evaluation_on_a_revoked_platform_is_refused(make_platform, persona, unchanged_db):
    bureau = persona("bureau_staff")
    platform = make_platform(state="recognised", document="文号", on=TODAY - dt.timedelta(days=400))
    step(platform, bureau, "revoked", document="撤销文号")
    with unchanged_db(), pytest.raises(ValidationError) as refused:
        services.evaluation_record(actor=bureau, platform=platform, year=TODAY.year, score=90)
    assert "score" in refused.value.message_dict


def test_counting_rule_settings_change_the_count_and_revocation_leaves_it_that_year(make_platform, persona):
    bureau = persona("bureau_staff")
    last_year = TODAY.year - 1
    held = make_platform("甲", state="recognised", document="文号1", on=dt.date(last_year - 2, 5, 1))
    make_platform("乙", state="under_construction", document="筹建", on=dt.date(last_year, 5, 1))
    upgraded = make_platform("丙", level="national", state="recognised", document="国家", on=dt.date(last_year, 6, 1))
    lower = make_platform("丙省级", state="recognised", document="省级", on=dt.date(last_year - 3, 6, 1))
    Platform.objects.filter(pk=upgraded.pk).update(continues=lower, lineage=lower.pk)
    assert len(selectors.counted_pks(bureau, last_year)) == 2  # 甲, and 丙 once (national)
    services.settings_update(actor=bureau, data={"count_under_construction": True})
    assert len(selectors.counted_pks(bureau, last_year)) == 3
    codes = set(PlatformType.objects.filter(counts_for_task2=True).values_list("code", flat=True))
    services.settings_update(actor=bureau, data={}, counted_types=codes - {"engineering_research_centre"})
    assert selectors.counted_pks(bureau, last_year) == []
    services.settings_update(actor=bureau, data={"count_under_construction": False}, counted_types=codes)
    step(held, bureau, "revoked", document="撤销")
    assert held.pk not in selectors.counted_pks(bureau, TODAY.year)
    assert held.pk in selectors.counted_pks(bureau, last_year)
    with pytest.raises(PermissionDenied):
        services.settings_update(actor=persona("zhangdian_officer"), data={"count_under_construction": True})
    assert PlatformSettings.current().count_under_construction is False


def test_a_downgrade_names_a_lower_level_and_the_step_keeps_it(make_platform, persona):
    bureau = persona("bureau_staff")
    platform = make_platform(state="recognised", document="文号", on=TODAY - dt.timedelta(days=30))
    with pytest.raises(ValidationError):
        step(platform, bureau, "downgraded", document="降级", level="national")
    step(platform, bureau, "downgraded", document="降级", level="city")
    platform.refresh_from_db()
    assert (platform.state, platform.level) == ("downgraded", "city")
    assert PlatformEvent.objects.filter(platform=platform).latest("id").level == "city"


def test_a_step_cannot_be_dated_before_the_previous_one(make_platform, persona):
    platform = make_platform(on=TODAY)
    with pytest.raises(ValidationError) as refused:
        step(platform, persona("zhangdian_officer"), "applied", on=TODAY - dt.timedelta(days=3))
    assert "on" in refused.value.message_dict


def test_yearly_facts_feed_the_reserve_pool_gaps(make_platform, persona):
    platform = make_platform(level="city", state="recognised", document="市级")
    services.platform_year_save(
        actor=persona("zhangdian_officer"),
        platform=platform,
        year=TODAY.year - 1,
        data={"rd_staff": 45, "space_m2": Decimal("2500"), "equipment_wan": Decimal("800")},
    )
    pool = selectors.reserve_pool(persona("zhangdian_officer"))
    assert [c.platform.pk for c in pool] == [platform.pk]
    gaps = {g.criterion: (g.have, g.need, g.shortfall) for g in pool[0].distance.gaps}
    assert gaps == {"space_m2": (2500, 2000, 0), "equipment_wan": (800, 1000, 200), "rd_staff": (45, 50, 5)}
    assert selectors.reserve_pool(persona("zichuan_officer")) == []
