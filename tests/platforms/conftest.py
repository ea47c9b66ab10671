from __future__ import annotations

import datetime as dt

import pytest

from kechuang.core.models import OrgUnit
from kechuang.core.validators import credit_code_check_char


def code(n: int, admin: str = "370303") -> str:
    body = f"91{admin}{n:09d}"
    return body + credit_code_check_char(body)


@pytest.fixture
def register(db):
    """Four firms of the enterprise register: two in 张店区, one in 淄川区, one more in 张店区 holding the high-tech
    title since last March."""
    from kechuang.enterprises.models import Enterprise, Qualification

    units = {u.code: u for u in OrgUnit.objects.regions()}
    firms = {
        "a": Enterprise.objects.create(credit_code=code(1), name="测试甲公司", region=units["zhangdian"]),
        "b": Enterprise.objects.create(credit_code=code(2), name="测试乙公司", region=units["zhangdian"]),
        "c": Enterprise.objects.create(credit_code=code(3, "370302"), name="测试丙公司", region=units["zichuan"]),
        "d": Enterprise.objects.create(credit_code=code(4), name="测试丁公司", region=units["zhangdian"]),
    }
    year = dt.date.today().year
    Qualification.objects.create(
        enterprise=firms["d"],
        tier="high_tech",
        certificate_number="GR-TEST-1",
        issue_date=dt.date(year - 1, 3, 1),
        expiry_date=dt.date(year + 2, 3, 1),
    )
    return firms


@pytest.fixture
def types(db):
    from kechuang.platforms.models import PlatformType

    return {t.code: t for t in PlatformType.objects.all()}


@pytest.fixture
def make_platform(register, types, persona):
    from kechuang.platforms import services

    def make(
        name="测试工程研究中心",
        *,
        type_code="engineering_research_centre",
        level="province",
        region="zhangdian",
        state="reserve",
        firm="a",
        document="",
        on=None,
        actor="bureau_staff",
    ):
        return services.platform_create(
            actor=persona(actor),
            data={
                "name": name,
                "type": types[type_code],
                "level": level,
                "region": OrgUnit.objects.get(code=region, kind="region"),
                "host_kind": "enterprise",
                "host_credit_code": register[firm].credit_code,
                "industry_chain": "新材料",
            },
            initial_state=state,
            document=document,
            on=on,
        )

    return make
